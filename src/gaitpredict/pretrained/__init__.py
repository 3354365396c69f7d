"""Pretrained models shipped in the package, each a checkpoint with a model card.

`list_pretrained()` describes them, `pretrained_path(name)` gives the checkpoint, and
`load_predictor("pretrained:NAME")` / `StreamingPredictor.from_pretrained(NAME)` load them.
`make pretrained` (`python -m gaitpredict.pretrained.build`) rebuilds them from the shared
data with the recipes below.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

from ..errors import CheckpointError

PREFIX = "pretrained:"
# name -> recipe: everything `build` trains with (the same settings as the cross-lab grid)
RECIPES: dict[str, dict] = {
    "knee-100ms-arms-legs": {
        "model": "attn-cnn-lstm",
        "inputs": "arms+legs-shared",
        "target": "r_knee_flex",
        "horizon_ms": 100.0,
        "window_ms": 500.0,
        "rate_hz": 100.0,
    },
    "knee-100ms-legs": {
        "model": "attn-cnn-lstm",
        "inputs": "legs-sagittal",
        "target": "r_knee_flex",
        "horizon_ms": 100.0,
        "window_ms": 500.0,
        "rate_hz": 100.0,
    },
}


def _folder() -> Path:
    return Path(str(resources.files(__package__)))


def list_pretrained() -> list[dict]:
    """The model cards (as dicts) of every shipped model, by name."""
    return [
        json.loads((_folder() / f"{name}.json").read_text())
        for name in RECIPES
        if (_folder() / f"{name}.json").is_file() and (_folder() / f"{name}.pt").is_file()
    ]


def pretrained_path(name: str) -> Path:
    """The checkpoint of a shipped model (`name` with or without 'pretrained:')."""
    name = name.removeprefix(PREFIX)
    path = _folder() / f"{name}.pt"
    if name not in RECIPES or not path.is_file():
        shipped = [c["name"] for c in list_pretrained()]
        raise CheckpointError(
            f"no pretrained model {name!r}; shipped: {', '.join(shipped) or 'none'} "
            "(`gaitpredict models` lists them)"
        )
    return path


def card(name: str) -> dict:
    pretrained_path(name)
    return json.loads((_folder() / f"{name.removeprefix(PREFIX)}.json").read_text())


def resolve_model(name_or_path) -> Path:
    """A checkpoint path as given, or the checkpoint of a shipped model's name."""
    text = str(name_or_path)
    if text.startswith(PREFIX) or (text in RECIPES and not Path(text).exists()):
        return pretrained_path(text)
    path = Path(text)
    if not path.exists():
        shipped = [c["name"] for c in list_pretrained()]
        raise CheckpointError(
            f"{path}: no such checkpoint, and not a pretrained model (shipped: "
            f"{', '.join(shipped) or 'none'})"
        )
    return path
