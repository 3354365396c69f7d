"""Calibrate a trained or shipped network to one person and score it on their later walking
(`gaitpredict adapt`): the person's recordings in time order, the first `calibration_s`
seconds calibrate (their last quarter stops early and picks the mode), the rest evaluates.
"""

from __future__ import annotations

from pathlib import Path

from ..adaptation.offline import calibrate, first_seconds, windows_rmse
from ..atomic import write_json
from ..data.corpus import resolve_subject
from ..data.datasets import Dataset, sha256_of
from ..errors import ConfigError, GaitDataError
from ..pretrained import resolve_model
from ..training.checkpoint import load_checkpoint, resave_checkpoint
from ..training.trainer import TrainConfig
from ..windowing.windows import Windows


def calibrate_person(
    checkpoint,
    dataset: Dataset,
    subject_name: str,
    calibration_s: float,
    out,
    mode: str = "auto",
    max_epochs: int = 100,
    seed: int = 0,
    progress: bool = True,
) -> dict:
    """Writes `out/model.pt` (the calibrated network, its calibration recorded in the
    checkpoint) and `out/metrics.json`; returns the metrics: RMSE on the evaluation part
    before and after calibration."""
    if not calibration_s > 0:
        raise ConfigError(f"--calibration-s must be > 0, got {calibration_s}")
    path = resolve_model(checkpoint)
    model, spec, payload = load_checkpoint(path)
    subject = resolve_subject(dataset, subject_name)
    if subject not in dataset.subjects:
        raise ConfigError(f"no subject {subject_name!r}; subjects: {', '.join(dataset.subjects)}")
    needed = list(dict.fromkeys(spec.inputs + spec.target))
    usable, left_out = dataset.with_channels(needed)
    trials = usable.trials_of(subject)
    if not trials:
        raise GaitDataError(
            f"{subject}: no recording holds every channel the model needs "
            f"({needed}); e.g. {left_out[0][0]} lacks {left_out[0][1]}"
        )
    calibration, rest = first_seconds(trials, calibration_s)
    walked = sum(t.duration_s for t in trials)
    if not rest:
        raise GaitDataError(
            f"{subject} walks {walked:.1f} s in all; nothing is left to evaluate after "
            f"{calibration_s:g} s of calibration"
        )
    cfg = TrainConfig(
        max_epochs=max_epochs,
        patience=10,
        batch_size=64,
        seed=seed,
        progress=progress,
    )
    result = calibrate(model, spec, calibration, mode, cfg=cfg)
    evaluation = Windows(rest, spec)
    base_rmse = windows_rmse(model.float(), evaluation)
    adapted_rmse = windows_rmse(result.model, evaluation)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    extra = {
        "adapted_from": {
            "checkpoint": str(path),
            "sha256": sha256_of(path),
            "model_name": payload["model_name"],
        },
        "calibration": {
            "subject": subject,
            "seconds": min(calibration_s, walked),
            "recordings": [
                {"trial": t.trial_id, "seconds": round(t.duration_s, 3)} for t in calibration
            ],
            **result.describe(),
        },
    }
    resave_checkpoint(out / "model.pt", result.model, payload, extra)
    metrics = {
        "subject": subject,
        "calibration_s": extra["calibration"]["seconds"],
        "evaluation_s": round(walked - extra["calibration"]["seconds"], 3),
        "mode": result.mode,
        "holdout_rmse_deg": result.holdout_rmse_deg,
        "rmse_deg_unadapted": base_rmse,
        "rmse_deg": adapted_rmse,
        "n_evaluation_windows": len(evaluation),
        "model": str(out / "model.pt"),
    }
    write_json(out / "metrics.json", metrics)
    return metrics
