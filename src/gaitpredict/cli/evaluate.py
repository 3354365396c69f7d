"""`gaitpredict evaluate`: a checkpoint's errors on any recordings in any supported format."""

from __future__ import annotations

import json
from pathlib import Path

from .options import add_untrained_options, untrained_given
from .predict import add_coverage_option


def add_parser(sub) -> None:
    p = sub.add_parser(
        "evaluate",
        help="errors of a checkpoint on recordings (other rates are converted causally)",
    )
    p.add_argument("checkpoint", help="a checkpoint file, a shipped model's name, or a model "
                   "that needs no training (with --target, --horizon-ms)")  # fmt: skip
    p.add_argument("files", nargs="*", type=Path, help="recordings or folders of recordings")
    p.add_argument("--data", default=None, help="a dataset folder, with --subject")
    p.add_argument("--subject", default=None, help="evaluate this subject's trials of --data")
    p.add_argument("--json", action="store_true")
    add_coverage_option(p)
    add_untrained_options(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from ..errors import ConfigError
    from ..evaluation.predictor import load_predictor
    from ..evaluation.recordings import read_recordings, subject_trials
    from ..evaluation.windowed import evaluate_trials

    if args.data:
        trials = subject_trials(args.data, args.subject)
    elif args.files:
        trials = read_recordings(args.files)
    else:
        raise ConfigError("give recordings (FILE_OR_DIR ...) or --data DIR --subject S")
    predictor = load_predictor(args.checkpoint, **untrained_given(args, trials))
    result = evaluate_trials(predictor, trials, args.coverage)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(
            f"{result['n_trials']} trials, {result['n_windows']} windows: RMSE "
            f"{result['rmse_deg']:.3f} deg, MAE {result['mae_deg']:.3f} deg"
        )
    return 0
