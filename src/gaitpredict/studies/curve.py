"""The calibration curve: how a network's error on one person falls with seconds of their
walking, for each way of using those seconds.

For a subject with recordings in time order, the evaluation part is everything after the
largest calibration length that leaves at least half of their walking to evaluate; every
point of the curve is scored on that same part. With `c` seconds of calibration:
- `base`: the network as trained (never saw the subject);
- `offline`: `calibrate` (mode `auto`) on the first c seconds;
- `online`: the first c seconds streamed with online adaptation, then the evaluation part
  streamed, adapting as it goes (a wearer keeps walking);
- `scratch`: the same network trained from scratch on the c seconds only;
- `ridge`: ridge regression fitted on the c seconds only.
References: `loso-ridge` (ridge on the lab's other subjects) and `within-subject` (one
network per lab trained on every subject's part before its evaluation part).
"""

from __future__ import annotations

import copy
import logging

from ..adaptation.offline import (
    calibrate,
    first_seconds,
    time_split,
    window_seconds,
    windows_rmse,
)
from ..errors import GaitDataError
from ..models import create_model
from ..realtime.replay import replay_many, summary
from ..training.trainer import TrainConfig, fit_normalisation, seed_everything, train
from ..windowing.splits import carve_validation
from ..windowing.windows import Windows

SECONDS = (0.0, 2.5, 5.0, 10.0, 20.0)
SCRATCH = TrainConfig(max_epochs=60, patience=10, batch_size=64, progress=False)
log = logging.getLogger(__name__)


def plan(trials, seconds=SECONDS) -> tuple[list[float], list, list]:
    """(calibration lengths, the part before evaluation, the evaluation part)."""
    total = sum(t.duration_s for t in trials)
    usable = [c for c in seconds if c <= total / 2]
    before, evaluation = first_seconds(trials, max(usable))
    return usable, before, evaluation


def online_rmse(make_predictor, calibration, evaluation) -> tuple[float, float]:
    """(adapted, unadapted) RMSE on the evaluation part after streaming the calibration."""
    sp = make_predictor()
    if calibration:
        replay_many(sp, calibration)
        sp.reset("evaluation starts")
    s = summary(replay_many(sp, evaluation), sp.spec.target)
    return s["rmse_deg"], s["rmse_deg_unadapted"]


def scratch_rmse(
    model_name, model_config, spec, calibration, evaluation: Windows, cfg: TrainConfig = SCRATCH
) -> float:
    """The network trained from scratch on the calibration seconds (last quarter stops)."""
    model = _trained(model_name, model_config, spec, *time_split(calibration, spec), cfg)
    return windows_rmse(model, evaluation)


def _trained(model_name, model_config, spec, fit: Windows, val: Windows, cfg: TrainConfig):
    """A network from scratch: seeded, normalised on `fit`, stopped early on `val`."""
    seed_everything(cfg.seed, cfg.deterministic, cfg.threads)
    model = create_model(model_name, spec, **model_config)
    fit_normalisation(model, fit, cfg.norm_sample, cfg.seed)
    train(model, fit, val, cfg)
    return model


def ridge_rmse(spec, fit: Windows, val: Windows, evaluation: Windows) -> float:
    model = create_model("ridge", spec)
    model.fit(*fit.all(), *val.all())
    return windows_rmse(model, evaluation)


def calibration_ridge_rmse(spec, calibration, evaluation: Windows) -> float:
    """Ridge on the calibration seconds only (the last quarter picks its penalty)."""
    return ridge_rmse(spec, *time_split(calibration, spec), evaluation)


def loso_ridge_rmse(spec, train_trials, evaluation: Windows) -> float:
    """Ridge trained on the lab's other subjects (whole trials validate)."""
    fit, val = carve_validation(train_trials, 0.15, 0, window_seconds(spec))
    return ridge_rmse(spec, Windows(fit, spec), Windows(val, spec), evaluation)


def within_subject_network(
    model_name, model_config, spec, train_trials, cfg: TrainConfig
) -> object:
    """One network on every subject's part before evaluation (whole trials validate)."""
    fit, val = carve_validation(train_trials, cfg.val_fraction, cfg.seed, window_seconds(spec))
    return _trained(model_name, model_config, spec, Windows(fit, spec), Windows(val, spec), cfg)


def subject_curve(
    base, spec, payload, trials, make_predictor, seconds=SECONDS, others=None
) -> list[dict]:
    """Rows {method, seconds, rmse_deg[, mode]} of one subject's curve; with `others` (the
    lab's other subjects' trials) also the `loso-ridge` reference on the same later part."""
    lengths, _, evaluation = plan(trials, seconds)
    eval_w = Windows(evaluation, spec)
    base_rmse = windows_rmse(copy.deepcopy(base).float(), eval_w)
    rows = []
    for c in lengths:
        calibration = first_seconds(trials, c)[0] if c else []
        rows.append({"method": "base", "seconds": c, "rmse_deg": base_rmse})
        adapted, _ = online_rmse(make_predictor, calibration, evaluation)
        rows.append({"method": "online", "seconds": c, "rmse_deg": adapted})
        if not c:
            rows.append({"method": "offline", "seconds": c, "rmse_deg": base_rmse})
            continue
        try:
            result = calibrate(base, spec, calibration, "auto")
        except GaitDataError as exc:  # e.g. gaps leave too little of the seconds
            log.warning("%s s: %s", c, exc)
            continue
        rows.append(
            {
                "method": "offline",
                "seconds": c,
                "mode": result.mode,
                "rmse_deg": windows_rmse(result.model, eval_w),
            }
        )
        rows.append(
            {
                "method": "scratch",
                "seconds": c,
                "rmse_deg": scratch_rmse(
                    payload["model_name"], payload["model_config"], spec, calibration, eval_w
                ),
            }
        )
        rows.append(
            {
                "method": "ridge",
                "seconds": c,
                "rmse_deg": calibration_ridge_rmse(spec, calibration, eval_w),
            }
        )
    if others:
        ridge = loso_ridge_rmse(spec, others, eval_w)
        rows.append({"method": "loso-ridge", "seconds": float("nan"), "rmse_deg": ridge})
    eval_s = round(sum(t.duration_s for t in evaluation), 2)
    return [{**r, "evaluation_s": eval_s} for r in rows]
