"""Command-line options generated from the run config's dataclasses (`experiments.config`).

Each field of `RunConfig`, `TrainConfig` and every registered model's options becomes one
option: its name (`max_epochs` -> `--max-epochs`), type, choices, default and help are read
from the field (`options.setting`), so a default is typed once and a new field is a new
option with no edit here. Options left out are not passed on: the dataclass default holds.
"""

from __future__ import annotations

import argparse
import typing
from dataclasses import MISSING, fields

from ..errors import ConfigError
from ..options import default_of, field_type

RUN, TRAIN, MODEL = "run.", "train.", "model."


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def _add(group, cls, f, dest: str, default_text: str | None = None) -> None:
    typ, default = field_type(cls, f), default_of(f)
    shown = default_text if default_text is not None else _shown(default)
    help_text = f.metadata.get("help", "") + (f" (default: {shown})" if shown else "")
    kwargs: dict = {"dest": dest, "default": argparse.SUPPRESS, "help": help_text}
    if typ is bool:
        flag = _flag(f"no_{f.name}") if default is True else _flag(f.name)
        group.add_argument(flag, action="store_false" if default is True else "store_true",
                           **kwargs)  # fmt: skip
        return
    if typing.get_origin(typ) is list:
        kwargs |= {"nargs": "+", "type": typing.get_args(typ)[0]}
    else:
        kwargs["type"] = typ
    kwargs["metavar"] = "MS" if f.name.endswith("_ms") else f.name.upper()
    choices = f.metadata.get("choices")
    if choices:
        kwargs["choices"], kwargs["metavar"] = list(choices), None
    group.add_argument(_flag(f.name), **kwargs)


def _shown(default) -> str:
    if default is MISSING or default is None or default == [] or default == {}:
        return ""
    return str(default)


def add_settings(parser, cls, title: str, prefix: str):
    """Every command-line field of dataclass `cls` as an option, in a group of its own
    (returned)."""
    group = parser.add_argument_group(title)
    for f in fields(cls):
        if f.metadata.get("cli", True):
            _add(group, cls, f, prefix + f.name)
    return group


def settings_given(args, prefix: str) -> dict:
    """The fields of one `add_settings` group that were given on the command line."""
    return {k[len(prefix) :]: v for k, v in vars(args).items() if k.startswith(prefix)}


def add_run_options(parser) -> None:
    """Every run config field as an option, in three groups: the run, training, the model."""
    from ..experiments.config import RunConfig
    from ..models import list_models, model_info
    from ..training.trainer import TrainConfig
    from ..windowing.splits import list_splits, split_info

    run = add_settings(parser, RunConfig, "run", RUN)
    for action in run._group_actions:  # choices that live in registries
        if action.dest == RUN + "model":
            action.choices, action.metavar = list_models(), "NAME"
            action.help = (
                "one of: " + ", ".join(list_models()) + f" (default: {RunConfig.model}; see below)"
            )
        if action.dest == RUN + "split":
            action.choices = list_splits()
            action.help = (
                "; ".join(f"{n}: {split_info(n).description}" for n in list_splits())
                + " (default: the split whose test set is given: --test-subject, "
                "--test-lab, --test-files)"
            )
    add_settings(parser, TrainConfig, "training", TRAIN)
    options: dict = {}  # option name -> (config class, field, {default: models with it})
    for name in list_models():
        cls = model_info(name).config
        for f in fields(cls) if cls else ():
            entry = options.setdefault(f.name, (cls, f, {}))
            entry[2].setdefault(repr(default_of(f)), (default_of(f), []))[1].append(name)
    model = parser.add_argument_group("model options (default: the model's own)")
    for opt, (cls, f, defaults) in options.items():
        # models that share an option name may differ in its default: each is shown
        text = "; ".join(f"{d} for {', '.join(models)}" for d, models in defaults.values())
        _add(model, cls, f, MODEL + opt, default_text=text)


def run_config_from_args(args):
    """The `RunConfig` the options given describe (the split: --split, else the one whose
    test set was given)."""
    from ..experiments.config import RunConfig, refuse_unknown_model_options
    from ..windowing.splits import list_splits, split_info

    run, train = settings_given(args, RUN), settings_given(args, TRAIN)
    model_options = settings_given(args, MODEL)
    model = run.get("model", RunConfig().model)
    refuse_unknown_model_options(
        model, model_options, "options " + " ".join(_flag(k) for k in model_options)
    )
    if "split" not in run:
        named = [n for n in list_splits() if split_info(n).needs in run]
        if len(named) != 1:
            options = [split_info(n).option for n in list_splits() if split_info(n).needs]
            raise ConfigError(
                "say which split: give one of "
                + ", ".join(options)
                + ", or --split "
                + "|".join(list_splits())
                + (f" (got {', '.join(split_info(n).option for n in named)})" if named else "")
            )
        run["split"] = named[0]
    return RunConfig.from_dict({**run, "model_config": model_options, "train": train},
                               "command line")  # fmt: skip


UNTRAINED = ("target", "horizon_ms", "rate_hz")


def add_untrained_options(parser) -> None:
    """--target, --horizon-ms and --rate-hz, for a model that needs no training (hold,
    const-velocity, the online models) named where a checkpoint would go. (Their names are
    not listed here: listing imports every model, torch among them, and the runtime's
    commands start without it; `gaitpredict models` lists them.)"""
    from ..windowing.spec import DEFAULT_HORIZON_MS, DEFAULT_TARGET

    g = parser.add_argument_group(
        "a model that needs no training, by name instead of a checkpoint (`gaitpredict "
        "models` lists them), and what it predicts"
    )
    g.add_argument("--target", default=None,
                   help=f"the joint angle to predict (default: {DEFAULT_TARGET})")  # fmt: skip
    g.add_argument("--horizon-ms", type=float, default=None, metavar="MS",
                   help=f"how far ahead (default: {DEFAULT_HORIZON_MS:g})")  # fmt: skip
    g.add_argument("--rate-hz", type=float, default=None, metavar="HZ",
                   help="the model's rate; other rates are converted causally (default: "
                   "the first recording's; 100 for an LSL stream)")  # fmt: skip


def untrained_given(args, recordings=()) -> dict:
    """The --target/--horizon-ms/--rate-hz given, for `evaluation.untrained.load_model`; a
    model named by name runs at the first recording's rate unless --rate-hz says."""
    from ..evaluation.untrained import is_untrained

    given = {k: getattr(args, k) for k in UNTRAINED if getattr(args, k, None) is not None}
    name = getattr(args, "checkpoint", None) or getattr(args, "model", None)
    if is_untrained(name) and "rate_hz" not in given and recordings:
        given["rate_hz"] = recordings[0].rate_hz
    return given
