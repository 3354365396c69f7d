"""`memorise`: 1-nearest-neighbour lookup of the training windows (a leakage probe).

It predicts the target that followed the training window closest to the input window
(Euclidean, after z-scoring each window value on the training windows). It learns nothing
that transfers: it can only look good when near-copies of the test windows were in training,
as under a random-windows split, where a test window's neighbours share all but one frame
with it. The model stores the training frames once, not every overlapping window: a window
that continues the one before it adds one frame (about 80 bytes). The z-scored windows are
rebuilt from them on first use.
"""

from __future__ import annotations

import torch
from torch import nn

from . import register_model

CHUNK = 512  # test windows per distance block: 512 x 20,000 floats = 40 MB


class Memorise(nn.Module):
    def __init__(self, spec):
        super().__init__()
        self.window = spec.window_frames
        n_feat = spec.window_frames * len(spec.inputs)
        self.register_buffer("mean", torch.zeros(n_feat))
        self.register_buffer("std", torch.ones(n_feat))
        self.register_buffer("frames", torch.zeros(0, len(spec.inputs)))
        self.register_buffer("starts", torch.zeros(0, dtype=torch.long))  # first frame per window
        self.register_buffer("values", torch.zeros(0, spec.n_outputs))
        self.register_buffer("keys", torch.zeros(0, n_feat), persistent=False)

    def _z(self, x):
        return (x.reshape(x.shape[0], -1).float() - self.mean) / self.std

    @torch.no_grad()
    def fit(self, x_train, y_train, x_val=None, y_val=None) -> None:
        flat = x_train.reshape(x_train.shape[0], -1).double()
        self.mean = flat.mean(0).float()
        self.std = flat.std(0).clamp_min(1e-6).float()
        x = x_train.float()
        # window i continues window i-1 when it is the same frames shifted by one
        follows = torch.zeros(len(x), dtype=torch.bool)
        follows[1:] = (x[1:, :-1] == x[:-1, 1:]).flatten(1).all(1)
        pieces, starts, n = [], [], 0
        for i in range(len(x)):
            if follows[i]:
                pieces.append(x[i, -1:])
                starts.append(starts[-1] + 1)
                n += 1
            else:
                pieces.append(x[i])
                starts.append(n)
                n += self.window
        self.frames = torch.cat(pieces)
        self.starts = torch.tensor(starts, dtype=torch.long)
        self.values = y_train.float().clone()
        self.keys = torch.zeros(0, self.mean.numel())

    def load_state_dict(self, state, strict: bool = True, assign: bool = False):
        for name in ("frames", "starts", "values"):  # the stored frames set the sizes
            setattr(self, name, torch.empty_like(state[name]))
        return super().load_state_dict(state, strict=strict, assign=assign)

    def _keys(self) -> torch.Tensor:
        if self.keys.shape[0] != self.starts.shape[0]:
            idx = self.starts[:, None] + torch.arange(self.window)
            self.keys = self._z(self.frames[idx])
        return self.keys

    @torch.no_grad()
    def forward(self, x, return_attention=False):
        if self.starts.shape[0] == 0:
            raise RuntimeError("memorise: fit() it on training windows first")
        keys = self._keys()
        # argmin over keys of |q - k|^2 = |q|^2 + |k|^2 - 2 q.k; |q|^2 is the same for every
        # key, so one matrix product and the keys' norms rank them (no square roots)
        norms = (keys * keys).sum(1)
        out = []
        for start in range(0, x.shape[0], CHUNK):
            q = self._z(x[start : start + CHUNK])
            nearest = torch.addmm(norms, q, keys.T, alpha=-2.0).argmin(dim=1)
            out.append(self.values[nearest])
        y = torch.cat(out).to(x.dtype)
        return (y, None) if return_attention else y


register_model(
    "memorise",
    kind="baseline",
    fits=True,
    cost="lookup",
    stores_training_data=True,
    description="1-nearest neighbour of the training windows (a leakage probe)",
)(Memorise)
