"""What a model sees and predicts (`WindowSpec`): channels, window and horizon in ms, rate.

Frames: `window_frames = round(window_ms * rate_hz / 1000)` and likewise for the horizon
(nearest frame, at least 1). Pure Python and numpy: the runtime reads specs without torch.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

import numpy as np

from ..data.channels import mirror_name, resolve_channels
from ..errors import ConfigError

# the paper's task, the default of a run (`experiments.config.RunConfig`) and of a model that
# needs no training named by name (`evaluation.untrained`)
DEFAULT_TARGET = "r_knee_flex"
DEFAULT_WINDOW_MS = 500.0
DEFAULT_HORIZON_MS = 100.0


def ms_to_frames(ms: float, rate_hz: float) -> int:
    return max(1, int(np.floor(ms * rate_hz / 1000.0 + 0.5)))


@dataclass(frozen=True)
class WindowSpec:
    """What a model sees and predicts: channels, window and horizon in ms, and the rate."""

    inputs: tuple[str, ...]
    target: tuple[str, ...]
    window_ms: float
    horizon_ms: float
    rate_hz: float
    multi_horizon: bool = False

    @classmethod
    def create(cls, inputs, target, window_ms, horizon_ms, rate_hz, multi_horizon=False):
        return cls(
            tuple(resolve_channels(inputs)),
            tuple(resolve_channels(target)),
            float(window_ms),
            float(horizon_ms),
            float(rate_hz),
            multi_horizon,
        )

    @property
    def window_frames(self) -> int:
        return ms_to_frames(self.window_ms, self.rate_hz)

    @property
    def horizon_frames(self) -> int:
        return ms_to_frames(self.horizon_ms, self.rate_hz)

    @property
    def n_outputs(self) -> int:
        return len(self.target) * (self.horizon_frames if self.multi_horizon else 1)

    @property
    def target_in_inputs(self) -> list[int]:
        """Index of each target channel among the inputs (needed by hold/const-velocity)."""
        missing = [c for c in self.target if c not in self.inputs]
        if missing:
            raise ConfigError(f"target {missing} must also be an input channel")
        return [self.inputs.index(c) for c in self.target]

    def mirrored(self) -> WindowSpec:
        """The same model read with left and right swapped (`l_` <-> `r_` in the inputs and
        the target, the catalog's mirror signs all 1): a right-knee model on the mirrored
        channels predicts the left knee (`Trial.mirror`)."""
        return replace(
            self,
            inputs=tuple(mirror_name(c) for c in self.inputs),
            target=tuple(mirror_name(c) for c in self.target),
        )

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> WindowSpec:
        """The spec `to_dict` gave (a checkpoint's or an ONNX file's); KeyError, TypeError or
        ValueError where it is incomplete or malformed."""
        multi = bool(d.get("multi_horizon", False))
        return cls.create(list(d["inputs"]), list(d["target"]), d["window_ms"],
                          d["horizon_ms"], d["rate_hz"], multi)  # fmt: skip
