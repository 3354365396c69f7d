"""A model over every window of a set of recordings (`windowing.Windows`): the errors that
`evaluate`, the grids, calibration and the studies report (the train extra: windows are
tensors)."""

from __future__ import annotations

import numpy as np
import torch

from ..models.graph import OnnxModel
from ..models.online import OnlineModel
from ..windowing.windows import Windows
from .intervals import DEFAULT_COVERAGE, interval_scores
from .metrics import error_table, median_recording, roughness_ratio
from .recordings import usable_recordings


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
            preds.append(model.predict_windows(x.numpy()) if isinstance(model, OnnxModel)
                         else model(x).numpy())  # fmt: skip
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


def evaluate_trials(predictor, trials, coverage: float | None = None) -> dict:
    """RMSE/MAE (overall, per target, per subject) of a `Predictor` over recordings.

    Recordings at another rate are converted to the model's causally (`data.rates`); gaps
    are bridged as a stream bridges them, and a target missing in the recording is not
    scored (`Windows`)."""
    spec = predictor.spec
    ready = list(trials)
    dtype = getattr(torch, predictor.dtype) if isinstance(predictor.dtype, str) else predictor.dtype
    windows = Windows(ready, spec, dtype=dtype)
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


def real_windows(spec, data: str | None, limit: int = 4096) -> np.ndarray:
    """Up to `limit` windows (degrees) of real recordings with the spec's channels and rate."""
    windows = Windows(usable_recordings(spec, data)[:8], spec)
    idx = np.linspace(0, len(windows) - 1, min(limit, len(windows))).astype(int)
    return windows.batch(idx)[0].numpy()
