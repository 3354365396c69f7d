"""Experiment grids: a small YAML spec of blocks (models x inputs x horizons ...) x folds x seeds.

A grid expands to `RunConfig`s, each with a `run_id` hashed from its full config, so the
same run asked for by two blocks (say, Table I's attn-cnn-lstm and the horizon sweep's
100 ms point) is trained once. Built-in profiles live in `profiles/<name>.yaml`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path

import yaml

from ..errors import GaitDataError
from ..models.config import NetConfig
from ..training.trainer import TrainConfig
from .run import RunConfig

BASELINES = ("hold", "const-velocity", "ridge")
PROFILES = ("quick", "standard", "paper")
_NOT_IDENTITY = ("progress", "threads")  # settings that do not change a run's result


@dataclass
class Block:
    """One family of runs; the report knows the blocks table1, table2, attention, horizon
    and within-subject. A model may carry its attention placement: `attn-cnn-lstm@before`."""

    name: str
    models: list[str]
    inputs: list[str] = field(default_factory=lambda: ["arms+legs"])
    targets: list[str] = field(default_factory=lambda: ["r_knee_flex"])
    horizons_ms: list[float] = field(default_factory=lambda: [100.0])
    windows_ms: list[float] = field(default_factory=lambda: [500.0])
    split: str = "loso"


@dataclass
class Grid:
    name: str
    blocks: list[Block]
    folds: list[str] = field(default_factory=lambda: ["S35"])
    seeds: list[int] = field(default_factory=lambda: [0])
    train: dict = field(default_factory=dict)
    model_config: dict = field(default_factory=dict)
    description: str = ""

    @classmethod
    def from_dict(cls, d: dict, source: str = "grid") -> Grid:
        known = {"name", "blocks", "folds", "seeds", "train", "model_config", "description"}
        unknown = sorted(set(d) - known)
        if unknown:
            raise GaitDataError(f"{source}: unknown key(s) {unknown}; expected {sorted(known)}")
        if not d.get("blocks"):
            raise GaitDataError(f"{source}: a grid needs at least one block under 'blocks'")
        try:
            blocks = [Block(**b) for b in d["blocks"]]
            TrainConfig(**d.get("train", {}))
        except TypeError as exc:
            raise GaitDataError(f"{source}: {exc}") from None
        return cls(**{**d, "blocks": blocks, "name": d.get("name", Path(source).stem)})

    @classmethod
    def load(cls, path_or_profile: str | Path) -> Grid:
        """A YAML file, or the name of a built-in profile (quick, standard, paper)."""
        if str(path_or_profile) in PROFILES:
            text = resources.files(__package__).joinpath(f"profiles/{path_or_profile}.yaml")
            return cls.from_dict(yaml.safe_load(text.read_text()), f"profile {path_or_profile}")
        path = Path(path_or_profile)
        if not path.is_file():
            raise GaitDataError(
                f"{path}: no such grid file, and not a profile ({', '.join(PROFILES)})"
            )
        try:
            spec = yaml.safe_load(path.read_text())
        except yaml.YAMLError as exc:
            raise GaitDataError(f"{path}: not valid YAML: {exc}") from None
        return cls.from_dict(spec or {}, str(path))

    def to_dict(self) -> dict:
        return asdict(self)

    def block(self, name: str) -> Block | None:
        return next((b for b in self.blocks if b.name == name), None)

    def expand(self, block: Block | None = None) -> list[RunConfig]:
        """Every run of one block (or of all blocks, duplicates removed), in grid order."""
        runs: dict[str, RunConfig] = {}
        for b in [block] if block else self.blocks:
            for cfg in self._expand_block(b):
                runs.setdefault(run_id(cfg), cfg)
        return list(runs.values())

    def _expand_block(self, b: Block):
        folds = self.folds if b.split == "loso" else [None]
        for fold in folds:
            for seed in self.seeds:
                for name in b.models:
                    model, _, attention = name.partition("@")
                    model_config = {} if model in BASELINES else dict(self.model_config)
                    if attention:
                        model_config["attention"] = attention
                    for inputs in b.inputs:
                        for target in b.targets:
                            for horizon in b.horizons_ms:
                                for window in b.windows_ms:
                                    yield RunConfig(
                                        model=model,
                                        model_config=model_config,
                                        inputs=inputs,
                                        target=target,
                                        window_ms=float(window),
                                        horizon_ms=float(horizon),
                                        split=b.split,
                                        test_subject=fold,
                                        train=TrainConfig(**{**self.train, "seed": seed}),
                                    )


def run_id(cfg: RunConfig) -> str:
    """12 hex digits identifying everything that determines a run's result."""
    d = cfg.to_dict()
    d["train"] = {k: v for k, v in d["train"].items() if k not in _NOT_IDENTITY}
    if d["model"] == "attn-cnn-lstm":
        d["model_config"] = {
            **d["model_config"],
            "attention": attention_of(cfg.model, cfg.model_config),
        }
    text = json.dumps(d, sort_keys=True, default=str)
    return hashlib.sha1(text.encode()).hexdigest()[:12]


def attention_of(model: str, model_config: dict | None) -> str | None:
    """The attention placement of an attn-cnn-lstm run (default "after"); None otherwise."""
    if model != "attn-cnn-lstm":
        return None
    return (model_config or {}).get("attention") or NetConfig.attention


def model_label(model: str, model_config: dict | None) -> str:
    """`attn-cnn-lstm@before` for the before-LSTM placement, the plain name otherwise."""
    return f"{model}@before" if attention_of(model, model_config) == "before" else model
