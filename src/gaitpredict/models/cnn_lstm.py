"""`cnn-lstm`: Conv1d (tanh) + MaxPool extract local features, an LSTM models their sequence."""

from __future__ import annotations

from torch import nn

from . import register_model
from .config import NetConfig
from .gaitnet import GaitNet
from .layers import pooled_tanh


class ConvFeatures(nn.Module):
    """(B, W, C) -> (B, W/pool, F): tanh convolution over time, then max-pooling."""

    def __init__(self, n_in: int, cfg: NetConfig):
        super().__init__()
        self.conv = nn.Conv1d(n_in, cfg.conv_filters, cfg.kernel_size, padding="same")
        self.pool = cfg.pool

    def forward(self, x):
        return pooled_tanh(self.conv(x.transpose(1, 2)), self.pool).transpose(1, 2)


class CNNLSTM(nn.Module):
    def __init__(self, n_in: int, n_out: int, cfg: NetConfig):
        super().__init__()
        self.features = ConvFeatures(n_in, cfg)
        self.lstm = nn.LSTM(cfg.conv_filters, cfg.lstm_hidden, batch_first=True)
        self.head = nn.Sequential(nn.Dropout(cfg.dropout), nn.Linear(cfg.lstm_hidden, n_out))

    def forward(self, x, return_attention=False):
        h, _ = self.lstm(self.features(x))
        out = self.head(h[:, -1])
        return (out, None) if return_attention else out


@register_model("cnn-lstm", kind="network", config=NetConfig, cost="recurrent")
def build(spec, cfg: NetConfig):
    """Conv features feeding an LSTM, then a dense head (the paper's CNN-LSTM)."""
    return GaitNet(CNNLSTM(len(spec.inputs), spec.n_outputs, cfg), spec, cfg)
