"""The `gaitpredict` command line (one module here per command group; each only parses and
prints, the work is done by the library)."""

from __future__ import annotations

import argparse
import importlib
import sys
import warnings

from ..errors import GaitPredictError

# command -> the module here that defines it (in the order `--help` lists them)
COMMANDS = {
    "data": "data",
    "train": "train",
    "evaluate": "evaluate",
    "models": "predict",
    "predict": "predict",
    "adapt": "adapt",
    "reproduce": "reproduce",
    "report": "reproduce",
    "export": "realtime",
    "bench-latency": "realtime",
    "stream": "realtime",
    "publish": "realtime",
}
# the commands that train, score windows or export: PyTorch, the train extra (the runtime,
# `pip install gaitpredict`, runs the others: `extras`)
NEED_TORCH = {"train", "evaluate", "adapt", "reproduce", "report", "export"}
DESCRIPTION = (
    "Predict knee and ankle joint angles 50-200 ms ahead from recent limb motion. Start with "
    "`gaitpredict models` (the shipped predictors), `gaitpredict predict --model "
    "knee-100ms-legs FILE` (predictions for a recording in any supported format) and "
    "`gaitpredict stream` (live, from a replayed file or LSL). Train your own with `train`, "
    "reproduce the paper with `reproduce`, adapt to a wearer with `adapt`. `gaitpredict "
    "COMMAND --help` tells more; docs/cli.md has examples."
)


def build_parser(argv=None) -> argparse.ArgumentParser:
    """The parser; with `argv`, only the named command's module builds its options (so
    `predict` and `stream` start without importing what `train`'s options need). A command
    that needs PyTorch, where it is not installed, is listed and refused by name."""
    from ..extras import has_torch, is_missing_torch

    parser = argparse.ArgumentParser(prog="gaitpredict", description=DESCRIPTION)
    sub = parser.add_subparsers(dest="command", required=True)
    named = _command(argv or [])
    modules = [COMMANDS[named]] if named in COMMANDS else list(dict.fromkeys(COMMANDS.values()))
    for name in modules:
        try:
            importlib.import_module(f".{name}", __name__).add_parser(sub)
        except ImportError as exc:  # its options come from what needs torch: listed, refused
            if has_torch() or not is_missing_torch(exc):
                raise
            for command in (c for c, m in COMMANDS.items() if m == name):
                _refused(sub, command)
    return parser


def _command(argv) -> str | None:
    """The command named in `argv`: its first word that is not an option."""
    return next((a for a in argv if not a.startswith("-")), None)


def _refused(sub, command: str) -> None:
    from ..extras import TRAIN

    if command not in sub.choices:
        sub.add_parser(command, help=f"(needs PyTorch: {TRAIN})")


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    print(f"gaitpredict: warning: {message}", file=sys.stderr)


def main(argv=None) -> int:
    from ..extras import has_torch, is_missing_torch, missing_torch

    argv = sys.argv[1:] if argv is None else list(argv)
    named = _command(argv)
    if named in NEED_TORCH and not has_torch() and not {"-h", "--help"} & set(argv):
        print(f"gaitpredict: error: {missing_torch(f'gaitpredict {named}')}", file=sys.stderr)
        return 2
    args = build_parser(argv).parse_args(argv)
    warnings.showwarning = _show_warning  # one plain line, not a source location
    try:
        return args.func(args) or 0
    except GaitPredictError as exc:
        print(f"gaitpredict: error: {exc}", file=sys.stderr)
        return 2
    except ImportError as exc:  # a path that needs torch, reached without it
        if not is_missing_torch(exc):
            raise
        print(f"gaitpredict: error: {missing_torch(f'gaitpredict {args.command}')}",
              file=sys.stderr)  # fmt: skip
        return 2
    except OSError as exc:  # a folder that cannot be written, a disk that is full, ...
        where = exc.filename or "a file"
        print(f"gaitpredict: error: {where}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("gaitpredict: interrupted", file=sys.stderr)
        return 130
