"""A stream's prediction intervals: offline half-widths, adapted online as the truth arrives.

The truth of a prediction made at model frame t is the target's value in frame t + h (h:
the horizon in frames), seen `horizon_ms` later, the timing online adaptation follows: a
prediction updates the interval only once its truth has arrived in real time. Bridged
predictions (a window holding frames held across a gap) and held truth frames never update
it; a reset (a gap past the limit, a clock restart) drops the predictions still waiting and
keeps what was learned. The online part covers the last horizon step's targets; a
multi-horizon model's earlier steps keep their offline half-widths.
"""

from __future__ import annotations

import numpy as np

from ..evaluation.intervals import Calibration, OnlineInterval, bridged_coverage
from ..windowing.delay import TruthDelay


class StreamIntervals:
    def __init__(self, calibration: Calibration, coverage: float, spec, online: bool):
        self.coverage = coverage
        n_t = len(spec.target)
        self.last = slice(spec.n_outputs - n_t, spec.n_outputs)  # the last horizon step
        self.offline = calibration.half_width(coverage)
        self.offline_bridged = calibration.half_width(bridged_coverage(coverage))
        self.h = spec.horizon_frames
        self.target_idx = list(spec.target_in_inputs) if online else []
        self.online = None
        if online:
            last = Calibration(calibration.errors_deg[:, self.last], calibration.source)
            self.online = OnlineInterval(last, coverage, spec.rate_hz)
            self._pred = np.zeros((self.h + 1, n_t))
            self._hw = np.zeros((self.h + 1, n_t))
            self._delay = TruthDelay(self.h)
        self._out = self.offline.copy()
        # one output (one target, one horizon step): Python floats on the hot path
        self.scalar = self.online is not None and spec.n_outputs == 1
        if self.scalar:
            self._t0 = self.target_idx[0]
            self._pred1 = [0.0] * (self.h + 1)
            self._hw1 = [0.0] * (self.h + 1)

    def observe(self, frame: np.ndarray, held: bool) -> None:
        """A model-grid frame arrived: it is the truth of the prediction made h frames ago."""
        if self.online is None:
            return
        k = self._delay.arrived()
        if k is None or held:
            return
        if self.scalar:
            self.online.update1(abs(float(frame[self._t0]) - self._pred1[k]), self._hw1[k])
            return
        errors = np.abs(frame[self.target_idx] - self._pred[k])
        self.online.update(errors, self._hw[k])

    def half_width(self, prediction: np.ndarray, bridged: bool):
        """The half-widths (deg) of the prediction just made (a float for a one-output
        model, else an array); remembered for its truth."""
        if self.scalar:
            hw = self.online.half_width1(bridged)
            k = self._delay.wait(not bridged)
            self._pred1[k], self._hw1[k] = float(prediction[0]), hw
            return hw
        out = self._out
        out[:] = self.offline_bridged if bridged else self.offline
        if self.online is not None:
            hw = self.online.half_width(bridged)
            out[self.last] = hw
            k = self._delay.wait(not bridged)
            self._pred[k] = prediction[self.last]
            self._hw[k] = hw
        return out.copy()

    def interrupt(self) -> None:
        if self.online is not None:
            self._delay.interrupt()

    def forget(self) -> None:
        self.interrupt()
        if self.online is not None:
            self.online.forget()
