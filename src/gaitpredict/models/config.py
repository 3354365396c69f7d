"""Hyper-parameters shared by the paper's four networks (the paper leaves sizes open).

Defaults are small because the data are small (tens of thousands of windows): 32 tanh
filters of 5 frames (~40 ms at 120 Hz, about one gait sub-phase), max-pooling by 2, an LSTM
of 64 units and a dense layer of 64, dropout 0.1. `input_mode="relative"` feeds each window
minus its last frame and `target_mode="delta"` predicts the change from the last observed
target value; `"absolute"` for both is the paper's formulation.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

from ..errors import ConfigError

CHOICES = {
    "attention": ("before", "after"),
    "input_mode": ("absolute", "relative"),
    "target_mode": ("absolute", "delta"),
}


@dataclass
class NetConfig:
    conv_filters: int = 32
    kernel_size: int = 5
    pool: int = 2
    lstm_hidden: int = 64
    dense_hidden: int = 64
    dropout: float = 0.1
    input_mode: str = "relative"
    target_mode: str = "delta"

    @classmethod
    def from_kwargs(cls, **kwargs):
        names = [f.name for f in fields(cls)]
        unknown = sorted(set(kwargs) - set(names))
        if unknown:
            raise ConfigError(f"unknown model option(s) {unknown}; expected {sorted(names)}")
        cfg = cls(**kwargs)
        for key, allowed in CHOICES.items():
            value = getattr(cfg, key, None)
            if key in names and value not in allowed:
                raise ConfigError(f"{key} must be one of {'|'.join(allowed)}, got {value!r}")
        return cfg

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class AttnNetConfig(NetConfig):
    """The attention network's options: where attention sits, and its width."""

    attention: str = "after"  # "before" the CNN (over channels) or "after" the LSTM (time)
    attention_dim: int = 32
