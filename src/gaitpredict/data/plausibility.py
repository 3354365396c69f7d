"""What a body can do: angle and angular-speed bounds, duplicate names, gaps and glitches.

- Every catalog angle is finite or NaN (a gap), and within +-`MAX_ABS_DEG` (360 deg: no
  joint angle, however the lab defines its zero, needs more than one turn). Anything else
  (inf, 1e30, 4,044 deg) is refused by `check_angles` with the file, frame and channel.
- A jump between two frames faster than `MAX_SPEED_DEG_S` for the joint is a glitch: kept
  (the readers are faithful to the file), reported by `find_glitches` and `data info`, and
  turned into gaps on request (`glitches_to_gaps`, `read_trial(..., glitches="gap")`). The
  bounds are about three times the fastest frame-to-frame speeds of the joints in the
  shared walking sets (CMU, McGill: knee 99.9th percentile 1,381 and maximum 651 deg/s).
"""

from __future__ import annotations

import warnings
from collections import Counter
from dataclasses import dataclass, replace

import numpy as np

from ..errors import FileFormatError, GaitDataError

MAX_ABS_DEG = 360.0
MAX_SPEED_DEG_S = {"hip": 1000.0, "knee": 1500.0, "ankle": 1500.0, "shoulder": 2000.0,
                   "elbow": 2000.0}  # fmt: skip
GLITCH_POLICIES = ("keep", "gap")


def refuse_duplicates(names, source, what: str) -> None:
    """A FileFormatError naming every name that occurs more than once."""
    counts = Counter(names)
    dup = [n for n, c in counts.items() if c > 1]
    if dup:
        shown = ", ".join(f"{n!r} ({counts[n]} times)" for n in dup[:5])
        raise FileFormatError(f"{source}: duplicate {what}: {shown}; each must be unique")


def impossible(values: np.ndarray, max_abs) -> np.ndarray:
    """Where values are inf or beyond +-`max_abs` (a scalar, or one bound per column); NaN,
    a missing value, is not impossible."""
    with np.errstate(invalid="ignore"):
        return np.isinf(values) | (np.abs(values) > max_abs)


def check_angles(trial, source=None):
    """The trial itself, or a GaitDataError at the first impossible value (file, frame,
    channel). NaN is a gap and allowed; inf and |angle| > MAX_ABS_DEG are not."""
    source = source or trial.source or trial.trial_id
    a = trial.angles_deg
    bad = impossible(a, MAX_ABS_DEG)
    if bad.any():
        frame, k = (int(i) for i in np.argwhere(bad)[0])
        raise GaitDataError(
            f"{source}, frame {frame}, channel {trial.channels[k]!r}: {a[frame, k]:g} deg is "
            f"not a joint angle (expected finite values within +-{MAX_ABS_DEG:g} deg, or a "
            f"gap); {int(bad.sum())} such value(s) in the file"
        )
    return trial


MIN_FRAMES_UNRECORDED = 10  # a recording this long whose channel never moves did not record it
UNRECORDED = (
    "exactly the same value (e.g. 0.0) in every frame: a channel that was not captured, "
    "written as a placeholder by the exporter (or a locked coordinate), not a measured angle"
)


def drop_unrecorded(trial, source=None):
    """The trial without channels that hold one exact value in every frame (NaN aside), with
    a warning naming the file and channels; they are listed in `meta["unrecorded"]`, so a
    model that needs one refuses the recording saying why (`Trial.select`)."""
    a = trial.angles_deg
    if a.shape[0] < MIN_FRAMES_UNRECORDED:
        return trial
    recorded = np.isfinite(a)
    first = a[recorded.argmax(axis=0), np.arange(a.shape[1])]  # each channel's first value
    same = (~recorded | (a == first)).all(axis=0)  # also true of a channel that is all NaN
    dead = [c for c, k in zip(trial.channels, same, strict=True) if k]
    if not dead:
        return trial
    warnings.warn(
        f"{source or trial.source or trial.trial_id}: channel(s) {', '.join(dead)} hold "
        f"{UNRECORDED}; read as missing", stacklevel=3,
    )  # fmt: skip
    kept = trial.select([c for c in trial.channels if c not in dead])
    return replace(kept, meta={**trial.meta, "unrecorded": dead})


def max_speed(channel: str) -> float:
    joint = channel.split("_")[1]
    return MAX_SPEED_DEG_S[joint]


@dataclass(frozen=True)
class Glitch:
    channel: str
    frame: int  # the frame after the jump
    jump_deg: float


def find_glitches(trial) -> list[Glitch]:
    """Frame-to-frame jumps faster than the joint's speed bound, in frame order."""
    out = []
    jumps = np.diff(trial.angles_deg, axis=0)
    for k, ch in enumerate(trial.channels):
        limit = max_speed(ch) / trial.rate_hz
        with np.errstate(invalid="ignore"):
            idx = np.flatnonzero(np.abs(jumps[:, k]) > limit)
        out += [Glitch(ch, int(i) + 1, float(jumps[i, k])) for i in idx]
    return sorted(out, key=lambda g: (g.frame, g.channel))


def glitches_to_gaps(trial):
    """The trial with every glitch frame (the frame a too-fast jump lands on) set to NaN in
    that channel, and the frames after it until the angle is back within reach of the last
    good value."""
    a = trial.angles_deg.copy()
    for k, ch in enumerate(trial.channels):
        limit = max_speed(ch) / trial.rate_hz
        last, last_i = None, None
        for i in range(a.shape[0]):
            v = a[i, k]
            if np.isnan(v):
                continue
            if last is not None and abs(v - last) > limit * (i - last_i):
                a[i, k] = np.nan
                continue
            last, last_i = v, i
    return replace(trial, angles_deg=a, provenance=trial.provenance + ("glitches-as-gaps",))


def gap_report(trial) -> dict:
    """Missing samples and glitch frames of one trial, for `data info`."""
    return {
        "missing_samples": int(np.isnan(trial.angles_deg).sum()),
        "glitches": len(find_glitches(trial)),
    }
