"""`Trial`: one recording of named joint angles in degrees at a known rate."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from fractions import Fraction
from pathlib import Path

import numpy as np

from ..errors import ChannelError, GaitDataError
from .channels import CHANNELS, MIRROR_SIGN, mirror_name


@dataclass(frozen=True)
class Trial:
    """Joint angles `(frames, channels)` in degrees, sampled at `rate_hz`.

    `provenance` records processing steps (e.g. 'lowpass-causal', 'zero-phase') so that later
    stages can refuse data that would leak the future into model inputs.
    """

    angles_deg: np.ndarray
    channels: tuple[str, ...]
    rate_hz: float
    subject: str = "unknown"
    trial_id: str = ""
    source: Path | None = None
    provenance: tuple[str, ...] = field(default=())
    meta: dict = field(default_factory=dict, compare=False)

    def __post_init__(self):
        angles = np.asarray(self.angles_deg, dtype=np.float64)
        if angles.ndim != 2 or angles.shape[1] != len(self.channels):
            raise GaitDataError(
                f"{self.source or self.trial_id}: angles must be (frames, {len(self.channels)}) "
                f"to match the channels, got shape {angles.shape}"
            )
        if len(set(self.channels)) != len(self.channels):
            raise ChannelError(f"{self.source or self.trial_id}: duplicate channel names")
        if not self.rate_hz > 0:
            raise GaitDataError(f"{self.source or self.trial_id}: rate_hz must be > 0")
        object.__setattr__(self, "angles_deg", angles)
        object.__setattr__(self, "channels", tuple(self.channels))

    # --- basic facts -------------------------------------------------------------------------
    @property
    def n_frames(self) -> int:
        return self.angles_deg.shape[0]

    @property
    def duration_s(self) -> float:
        return self.n_frames / self.rate_hz

    @property
    def time_s(self) -> np.ndarray:
        return np.arange(self.n_frames) / self.rate_hz

    def __getitem__(self, channel: str) -> np.ndarray:
        """One channel's angles in degrees."""
        return self.angles_deg[:, self._index([channel])[0]]

    def why_missing(self, channels) -> str:
        """' (...)' saying which of `channels` the file held as one exact value in every
        frame (read as not recorded: `plausibility.drop_unrecorded`), else ''."""
        unrecorded = [c for c in channels if c in self.meta.get("unrecorded", ())]
        if not unrecorded:
            return ""
        return (
            f" ({', '.join(unrecorded)}: one exact value in every frame of the file, an "
            "exporter's placeholder read as not recorded)"
        )

    def _index(self, channels) -> list[int]:
        missing = [c for c in channels if c not in self.channels]
        if missing:
            raise ChannelError(
                f"{self.source or self.trial_id}: missing channel(s) {missing}"
                f"{self.why_missing(missing)}; this trial has {list(self.channels)}"
            )
        return [self.channels.index(c) for c in channels]

    # --- operations ---------------------------------------------------------------------------
    def select(self, channels) -> Trial:
        """A trial with only `channels`, in that order."""
        idx = self._index(list(channels))
        return replace(self, angles_deg=self.angles_deg[:, idx], channels=tuple(channels))

    def slice_s(self, start_s: float = 0.0, stop_s: float | None = None) -> Trial:
        """Frames with start_s <= t < stop_s (t = frame / rate_hz)."""
        start = int(np.ceil(start_s * self.rate_hz - 1e-9))
        stop = self.n_frames if stop_s is None else int(np.ceil(stop_s * self.rate_hz - 1e-9))
        return self.slice_frames(start, stop)

    def slice_frames(self, start: int, stop: int) -> Trial:
        start, stop = max(0, start), min(self.n_frames, stop)
        return replace(self, angles_deg=self.angles_deg[start:stop])

    def resample(self, rate_hz: float) -> Trial:
        """Resample to `rate_hz` with a polyphase anti-aliasing filter (scipy.resample_poly).

        The filter is zero-phase (it sees neighbouring frames), so resampling is an offline
        step: it is recorded in the provenance like any other processing.
        """
        from scipy.signal import resample_poly  # slow to import: only when used

        if rate_hz == self.rate_hz:
            return self
        ratio = Fraction(rate_hz / self.rate_hz).limit_denominator(1000)
        if abs(float(ratio) - rate_hz / self.rate_hz) > 1e-6:
            raise GaitDataError(f"cannot resample {self.rate_hz} Hz to {rate_hz} Hz exactly")
        out = resample_poly(
            self.angles_deg, ratio.numerator, ratio.denominator, axis=0, padtype="line"
        )
        return replace(
            self,
            angles_deg=out,
            rate_hz=float(rate_hz),
            provenance=self.provenance + (f"resample-{rate_hz:g}Hz",),
        )

    def mirror(self) -> Trial:
        """Swap left and right (l_<->r_) with the catalog's mirror signs.

        A right-knee model applied to a mirrored trial predicts the original left knee.
        """
        names = tuple(mirror_name(c) for c in self.channels)
        signs = np.array([MIRROR_SIGN.get(c, 1.0) for c in self.channels])
        return replace(
            self,
            angles_deg=self.angles_deg * signs,
            channels=names,
            trial_id=f"{self.trial_id}~mirror",
            provenance=self.provenance + ("mirror",),
        )

    def played_faster(self, speed: float) -> Trial:
        """The same motion played `speed` times as fast: every frame kept, the rate
        multiplied by `speed`, so a stride takes 1/speed of the time (a walker with
        `speed` times this one's cadence). Windowing converts it to the model's rate like
        any recording at another rate."""
        if not (np.isfinite(speed) and speed > 0):
            raise GaitDataError(f"{self.trial_id}: a speed factor must be positive, got {speed!r}")
        return replace(
            self,
            rate_hz=self.rate_hz * speed,
            trial_id=f"{self.trial_id}~x{speed:g}",
            provenance=self.provenance + (f"played-x{speed:g}",),
        )

    def catalog_order(self) -> Trial:
        """The same trial with channels in catalog order (non-catalog channels last)."""
        order = [c for c in CHANNELS if c in self.channels]
        order += [c for c in self.channels if c not in order]
        return self.select(order)

    def __repr__(self) -> str:
        return (
            f"Trial({self.trial_id!r}, subject={self.subject!r}, frames={self.n_frames}, "
            f"rate_hz={self.rate_hz:g}, channels={len(self.channels)})"
        )
