"""Pretrained models shipped in the package, each a checkpoint with a model card.

`list_pretrained()` describes them, `pretrained_path(name)` gives the checkpoint, and
`load_predictor("pretrained:NAME")` / `StreamingPredictor.from_pretrained(NAME)` load them.
A shipped model is a `<name>.pt` checkpoint beside its `<name>.json` card in this folder;
`make pretrained` (`python -m gaitpredict.studies.pretrained`) rebuilds them from the shared
data with their recipes (`experiments/profiles/recipes/<name>.yaml`).
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

from ..errors import CheckpointError

PREFIX = "pretrained:"


def _folder() -> Path:
    return Path(str(resources.files(__package__)))


def shipped_names() -> list[str]:
    """The names of the shipped models: each a checkpoint with its card."""
    return sorted(p.stem for p in _folder().glob("*.json") if p.with_suffix(".pt").is_file())


JOINT_ORDER = ("knee", "ankle", "hip")  # how `gaitpredict models` lists them


def list_pretrained() -> list[dict]:
    """The model cards (as dicts) of every shipped model: by joint (knee, ankle, hip), then
    horizon, then name."""
    cards = [json.loads((_folder() / f"{name}.json").read_text()) for name in shipped_names()]

    def order(c: dict) -> tuple:
        joint = c["target"].split("_")[1]
        rank = JOINT_ORDER.index(joint) if joint in JOINT_ORDER else len(JOINT_ORDER)
        return rank, c["horizon_ms"], c["name"]

    return sorted(cards, key=order)


def pretrained_path(name: str) -> Path:
    """The checkpoint of a shipped model (`name` with or without 'pretrained:')."""
    name = name.removeprefix(PREFIX)
    path = _folder() / f"{name}.pt"
    if name not in shipped_names():
        shipped = [c["name"] for c in list_pretrained()]
        raise CheckpointError(
            f"no pretrained model {name!r}; shipped: {', '.join(shipped) or 'none'} "
            "(`gaitpredict models` lists them)"
        )
    return path


def shipped_onnx(name_or_path) -> Path | None:
    """The shipped ONNX file (parity-checked when built) of a shipped model given by name,
    as 'pretrained:NAME' or by its checkpoint's path; None for anything else."""
    text = str(name_or_path)
    if names_shipped(text):
        checkpoint = pretrained_path(text)
    elif Path(text).resolve().parent == _folder().resolve() and Path(text).suffix == ".pt":
        checkpoint = Path(text)
    else:
        return None
    onnx = checkpoint.with_suffix(".onnx")
    return onnx if onnx.is_file() else None


def served_by_shipped() -> str:
    """What the shipped models predict, in words, for refusals: each serves its target and,
    by mirroring its inputs left for right, the other side's."""
    from ..data.channels import mirror_name

    parts = []
    for c in list_pretrained():
        other = mirror_name(c["target"])
        sides = c["target"] if other == c["target"] else f"{c['target']} or {other} (mirrored)"
        parts.append(f"{c['name']}: {sides} {c['horizon_ms']:g} ms ahead")
    return "shipped: " + ("; ".join(parts) if parts else "none")


def choose_shipped(target: str, horizon_ms: float | None, channels) -> str:
    """The shipped model that predicts `target` (its own side or, mirrored, the other) at
    `horizon_ms` (None: the default, 100 ms: a nearer horizon is always easier, so it is
    never chosen unasked) from channels a recording holds: of those that fit, the one whose
    card measured the lowest error on labs left out (`_lab_left_out_rmse`). None fits:
    refused, naming what the shipped models serve."""
    from ..data.channels import mirror_name
    from ..errors import ConfigError
    from ..windowing.spec import DEFAULT_HORIZON_MS

    horizon_ms = DEFAULT_HORIZON_MS if horizon_ms is None else horizon_ms

    fits = []
    for c in list_pretrained():
        if abs(c["horizon_ms"] - float(horizon_ms)) > 1e-9:
            continue
        if target == c["target"]:
            inputs = c["inputs"]
        elif target == mirror_name(c["target"]):
            inputs = [mirror_name(ch) for ch in c["inputs"]]
        else:
            continue
        if set(inputs) <= set(channels):
            fits.append((_lab_left_out_rmse(c), c["name"]))
    if not fits:
        raise ConfigError(
            f"no shipped model predicts {target} {float(horizon_ms):g} ms ahead from this "
            f"recording's channels; {served_by_shipped()}"
        )
    return min(fits)[1]


def _lab_left_out_rmse(c: dict) -> float:
    """A card's mean RMSE over every subject of the labs it was measured on left out (the
    network trained without each lab; infinite when the card has none)."""
    cells = [v["network, lab left out"] for v in c.get("cross_lab", {}).values()
             if "network, lab left out" in v]  # fmt: skip
    n = sum(cell["subjects"] for cell in cells)
    if not n:
        return float("inf")
    return sum(cell["mean_rmse_deg"] * cell["subjects"] for cell in cells) / n


def card(name: str) -> dict:
    pretrained_path(name)
    return json.loads((_folder() / f"{name.removeprefix(PREFIX)}.json").read_text())


def names_shipped(text: str) -> bool:
    """`text` is 'pretrained:NAME', or a shipped model's name that is not also a file."""
    return text.startswith(PREFIX) or (text in shipped_names() and not Path(text).exists())


def resolve_model(name_or_path) -> Path:
    """A checkpoint path as given, or the checkpoint of a shipped model's name."""
    text = str(name_or_path)
    if names_shipped(text):
        return pretrained_path(text)
    path = Path(text)
    if not path.exists():
        shipped = [c["name"] for c in list_pretrained()]
        raise CheckpointError(
            f"{path}: no such checkpoint, and not a pretrained model (shipped: "
            f"{', '.join(shipped) or 'none'})"
        )
    return path
