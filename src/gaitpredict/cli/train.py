"""`gaitpredict train`: one model, one split, one run folder."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .data import add_data_option, add_loading_options, loading_options


def add_parser(sub) -> None:
    from ..models import list_models, model_info

    p = sub.add_parser(
        "train",
        help="train one model (or fit a baseline) and evaluate it",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="models:\n"
        + "\n".join(
            f"  {name:<16} {model_info(name).kind:<9} {model_info(name).description}"
            for name in list_models()
        ),
    )
    p.add_argument("--model", required=True, choices=list_models(), metavar="NAME",
                   help="one of: " + ", ".join(list_models()) + " (see below)")  # fmt: skip
    p.add_argument(
        "--attention",
        choices=["before", "after"],
        default=None,
        help="a model with attention: before or after the LSTM (default after)",
    )
    p.add_argument(
        "--inputs",
        default="arms+legs",
        help="input set (right-leg, legs, arms+legs, knee+ankle, knee+hip, "
        "knee+opposite-knee) or a comma list of channels/joints",
    )
    p.add_argument("--target", default="r_knee_flex")
    p.add_argument("--horizon-ms", type=float, default=100.0)
    p.add_argument("--window-ms", type=float, default=500.0)
    split = p.add_mutually_exclusive_group(required=True)
    split.add_argument(
        "--test-subject",
        help="leave this subject out for testing (LAB/SUBJECT in a corpus; a bare name "
        "that only one lab has is enough)",
    )
    split.add_argument(
        "--test-lab", help="train on the other labs of the corpus, test on every subject of this"
    )
    split.add_argument(
        "--split",
        choices=["within-subject", "random-windows"],
        help="within-subject: chronological; random-windows: every window shuffled into "
        "train/validation/test, LEAKY (the paper's likely protocol, for comparison only)",
    )
    split.add_argument(
        "--test-files",
        nargs="+",
        metavar="TRIAL",
        help="these trial ids test, all others train (a subject may be on both sides: not a "
        "cross-subject result)",
    )
    p.add_argument("--max-epochs", type=int, default=300)
    p.add_argument("--patience", type=int, default=20)
    p.add_argument("--weight-decay", type=float, default=0.0)
    p.add_argument("--dropout", type=float, default=None)
    p.add_argument("--input-mode", choices=["absolute", "relative"], default=None)
    p.add_argument("--target-mode", choices=["absolute", "delta"], default=None)
    p.add_argument("--mirror", action="store_true", help="add left/right mirrored trials")
    p.add_argument(
        "--multi-horizon", action="store_true", help="predict every frame from 1 to the horizon"
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    p.add_argument(
        "--precision",
        choices=["float32", "bfloat16", "auto"],
        default="auto",
        help="training steps in float32, or with the forward pass in bfloat16 (CPU autocast; "
        "weights, optimiser, validation and predictions stay float32); auto (default): "
        "bfloat16 where the CPU has bfloat16 instructions, else float32",
    )
    add_data_option(p)
    p.add_argument(
        "--rate-hz",
        type=float,
        default=None,
        help="the model's rate; recordings at other rates are converted causally (default: "
        "the rate most frames are recorded at)",
    )
    add_loading_options(p)
    p.add_argument("--out", type=Path, required=True, help="run folder to write")
    p.set_defaults(func=run)


def model_config_from(args) -> dict:
    cfg = {}
    for key in ("attention", "dropout", "input_mode", "target_mode"):
        value = getattr(args, key)
        if value is not None:
            cfg[key] = value
    return cfg


def run(args) -> int:
    import json

    from ..data.corpus import load_corpus
    from ..experiments.run import RunConfig, run_experiment
    from ..training.trainer import TrainConfig

    dataset = load_corpus(args.data or [], **loading_options(args))
    cfg = RunConfig(
        model=args.model,
        model_config=model_config_from(args),
        inputs=args.inputs,
        target=args.target,
        window_ms=args.window_ms,
        horizon_ms=args.horizon_ms,
        split=args.split or ("files" if args.test_files else "lolo" if args.test_lab else "loso"),
        test_subject=args.test_subject,
        test_files=args.test_files,
        test_lab=args.test_lab,
        rate_hz=args.rate_hz,
        multi_horizon=args.multi_horizon,
        train=TrainConfig(
            max_epochs=args.max_epochs,
            patience=args.patience,
            weight_decay=args.weight_decay,
            mirror=args.mirror,
            seed=args.seed,
            threads=args.threads,
            precision=args.precision,
        ),
    )
    if cfg.split == "random-windows":
        print(
            "gaitpredict: warning: the random-windows split is LEAKY (overlapping windows of "
            "the same walk train and test); its errors are not a prediction for a new person",
            file=sys.stderr,
        )
    metrics = run_experiment(dataset, cfg, args.out)
    keys = (
        "model",
        "test_subject",
        "test_lab",
        "rate_hz",
        "n_left_out",
        "rmse_deg",
        "mae_deg",
        "n_train_windows",
        "n_test_windows",
        "epochs_run",
        "train_seconds",
        "interrupted",
        "leaky",
    )
    print(json.dumps({k: metrics[k] for k in keys}, indent=2))
    print(f"wrote {args.out}/ (config.json, model.pt, metrics.json, predictions.csv/png)")
    return 130 if metrics["interrupted"] else 0
