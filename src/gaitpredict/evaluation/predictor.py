"""`Predictor`: a loaded model that predicts in degrees from trials or raw arrays: a network's
ONNX file (`models.graph.OnnxModel`, the runtime), a PyTorch checkpoint (the train extra)
or a model that learns online."""

from __future__ import annotations

import copy

import numpy as np

from ..data import rates
from ..data.preprocess import refuse_look_ahead
from ..data.trial import Trial
from ..errors import ChannelError, ConfigError, GaitDataError
from ..models.graph import OnnxModel
from ..models.online import OnlineModel
from ..windowing.gaps import bridge
from .intervals import DEFAULT_COVERAGE, bridged_coverage, calibration_of, check_coverage


class Predictor:
    """Offline prediction. A PyTorch model runs in `dtype` (default float64, the reference:
    float32 graphs that sum in different orders, batch sizes or PyTorch vs ONNX, disagree by
    ~1e-5 deg on knee angles); an ONNX model in float32, within the export's parity
    tolerance of it; an online model in Python floats."""

    def __init__(self, model, spec, payload: dict | None = None, dtype="float64"):
        self.spec, self.payload = spec, payload or {}
        self._calibration = None
        if isinstance(model, OnnxModel):
            self.dtype, self.model = "float32", model
            return
        if isinstance(model, OnlineModel):  # it learns as it goes: a copy, not the caller's
            self.dtype, self.model = "float64", copy.deepcopy(model)
            return
        from ..extras import require_torch

        torch = require_torch("a PyTorch model")
        # a copy: the caller's model (perhaps still training) keeps its dtype. float32 is
        # about twice as fast on CPU and differs by ~1e-5 deg
        self.dtype = getattr(torch, dtype) if isinstance(dtype, str) else dtype
        self.model = copy.deepcopy(model).to(self.dtype)

    @property
    def channels(self) -> tuple[str, ...]:
        return self.spec.inputs

    @property
    def calibrated(self) -> bool:
        return "calibration" in (self.payload.get("extra") or {})

    def half_width(self, coverage: float | None, bridged: bool = False) -> np.ndarray | None:
        """The split-conformal half-width (deg) per output at `coverage` (None: at 90 % if
        the model is calibrated, else no interval); a bridged window's at
        `bridged_coverage`."""
        if coverage is None:
            if not self.calibrated:
                return None
            coverage = DEFAULT_COVERAGE
        c = check_coverage(coverage)
        if self._calibration is None:  # read once from the checkpoint
            self._calibration = calibration_of(self.payload, "this model")
        return self._calibration.half_width(bridged_coverage(c) if bridged else c)

    def row_half_widths(self, coverage: float | None, bridged: np.ndarray) -> np.ndarray | None:
        """(rows, outputs) half-widths for predictions whose windows were `bridged` or not
        (None: no interval, as `half_width`)."""
        hw = self.half_width(coverage)
        if hw is None:
            return None
        wide = self.half_width(coverage or DEFAULT_COVERAGE, bridged=True)
        return np.where(np.asarray(bridged)[:, None], wide, hw)

    def predict_windows(self, x_deg: np.ndarray) -> np.ndarray:
        """(batch, window_frames, channels) in degrees -> (batch, outputs) in degrees."""
        x = np.array(x_deg, dtype=np.float64)
        if x.ndim != 3 or x.shape[1:] != (self.spec.window_frames, len(self.channels)):
            raise GaitDataError(
                f"expected windows of shape (batch, {self.spec.window_frames}, "
                f"{len(self.channels)}), got {tuple(x.shape)}"
            )
        if isinstance(self.model, OnnxModel):
            return self.model.predict_windows(x)
        if isinstance(self.model, OnlineModel):
            self.model(x)  # refused: it reads whole recordings, not separate windows
        import torch

        with torch.no_grad():
            return self.model(torch.from_numpy(x).to(self.dtype)).double().numpy()

    def predict(
        self, data, rate_hz: float | None = None, chunk: int = 8192, max_gap_ms: float = 50.0
    ) -> np.ndarray:
        """Predictions for every model-rate frame of a Trial or a (frames, channels) array in
        degrees (`rate_hz`: the array's rate, default the model's).

        Row k is the prediction made at model frame k (time k / model rate from the first
        frame) for k + horizon (every step with multi-horizon); rows without a full window
        behind them are NaN. Recordings at another rate are converted causally
        (`data.rates`): row k uses only recorded frames at or before its time. Gaps are
        bridged as a stream bridges them (`windowing.gaps`): see `predict_bridged`."""
        return self.predict_bridged(data, rate_hz, chunk, max_gap_ms)[0]

    def predict_bridged(
        self, data, rate_hz: float | None = None, chunk: int = 8192, max_gap_ms: float = 50.0
    ) -> tuple[np.ndarray, np.ndarray]:
        """`predict`, and per row whether its window held frames bridged across a gap."""
        grid = bridge(self._angles(data, rate_hz), self.spec.rate_hz, max_gap_ms)
        w = self.spec.window_frames
        if isinstance(self.model, OnlineModel):  # learns on, from one recording to the next
            ends, bridged = grid.window_ends(w)
            flags = np.zeros(grid.x.shape[0], dtype=bool)
            flags[ends] = bridged
            return self.model.run(grid.x, grid.held, grid.pieces, w), flags
        out = np.full((grid.x.shape[0], self.spec.n_outputs), np.nan, dtype=np.float64)
        flags = np.zeros(grid.x.shape[0], dtype=bool)
        ends, bridged = grid.window_ends(w)
        back = np.arange(-(w - 1), 1)
        for s in range(0, len(ends), chunk):
            t = ends[s : s + chunk]
            out[t] = self.predict_windows(grid.x[t[:, None] + back])  # (B, W, C)
        flags[ends] = bridged
        return out, flags

    def predict_trial(self, trial: Trial, coverage: float | None = None):
        """A pandas DataFrame of `predict_columns`: one row per model frame."""
        import pandas as pd

        return pd.DataFrame(self.predict_columns(trial, coverage))

    def predict_columns(self, trial: Trial, coverage: float | None = None) -> dict:
        """Column name -> array, one row per model frame: `time_s`, `target_time_s`,
        `bridged`, `<target>_pred_deg` (the last horizon step) and, when the recording holds
        the target, `<target>_true_deg` (the recording interpolated at the target time; NaN
        past its end). With an interval (`half_width`): `<target>_lo_deg` and `_hi_deg`."""
        pred, bridged = self.predict_bridged(trial)
        k = self.spec.n_outputs - len(self.spec.target)
        time_s = np.arange(len(pred)) / self.spec.rate_hz
        horizon_s = self.spec.horizon_frames / self.spec.rate_hz
        table = {"time_s": time_s, "target_time_s": time_s + horizon_s, "bridged": bridged}
        hw = self.row_half_widths(coverage, bridged)
        for j, ch in enumerate(self.spec.target):
            table[f"{ch}_pred_deg"] = pred[:, k + j]
            if hw is not None:
                table[f"{ch}_lo_deg"] = pred[:, k + j] - hw[:, k + j]
                table[f"{ch}_hi_deg"] = pred[:, k + j] + hw[:, k + j]
            if ch in trial.channels:
                truth = np.interp(time_s + horizon_s, trial.time_s, trial[ch], right=np.nan)
                table[f"{ch}_true_deg"] = truth
        return table

    def _angles(self, data, rate_hz) -> np.ndarray:
        if isinstance(data, Trial):
            refuse_look_ahead(data)
            missing = [c for c in self.channels if c not in data.channels]
            if missing:
                raise ChannelError(
                    f"{data.source or data.trial_id}: missing channel(s) {missing} that the "
                    f"model needs{data.why_missing(missing)} (it takes "
                    f"{', '.join(self.channels)})"
                )
            angles, rate_hz = data.select(self.channels).angles_deg, data.rate_hz
            name = str(data.source or data.trial_id)
        else:
            angles, name = np.asarray(data, dtype=np.float64), "data"
            if angles.ndim != 2 or angles.shape[1] != len(self.channels):
                raise ChannelError(
                    f"expected (frames, {len(self.channels)}) in the order "
                    f"{list(self.channels)}, got shape {angles.shape}"
                )
        return rates.to_model_rate(angles, rate_hz or self.spec.rate_hz, self.spec.rate_hz, name)


def load_predictor(path, dtype="float64", backend: str = "auto", **untrained) -> Predictor:
    """A checkpoint file (.pt, the train extra) or ONNX file, a shipped model (by name or
    'pretrained:NAME'; its ONNX file, or with `backend="torch"` its PyTorch checkpoint in
    `dtype`), or a model that needs no training by name with its `target`, `horizon_ms` and
    `rate_hz` (`evaluation.untrained.load_model`)."""
    from .untrained import load_model

    if backend not in ("auto", "onnx", "torch"):
        raise ConfigError(f"backend must be auto, onnx or torch, got {backend!r}")
    return Predictor(*load_model(path, onnx=backend != "torch", **untrained), dtype)
