"""Hyper-parameters shared by the paper's four networks (the paper leaves sizes open).

Defaults are small because the data are small (tens of thousands of windows): 32 tanh
filters of 5 frames (~40 ms at 120 Hz, about one gait sub-phase), max-pooling by 2, an LSTM
of 64 units and a dense layer of 64, dropout 0.1. `input_mode="relative"` feeds each window
minus its last frame and `target_mode="delta"` predicts the change from the last observed
target value; `"absolute"` for both is the paper's formulation.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

from ..errors import GaitDataError


@dataclass
class NetConfig:
    conv_filters: int = 32
    kernel_size: int = 5
    pool: int = 2
    lstm_hidden: int = 64
    dense_hidden: int = 64
    dropout: float = 0.1
    attention: str = "after"  # attn-cnn-lstm only: "before" (channels) or "after" (time)
    attention_dim: int = 32
    input_mode: str = "relative"
    target_mode: str = "delta"

    @classmethod
    def from_kwargs(cls, **kwargs) -> NetConfig:
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(kwargs) - names)
        if unknown:
            raise GaitDataError(f"unknown model option(s) {unknown}; expected {sorted(names)}")
        cfg = cls(**kwargs)
        if cfg.attention not in ("before", "after"):
            raise GaitDataError(f"attention must be 'before' or 'after', got {cfg.attention!r}")
        if cfg.input_mode not in ("absolute", "relative"):
            raise GaitDataError(f"input_mode must be absolute|relative, got {cfg.input_mode!r}")
        if cfg.target_mode not in ("absolute", "delta"):
            raise GaitDataError(f"target_mode must be absolute|delta, got {cfg.target_mode!r}")
        return cfg

    def to_dict(self) -> dict:
        return asdict(self)
