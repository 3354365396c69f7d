"""Models that learn their wearer while they predict, frame by frame, with no training data.

An `OnlineModel` sees every frame of a recording on the model grid in time order
(`observe`), and after each frame gives its prediction `horizon_ms` ahead (`predict`). It
learns only from the frames it has been shown, which hold the target's measured value at
their own time, so a value of the target updates it only once it has arrived in real time.
What it learned is carried from one recording of a wearer to the next (`interrupt` at a
recording's start or a long gap: the phase is lost, the shape and frequency are kept) and
dropped for a new wearer (`forget`).

Offline (`run`, used by `evaluation.windowed.predict_all`, `Predictor` and the grids) and
streaming (`realtime.backends.OnlineBackend`) drive the same object the same way, so both
give the same predictions. Off the cycle (standing, a frequency outside its range, a
lost lock) a model predicts the target's last value, a safe reference, and says why in
`status`. The window (`window_ms`) only decides where predictions start, as for every
model: it is not what the model remembers.
"""

from __future__ import annotations

import copy
import math
from collections import deque
from dataclasses import dataclass

import numpy as np

from ..errors import ConfigError
from ..options import setting
from .config import Options

TWO_PI = 2.0 * math.pi


@dataclass
class CycleOptions(Options):
    """The stride frequency an online model starts from and the range it keeps to."""

    start_stride_hz: float = setting(1.0, "the stride frequency it starts from, Hz")
    min_stride_hz: float = setting(0.3, "lowest stride frequency, Hz")
    max_stride_hz: float = setting(2.5, "highest stride frequency, Hz")
    envelope_s: float = setting(4.0, "predictions stay within the range the target itself "
                                "took over the last this many seconds (once it has been seen "
                                "that long)")  # fmt: skip


