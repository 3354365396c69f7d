"""Gaps on the model grid, bridged causally: one rule for training, evaluation, prediction
and streaming.

A frame with a missing (NaN) or impossible (inf, beyond +-`MAX_ABS_DEG`) value keeps its
good channels and holds the rest at the last complete frame; such a frame is *held*, and a
window containing one is *bridged*. More than `max_gap_ms` of held frames in a row breaks
the recording: the window starts again at the next complete frame. Nothing looks ahead.

`GapBridge` applies the rule frame by frame (`StreamingPredictor` pushes through it);
`bridge` runs the same object over a whole recording for the offline paths (`Windows`,
`Predictor.predict`), so offline and online hold, break and flag the same frames.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..data.plausibility import MAX_ABS_DEG

GOOD, HELD, WAIT, BREAK = "good", "held", "wait", "break"


class GapBridge:
    """Hold-the-last-complete-frame bridging, one frame at a time."""

    def __init__(self, n_channels: int, rate_hz: float, max_gap_ms: float, dtype=np.float64):
        self.rate_hz, self.max_gap_ms = float(rate_hz), float(max_gap_ms)
        self.last_good = np.zeros(n_channels, dtype=dtype)
        self.finite = np.ones(n_channels, dtype=bool)  # the last frame's good channels
        self.restart()

    def restart(self) -> None:
        """After a break (or a new recording): wait for the next complete frame."""
        self.have_good, self.held_run = False, 0

    def hold(self, frames: int) -> bool:
        """Count `frames` more held frames in a row; False once they exceed `max_gap_ms`."""
        self.held_run += frames
        return self.gap_ms <= self.max_gap_ms

    @property
    def gap_ms(self) -> float:
        return self.held_run * 1000.0 / self.rate_hz

    def step(self, frame: np.ndarray) -> str:
        """Bridge `frame` in place: GOOD (complete), HELD (bad channels now hold the last
        complete frame's values), WAIT (no complete frame yet: skip it) or BREAK (the gap is
        too long: skip it and `restart()`). `finite` then says which channels were good."""
        self.finite = finite = np.abs(frame) <= MAX_ABS_DEG  # False for NaN and inf too
        if finite.all():
            self.last_good[:] = frame
            self.have_good, self.held_run = True, 0
            return GOOD
        if not self.have_good:
            return WAIT
        np.copyto(frame, self.last_good, where=~finite)
        return HELD if self.hold(1) else BREAK


@dataclass(frozen=True)
class Bridged:
    """A recording on the model grid after bridging.

    `x`: the frames, held values filled in (NaN where no piece covers them); `held`: which
    frames were held; `pieces`: half-open [start, stop) runs of frames the bridge let
    through, each starting at a complete frame."""

    x: np.ndarray
    held: np.ndarray
    pieces: tuple[tuple[int, int], ...]

    def window_ends(self, window_frames: int) -> tuple[np.ndarray, np.ndarray]:
        """Last frames of every full window inside a piece, and whether each window is
        bridged (holds a held frame): where a stream would predict."""
        ends = [np.arange(s + window_frames - 1, e) for s, e in self.pieces]
        t = np.concatenate(ends) if ends else np.zeros(0, dtype=np.int64)
        held_before = np.concatenate([[0], np.cumsum(self.held)])
        bridged = held_before[t + 1] - held_before[t + 1 - window_frames] > 0
        return t.astype(np.int64), bridged


def bridge(x: np.ndarray, rate_hz: float, max_gap_ms: float = 50.0) -> Bridged:
    """(frames, channels) on the model grid -> `Bridged`, by `GapBridge` frame by frame."""
    x = np.array(x, dtype=np.float64)
    n = x.shape[0]
    held = np.zeros(n, dtype=bool)
    if (np.abs(x) <= MAX_ABS_DEG).all():  # every frame GOOD: the bridge changes nothing
        return Bridged(x, held, ((0, n),) if n else ())
    gb = GapBridge(x.shape[1], rate_hz, max_gap_ms)
    pieces, start = [], None
    for i in range(n):
        state = gb.step(x[i])
        if state in (WAIT, BREAK):
            if start is not None:
                pieces.append((start, i))
                start = None
            if state == BREAK:
                gb.restart()
            continue
        if start is None:
            start = i
        held[i] = state == HELD
    if start is not None:
        pieces.append((start, n))
    covered = np.zeros(n, dtype=bool)
    for s, e in pieces:
        covered[s:e] = True
    x[~covered] = np.nan
    return Bridged(x, held, tuple(pieces))
