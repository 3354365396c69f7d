"""The network's last hidden features: what its final linear layer reads.

Every network here ends in a dense head whose last layer is linear, so the prediction in
degrees is an affine function of these features (times the output scale, plus the anchor).
Online adaptation learns a correction on the same features; ONNX exports them as a second
output, so adaptation runs on onnxruntime too.
"""

from __future__ import annotations

import torch
from torch import nn

from ..errors import ConfigError

FEATURES = "features"


def last_linear(model) -> nn.Linear:
    """The final linear layer of a network checkpoint's model (`GaitNet`)."""
    head = getattr(getattr(model, "net", None), "head", None)
    last = head[-1] if isinstance(head, nn.Sequential) and len(head) else None
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
