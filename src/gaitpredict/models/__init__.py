"""Model registry: `create_model(name, spec, **config)`, `list_models()`.

Every model is a `torch.nn.Module` mapping raw windows `(batch, time, channels)` in degrees
to predictions `(batch, outputs)` in degrees. Networks are wrapped in `GaitNet`, which holds
the normalisation fitted on training windows and the input/target modes; baselines work on
degrees directly. One file per model; registering is a decorator.
"""

from __future__ import annotations

from collections.abc import Callable

_REGISTRY: dict[str, Callable] = {}


def register_model(name: str):
    def wrap(builder):
        _REGISTRY[name] = builder
        return builder

    return wrap


def list_models() -> list[str]:
    _load_all()
    return sorted(_REGISTRY)


def create_model(name: str, spec, **config):
    """Build a registered model for a `WindowSpec`; unknown config keys are an error."""
    _load_all()
    if name not in _REGISTRY:
        from ..errors import GaitDataError

        raise GaitDataError(f"unknown model {name!r}; registered: {', '.join(sorted(_REGISTRY))}")
    return _REGISTRY[name](spec, **config)


def _load_all():
    from . import attention, baselines, cnn, cnn_lstm, lstm  # noqa: F401
