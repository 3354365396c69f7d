"""`memorise`: 1-nearest-neighbour lookup of the training windows (a leakage probe).

It predicts the target that followed the training window closest to the input window
(Euclidean, after z-scoring each window value on the training windows). It learns nothing
that transfers: it can only look good when near-copies of the test windows were in training,
as under a random-windows split, where a test window's neighbours share all but one frame
with it. The training windows are stored in the model (float16, about 2.4 kB a window).
"""

from __future__ import annotations

import torch
from torch import nn

from . import register_model

CHUNK = 512  # test windows per distance block: 512 x 20,000 floats = 40 MB


class Memorise(nn.Module):
    def __init__(self, spec):
        super().__init__()
        n_feat = spec.window_frames * len(spec.inputs)
        self.register_buffer("mean", torch.zeros(n_feat))
        self.register_buffer("std", torch.ones(n_feat))
        self.register_buffer("keys", torch.zeros(0, n_feat, dtype=torch.float16))
        self.register_buffer("values", torch.zeros(0, spec.n_outputs))

    def _z(self, x):
        return (x.reshape(x.shape[0], -1).float() - self.mean) / self.std

    @torch.no_grad()
    def fit(self, x_train, y_train, x_val=None, y_val=None) -> None:
        flat = x_train.reshape(x_train.shape[0], -1).double()
        self.mean = flat.mean(0).float()
        self.std = flat.std(0).clamp_min(1e-6).float()
        self.keys = self._z(x_train).half()
        self.values = y_train.float().clone()

    def load_state_dict(self, state, strict: bool = True, assign: bool = False):
        # the stored windows set the buffers' sizes
        self.keys = torch.empty_like(state["keys"])
        self.values = torch.empty_like(state["values"])
        return super().load_state_dict(state, strict=strict, assign=assign)

    @torch.no_grad()
    def forward(self, x, return_attention=False):
        if self.keys.shape[0] == 0:
            raise RuntimeError("memorise: fit() it on training windows first")
        keys = self.keys.float()
        out = []
        for start in range(0, x.shape[0], CHUNK):
            nearest = torch.cdist(self._z(x[start : start + CHUNK]), keys).argmin(dim=1)
            out.append(self.values[nearest])
        y = torch.cat(out).to(x.dtype)
        return (y, None) if return_attention else y


register_model(
    "memorise",
    kind="baseline",
    fits=True,
    description="1-nearest neighbour of the training windows (a leakage probe)",
)(Memorise)
