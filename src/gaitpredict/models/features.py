"""The network's last hidden features: what its final linear layer reads (model interface).

A model registered with `features=True` (every network here) ends in a linear layer that
`GaitNet.feature_layer()` names, so the prediction in degrees is an affine function of these
features (times the output scale, plus the anchor). Online adaptation and calibration learn a
correction on the same features; ONNX exports them as a second output (`models.graph`), so
adaptation runs on onnxruntime too.
"""

from __future__ import annotations

import torch
from torch import nn

from ..errors import ConfigError


def last_linear(model) -> nn.Linear:
    """The final linear layer of a network checkpoint's model (`GaitNet.feature_layer`)."""
    from .gaitnet import GaitNet

    last = model.feature_layer() if isinstance(model, GaitNet) else None
    if not isinstance(last, nn.Linear):
        raise ConfigError(
            f"{type(model).__name__}: online adaptation and calibration need a network whose "
            "head ends in a linear layer (the networks of `gaitpredict models` do); "
            "baselines have no hidden features"
        )
    return last


def n_features(model) -> int:
    return last_linear(model).in_features


class WithFeatures(nn.Module):
    """model(x) -> (prediction in degrees, features): the input of the last linear layer."""

    def __init__(self, model):
        super().__init__()
        self.model = model
        self._seen: list[torch.Tensor] = []
        last_linear(model).register_forward_hook(
            lambda _m, inputs, _o: self._seen.append(inputs[0])
        )

    def forward(self, x):
        self._seen.clear()
        y = self.model(x)
        return y, self._seen[-1]
