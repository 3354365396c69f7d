"""Offline calibration: a trained network fitted to one person from their first seconds.

The person's recordings, in time order, give the calibration seconds (`first_seconds`); the
rest is for evaluation and is never seen here. The calibration seconds are split once more
in time: the earlier part fits, the last part (`holdout`) stops early and chooses the mode.

Modes (`MODES`), from least to most freedom:
- `offset`: one constant per output, the mean error on the fitting part (degrees);
- `head`: the last linear layer retrained (the same correction online adaptation learns);
- `all`: every weight, pulled toward the base weights (an L2-SP penalty);
- `auto`: each of the above, keeping the one with the lowest held-out RMSE if it beats the
  unchanged base model there by at least `MARGIN` (a held-out part of a second or two is a
  noisy judge), else the base model.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, replace

import torch

from ..errors import ConfigError, GaitDataError
from ..evaluation.metrics import rmse
from ..evaluation.windowed import predict_all
from ..models.features import last_linear
from ..training.trainer import TrainConfig, seed_everything, train
from ..windowing.windows import Windows

PULL = 1.0  # `all`: weight of sum((w - w_base)^2) against the normalised MSE
MARGIN = 0.05  # `auto`: a mode must beat the base model's held-out RMSE by 5 %


def first_seconds(trials, seconds: float):
    """(first, rest): the first `seconds` of the trials in the order given (a trial that
    straddles the boundary is cut there) and everything after."""
    first, rest, seen = [], [], 0.0
    for t in trials:
        if seen >= seconds:
            rest.append(t)
        elif seen + t.duration_s <= seconds:
            first.append(t)
        else:
            cut = seconds - seen
            first.append(t.slice_s(0, cut))
            rest.append(t.slice_s(cut))
        seen += t.duration_s
    return first, rest


def last_seconds(trials, seconds: float):
    """(earlier, last): the trials with their last `seconds` split off."""
    total = sum(t.duration_s for t in trials)
    return first_seconds(trials, max(total - seconds, 0.0))


def window_seconds(spec) -> float:
    """The shortest stretch that gives one window: the window plus the horizon."""
    return (spec.window_frames + spec.horizon_frames) / spec.rate_hz


def time_split(trials, spec, holdout_fraction: float = 0.25) -> tuple[Windows, Windows]:
    """Windows of the earlier part and of the last `holdout_fraction` of the trials' time
    (each at least one window plus 0.3 s): fitting and held-out parts of calibration seconds."""
    total = sum(t.duration_s for t in trials)
    need_s = window_seconds(spec) + 0.3
    holdout_s = max(holdout_fraction * total, need_s)
    if total - holdout_s < need_s:
        raise GaitDataError(
            f"{total:.2f} s of calibration walking is too little: both the fitting part and "
            f"the held-out part need at least {need_s:.2f} s (a {spec.window_ms:g} ms window "
            f"and the {spec.horizon_ms:g} ms horizon)"
        )
    fit_trials, holdout_trials = last_seconds(trials, holdout_s)
    return Windows(fit_trials, spec), Windows(holdout_trials, spec)


def windows_rmse(model, windows: Windows) -> float:
    """RMSE in degrees of `model` (put in eval mode) over every window."""
    model.eval()
    return rmse(*predict_all(model, windows))


def _fit_offset(model, fit: Windows, holdout: Windows, cfg: TrainConfig) -> int:
    with torch.no_grad():
        model.eval()
        x, y = fit.all()
        model.out_mean += (y - model(x).float()).mean(0).to(model.out_mean.dtype)
    return 0


def _fit_head(model, fit: Windows, holdout: Windows, cfg: TrainConfig) -> int:
    model.requires_grad_(False)
    last_linear(model).requires_grad_(True)
    return train(model, fit, holdout, cfg).epochs_run


def _fit_all(model, fit: Windows, holdout: Windows, cfg: TrainConfig) -> int:
    base = [p.detach().clone() for p in model.parameters()]

    def pull(m):
        return PULL * sum(((p - b) ** 2).sum() for p, b in zip(m.parameters(), base, strict=True))

    model.requires_grad_(True)
    return train(model, fit, holdout, replace(cfg, lr=cfg.lr / 3), penalty=pull).epochs_run


MODES = {
    "offset": (_fit_offset, "a constant per output: the mean error of the first part"),
    "head": (_fit_head, "the last linear layer retrained"),
    "all": (_fit_all, "every weight, pulled toward the base model's"),
}


@dataclass
class Calibration:
    model: torch.nn.Module  # the chosen model (the base model's copy when `none` wins)
    mode: str  # what was kept: a mode of MODES, or "none"
    holdout_rmse_deg: dict  # mode (and "none") -> RMSE on the held-out calibration part
    epochs: dict = field(default_factory=dict)
    fit_s: float = 0.0
    holdout_s: float = 0.0

    def describe(self) -> dict:
        """Everything but the model, for a checkpoint's or a report's JSON."""
        return {k: v for k, v in vars(self).items() if k != "model"}


def calibrate(
    model,
    spec,
    trials,
    mode: str = "auto",
    holdout_fraction: float = 0.25,
    cfg: TrainConfig | None = None,
) -> Calibration:
    """Fit a copy of `model` to the calibration `trials` (one person's first seconds)."""
    if mode != "auto" and mode not in MODES:
        raise ConfigError(f"mode must be auto or one of {', '.join(MODES)}, got {mode!r}")
    last_linear(model)  # refuses baselines with a clear message
    cfg = cfg or TrainConfig(max_epochs=100, patience=10, batch_size=64, progress=False)
    fit, holdout = time_split(trials, spec, holdout_fraction)
    base = copy.deepcopy(model).float().eval()
    candidates = {"none": base}
    scores = {"none": windows_rmse(base, holdout)}
    epochs = {}
    for name in MODES if mode == "auto" else [mode]:
        seed_everything(cfg.seed, cfg.deterministic, cfg.threads)
        candidate = copy.deepcopy(base)
        epochs[name] = MODES[name][0](candidate, fit, holdout, cfg)
        candidate.requires_grad_(True)
        candidates[name], scores[name] = candidate, windows_rmse(candidate, holdout)
    chosen = mode
    if mode == "auto":
        best = min(MODES, key=scores.get)
        chosen = best if scores[best] <= (1 - MARGIN) * scores["none"] else "none"
    rate = spec.rate_hz
    fit_s, holdout_s = fit.x.shape[0] / rate, holdout.x.shape[0] / rate  # usable stretches
    return Calibration(candidates[chosen], chosen, scores, epochs, fit_s, holdout_s)
