"""Causal windows over trials: input = `window_ms` ending at frame t, target = frame t + horizon.

Frames: `window_frames = round(window_ms * rate_hz / 1000)` and likewise for the horizon
(nearest frame, at least 1). Windows are index arrays into one concatenated `(frames,
channels)` array per set, never copies, so memory grows with frames, not frames x window.
Trials are cut at gaps first (`preprocess.fill_gaps`); no window crosses a trial or a gap.
Shapes follow one convention throughout: `(batch, time, channels)`.
"""

from __future__ import annotations

import copy
from dataclasses import asdict, dataclass

import numpy as np
import torch

from ..data import rates
from ..data.channels import resolve_channels
from ..data.preprocess import fill_gaps, refuse_look_ahead
from ..data.trial import Trial
from ..errors import ConfigError, GaitDataError


def _on_model_grid(piece: Trial, spec) -> tuple[np.ndarray, np.ndarray]:
    """Inputs (causal conversion) and targets (interpolated truth) at the model's rate."""
    x, y = piece.select(spec.inputs).angles_deg, piece.select(spec.target).angles_deg
    if rates.same_rate(piece.rate_hz, spec.rate_hz):
        return x, y
    return (
        rates.causal(x, piece.rate_hz, spec.rate_hz),
        rates.exact(y, piece.rate_hz, spec.rate_hz),
    )


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

    def to_dict(self) -> dict:
        return asdict(self)


class Windows:
    """All causal windows of a list of trials, as indices into concatenated arrays."""

    def __init__(self, trials: list[Trial], spec: WindowSpec, max_gap_ms: float = 50.0):
        self.spec = spec
        pieces = []
        for trial in trials:
            refuse_look_ahead(trial)
            if not rates.same_rate(trial.rate_hz, spec.rate_hz):
                rates.check_accepted(
                    trial.rate_hz, spec.rate_hz, str(trial.source or trial.trial_id)
                )
            needed = list(dict.fromkeys(spec.inputs + spec.target))
            pieces += fill_gaps(trial.select(needed), max_gap_ms=max_gap_ms)[0]
        w, h = spec.window_frames, spec.horizon_frames
        xs, ys, ends, owners, self.trials, self._lengths = [], [], [], [], [], []
        offset = 0
        for piece in pieces:
            x_deg, y_deg = _on_model_grid(piece, spec)
            n = x_deg.shape[0]
            if n >= w + h:
                xs.append(x_deg)
                ys.append(y_deg)
                t = np.arange(w - 1, n - h)
                ends.append(offset + t)
                owners.append(np.full(t.size, len(self.trials)))
                self.trials.append(piece)
                self._lengths.append(n)
            offset += n if n >= w + h else 0
        if not ends:
            names = ", ".join(
                f"{t.source or t.trial_id} ({t.n_frames} frames)" for t in trials[:5]
            ) + (" ..." if len(trials) > 5 else "")
            raise GaitDataError(
                f"no stretch without gaps is long enough for a {spec.window_ms:g} ms window "
                f"plus a {spec.horizon_ms:g} ms horizon ({w + h} frames at "
                f"{spec.rate_hz:g} Hz) in: {names or 'no trials'}"
            )
        self.x = torch.from_numpy(np.concatenate(xs).astype(np.float32))
        self.y = torch.from_numpy(np.concatenate(ys).astype(np.float32))
        self.end = torch.from_numpy(np.concatenate(ends))
        self.owner = np.concatenate(owners)
        self._back = torch.arange(-(w - 1), 1)
        self._ahead = torch.arange(1, h + 1) if spec.multi_horizon else torch.tensor([h])

    def __len__(self) -> int:
        return int(self.end.numel())

    def subset(self, idx) -> Windows:
        """These windows only (a view: the frame arrays are shared, not copied)."""
        idx = np.asarray(idx, dtype=np.int64)
        out = copy.copy(self)
        out.end, out.owner = self.end[torch.from_numpy(idx)], self.owner[idx]
        return out

    def batch(self, idx: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Inputs (batch, window, channels) and targets (batch, outputs) in degrees."""
        t = self.end[idx]
        x = self.x[t[:, None] + self._back]  # (B, W, C)
        y = self.y[t[:, None] + self._ahead]  # (B, H or 1, targets)
        return x, y.reshape(len(idx), -1)

    def chunks(self, size: int = 4096):
        """(inputs, targets) for consecutive windows, `size` at a time, in order."""
        for start in range(0, len(self), size):
            yield self.batch(torch.arange(start, min(start + size, len(self))))

    def all(self) -> tuple[torch.Tensor, torch.Tensor]:
        return self.batch(torch.arange(len(self)))

    def frame_of(self, idx) -> np.ndarray:
        """Frame (within its trial piece, at the model's rate) of each window's last input
        frame."""
        starts = np.concatenate([[0], np.cumsum(self._lengths)[:-1]])
        return self.end.numpy()[idx] - starts[self.owner[idx]]
