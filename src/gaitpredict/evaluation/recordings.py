"""A checkpoint against recordings: which trials it can use, and its errors on them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from ..data import rates
from ..data.datasets import load_dataset
from ..data.io import read_trial, recordings_in
from ..errors import ConfigError, GaitDataError
from ..models.online import OnlineModel
from ..windowing.windows import Windows
from .intervals import DEFAULT_COVERAGE, hits_summary, interval_hits, interval_scores
from .metrics import error_table, mae, median_recording, rmse, roughness_ratio


def predict_all(model, windows: Windows, chunk: int = 4096) -> tuple[np.ndarray, np.ndarray]:
    """(predictions, truths) in degrees over every window, in chunks, without gradients.

    A model that learns online (`models.online`) reads each recording whole, frame by
    frame, carrying what it learned from one recording of a subject to the next and
    forgetting it at a new subject."""
    if isinstance(model, OnlineModel):
        return online_predictions(model, windows), windows.targets().numpy()
    preds, truths = [], []
    with torch.no_grad():
        for x, y in windows.chunks(chunk):
            preds.append(model(x).numpy())
            truths.append(y.numpy())
    return np.concatenate(preds), np.concatenate(truths)


def online_predictions(model: OnlineModel, windows: Windows) -> np.ndarray:
    """An online model's predictions at every window, its trials streamed in order."""
    out = np.full((len(windows), windows.spec.n_outputs), np.nan)
    subject = object()
    for k, x, held, pieces, rows, frames in windows.recordings():
        if windows.trials[k].subject != subject:
            model.forget()
            subject = windows.trials[k].subject
        out[rows] = model.run(x, held, pieces, windows.spec.window_frames)[frames]
    return out


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


def evaluate_trials(predictor, trials, coverage: float | None = None) -> dict:
    """RMSE/MAE (overall, per target, per subject) of a `Predictor` over recordings.

    Recordings at another rate are converted to the model's causally (`data.rates`); gaps
    are bridged as a stream bridges them, and a target missing in the recording is not
    scored (`Windows`)."""
    spec = predictor.spec
    ready = list(trials)
    windows = Windows(ready, spec, dtype=predictor.dtype)
    pred, truth = predict_all(predictor.model, windows)
    subjects = np.array([windows.trials[k].subject for k in windows.owner])
    return {
        **error_table(pred, truth, spec, subjects),
        "n_windows": len(windows),
        "n_bridged": int(windows.bridged.sum()),
        **windows_roughness(windows, pred, truth),
        "n_trials": len(ready),
        **_interval_scores(predictor, pred, truth, windows.bridged, coverage),
    }


def windows_roughness(windows, pred, truth) -> dict:
    """The median recording's roughness ratio (last output), over its consecutive windows."""
    frames, owner = windows.frame_of(np.arange(len(windows))), np.asarray(windows.owner)
    return median_recording(
        roughness_ratio(pred[owner == k, -1], truth[owner == k, -1], frames[owner == k])
        for k in np.unique(owner)
    )


def _interval_scores(predictor, pred, truth, bridged, coverage) -> dict:
    """Coverage and mean width of the model's offline intervals (none if uncalibrated and
    no coverage was asked for)."""
    hw = predictor.row_half_widths(coverage, bridged)
    if hw is None:
        return {}
    nominal = coverage or DEFAULT_COVERAGE
    return {"interval": {"nominal": nominal, **interval_scores(pred, truth, hw)}}


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


def real_windows(spec, data: str | None, limit: int = 4096) -> np.ndarray:
    """Up to `limit` windows (degrees) of real recordings with the spec's channels and rate."""
    windows = Windows(usable_recordings(spec, data)[:8], spec)
    idx = np.linspace(0, len(windows) - 1, min(limit, len(windows))).astype(int)
    return windows.batch(idx)[0].numpy()


def table_scores(table, target: str) -> dict:
    """RMSE, MAE and count of a `Predictor.predict_trial` table where it holds the truth
    (its `<target>_true_deg` column), with the coverage and mean width of its interval
    columns where it has them, else {}; with the arrays scored, for pooling."""
    truth_col, pred_col = f"{target}_true_deg", f"{target}_pred_deg"
    if truth_col not in table:
        return {}
    ok = table[pred_col].notna() & table[truth_col].notna()
    if not ok.any():
        return {}
    p, t = table.loc[ok, pred_col].to_numpy(), table.loc[ok, truth_col].to_numpy()
    out = {"rmse_deg": rmse(p, t), "mae_deg": mae(p, t), "n": int(ok.sum()), "_pairs": (p, t)}
    out["roughness_ratio"] = roughness_ratio(table[pred_col], table[truth_col])
    hits = interval_hits(table[ok], [target])
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
