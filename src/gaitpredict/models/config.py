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
from ..options import check_choices, setting


class Options:
    """A model's options: built by name (`from_kwargs`, unknown names refused), choices
    checked."""

    @classmethod
    def from_kwargs(cls, **kwargs):
        names = [f.name for f in fields(cls)]
        unknown = sorted(set(kwargs) - set(names))
        if unknown:
            raise ConfigError(f"unknown model option(s) {unknown}; expected {sorted(names)}")
        cfg = cls(**kwargs)
        check_choices(cfg)
        return cfg

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class NetConfig(Options):
    conv_filters: int = setting(32, "convolution filters")
    kernel_size: int = setting(5, "convolution kernel, frames")
    pool: int = setting(2, "max-pooling factor")
    lstm_hidden: int = setting(64, "LSTM units")
    dense_hidden: int = setting(64, "dense layer units")
    dropout: float = setting(0.1, "dropout rate")
    input_mode: str = setting(
        "relative", "absolute: the window as recorded; relative: minus its last frame",
        choices=("absolute", "relative"),
    )  # fmt: skip
    target_mode: str = setting(
        "delta", "absolute: the angle; delta: its change from the last observed value",
        choices=("absolute", "delta"),
    )  # fmt: skip


@dataclass
class AttnNetConfig(NetConfig):
    """The attention network's options: where attention sits, and its width."""

    attention: str = setting(
        "after", "attention before the CNN (over channels) or after the LSTM (over time)",
        choices=("before", "after"),
    )  # fmt: skip
    attention_dim: int = setting(32, "attention width")
