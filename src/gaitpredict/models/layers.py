"""Small layers the networks share."""

from __future__ import annotations

import torch


def pooled_tanh(h: torch.Tensor, pool: int) -> torch.Tensor:
    """tanh, then max-pooling over non-overlapping groups of `pool` steps of the last axis
    (a trailing remainder dropped, as `nn.MaxPool1d` does), computed as max first: tanh is
    increasing, so the values are the same, with half the tanh work, and an elementwise
    maximum of strided slices instead of a pooling kernel with indices."""
    steps = h.shape[-1] // pool * pool
    out = h[..., 0:steps:pool]
    for k in range(1, pool):  # strided slices, not a reshape: ONNX keeps the batch dynamic
        out = torch.maximum(out, h[..., k:steps:pool])
    return out.tanh()
