"""Self-describing checkpoints: one file with everything needed to predict again.

A checkpoint holds the model name and config, weights (normalisation included), the window
spec (input channels, target, rate, window and horizon), the training config, metrics and
package versions. Writes are atomic: a crash never leaves a half file in place of a good one.
"""

from __future__ import annotations

from pathlib import Path

import torch

from ..atomic import replacing
from ..errors import CheckpointError, GaitPredictError
from ..models import create_model
from ..windowing.windows import WindowSpec

FORMAT_VERSION = 1


def versions() -> dict:
    import numpy
    import scipy

    from .. import __version__

    return {
        "gaitpredict": __version__,
        "torch": torch.__version__,
        "numpy": numpy.__version__,
        "scipy": scipy.__version__,
    }


def save_checkpoint(
    path,
    model,
    model_name: str,
    model_config: dict,
    spec: WindowSpec,
    train_config: dict | None = None,
    extra: dict | None = None,
) -> Path:
    path = Path(path)
    payload = {
        "format_version": FORMAT_VERSION,
        "model_name": model_name,
        "model_config": model_config,
        "spec": spec.to_dict(),
        "state_dict": model.state_dict(),
        "train_config": train_config or {},
        "extra": extra or {},
        "versions": versions(),
    }
    with replacing(path) as tmp:
        torch.save(payload, tmp)
    return path


def load_checkpoint(path):
    """(model in eval mode, spec, payload) from a checkpoint file."""
    path = Path(path)
    try:
        payload = torch.load(path, map_location="cpu", weights_only=False)
    except FileNotFoundError:
        raise CheckpointError(f"{path}: no such checkpoint") from None
    except Exception as exc:  # torch raises many types for corrupt files
        raise CheckpointError(f"{path}: not a gaitpredict checkpoint ({exc})") from None
    if not isinstance(payload, dict) or "format_version" not in payload:
        raise CheckpointError(f"{path}: not a gaitpredict checkpoint")
    if payload["format_version"] != FORMAT_VERSION:
        raise CheckpointError(
            f"{path}: checkpoint format {payload['format_version']}, this "
            f"gaitpredict reads format {FORMAT_VERSION}; retrain or use the "
            f"version that wrote it ({payload.get('versions')})"
        )
    try:
        spec = WindowSpec(
            **{
                **payload["spec"],
                "inputs": tuple(payload["spec"]["inputs"]),
                "target": tuple(payload["spec"]["target"]),
            }
        )
        model = create_model(payload["model_name"], spec, **payload["model_config"])
    except (KeyError, TypeError, GaitPredictError) as exc:
        raise CheckpointError(f"{path}: an incomplete or unknown checkpoint ({exc})") from None
    try:
        model.load_state_dict(payload["state_dict"])
    except (KeyError, RuntimeError) as exc:
        raise CheckpointError(
            f"{path}: the weights do not fit a {payload['model_name']} with this spec and "
            f"config ({str(exc).splitlines()[0]})"
        ) from None
    model.eval()
    return model, spec, payload
