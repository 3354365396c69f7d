"""The `gaitpredict` command line (one module here per command group; each only parses and
prints, the work is done by the library)."""

from __future__ import annotations

import argparse
import sys
import warnings

from ..errors import GaitPredictError


def build_parser() -> argparse.ArgumentParser:
    from . import adapt, data, evaluate, predict, realtime, reproduce, train

    parser = argparse.ArgumentParser(
        prog="gaitpredict",
        description="Predict knee and ankle joint angles 50-200 ms ahead from recent limb "
        "motion. Start with `gaitpredict models` (the shipped predictors), `gaitpredict "
        "predict --model knee-100ms-legs FILE` (predictions for a recording in any supported "
        "format) and `gaitpredict stream` (live, from a replayed file or LSL). Train your "
        "own with `train`, reproduce the paper with `reproduce`, adapt to a wearer with "
        "`adapt`. `gaitpredict COMMAND --help` tells more; docs/cli.md has examples.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for module in (data, train, evaluate, predict, adapt, reproduce, realtime):
        module.add_parser(sub)
    return parser


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    print(f"gaitpredict: warning: {message}", file=sys.stderr)


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    warnings.showwarning = _show_warning  # one plain line, not a source location
    try:
        return args.func(args) or 0
    except GaitPredictError as exc:
        print(f"gaitpredict: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # a folder that cannot be written, a disk that is full, ...
        where = exc.filename or "a file"
        print(f"gaitpredict: error: {where}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("gaitpredict: interrupted", file=sys.stderr)
        return 130
