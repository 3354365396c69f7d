"""Leave-one-subject-out accuracy on CMU walking: models vs baselines, per fold.

Usage: python benchmarks/accuracy.py [--data DIR] [--models ...] [--max-epochs N]
       [--folds S35 S39 S16 S08] [--out runs/accuracy] [--model-config JSON]
Prints RMSE per fold and the mean, and each model's skill against ridge.
"""

import argparse
import json
import time

import numpy as np

from gaitpredict.data.datasets import CROSS_SUBJECT_TEST_SUBJECTS, load_dataset
from gaitpredict.experiments.run import RunConfig, run_experiment
from gaitpredict.models import model_info


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--data", default="cmu-walking")
    p.add_argument(
        "--models", nargs="+", default=["hold", "const-velocity", "ridge", "attn-cnn-lstm"]
    )
    p.add_argument("--folds", nargs="+", default=list(CROSS_SUBJECT_TEST_SUBJECTS))
    p.add_argument("--inputs", default="arms+legs")
    p.add_argument("--window-ms", type=float, default=500)
    p.add_argument("--horizon-ms", type=float, default=100)
    p.add_argument("--max-epochs", type=int, default=80)
    p.add_argument("--patience", type=int, default=12)
    p.add_argument("--mirror", action="store_true")
    p.add_argument("--weight-decay", type=float, default=0.0)
    p.add_argument("--model-config", default="{}", help="JSON options for the networks")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default="runs/accuracy")
    args = p.parse_args()
    ds = load_dataset(args.data)
    table = {}
    for model in args.models:
        for fold in args.folds:
            start = time.perf_counter()
            options = json.loads(args.model_config)
            cfg = RunConfig.from_dict(
                {
                    "model": model,
                    "inputs": args.inputs,
                    "window_ms": args.window_ms,
                    "horizon_ms": args.horizon_ms,
                    "test_subject": fold,
                    "model_config": options if model_info(model).config else {},
                    "train": {
                        "max_epochs": args.max_epochs,
                        "patience": args.patience,
                        "mirror": args.mirror,
                        "weight_decay": args.weight_decay,
                        "seed": args.seed,
                        "progress": False,
                    },
                }
            )
            m = run_experiment(ds, cfg, f"{args.out}/{model}/{fold}")
            table[(model, fold)] = m["rmse_deg"]
            print(
                f"{model:15s} {fold}: RMSE {m['rmse_deg']:.3f} MAE {m['mae_deg']:.3f} "
                f"epochs {m['epochs_run']} ({time.perf_counter() - start:.0f} s)",
                flush=True,
            )
    print(
        f"\n{'model':15s} " + " ".join(f"{f:>6s}" for f in args.folds) + "   mean  skill-vs-ridge"
    )
    for model in args.models:
        row = [table[(model, f)] for f in args.folds]
        ridge = [table.get(("ridge", f), np.nan) for f in args.folds]
        print(
            f"{model:15s} "
            + " ".join(f"{v:6.2f}" for v in row)
            + f" {np.mean(row):6.2f}  {1 - np.mean(row) / np.mean(ridge):+.1%}"
        )


if __name__ == "__main__":
    main()
