"""Recordings for a model: reading them, which a model can use, and the scores of its
predictions for them (no torch: the runtime's `predict` scores with these)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..data import rates
from ..data.datasets import load_dataset
from ..data.io import read_trial, recordings_in
from ..errors import ConfigError, GaitDataError
from .intervals import hits_summary, interval_hits
from .metrics import mae, median_recording, rmse, roughness_ratio


def read_recordings(paths) -> list:
    """Trials from files and folders of recordings, in the order given."""
    trials = []
    for path in map(Path, paths):
        found = recordings_in(path) if path.is_dir() else [path]
        trials += [read_trial(p) for p in found]
    return trials


def subject_trials(data: str, subject: str | None) -> list:
    """One subject's trials of a dataset folder (or named dataset)."""
    if not subject:
        raise ConfigError("--data needs --subject (which subject's trials to evaluate)")
    trials = load_dataset(data).trials_of(subject)
    if not trials:
        raise GaitDataError(f"subject {subject!r} not in {data}")
    return trials


def usable_recordings(spec, data: str | None, trials: list | None = None) -> list:
    """Real trials (a file, or a dataset; default cmu-walking; or `trials` already read
    from it) with the spec's rate and channels (every trial for no spec)."""
    if trials is None and data and Path(data).is_file():
        trials = [read_trial(data)]
    elif trials is None:
        trials = load_dataset(data or "cmu-walking").trials
    if spec is None:
        return trials
    trials = [
        t
        for t in trials
        if rates.same_rate(t.rate_hz, spec.rate_hz) and set(spec.inputs) <= set(t.channels)
    ]
    if not trials:
        raise GaitDataError(
            f"no recording at {spec.rate_hz:g} Hz with channels {list(spec.inputs)} in "
            f"{data or 'cmu-walking'}; pass --data with one"
        )
    return trials


def table_scores(table, target: str) -> dict:
    """RMSE, MAE and count of a `Predictor.predict_trial` table (or `predict_columns`)
    where it holds the truth (its `<target>_true_deg` column), with the coverage and mean
    width of its interval columns where it has them, else {}; with the arrays scored, for
    pooling."""
    truth_col, pred_col = f"{target}_true_deg", f"{target}_pred_deg"
    if truth_col not in table:
        return {}
    pred = np.asarray(table[pred_col], dtype=float)
    truth = np.asarray(table[truth_col], dtype=float)
    ok = ~np.isnan(pred) & ~np.isnan(truth)
    if not ok.any():
        return {}
    p, t = pred[ok], truth[ok]
    out = {"rmse_deg": rmse(p, t), "mae_deg": mae(p, t), "n": int(ok.sum()), "_pairs": (p, t)}
    out["roughness_ratio"] = roughness_ratio(pred, truth)
    hits = interval_hits({c: np.asarray(table[c])[ok] for c in table}, [target])
    if hits is not None:
        out |= hits_summary(*hits)
        out["_hits"] = hits
    return out


def pooled_scores(scores: list[dict]) -> dict:
    """RMSE and MAE over every scored prediction of several `table_scores` ({} if none)."""
    pairs = [s["_pairs"] for s in scores if s]
    if not pairs:
        return {}
    p, t = np.concatenate([a for a, _ in pairs]), np.concatenate([b for _, b in pairs])
    out = {"rmse_deg": rmse(p, t), "mae_deg": mae(p, t)}
    out |= median_recording(s.get("roughness_ratio") for s in scores if s)
    hits = [s["_hits"] for s in scores if s and "_hits" in s]
    if hits:
        out |= hits_summary(np.concatenate([i for i, _ in hits]),
                            np.concatenate([w for _, w in hits]))  # fmt: skip
    return out
