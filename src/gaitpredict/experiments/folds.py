"""Subject folds: every known subject of a corpus (or of one lab) is tested by a model that
never saw them, with K models instead of one per subject.

`run_subject_folds(dataset, cfg, out)` trains one model per fold (`fold<k>of<K>/`, each a
normal run folder; a finished fold is reused when the run is resumed) and writes the
combined metrics: per-subject errors from the fold that tested each subject, overall errors
over every test window.
"""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path

from ..atomic import write_json
from ..data.datasets import Dataset
from ..windowing.splits import subject_folds
from .config import RunConfig, run_record
from .trials import needed_channels, only_labs, usable_trials


def run_subject_folds(dataset: Dataset, cfg: RunConfig, out_dir, run_one) -> dict:
    """`run_one(dataset, cfg, out)`: the experiment of one model (`run_experiment`)."""
    out = Path(out_dir)
    cfg = cfg.resolved()
    data, left_out = usable_trials(only_labs(dataset, cfg.labs), needed_channels(cfg))
    folds = subject_folds(data, cfg.folds_k)
    per_subject, parts = {}, []
    for k, subjects in enumerate(folds, start=1):
        fold_dir = out / f"fold{k}of{len(folds)}"
        done = fold_dir / "metrics.json"
        if done.exists():
            metrics = json.loads(done.read_text())
        else:
            fold_cfg = replace(
                cfg, split="subjects", test_subjects=subjects, labs=None, folds_k=None,
                test_subject=None,
            )  # fmt: skip
            metrics = run_one(data, fold_cfg, fold_dir)
            if metrics["interrupted"]:
                done.unlink(missing_ok=True)  # an interrupted fold is trained again on resume
                return {**metrics, "interrupted": True}
        per_subject.update(metrics["per_subject"])
        parts.append(metrics)
    n = sum(m["n_test_windows"] for m in parts)
    combined = {
        **{k: v for k, v in parts[0].items() if k not in ("per_subject", "per_target")},
        **run_record(cfg),
        "target": parts[0]["target"],
        "split_name": f"subject-folds-{len(folds)}",
        "test_subject": None,
        "folds": folds,
        "rmse_deg": math.sqrt(sum(m["rmse_deg"] ** 2 * m["n_test_windows"] for m in parts) / n),
        "mae_deg": sum(m["mae_deg"] * m["n_test_windows"] for m in parts) / n,
        "val_rmse_deg": sum(m["val_rmse_deg"] for m in parts) / len(parts),
        "per_subject": per_subject,
        "n_test_windows": n,
        "n_train_windows": sum(m["n_train_windows"] for m in parts) // len(parts),
        "epochs_run": max(m["epochs_run"] for m in parts),
        "best_epoch": max(m["best_epoch"] for m in parts),
        "train_seconds": round(sum(m["train_seconds"] for m in parts), 3),
        "n_left_out": len(left_out),
        "interrupted": False,
    }
    write_json(out / "metrics.json", combined)
    return combined
