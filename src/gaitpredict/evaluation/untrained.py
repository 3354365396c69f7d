"""Models that need no training, by name: `hold`, `const-velocity` and the online models
(`adaptive-oscillator`, `phase-template`) predict from a target, a horizon and a rate alone,
so `predict`, `evaluate`, `stream` and `bench-latency` take their names where a checkpoint
would go (`load_model`)."""

from __future__ import annotations

from pathlib import Path

from ..data.channels import resolve_channels
from ..errors import CheckpointError, ConfigError
from ..extras import TRAIN, has_torch, missing_torch
from ..models import create_model, list_models, model_info
from ..models.online import driver_channel
from ..pretrained import names_shipped, resolve_model, shipped_onnx
from ..windowing.spec import DEFAULT_HORIZON_MS, DEFAULT_TARGET, DEFAULT_WINDOW_MS, WindowSpec

RATE_HZ = 100.0  # with no recording to take the rate from (an LSL stream): converted causally


def untrained_names() -> list[str]:
    """The registered models that predict from a name alone."""
    return [n for n in list_models() if model_info(n).untrained]


def is_untrained(text) -> bool:
    """`text` names a model that needs no training (and no file of that name exists). A
    shipped model's name or a file answers without looking at the models (which imports
    torch where it is installed: the runtime's predictions do not wait for it)."""
    text = str(text)
    if Path(text).exists() or Path(text).suffix or names_shipped(text):
        return False
    return text in untrained_names()


def untrained_model(
    name: str,
    target: str | None = None,
    horizon_ms: float | None = None,
    rate_hz: float | None = None,
    window_ms: float | None = None,
    options: dict | None = None,
):
    """(model, spec, payload) as `load_checkpoint` gives them, for a model that needs no
    training. Its inputs are the target (whose measured value it extrapolates or learns
    from) and, for a model driven by another channel, that channel. The window only decides
    where predictions start (the run's default, 500 ms)."""
    info = model_info(name)
    if not info.untrained:
        raise ConfigError(
            f"model {name!r} must be trained first (gaitpredict train ... or a shipped model: "
            f"gaitpredict models); by name alone only {', '.join(untrained_names())} predict"
        )
    target = target or DEFAULT_TARGET
    targets = resolve_channels(target)
    if len(targets) != 1:
        raise ConfigError(f"--target names one joint angle channel, got {target!r} ({targets})")
    cfg = info.resolve(options)
    inputs = list(targets)
    driver = cfg.get("driver")
    if driver is not None and driver_channel(driver, targets[0]) not in inputs:
        inputs.append(driver_channel(driver, targets[0]))
    spec = WindowSpec.create(
        inputs,
        targets,
        window_ms or DEFAULT_WINDOW_MS,
        DEFAULT_HORIZON_MS if horizon_ms is None else horizon_ms,
        rate_hz or RATE_HZ,
    )
    if spec.horizon_frames < 1:
        raise ConfigError(
            f"horizon {spec.horizon_ms:g} ms is under one frame at {spec.rate_hz:g} Hz"
        )
    model = create_model(name, spec, **cfg).eval()
    payload = {"model_name": name, "model_config": cfg, "spec": spec.to_dict(), "extra": {}}
    return model, spec, payload


def load_model(name_or_path, target=None, horizon_ms=None, rate_hz=None, onnx: bool = True):
    """(model, spec, payload): a checkpoint file (`.pt`, the train extra), an ONNX file
    (`models.graph.OnnxModel`), a shipped model's name, or the name of a model that needs
    no training with its target, horizon and rate. A shipped model is its ONNX file, unless
    `onnx` is False (its PyTorch checkpoint). A trained model serves its own target, or the
    other side's by mirroring (`serve`)."""
    text = str(name_or_path)
    if is_untrained(text):
        return untrained_model(text, target, horizon_ms, rate_hz)
    if not (names_shipped(text) or Path(text).exists()) and text in list_models():
        untrained_model(text)  # refused, naming what to do instead
    try:
        path = resolve_model(name_or_path)
    except CheckpointError as exc:
        if has_torch():
            raise
        raise CheckpointError(
            f"{exc}; models by name other than {', '.join(untrained_names())} need PyTorch "
            f"({TRAIN})"
        ) from None
    shipped = shipped_onnx(name_or_path) if onnx else None
    if path.suffix == ".onnx" or shipped is not None:
        from ..models.graph import OnnxModel

        model = OnnxModel(shipped or path)
        return serve(model, model.spec, model.payload, text, target, horizon_ms, rate_hz)
    if not has_torch():
        raise missing_torch(f"{path}: a PyTorch checkpoint (predict with its ONNX export)")
    from ..training.checkpoint import load_checkpoint

    return serve(*load_checkpoint(path), text, target, horizon_ms, rate_hz)


def serve(model, spec, payload, name: str, target=None, horizon_ms=None, rate_hz=None):
    """A trained model for a requested target and horizon: as it is, or read mirrored (left
    for right: `WindowSpec.mirrored`, payload `mirrored`) when the target is its own on the
    other side. A rate, another horizon or another joint is refused, naming what the shipped
    models serve."""
    from ..pretrained import served_by_shipped

    if rate_hz is not None:
        raise ConfigError(
            f"--rate-hz: {name} runs at its own {spec.rate_hz:g} Hz (recordings at other "
            "rates are converted causally); the option is for a model named by name"
        )
    mirrored = spec.mirrored()
    own, other = spec.target[0], mirrored.target[0]
    if horizon_ms is not None and abs(float(horizon_ms) - spec.horizon_ms) > 1e-9:
        raise ConfigError(
            f"{name} predicts {spec.horizon_ms:g} ms ahead, not {float(horizon_ms):g} ms; "
            f"{served_by_shipped()}"
        )
    if target is None:
        return model, spec, payload
    wanted = tuple(resolve_channels(target))
    if wanted == spec.target:
        return model, spec, payload
    if wanted == mirrored.target and len(wanted) == 1:
        return model, mirrored, {**payload, "mirrored": True}
    served = own if own == other else f"{own} (and {other} by mirroring)"
    raise ConfigError(f"{name} predicts {served}, not {target}; {served_by_shipped()}")
