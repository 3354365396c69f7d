"""`gaitpredict train`: one model, one split, one run folder."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .data import add_data_option, add_loading_options, loading_options
from .options import add_run_options, run_config_from_args

SHOWN = ("model", "test_subject", "test_lab", "rate_hz", "n_left_out", "rmse_deg", "mae_deg",
         "n_train_windows", "n_test_windows", "epochs_run", "train_seconds", "interrupted",
         "leaky")  # fmt: skip


def _models_list() -> str:
    from ..models import list_models, model_info

    rows = (f"  {n:<16} {model_info(n).kind:<9} {model_info(n).description}" for n in list_models())
    return "models:\n" + "\n".join(rows)


def add_parser(sub) -> None:
    p = sub.add_parser(
        "train",
        help="train one model (or fit a baseline) and evaluate it",
        description="Train one model on one split and write a run folder (config.json, "
        "model.pt, metrics.json, predictions). Every option below is a field of the run "
        "config (Python: RunConfig.from_dict), with the same name and default.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=_models_list(),
    )
    add_data_option(p)
    add_loading_options(p)
    p.add_argument("--out", type=Path, required=True, help="run folder to write")
    add_run_options(p)
    p.set_defaults(func=run)


def run(args) -> int:
    import json

    from ..data.corpus import load_corpus
    from ..experiments.run import run_experiment
    from ..windowing.splits import split_info

    cfg = run_config_from_args(args)
    dataset = load_corpus(args.data or [], **loading_options(args))
    if split_info(cfg.split).leaky:
        print(
            f"gaitpredict: warning: the {cfg.split} split is LEAKY (overlapping windows of "
            "the same walk train and test); its errors are not a prediction for a new person",
            file=sys.stderr,
        )
    metrics = run_experiment(dataset, cfg, args.out)
    print(json.dumps({k: metrics.get(k) for k in SHOWN}, indent=2))
    print(f"wrote {args.out}/ (config.json, model.pt, metrics.json, predictions.csv/png)")
    return 130 if metrics["interrupted"] else 0
