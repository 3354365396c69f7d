"""Rate conversion for model inputs: causal, so a frame at time t uses only frames at or
before t, offline and in a stream alike.

The model's frame at time `t` (its grid: `t_k = k / rate_hz` from the recording's first
frame) is the newest recorded frame `x_i` (`t_i <= t`) carried forward along the slope from
the frame before it: `x_i + (t - t_i) * (x_i - x_(i-1)) / (t_i - t_(i-1))`. A grid time
that coincides with a recorded frame takes that frame exactly. The carried-forward value
never looks at `x_(i+1)`; its error is second order (at most about 0.5 * |acceleration| *
dt_in * 2 dt_in: under 0.1 deg for knee angles recorded at 100-120 Hz, about 0.3 deg at
60 Hz at the sharpest knee motion). There is no anti-aliasing filter: joint angles in
walking hold almost nothing above 10 Hz, and every accepted rate is at least 50 Hz.

Targets (the truth a prediction is scored against) are never model inputs; they are linearly
interpolated between the recorded frames around the target time (`exact`).
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import RateMismatchError

MIN_RATE_HZ = 50.0  # below this, the 100-200 ms horizons are only a few frames
MAX_RATE_FACTOR = 10.0  # a stream may be at most this many times the model rate
TOLERANCE = 0.005  # rates within 0.5 % are the same rate (no conversion)


def accepted_rates(model_rate_hz: float) -> tuple[float, float]:
    """The stream and recording rates a model at `model_rate_hz` accepts (inclusive)."""
    return max(MIN_RATE_HZ, model_rate_hz / 2.0), model_rate_hz * MAX_RATE_FACTOR


def same_rate(a_hz: float, b_hz: float) -> bool:
    return abs(a_hz - b_hz) <= TOLERANCE * b_hz


def check_accepted(rate_hz: float, model_rate_hz: float, what: str) -> None:
    """Refuse a rate outside `accepted_rates`, naming both rates."""
    lo, hi = accepted_rates(model_rate_hz)
    if not (math.isfinite(rate_hz) and lo - 1e-9 <= rate_hz <= hi + 1e-9):
        raise RateMismatchError(
            f"{what}: {rate_hz:g} Hz, but a model at {model_rate_hz:g} Hz accepts "
            f"{lo:g}-{hi:g} Hz (its inputs are converted causally within that range)"
        )


def grid_times(n_frames: int, rate_in_hz: float, rate_out_hz: float) -> np.ndarray:
    """Times (s, from the first frame) of the model grid inside a recording of n frames."""
    last_s = (n_frames - 1) / rate_in_hz
    return np.arange(int(math.floor(last_s * rate_out_hz + 1e-9)) + 1) / rate_out_hz


def _grid_positions(n_frames: int, rate_in_hz: float, rate_out_hz: float):
    """For each grid time: the index of the newest recorded frame at or before it, and how
    far past that frame it lies (in input frames, 0 on an exact hit)."""
    pos = grid_times(n_frames, rate_in_hz, rate_out_hz) * rate_in_hz
    i = np.floor(pos + 1e-9).astype(np.int64)
    frac = np.clip(pos - i, 0.0, 1.0)[:, None]
    frac[frac < 1e-9] = 0.0
    return i, frac


def causal(angles: np.ndarray, rate_in_hz: float, rate_out_hz: float) -> np.ndarray:
    """(frames, channels) at `rate_in_hz` -> the model grid at `rate_out_hz`, causally.

    NaN in either frame used gives NaN (a gap stays a gap)."""
    x = np.asarray(angles, dtype=np.float64)
    i, frac = _grid_positions(x.shape[0], rate_in_hz, rate_out_hz)
    slope = np.where(frac > 0, x[i] - x[np.maximum(i - 1, 0)], 0.0)  # exact hits: no slope
    return x[i] + frac * slope


def exact(angles: np.ndarray, rate_in_hz: float, rate_out_hz: float) -> np.ndarray:
    """Linear interpolation between the frames around each grid time: for targets only."""
    x = np.asarray(angles, dtype=np.float64)
    i, frac = _grid_positions(x.shape[0], rate_in_hz, rate_out_hz)
    j = np.minimum(i + 1, x.shape[0] - 1)
    return x[i] + frac * np.where(frac > 0, x[j] - x[i], 0.0)


def to_model_rate(angles: np.ndarray, rate_hz: float, model_rate_hz: float, what: str):
    """Model inputs recorded at `rate_hz`, on the model's grid: as they are at the model's
    rate, converted causally within `accepted_rates`, refused (naming `what`) outside."""
    if same_rate(rate_hz, model_rate_hz):
        return angles
    check_accepted(rate_hz, model_rate_hz, what)
    return causal(angles, rate_hz, model_rate_hz)


class CausalConverter:
    """The same conversion for a stream: push (time_s, frame) in order; get the grid frames
    (time_s, values) that became due. A grid frame at time t is emitted when a frame at or
    after t arrives, computed from frames at or before t only, so it equals `causal()` on the
    recording. Across a gap longer than `max_step` input periods, grid frames are NaN (the
    streaming predictor then bridges or resets as for any missing frame)."""

    def __init__(self, rate_in_hz: float, rate_out_hz: float, max_step: float = 1.5):
        self.rate_in_hz, self.rate_out_hz = float(rate_in_hz), float(rate_out_hz)
        self.max_dt = max_step / self.rate_in_hz
        self.reset()

    def reset(self) -> None:
        self._t0 = self._t_prev = self._t_last = None
        self._prev = self._last = None
        self._k = 0  # next grid index

    def push(self, t: float, frame: np.ndarray) -> list[tuple[float, np.ndarray]]:
        frame = np.array(frame, dtype=np.float64)
        if self._t0 is None:
            self._t0, self._t_last, self._last = t, t, frame
            self._k = 1
            return [(t, frame.copy())]
        out = []
        while True:
            tk = self._t0 + self._k / self.rate_out_hz
            if tk > t + 1e-9:
                break
            if abs(tk - t) <= 1e-9:
                out.append((tk, frame.copy()))
            else:
                out.append((tk, self._carry(tk)))
            self._k += 1
        self._t_prev, self._prev = self._t_last, self._last
        self._t_last, self._last = t, frame
        return out

    def _carry(self, tk: float) -> np.ndarray:
        dt = tk - self._t_last
        if dt > self.max_dt:
            return np.full_like(self._last, np.nan)
        if self._prev is None:
            return self._last.copy()
        step = self._t_last - self._t_prev
        if step > self.max_dt:
            return np.full_like(self._last, np.nan)
        return self._last + dt / step * (self._last - self._prev)