class OnlineModel:
    """Base: subclasses define `_forget`, `interrupt`, `_observe` and `_predict`, and name in
    `LEARNED` the attributes that hold what was learned about the wearer (`learned`).

    The base keeps every prediction within the envelope of the target's own measured range
    over the last `envelope_s` (a reference the wearer's joint has recently reached; the
    oscillators' few harmonics can otherwise overshoot into a hyperextended knee).

    Plain Python and numpy, no torch: the runtime streams online models without it. It has
    no weights, so a checkpoint of one holds only its settings and spec (`state_dict` is
    empty), and it is called through `run`, never on separate windows."""

    LEARNED: tuple[str, ...] = ()

    def __init__(self, spec, cfg):
        self.spec, self.cfg = spec, cfg
        self.dt = 1.0 / spec.rate_hz
        self.w_min, self.w_max = TWO_PI * cfg.min_stride_hz, TWO_PI * cfg.max_stride_hz
        self.target_idx = list(spec.target_in_inputs)  # the truth arrives as an input
        steps = range(1, spec.horizon_frames + 1) if spec.multi_horizon else [spec.horizon_frames]
        self.ahead_s = [k * self.dt for k in steps]  # outputs are horizon-major
        self.envelope_frames = max(2, round(cfg.envelope_s / self.dt))
        self.status = "learning"
        self.fallback = True  # the last prediction was the target's last value
        self.forget()

    # -- as a checkpoint sees it: settings only ---------------------------------------------
    def state_dict(self) -> dict:
        return {}

    def load_state_dict(self, state: dict) -> None:
        if state:
            raise ConfigError(f"{type(self).__name__} has no weights, got {sorted(state)[:4]}")

    def eval(self) -> OnlineModel:
        return self

    def __call__(self, x, return_attention=False):
        raise ConfigError(
            f"{type(self).__name__} learns frame by frame over whole recordings, not from "
            "separate windows: predict with `OnlineModel.run` (through predict_all, "
            "Predictor or StreamingPredictor)"
        )

    # -- what callers use -----------------------------------------------------------------
    def forget(self) -> None:
        """A new wearer: drop everything learned."""
        self.envelope = [Extremes(self.envelope_frames) for _ in self.target_idx]
        self._forget()

    def observe(self, frame, held: bool) -> None:
        """One model-grid frame (inputs in the spec's order, degrees); `held`: bridged across
        a gap (its values are not measurements and teach nothing)."""
        if not held:
            for box, k in zip(self.envelope, self.target_idx, strict=True):
                box.push(frame[k])
        self._observe(frame, held)

    def predict(self, frame, out: np.ndarray) -> None:
        """The prediction after the last observed `frame`, into `out` (n_outputs,)."""
        self._predict(frame, out)
        if self.fallback:
            return
        n = len(self.target_idx)
        for j, box in enumerate(self.envelope):
            if box.i < self.envelope_frames:  # not seen long enough to know its range
                continue
            hi, lo = box.extremes()
            for s in range(len(self.ahead_s)):
                out[s * n + j] = clamp(out[s * n + j], lo, hi)

    # -- what subclasses define ----------------------------------------------------------
    def _forget(self) -> None:
        raise NotImplementedError

    def interrupt(self) -> None:
        """A new recording or a long gap: the next frame does not follow the last one."""
        raise NotImplementedError

    def _observe(self, frame, held: bool) -> None:
        raise NotImplementedError

    def _predict(self, frame, out: np.ndarray) -> None:
        raise NotImplementedError

    # -- shared ---------------------------------------------------------------------------
    @property
    def stride_hz(self) -> float:
        """The stride frequency it follows now (`omega`, rad/s, set by subclasses)."""
        return self.omega / TWO_PI

    def hold(self, frame, out: np.ndarray, why: str) -> None:
        """The safe prediction: the target's last value, and why."""
        for s in range(len(self.ahead_s)):
            for j, k in enumerate(self.target_idx):
                out[s * len(self.target_idx) + j] = frame[k]
        self.fallback, self.status = True, why

    def learned(self) -> dict:
        """What was learned about the wearer (numbers and lists of them): `restore` takes it
        back, e.g. in the next session (`StreamingPredictor.save_adaptation`)."""
        return {name: copy.deepcopy(getattr(self, name)) for name in self.LEARNED}

    def restore(self, learned: dict, source: str = "the saved state") -> None:
        """Take back what `learned` gave (refused, naming the field, when it does not fit),
        then `interrupt`: the phase of the next frame is not the saved one."""
        fresh = self.learned()
        for name, now in fresh.items():
            if name not in learned or _shape(learned[name]) != _shape(now):
                raise ConfigError(
                    f"{source}: {name!r} {'is missing' if name not in learned else 'does not fit'}"
                    f" for {type(self).__name__} with these settings (saved by another model?)"
                )
        for name in fresh:
            setattr(self, name, copy.deepcopy(learned[name]))
        self.interrupt()

    def driver_index(self, driver: str) -> int:
        """The input channel that drives the phase (`driver_channel`); it must be an input."""
        name = driver_channel(driver, self.spec.target[0])
        if name not in self.spec.inputs:
            raise ConfigError(
                f"{type(self).__name__}: driver {driver!r} is channel {name!r}, which is not "
                f"among the inputs {list(self.spec.inputs)}"
            )
        return self.spec.inputs.index(name)

    def run(self, x: np.ndarray, held: np.ndarray, pieces, window_frames: int) -> np.ndarray:
        """(frames, outputs) predictions over a bridged recording (`windowing.gaps.Bridged`
        parts): each piece starts with `interrupt`, every frame is observed, and rows with a
        full window behind them in their piece are predicted (the rest NaN), as a stream
        does."""
        out = np.full((x.shape[0], self.spec.n_outputs), np.nan)
        row = np.zeros(self.spec.n_outputs)
        for start, stop in pieces:
            self.interrupt()
            for i in range(start, stop):
                frame = x[i].tolist()
                self.observe(frame, bool(held[i]))
                if i - start + 1 >= window_frames:
                    self.predict(frame, row)
                    out[i] = row
        return out


class Extremes:
    """The maximum and minimum of the last `n` values pushed (monotonic queues)."""

    def __init__(self, n: int):
        self.n, self.i = n, 0
        self.hi: deque = deque()  # (index, value), values decreasing
        self.lo: deque = deque()  # values increasing

    def push(self, value: float) -> tuple[float, float]:
        self.i += 1
        i, hi, lo = self.i, self.hi, self.lo
        while hi and hi[-1][1] <= value:
            hi.pop()
        hi.append((i, value))
        while lo and lo[-1][1] >= value:
            lo.pop()
        lo.append((i, value))
        if hi[0][0] <= i - self.n:
            hi.popleft()
        if lo[0][0] <= i - self.n:
            lo.popleft()
        return hi[0][1], lo[0][1]

    def extremes(self) -> tuple[float, float]:
        return self.hi[0][1], self.lo[0][1]

    def seed(self, hi: float, lo: float) -> None:
        """Start from a known range, kept until `n` more values have been pushed."""
        self.push(hi)
        self.push(lo)


def driver_channel(driver: str, target: str) -> str:
    """The channel a driver setting names: `hip` (the target's side), `target` or a name."""
    return {"target": target, "hip": target[:2] + "hip_flex"}.get(driver, driver)


def _shape(value):
    """The nesting and lengths of a learned value (numbers and None alike)."""
    if isinstance(value, list | tuple):
        return [_shape(v) for v in value]
    return None if value is None or isinstance(value, int | float) else type(value).__name__


def wrap_phase(phi: float) -> float:
    """An angle in [0, 2 pi)."""
    return phi % TWO_PI


def clamp(value: float, lo: float, hi: float) -> float:
    return lo if value < lo else hi if value > hi else value
