"""`lstm`: one LSTM over the window; its last hidden state feeds a dense output."""

from __future__ import annotations

from torch import nn

from . import register_model
from .config import NetConfig
from .gaitnet import GaitNet


class LSTM(nn.Module):
    def __init__(self, n_in: int, n_out: int, cfg: NetConfig):
        super().__init__()
        self.lstm = nn.LSTM(n_in, cfg.lstm_hidden, batch_first=True)
        self.head = nn.Sequential(nn.Dropout(cfg.dropout), nn.Linear(cfg.lstm_hidden, n_out))

    def forward(self, x, return_attention=False):
        h, _ = self.lstm(x)  # (B, W, H)
        out = self.head(h[:, -1])
        return (out, None) if return_attention else out


@register_model("lstm", kind="network", config=NetConfig, cost="recurrent")
def build(spec, cfg: NetConfig):
    """One LSTM layer, then a dense head (the paper's LSTM)."""
    return GaitNet(LSTM(len(spec.inputs), spec.n_outputs, cfg), spec, cfg)
