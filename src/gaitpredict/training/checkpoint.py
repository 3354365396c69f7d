"""Self-describing checkpoints: one file with everything needed to predict again.

A checkpoint holds the model name and config, weights (normalisation included), the window
spec (input channels, target, rate, window and horizon), the training config, metrics and
package versions. Writes are atomic: a crash never leaves a half file in place of a good one.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch.torch_version import TorchVersion

from ..atomic import replacing
from ..errors import CheckpointError, GaitPredictError
from ..models import create_model
from ..windowing.spec import WindowSpec

FORMAT_VERSION = 1


def versions() -> dict:
    import numpy
    import scipy

    from .. import __version__

    return {
        "gaitpredict": __version__,
        "torch": str(torch.__version__),
        "numpy": numpy.__version__,
        "scipy": scipy.__version__,
    }


def save_checkpoint(
    path,
    model,
    model_name: str,
    model_config: dict,
    spec: WindowSpec,
    run_config: dict | None = None,
    extra: dict | None = None,
) -> Path:
    """`run_config`: the resolved run config whole (`RunConfig.to_dict()`) that trained it."""
    payload = {
        "format_version": FORMAT_VERSION,
        "model_name": model_name,
        "model_config": model_config,
        "spec": spec.to_dict(),
        "run_config": run_config or {},
        "extra": extra or {},
    }
    return _write(path, model, payload)


def resave_checkpoint(path, model, payload: dict, extra: dict | None = None) -> Path:
    """A checkpoint of `model` with everything of a loaded one's `payload` (its run config,
    model, spec and extra) kept, and `extra` added: a calibrated copy, say."""
    kept = {k: v for k, v in payload.items() if k not in ("state_dict", "versions")}
    return _write(path, model, {**kept, "extra": {**payload.get("extra", {}), **(extra or {})}})


def _write(path, model, payload: dict) -> Path:
    path = Path(path)
    payload = {**payload, "state_dict": model.state_dict(), "versions": versions()}
    with replacing(path) as tmp:
        torch.save(payload, tmp)
    return path


REQUIRED = ("format_version", "model_name", "model_config", "spec", "state_dict")
SPEC_FIELDS = ("inputs", "target", "window_ms", "horizon_ms", "rate_hz")


def load_checkpoint(path):
    """(model in eval mode, spec, payload) from a checkpoint file, validated: format version,
    a model the registry knows, a complete spec, weights that fit the model, all finite.
    Every failure is a `CheckpointError` naming the file and what is wrong. Files are
    unpickled with `weights_only=True`: a checkpoint cannot run code."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{path}: no such checkpoint")
    try:
        with torch.serialization.safe_globals([TorchVersion]):  # written by version 0.1
            payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - torch raises many types for corrupt files
        raise CheckpointError(f"{path}: not a gaitpredict checkpoint ({str(exc)[:200]})") from None
    if not isinstance(payload, dict) or "format_version" not in payload:
        raise CheckpointError(f"{path}: not a gaitpredict checkpoint")
    if payload["format_version"] != FORMAT_VERSION:
        raise CheckpointError(
            f"{path}: checkpoint format {payload['format_version']}, this "
            f"gaitpredict reads format {FORMAT_VERSION}; retrain or use the "
            f"version that wrote it ({payload.get('versions')})"
        )
    missing = [k for k in REQUIRED if k not in payload]
    spec_d = payload.get("spec")
    if not missing and isinstance(spec_d, dict):
        missing = [f"spec.{k}" for k in SPEC_FIELDS if k not in spec_d]
    if missing or not isinstance(spec_d, dict) or not isinstance(payload["model_config"], dict):
        raise CheckpointError(f"{path}: incomplete checkpoint; missing or malformed {missing}")
    try:
        spec = WindowSpec.from_dict(spec_d)
        if not all(np.isfinite(v) and v > 0 for v in (spec.window_ms, spec.horizon_ms,
                                                      spec.rate_hz)):  # fmt: skip
            raise ValueError("window_ms, horizon_ms and rate_hz must be finite and > 0")
        model = create_model(payload["model_name"], spec, **payload["model_config"])
    except (TypeError, ValueError, GaitPredictError) as exc:
        raise CheckpointError(f"{path}: {exc}") from None
    state = payload["state_dict"]
    if not isinstance(state, dict) or not all(torch.is_tensor(v) for v in state.values()):
        raise CheckpointError(f"{path}: state_dict is not a mapping of tensors")
    bad = [k for k, v in state.items() if v.is_floating_point() and not torch.isfinite(v).all()]
    if bad:
        raise CheckpointError(
            f"{path}: non-finite weights in {bad[:4]}; a model that diverged in training "
            "cannot predict"
        )
    try:
        model.load_state_dict(state)
    except (KeyError, RuntimeError) as exc:
        raise CheckpointError(
            f"{path}: the weights do not fit a {payload['model_name']} with this spec and "
            f"config ({str(exc).splitlines()[0]})"
        ) from None
    model.eval()
    return model, spec, payload
