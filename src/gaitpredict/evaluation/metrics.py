"""Errors in degrees: RMSE and MAE per target, per horizon step and per subject; skill."""

from __future__ import annotations

import numpy as np


def rmse(pred, truth) -> float:
    return float(np.sqrt(np.mean((np.asarray(pred) - np.asarray(truth)) ** 2)))


def mae(pred, truth) -> float:
    return float(np.mean(np.abs(np.asarray(pred) - np.asarray(truth))))


def skill(model_rmse: float, baseline_rmse: float) -> float:
    """1 - RMSE_model / RMSE_baseline: 0 = no better than the baseline, 1 = perfect."""
    return 1.0 - model_rmse / baseline_rmse


def error_table(pred: np.ndarray, truth: np.ndarray, spec, subjects=None) -> dict:
    """Overall, per target channel, per horizon step (multi-horizon) and per subject errors.

    `pred`, `truth`: (windows, outputs), outputs ordered horizon-major then target.
    """
    steps = spec.horizon_frames if spec.multi_horizon else 1
    p = pred.reshape(len(pred), steps, len(spec.target))
    t = truth.reshape(len(truth), steps, len(spec.target))
    out = {
        "rmse_deg": rmse(p[:, -1], t[:, -1]),
        "mae_deg": mae(p[:, -1], t[:, -1]),
        "per_target": {
            c: {
                "rmse_deg": rmse(p[:, -1, k], t[:, -1, k]),
                "mae_deg": mae(p[:, -1, k], t[:, -1, k]),
            }
            for k, c in enumerate(spec.target)
        },
    }
    if steps > 1:
        out["per_step_ms"] = {
            f"{(s + 1) * 1000 / spec.rate_hz:.1f}": rmse(p[:, s], t[:, s]) for s in range(steps)
        }
    if subjects is not None:
        subjects = np.asarray(subjects)
        out["per_subject"] = {
            str(s): {
                "rmse_deg": rmse(p[subjects == s, -1], t[subjects == s, -1]),
                "mae_deg": mae(p[subjects == s, -1], t[subjects == s, -1]),
            }
            for s in np.unique(subjects)
        }
    return out
