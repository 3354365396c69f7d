"""`cnn`: Conv1d over time with tanh, MaxPool, a fully connected layer, dense output."""

from __future__ import annotations

from torch import nn

from . import register_model
from .config import NetConfig
from .gaitnet import GaitNet
from .layers import pooled_tanh


class CNN(nn.Module):
    def __init__(self, n_in: int, n_out: int, window: int, cfg: NetConfig):
        super().__init__()
        self.conv = nn.Conv1d(n_in, cfg.conv_filters, cfg.kernel_size, padding="same")
        self.pool = cfg.pool
        flat = cfg.conv_filters * (window // cfg.pool)
        self.head = nn.Sequential(
            nn.Flatten(),
            nn.Dropout(cfg.dropout),
            nn.Linear(flat, cfg.dense_hidden),
            nn.Tanh(),
            nn.Linear(cfg.dense_hidden, n_out),
        )

    def forward(self, x, return_attention=False):
        h = pooled_tanh(self.conv(x.transpose(1, 2)), self.pool)  # (B, C, W) -> (B, F, W/pool)
        out = self.head(h)
        return (out, None) if return_attention else out


@register_model("cnn", kind="network", config=NetConfig)
def build(spec, cfg: NetConfig):
    """Conv1d + tanh + max-pooling, then a dense head (the paper's CNN)."""
    return GaitNet(CNN(len(spec.inputs), spec.n_outputs, spec.window_frames, cfg), spec, cfg)
