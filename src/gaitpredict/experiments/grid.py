"""Experiment grids: a small YAML spec of blocks (models x inputs x horizons ...) x folds x seeds.

A grid expands to resolved `RunConfig`s (model defaults filled in), each with a `run_id`
hashed from that resolved config, so stating a default changes nothing and the
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

from ..errors import ConfigError
from ..models import model_info
from ..training.trainer import TrainConfig
from .run import RunConfig

SPLITS = ("loso", "within-subject", "random-windows", "lolo", "subject-folds")
CORPUS_SPLITS = ("lolo", "subject-folds")  # need the grid's `datasets:`
PER_LAB_SPLITS = ("within-subject", "random-windows")  # with `datasets:`, one run per lab
PROFILES = ("quick", "standard", "paper", "cross-lab")
_NOT_IDENTITY = ("progress", "threads")  # settings that do not change a run's result


@dataclass
class Block:
    """One family of runs; its name picks its report section (`report.sections`: table1,
    table2, attention, horizon, within-subject). A model may carry its attention placement:
    `attn-cnn-lstm@before`."""

    name: str
    models: list[str]
    inputs: list[str] = field(default_factory=lambda: ["arms+legs"])
    targets: list[str] = field(default_factory=lambda: ["r_knee_flex"])
    horizons_ms: list[float] = field(default_factory=lambda: [100.0])
    windows_ms: list[float] = field(default_factory=lambda: [500.0])
    split: str = "loso"
    splits: list[str] | None = None  # several splits in one block (the protocol block)
    folds_k: int | None = 5  # subject-folds over the corpus: this many folds
    in_lab: list[str] | None = None  # models also trained inside each lab alone (LOSO there)
    datasets: list[str] | None = None  # only these of the grid's labs (None: all of them)

    @property
    def all_splits(self) -> list[str]:
        return list(self.splits) if self.splits else [self.split]


@dataclass
class Grid:
    name: str
    blocks: list[Block]
    folds: list[str] = field(default_factory=lambda: ["S35"])
    seeds: list[int] = field(default_factory=lambda: [0])
    train: dict = field(default_factory=dict)
    model_config: dict = field(default_factory=dict)
    description: str = ""
    datasets: list[str] | None = None  # a corpus of labs: folder names under --data

    @classmethod
    def from_dict(cls, d: dict, source: str = "grid") -> Grid:
        known = {
            "name", "blocks", "folds", "seeds", "train", "model_config", "description",
            "datasets",
        }  # fmt: skip
        unknown = sorted(set(d) - known)
        if unknown:
            raise ConfigError(f"{source}: unknown key(s) {unknown}; expected {sorted(known)}")
        if not d.get("blocks"):
            raise ConfigError(f"{source}: a grid needs at least one block under 'blocks'")
        try:
            blocks = [Block(**b) for b in d["blocks"]]
            TrainConfig(**d.get("train", {}))
        except TypeError as exc:
            raise ConfigError(f"{source}: {exc}") from None
        grid = cls(**{**d, "blocks": blocks, "name": d.get("name", Path(source).stem)})
        grid.check(source)
        return grid

    def check(self, source: str) -> None:
        """Refuse at load time what would otherwise fail or vanish after hours of training:
        unknown blocks, models, model options and splits."""
        from ..report.sections import section_names

        known = section_names()
        for b in self.blocks:
            if b.name not in known:
                raise ConfigError(
                    f"{source}: unknown block {b.name!r}; the report knows {', '.join(known)}"
                )
            for split in b.all_splits:
                if split not in SPLITS:
                    raise ConfigError(
                        f"{source}: block {b.name}: unknown split {split!r}; expected one of "
                        f"{', '.join(SPLITS)}"
                    )
                if split in CORPUS_SPLITS and not self.datasets:
                    raise ConfigError(
                        f"{source}: block {b.name}: split {split} needs a corpus: list the "
                        "labs' dataset folders under 'datasets:'"
                    )
            if b.in_lab and not self.datasets:
                raise ConfigError(f"{source}: block {b.name}: in_lab needs 'datasets:'")
            if b.datasets and not set(b.datasets) <= set(self.datasets or []):
                raise ConfigError(
                    f"{source}: block {b.name}: datasets {b.datasets} must be among the "
                    f"grid's datasets {self.datasets}"
                )
        options = set()
        for entry in {m for b in self.blocks for m in b.models}:
            try:
                name, opts = self.model_options(entry)
                options |= model_info(name).option_names()
                model_info(name).resolve(opts)  # values are checked by the model's config
            except ConfigError as exc:
                raise ConfigError(f"{source}: {entry}: {exc}") from None
        unused = sorted(set(self.model_config) - options)
        if unused:
            raise ConfigError(
                f"{source}: model_config key(s) {unused} belong to no model of this grid"
            )

    @classmethod
    def load(cls, path_or_profile: str | Path) -> Grid:
        """A YAML file, or the name of a built-in profile (quick, standard, paper)."""
        if str(path_or_profile) in PROFILES:
            text = resources.files(__package__).joinpath(f"profiles/{path_or_profile}.yaml")
            return cls.from_dict(yaml.safe_load(text.read_text()), f"profile {path_or_profile}")
        path = Path(path_or_profile)
        if not path.is_file():
            raise ConfigError(
                f"{path}: no such grid file, and not a profile ({', '.join(PROFILES)})"
            )
        try:
            spec = yaml.safe_load(path.read_text())
        except yaml.YAMLError as exc:
            raise ConfigError(f"{path}: not valid YAML: {exc}") from None
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

    def model_options(self, entry: str) -> tuple[str, dict]:
        """`attn-cnn-lstm@before` -> ("attn-cnn-lstm", options): the grid's `model_config`
        keys that this model has, plus the placement after `@`."""
        name, _, placement = entry.partition("@")
        info = model_info(name)
        options = {k: v for k, v in self.model_config.items() if k in info.option_names()}
        if placement:
            if not info.attention:
                raise ConfigError(f"{entry}: {name} has no attention placement to choose")
            options["attention"] = placement
        return name, options

    def block_labs(self, b: Block) -> list[str]:
        """The labs a block runs on: its own `datasets:`, else the grid's (empty: one
        dataset, no corpus)."""
        return list(b.datasets or self.datasets or [])

    def _expand_block(self, b: Block):
        for split in b.all_splits:
            if split == "loso" and self.datasets:
                # several labs: leave each subject out inside its own lab (one run per lab
                # holds a network per subject), so a claim rests on every lab's subjects
                for lab in self.block_labs(b):
                    yield from self._expand_split(b, "subject-folds", labs=[lab])
            elif split in PER_LAB_SPLITS and self.datasets:
                for lab in self.block_labs(b):  # each lab on its own
                    yield from self._expand_split(b, split, labs=[lab])
            elif split == "lolo" and b.datasets:
                yield from self._expand_split(b, split, folds=b.datasets)
            else:
                yield from self._expand_split(b, split)
        for lab in self.datasets if b.in_lab else []:
            yield from self._expand_split(b, "subject-folds", b.in_lab, labs=[lab])

    def _expand_split(self, b: Block, split: str, models=None, labs=None, folds=None):
        """Runs of one split; `labs`: only these labs of the corpus (subject folds inside one
        lab: one per subject); `folds`: test subjects or labs (default: the grid's)."""
        folds = folds or {"loso": self.folds, "lolo": self.datasets}.get(split, [None])
        where = {"folds_k": None if labs else b.folds_k} if split == "subject-folds" else {}
        if labs:
            where["labs"] = list(labs)
        for fold in folds:
            for seed in self.seeds:
                for name in models or b.models:
                    model, model_config = self.model_options(name)
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
                                        split=split,
                                        test_subject=fold if split == "loso" else None,
                                        test_lab=fold if split == "lolo" else None,
                                        train=TrainConfig(**{**self.train, "seed": seed}),
                                        **where,
                                    ).resolved()


_NEW_TRAIN_DEFAULTS = {"amplitude_jitter": 0.0, "precision": "float32"}
_NEW_WHEN_SET = ("test_lab", "rate_hz", "labs", "test_subjects", "folds_k")


def run_id(cfg: RunConfig) -> str:
    """12 hex digits identifying everything that determines a run's result: the resolved
    config (model defaults filled in), less the settings that do not change the result."""
    d = cfg.resolved().to_dict()
    d["train"] = {k: v for k, v in d["train"].items() if k not in _NOT_IDENTITY}
    for key, default in _NEW_TRAIN_DEFAULTS.items():  # added later: absent when at default
        if d["train"].get(key) == default:
            del d["train"][key]
    for key in _NEW_WHEN_SET:  # added later: absent from the ids of runs that leave them unset
        if d[key] is None:
            del d[key]
    text = json.dumps(d, sort_keys=True, default=str)
    return hashlib.sha1(text.encode()).hexdigest()[:12]
