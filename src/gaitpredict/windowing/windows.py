"""Causal windows over trials: input = `window_ms` ending at frame t, target = frame t + horizon
(frames as `spec.WindowSpec` counts them). Windows are index arrays into one concatenated `(frames,
channels)` array per set, never copies, so memory grows with frames, not frames x window.
Gaps are bridged causally as a stream bridges them (`gaps`): short ones held, long ones
break the trial; no window crosses a trial or a long gap.
Shapes follow one convention throughout: `(batch, time, channels)`.
"""

from __future__ import annotations

import copy

import numpy as np
import torch

from ..data import rates
from ..data.preprocess import refuse_look_ahead
from ..data.trial import Trial
from ..errors import GaitDataError
from .gaps import bridge
from .spec import WindowSpec


def _on_model_grid(piece: Trial, spec) -> tuple[np.ndarray, np.ndarray]:
    """Inputs (causal conversion) and targets (interpolated truth) at the model's rate."""
    x, y = piece.select(spec.inputs).angles_deg, piece.select(spec.target).angles_deg
    if rates.same_rate(piece.rate_hz, spec.rate_hz):
        return x, y
    return (
        rates.causal(x, piece.rate_hz, spec.rate_hz),
        rates.exact(y, piece.rate_hz, spec.rate_hz),
    )


class Windows:
    """All causal windows of a list of trials, as indices into concatenated arrays.

    Each trial goes to the model grid (inputs converted causally, `rates`), is bridged
    (`gaps.bridge`: short gaps held, long ones break it) and gives a window wherever a
    stream would predict: at every frame of a piece with a full window behind it. A window
    is kept when its truth (`horizon_ms` later, every step with multi-horizon) was recorded:
    a target frame missing in the recording is never trained on or scored. `bridged` marks
    the windows that hold held frames.
    """

    def __init__(
        self, trials: list[Trial], spec: WindowSpec, max_gap_ms: float = 50.0, dtype=torch.float32
    ):
        self.spec, self.trials = spec, list(trials)
        w, h = spec.window_frames, spec.horizon_frames
        ahead = np.arange(1, h + 1) if spec.multi_horizon else np.array([h])
        xs, ys, ends, owners, bridged, self._lengths = [], [], [], [], [], []
        self.grids: list[tuple[np.ndarray, tuple]] = []  # per trial: held frames, pieces
        offset = 0
        for k, trial in enumerate(self.trials):
            refuse_look_ahead(trial)
            if not rates.same_rate(trial.rate_hz, spec.rate_hz):
                rates.check_accepted(
                    trial.rate_hz, spec.rate_hz, str(trial.source or trial.trial_id)
                )
            x_deg, y_deg = _on_model_grid(trial, spec)
            grid = bridge(x_deg, spec.rate_hz, max_gap_ms)
            t, flags = grid.window_ends(w)
            n = x_deg.shape[0]
            t, flags = t[t + h < n], flags[t + h < n]
            ok = np.isfinite(y_deg[t[:, None] + ahead]).all(axis=(1, 2))
            xs.append(grid.x)
            ys.append(y_deg)
            self.grids.append((grid.held, grid.pieces))
            ends.append(offset + t[ok])
            bridged.append(flags[ok])
            owners.append(np.full(int(ok.sum()), k))
            self._lengths.append(n)
            offset += n
        if not any(e.size for e in ends):
            names = ", ".join(
                f"{t.source or t.trial_id} ({t.n_frames} frames)" for t in trials[:5]
            ) + (" ..." if len(trials) > 5 else "")
            raise GaitDataError(
                f"no stretch without long gaps holds a {spec.window_ms:g} ms window plus a "
                f"{spec.horizon_ms:g} ms horizon with its truth recorded ({w + h} frames at "
                f"{spec.rate_hz:g} Hz) in: {names or 'no trials'}"
            )
        self.x = torch.from_numpy(np.concatenate(xs)).to(dtype)
        self.y = torch.from_numpy(np.concatenate(ys)).to(dtype)
        self.end = torch.from_numpy(np.concatenate(ends))
        self.owner = np.concatenate(owners)
        self.bridged = np.concatenate(bridged)
        self._back = torch.arange(-(w - 1), 1)
        self._ahead = torch.from_numpy(ahead)

    def __len__(self) -> int:
        return int(self.end.numel())

    def subset(self, idx) -> Windows:
        """These windows only (a view: the frame arrays are shared, not copied)."""
        idx = np.asarray(idx, dtype=np.int64)
        out = copy.copy(self)
        out.end, out.owner = self.end[torch.from_numpy(idx)], self.owner[idx]
        out.bridged = self.bridged[idx]
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

    def targets(self) -> torch.Tensor:
        """Every window's targets (windows, outputs) in degrees, without the inputs."""
        return self.y[self.end[:, None] + self._ahead].reshape(len(self), -1)

    def recordings(self):
        """Per trial, in order: (k, frames (frames, channels) in degrees as bridged, held,
        pieces, rows of its windows, their last frames within the trial): what a model that
        reads whole recordings frame by frame needs (`models.online`)."""
        starts = np.concatenate([[0], np.cumsum(self._lengths)]).astype(np.int64)
        x, end = self.x.double().numpy(), self.end.numpy()
        for k, (held, pieces) in enumerate(self.grids):
            rows = np.flatnonzero(self.owner == k)
            s, e = starts[k], starts[k + 1]
            yield k, x[s:e], held, pieces, rows, end[rows] - s

    def frame_of(self, idx) -> np.ndarray:
        """Frame (within its trial, at the model's rate) of each window's last input frame."""
        starts = np.concatenate([[0], np.cumsum(self._lengths)[:-1]])
        return self.end.numpy()[idx] - starts[self.owner[idx]]
