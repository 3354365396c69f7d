"""`Predictor`: a loaded checkpoint that predicts in degrees from trials or raw arrays."""

from __future__ import annotations

import copy

import numpy as np
import torch

from ..data.trial import Trial
from ..errors import ChannelError, GaitDataError, RateMismatchError
from ..training.checkpoint import load_checkpoint


class Predictor:
    """Offline prediction in float64: float32 graphs that sum in different orders (batch
    sizes, PyTorch vs ONNX) disagree by ~1e-5 deg on knee angles; float64 is the reference."""

    def __init__(self, model, spec, payload: dict | None = None):
        # a float64 copy: the caller's model (perhaps still training) keeps its dtype
        self.model = copy.deepcopy(model).double()
        self.spec, self.payload = spec, payload or {}

    @property
    def channels(self) -> tuple[str, ...]:
        return self.spec.inputs

    @torch.no_grad()
    def predict_windows(self, x_deg: np.ndarray) -> np.ndarray:
        """(batch, window_frames, channels) in degrees -> (batch, outputs) in degrees."""
        x = torch.from_numpy(np.array(x_deg, dtype=np.float64))
        if x.ndim != 3 or x.shape[1:] != (self.spec.window_frames, len(self.channels)):
            raise GaitDataError(
                f"expected windows of shape (batch, {self.spec.window_frames}, "
                f"{len(self.channels)}), got {tuple(x.shape)}"
            )
        return self.model(x).numpy()

    def predict(self, data, rate_hz: float | None = None, chunk: int = 8192) -> np.ndarray:
        """Predictions for every frame of a Trial or a (frames, channels) array in degrees.

        Row t is the prediction made at frame t for frame t + horizon (for every step with
        multi-horizon); rows before the window is full are NaN.
        """
        angles = self._angles(data, rate_hz)
        w = self.spec.window_frames
        out = np.full((angles.shape[0], self.spec.n_outputs), np.nan, dtype=np.float64)
        if angles.shape[0] < w:
            return out
        view = np.lib.stride_tricks.sliding_window_view(angles, w, axis=0)  # (N, C, W)
        for s in range(0, view.shape[0], chunk):
            block = view[s : s + chunk].transpose(0, 2, 1)  # (B, W, C)
            out[w - 1 + s : w - 1 + s + len(block)] = self.predict_windows(block)
        return out

    def _angles(self, data, rate_hz) -> np.ndarray:
        if isinstance(data, Trial):
            if data.rate_hz != self.spec.rate_hz:
                raise RateMismatchError(
                    f"{data.trial_id}: recorded at {data.rate_hz:g} Hz, "
                    f"the model expects {self.spec.rate_hz:g} Hz"
                )
            missing = [c for c in self.channels if c not in data.channels]
            if missing:
                raise ChannelError(
                    f"{data.trial_id}: missing channel(s) {missing} that the model needs"
                )
            return data.select(self.channels).angles_deg
        angles = np.asarray(data, dtype=np.float64)
        if rate_hz is not None and rate_hz != self.spec.rate_hz:
            raise RateMismatchError(
                f"data at {rate_hz:g} Hz, model expects {self.spec.rate_hz:g} Hz"
            )
        if angles.ndim != 2 or angles.shape[1] != len(self.channels):
            raise ChannelError(
                f"expected (frames, {len(self.channels)}) in the order "
                f"{list(self.channels)}, got shape {angles.shape}"
            )
        return angles


def load_predictor(path) -> Predictor:
    model, spec, payload = load_checkpoint(path)
    return Predictor(model, spec, payload)
