"""`Markers`: 3-D marker trajectories, for files that hold markers rather than joint angles."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class Markers:
    """Positions `(frames, markers, 3)` in `units`, NaN where a marker was not seen.

    `labels` are unique: a label repeated in the file gets a `#2`, `#3`, ... suffix.
    Joint angles need a segment model (e.g. Plug-in Gait) built from these markers.
    """

    positions: np.ndarray
    labels: tuple[str, ...]
    rate_hz: float
    units: str
    source: Path | None = None

    @property
    def n_frames(self) -> int:
        return self.positions.shape[0]

    def __getitem__(self, label: str) -> np.ndarray:
        return self.positions[:, self.labels.index(label)]


def unique_labels(labels) -> tuple[str, ...]:
    seen: dict[str, int] = {}
    out = []
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
        out.append(label if seen[label] == 1 else f"{label}#{seen[label]}")
    return tuple(out)
