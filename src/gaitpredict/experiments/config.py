"""`RunConfig`: the one description of a run, from the command line to the results row.

A run is its `RunConfig`: the window (inputs, target, window, horizon, rate), the model and
its options, the split and its test set, and the training settings (`TrainConfig`). Every
field is declared once (default, help, choices: `options.setting`); `gaitpredict train`'s
options, grid blocks, pretrained recipes (`pretrained/recipes/*.yaml`), benchmarks and the
Python API all make one with `RunConfig.from_dict`. Its resolved form (every model option
filled from the model's defaults) is hashed into the run id (`run_id`), written whole to
config.json and the checkpoint, and `run_record` gives the columns that metrics.json and the
results row share.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, fields, replace

from ..errors import ConfigError
from ..models import MAIN_MODEL, model_info, resolve_options
from ..options import from_mapping, identity_dict, setting
from ..training.trainer import TrainConfig
from ..windowing.spec import DEFAULT_HORIZON_MS, DEFAULT_TARGET, DEFAULT_WINDOW_MS

# Bump when the meaning of a field changes, so that new runs get new ids (old run folders
# are then rerun, not mixed in). Version 1's ids hold no version: it is added from 2 on.
CONFIG_VERSION = 1


@dataclass
class RunConfig:
    model: str = setting(MAIN_MODEL, "a registered model (`gaitpredict models`... see below)")
    model_config: dict = setting(
        factory=dict, help="the model's options (defaults: the model's)", cli=False
    )
    inputs: str = setting(
        "arms+legs",
        "input set (right-leg, legs, arms+legs, legs-sagittal, arms+legs-shared, knee+ankle, "
        "knee+hip, knee+opposite-knee) or a comma list of channels/joints",
    )
    target: str = setting(DEFAULT_TARGET, "the joint angle channel to predict")
    window_ms: float = setting(DEFAULT_WINDOW_MS, "the past the model sees, ms")
    horizon_ms: float = setting(DEFAULT_HORIZON_MS, "how far ahead it predicts, ms")
    split: str = setting("loso", "how trials divide into training and test (`list_splits`)")
    test_subject: str | None = setting(
        None,
        "leave this subject out for testing (LAB/SUBJECT in a corpus; a bare name that only "
        "one lab has is enough)",
    )
    test_files: list[str] | None = setting(
        None, "these trial ids test, the rest train (a subject may be on both sides)"
    )
    test_lab: str | None = setting(
        None, "train on the other labs of the corpus, test on every subject of this", legacy=None
    )
    rate_hz: float | None = setting(
        None,
        "the model's rate; recordings at other rates are converted causally (default: the "
        "rate most of the run's frames are recorded at)",
        legacy=None,
    )
    labs: list[str] | None = setting(None, "only these labs of a corpus", legacy=None)
    test_labs: list[str] | None = setting(
        None,
        "split lab-pairs: train on the other labs, test on every subject of these",
        legacy=None,
    )
    test_subjects: list[str] | None = setting(
        None, "split subjects: these subjects test", legacy=None
    )
    folds_k: int | None = setting(
        None, "split subject-folds: this many folds of subjects (default: one each)", legacy=None
    )
    multi_horizon: bool = setting(False, "predict every frame from 1 to the horizon")
    train: TrainConfig = setting(factory=TrainConfig, cli=False)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict, source: str = "run config") -> RunConfig:
        """A run config from its dict form (YAML, JSON, a grid's expansion); unknown keys at
        either level are refused by name."""
        d = dict(d)
        train = train_from_dict(d.pop("train", {}) or {}, f"{source}: train")
        cfg = from_mapping(cls, {**d, "train": train}, source)
        from ..windowing.splits import split_info

        split_info(cfg.split)  # an unknown split is refused here, with the known ones
        return cfg

    def resolved(self) -> RunConfig:
        """This config with every model option filled from the model's defaults: the one form
        that is hashed into the run id, written to config.json and stored in the checkpoint."""
        return replace(self, model_config=resolve_options(self.model, self.model_config))

    @property
    def label(self) -> str:
        """The model's name, with `@placement` for a non-default attention placement."""
        return model_info(self.model).label(self.model_config)

    @property
    def attention(self) -> str | None:
        """The attention placement of a model that has one, else None."""
        info = model_info(self.model)
        return info.resolve(self.model_config)["attention"] if info.attention else None


def train_from_dict(d: dict, source: str = "train") -> TrainConfig:
    return from_mapping(TrainConfig, d, source)


def run_id(cfg: RunConfig) -> str:
    """12 hex digits identifying everything that determines a run's result: the resolved
    config (model defaults filled in), less the settings that do not change the result and
    those still at the value runs had before the setting existed (`options.identity_dict`)."""
    d = identity_dict(cfg.resolved())
    if CONFIG_VERSION > 1:
        d["config_version"] = CONFIG_VERSION
    text = json.dumps(d, sort_keys=True, default=str)
    return hashlib.sha1(text.encode()).hexdigest()[:12]


def run_record(cfg: RunConfig) -> dict:
    """The columns that name a run, shared by metrics.json and the results row: its id and
    label, every plain field of the config (lists joined by '+') and the seed."""
    cfg = cfg.resolved()
    record = {"run_id": run_id(cfg), "label": cfg.label, "attention": cfg.attention}
    for f in fields(cfg):
        value = getattr(cfg, f.name)
        if isinstance(value, (dict, TrainConfig)):
            continue
        record[f.name] = "+".join(map(str, value)) if isinstance(value, list) else value
    record["seed"] = cfg.train.seed
    return record


def config_file(cfg: RunConfig, **derived) -> dict:
    """config.json: the resolved run config whole, its version, its id and label (as in
    `run_record`), and what the run derived."""
    record = run_record(cfg)
    return {"config_version": CONFIG_VERSION, "run_id": record["run_id"], "label": record["label"],
            **cfg.resolved().to_dict(), **derived}  # fmt: skip


def refuse_unknown_model_options(model: str, options: dict, source: str) -> None:
    known = model_info(model).option_names()
    unknown = sorted(set(options) - known)
    if unknown:
        raise ConfigError(
            f"{source}: {', '.join(unknown)} not an option of {model} "
            f"(its options: {', '.join(sorted(known)) or 'none'})"
        )
