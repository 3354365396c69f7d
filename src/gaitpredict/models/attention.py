"""`attn-cnn-lstm`: the paper's model, CNN + LSTM + Bahdanau-style attention.

Our reading of the paper's two placements (see ../shared/PAPER.md):
- `attention="after"` (default; the paper's Figure 9 finds it slightly better): additive
  attention over the LSTM hidden states h_1..h_T, scored against the last state,
  e_t = v' tanh(W h_t + U h_T), a = softmax(e); the context sum_t a_t h_t and h_T feed the
  dense head. Weights: (batch, time steps after pooling) -- which moments mattered.
- `attention="before"`: additive attention over the input channels (joint angles) before
  the CNN-LSTM; each channel's window x_j is scored e_j = v' tanh(W x_j), a = softmax(e),
  and channels are re-weighted by C * a_j. Weights: (batch, channels) -- which joints
  mattered.
"""

from __future__ import annotations

import torch
from torch import nn

from . import register_model
from .cnn_lstm import ConvFeatures
from .config import AttnNetConfig
from .gaitnet import GaitNet


class TemporalAttention(nn.Module):
    def __init__(self, hidden: int, dim: int):
        super().__init__()
        self.w, self.u = nn.Linear(hidden, dim), nn.Linear(hidden, dim, bias=False)
        self.v = nn.Linear(dim, 1, bias=False)

    def forward(self, h):  # h: (B, T, H)
        e = self.v(torch.tanh(self.w(h) + self.u(h[:, -1:]))).squeeze(-1)  # (B, T)
        a = torch.softmax(e, dim=1)
        return (a.unsqueeze(-1) * h).sum(1), a


class ChannelAttention(nn.Module):
    def __init__(self, window: int, dim: int):
        super().__init__()
        self.w = nn.Linear(window, dim)
        self.v = nn.Linear(dim, 1, bias=False)

    def forward(self, x):  # x: (B, W, C)
        e = self.v(torch.tanh(self.w(x.transpose(1, 2)))).squeeze(-1)  # (B, C)
        a = torch.softmax(e, dim=1)
        return x * (a.unsqueeze(1) * x.shape[2]), a


class AttnCNNLSTM(nn.Module):
    def __init__(self, n_in: int, n_out: int, window: int, cfg: AttnNetConfig):
        super().__init__()
        self.placement = cfg.attention
        self.channel_attention = (
            ChannelAttention(window, cfg.attention_dim) if cfg.attention == "before" else None
        )
        self.features = ConvFeatures(n_in, cfg)
        self.lstm = nn.LSTM(cfg.conv_filters, cfg.lstm_hidden, batch_first=True)
        self.temporal_attention = (
            TemporalAttention(cfg.lstm_hidden, cfg.attention_dim)
            if cfg.attention == "after"
            else None
        )
        width = cfg.lstm_hidden * (2 if cfg.attention == "after" else 1)
        self.head = nn.Sequential(
            nn.Dropout(cfg.dropout),
            nn.Linear(width, cfg.dense_hidden),
            nn.Tanh(),
            nn.Linear(cfg.dense_hidden, n_out),
        )

    def forward(self, x, return_attention=False):
        if self.channel_attention is not None:
            x, weights = self.channel_attention(x)
        h, _ = self.lstm(self.features(x))
        if self.temporal_attention is not None:
            context, weights = self.temporal_attention(h)
            h_out = torch.cat([context, h[:, -1]], dim=1)
        else:
            h_out = h[:, -1]
        out = self.head(h_out)
        return (out, weights) if return_attention else out


@register_model(
    "attn-cnn-lstm", kind="network", config=AttnNetConfig, attention=True, cost="recurrent"
)
def build(spec, cfg: AttnNetConfig):
    """The paper's model: CNN + LSTM + additive attention before or after the LSTM."""
    net = AttnCNNLSTM(len(spec.inputs), spec.n_outputs, spec.window_frames, cfg)
    return GaitNet(net, spec, cfg)
