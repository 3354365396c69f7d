"""`GaitNet`: a network plus its normalisation and modes, mapping degrees to degrees."""

from __future__ import annotations

import torch
from torch import nn

from .config import NetConfig


class GaitNet(nn.Module):
    """Raw window (B, W, C) in degrees -> prediction (B, outputs) in degrees.

    Normalisation buffers are fitted on training windows only (`fit_normalisation`) and are
    saved with the weights.
    """

    def __init__(self, net: nn.Module, spec, config: NetConfig):
        super().__init__()
        self.net, self.config = net, config
        n_in, n_out = len(spec.inputs), spec.n_outputs
        self.register_buffer("in_mean", torch.zeros(n_in))
        self.register_buffer("in_std", torch.ones(n_in))
        self.register_buffer("out_mean", torch.zeros(n_out))
        self.register_buffer("out_std", torch.ones(n_out))
        # only the delta target needs to find the target among the inputs
        idx = spec.target_in_inputs if config.target_mode == "delta" else []
        self.register_buffer("target_idx", torch.tensor(idx, dtype=torch.long))
        self.repeats = n_out // len(spec.target)
        self.relative = config.input_mode == "relative"
        self.delta = config.target_mode == "delta"

    def feature_layer(self) -> nn.Module | None:
        """The final linear layer, whose input is the features adaptation and export use:
        the last layer of the network's dense `head`."""
        head = getattr(self.net, "head", None)
        return head[-1] if isinstance(head, nn.Sequential) and len(head) else None

    @property
    def loss_scale(self) -> torch.Tensor:
        """What the training loss divides errors by: the outputs' training spread."""
        return self.out_std

    def features(self, x: torch.Tensor) -> torch.Tensor:
        if self.relative:
            x = x - x[:, -1:, :]
        return (x - self.in_mean) / self.in_std

    def anchor(self, x: torch.Tensor) -> torch.Tensor:
        """What the network's output is relative to: the last target value or zero."""
        if not self.delta:
            return torch.zeros(x.shape[0], self.out_mean.numel(), dtype=x.dtype)
        return x[:, -1, self.target_idx].repeat(1, self.repeats)

    def forward(self, x: torch.Tensor, return_attention: bool = False):
        out = self.net(self.features(x), return_attention=return_attention)
        out, weights = out if return_attention else (out, None)
        if self.training:
            y = out * self.out_std + self.out_mean + self.anchor(x)
        else:
            # in float64, so that de-normalising (anchors of tens of degrees) adds no
            # float32 rounding: PyTorch, ONNX and batch sizes then agree to ~1e-6 deg
            y = (
                out.double() * self.out_std.double()
                + self.out_mean.double()
                + self.anchor(x).double()
            )
        return (y, weights) if return_attention else y

    @torch.no_grad()
    def fit_normalisation(self, x: torch.Tensor, y: torch.Tensor) -> None:
        """Statistics of the network's inputs and outputs over (a sample of) training windows."""
        feats = x - x[:, -1:, :] if self.relative else x
        self.in_mean.copy_(feats.mean(dim=(0, 1)))
        self.in_std.copy_(feats.std(dim=(0, 1)).clamp_min(1e-3))
        rel = y - self.anchor(x)
        self.out_mean.copy_(rel.mean(0))
        self.out_std.copy_(rel.std(0).clamp_min(1e-3))
