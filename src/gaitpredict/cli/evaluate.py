"""`gaitpredict evaluate`: a checkpoint's errors on any recordings in any supported format."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np


def add_parser(sub) -> None:
    p = sub.add_parser("evaluate", help="errors of a checkpoint on recordings")
    p.add_argument("checkpoint", type=Path)
    p.add_argument("files", nargs="*", type=Path, help="recordings or folders of recordings")
    p.add_argument("--data", default=None, help="a dataset folder, with --subject")
    p.add_argument("--subject", default=None, help="evaluate this subject's trials of --data")
    p.add_argument(
        "--resample",
        action="store_true",
        help="resample recordings whose rate differs from the model's",
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run)


def collect_trials(args):
    from ..data.datasets import load_dataset
    from ..data.io import read_trial, recordings_in
    from ..errors import ConfigError

    if args.data:
        if not args.subject:
            raise ConfigError("--data needs --subject (which subject's trials to evaluate)")
        ds = load_dataset(args.data)
        trials = ds.trials_of(args.subject)
        if not trials:
            raise ConfigError(f"subject {args.subject!r} not in {args.data}")
        return trials
    if not args.files:
        raise ConfigError("give recordings (FILE_OR_DIR ...) or --data DIR --subject S")
    trials = []
    for path in args.files:
        paths = recordings_in(path) if path.is_dir() else [path]
        trials += [read_trial(p) for p in paths]
    return trials


def evaluate_trials(predictor, trials, resample: bool = False) -> dict:
    from ..errors import RateMismatchError
    from ..evaluation.metrics import error_table
    from ..experiments.run import predict_all
    from ..windowing.windows import Windows

    spec = predictor.spec
    ready = []
    for t in trials:
        if t.rate_hz != spec.rate_hz:
            if not resample:
                raise RateMismatchError(
                    f"{t.source or t.trial_id}: {t.rate_hz:g} Hz, the model "
                    f"expects {spec.rate_hz:g} Hz (pass --resample)"
                )
            t = t.resample(spec.rate_hz)
        ready.append(t)
    windows = Windows(ready, spec)
    pred, truth = predict_all(predictor.model, windows)
    subjects = np.array([windows.trials[k].subject for k in windows.owner])
    return {
        **error_table(pred, truth, spec, subjects),
        "n_windows": len(windows),
        "n_trials": len(ready),
    }


def run(args) -> int:
    from ..evaluation.predictor import load_predictor

    predictor = load_predictor(args.checkpoint)
    result = evaluate_trials(predictor, collect_trials(args), args.resample)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(
            f"{result['n_trials']} trials, {result['n_windows']} windows: RMSE "
            f"{result['rmse_deg']:.3f} deg, MAE {result['mae_deg']:.3f} deg"
        )
    return 0
