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


def roughness_ratio(pred, truth, frames=None) -> float | None:
    """How much rougher a predicted trajectory is than the true one: the RMS of its second
    difference over the truth's, on the same consecutive frames (1: as smooth as the true
    angle; an actuator asked to track a ratio of 2.5 is shaken). `frames`: each row's model
    frame (default consecutive rows); a second difference counts only over three frames in
    a row, all finite. None when fewer than three such frames, or a flat truth."""
    p, t = np.asarray(pred, dtype=float), np.asarray(truth, dtype=float)
    f = np.arange(len(p)) if frames is None else np.asarray(frames)
    if len(p) < 3:
        return None
    ok = (
        (f[2:] - f[1:-1] == 1)
        & (f[1:-1] - f[:-2] == 1)
        & np.isfinite(p[2:] + p[1:-1] + p[:-2] + t[2:] + t[1:-1] + t[:-2])
    )
    if not ok.any():
        return None
    d2p = (p[2:] - 2 * p[1:-1] + p[:-2])[ok]
    d2t = (t[2:] - 2 * t[1:-1] + t[:-2])[ok]
    denominator = np.sqrt(np.mean(d2t**2))
    return float(np.sqrt(np.mean(d2p**2)) / denominator) if denominator > 0 else None


def median_recording(ratios) -> dict:
    """{"roughness_ratio": the median recording's} over per-recording ratios (None: a
    recording too short to tell), or {} when no recording tells."""
    known = [r for r in ratios if r is not None]
    return {"roughness_ratio": float(np.median(known))} if known else {}
