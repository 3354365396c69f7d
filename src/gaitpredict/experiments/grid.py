"""Experiment grids: a small YAML spec of blocks (models x inputs x horizons ...) x folds x seeds.

A grid expands to resolved `RunConfig`s (model defaults filled in), each with a `run_id`
hashed from that resolved config, so stating a default changes nothing and the
same run asked for by two blocks (say, Table I's attn-cnn-lstm and the horizon sweep's
100 ms point) is trained once. Built-in profiles live in `profiles/<name>.yaml`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path

import yaml

from ..errors import ConfigError
from ..models import MAIN_MODEL, model_info
from ..windowing.splits import list_splits, split_info
from .config import RunConfig, run_id, train_from_dict

__all__ = ["Block", "Grid", "list_profiles", "list_recipes", "load_recipe", "run_id"]


def list_profiles() -> list[str]:
    """The built-in profiles: one YAML file each in `profiles/` (the one list of them)."""
    folder = resources.files(__package__).joinpath("profiles")
    return sorted(f.name.removesuffix(".yaml") for f in folder.iterdir()
                  if f.name.endswith(".yaml"))  # fmt: skip


def list_recipes() -> list[str]:
    """The shipped models' recipes: `profiles/recipes/<name>.yaml`, one run config each."""
    folder = resources.files(__package__).joinpath("profiles/recipes")
    return sorted(f.name.removesuffix(".yaml") for f in folder.iterdir()
                  if f.name.endswith(".yaml"))  # fmt: skip


def load_recipe(name: str) -> RunConfig:
    """A recipe's run config: its `run:` settings with the training settings (and first
    seed) of the profile it names under `train_from:`."""
    if name not in list_recipes():
        raise ConfigError(f"no recipe {name!r}; recipes: {', '.join(list_recipes())}")
    source = f"recipe {name}"
    text = resources.files(__package__).joinpath(f"profiles/recipes/{name}.yaml").read_text()
    recipe = yaml.safe_load(text)
    unknown = sorted(set(recipe) - {"train_from", "run"})
    if unknown:
        raise ConfigError(f"{source}: unknown key(s) {unknown}; expected train_from, run")
    run = dict(recipe["run"])
    if recipe.get("train_from"):
        grid = Grid.load(recipe["train_from"])
        run["train"] = {**grid.train, "seed": grid.seeds[0], **run.get("train", {})}
    return RunConfig.from_dict(run, source).resolved()


@dataclass
class Block:
    """One family of runs; its name picks its report section (`report.sections`: table1,
    table2, attention, horizon, within-subject, ...). A model may carry its attention
    placement: `attn-cnn-lstm@before`. `split(s)`: names of the split registry
    (`windowing.splits.list_splits()`)."""

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
    main_model: str | None = None  # the model its headline is about (None: the grid's)
    multi_horizon: bool = False  # every frame from 1 to each horizon (RunConfig.multi_horizon)

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
    main_model: str = MAIN_MODEL  # the model the report's headline and claims are about

    def __post_init__(self):
        for b in self.blocks:
            b.main_model = b.main_model or self.main_model

    @classmethod
    def from_dict(cls, d: dict, source: str = "grid", sections=None) -> Grid:
        """A grid from its YAML dict; `sections`: the block names a report knows (the report
        passes them; None: block names are not checked here)."""
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(d) - known)
        if unknown:
            raise ConfigError(f"{source}: unknown key(s) {unknown}; expected {sorted(known)}")
        if not d.get("blocks"):
            raise ConfigError(f"{source}: a grid needs at least one block under 'blocks'")
        try:
            blocks = [Block(**b) for b in d["blocks"]]
        except TypeError as exc:
            raise ConfigError(f"{source}: {exc}") from None
        train_from_dict(d.get("train", {}), f"{source}: train")
        grid = cls(**{**d, "blocks": blocks, "name": d.get("name", Path(source).stem)})
        grid.check(source, sections)
        return grid

    def check(self, source: str, sections=None) -> None:
        """Refuse at load time what would otherwise fail or vanish after hours of training:
        unknown blocks (when `sections` is given), models, model options and splits."""
        model_info(self.main_model)
        grid_splits = list_splits(in_grids=True)
        for b in self.blocks:
            if sections is not None and b.name not in sections:
                raise ConfigError(
                    f"{source}: unknown block {b.name!r}; the report knows {', '.join(sections)}"
                )
            for split in b.all_splits:
                if split not in grid_splits:
                    raise ConfigError(
                        f"{source}: block {b.name}: unknown split {split!r}; expected one of "
                        f"{', '.join(grid_splits)}"
                    )
                if split_info(split).needs_corpus and not self.datasets:
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
    def load(cls, path_or_profile: str | Path, sections=None) -> Grid:
        """A YAML file, or the name of a built-in profile (`list_profiles()`)."""
        if str(path_or_profile) in list_profiles():
            text = resources.files(__package__).joinpath(f"profiles/{path_or_profile}.yaml")
            return cls.from_dict(
                yaml.safe_load(text.read_text()), f"profile {path_or_profile}", sections
            )
        path = Path(path_or_profile)
        if not path.is_file():
            raise ConfigError(
                f"{path}: no such grid file, and not a profile ({', '.join(list_profiles())})"
            )
        try:
            spec = yaml.safe_load(path.read_text())
        except yaml.YAMLError as exc:
            raise ConfigError(f"{path}: not valid YAML: {exc}") from None
        return cls.from_dict(spec or {}, str(path), sections)

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
            info = split_info(split)
            if info.per_lab and self.datasets:
                # several labs: each lab on its own; leave-one-subject-out becomes subject
                # folds inside each lab (one run per lab holds a network per subject), so a
                # claim rests on every lab's subjects
                for lab in self.block_labs(b):
                    yield from self._expand_split(b, info.per_lab_as or split, labs=[lab])
            elif info.fold_field == "test_lab" and b.datasets:
                yield from self._expand_split(b, split, folds=b.datasets)
            else:
                yield from self._expand_split(b, split)
        for lab in self.datasets if b.in_lab else []:
            yield from self._expand_split(b, "subject-folds", b.in_lab, labs=[lab])

    def _expand_split(self, b: Block, split: str, models=None, labs=None, folds=None):
        """Runs of one split; `labs`: only these labs of the corpus (subject folds inside one
        lab: one per subject); `folds`: test subjects or labs (default: the grid's)."""
        info = split_info(split)
        corpus = self.block_labs(b)
        grid_folds = {
            "test_subject": self.folds,
            "test_lab": self.datasets,
            "test_labs": [[a, c] for i, a in enumerate(corpus) for c in corpus[i + 1 :]],
        }
        folds = folds or grid_folds.get(info.fold_field, [None])
        where = {"folds_k": None if labs else b.folds_k} if info.folds_k else {}
        if labs:
            where["labs"] = list(labs)
        for fold in folds:
            if info.fold_field:
                where[info.fold_field] = fold
            for seed in self.seeds:
                for name in models or b.models:
                    model, model_config = self.model_options(name)
                    for inputs in b.inputs:
                        for target in b.targets:
                            for horizon in b.horizons_ms:
                                for window in b.windows_ms:
                                    yield RunConfig.from_dict(
                                        {
                                            "model": model,
                                            "model_config": model_config,
                                            "inputs": inputs,
                                            "target": target,
                                            "window_ms": float(window),
                                            "horizon_ms": float(horizon),
                                            "split": split,
                                            "test_subject": None,
                                            "train": {**self.train, "seed": seed},
                                            **where,
                                            **({"multi_horizon": True} if b.multi_horizon else {}),
                                        }
                                    ).resolved()
