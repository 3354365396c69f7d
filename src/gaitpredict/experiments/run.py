"""One run, end to end: split -> windows -> model -> training -> test metrics -> run folder.

`run_experiment(dataset, RunConfig, out_dir)` is a pure function of its config (and seed):
it writes config.json, model.pt (saved at each improvement), metrics.json, loss.csv/png
(networks) and predictions.csv/png into `out_dir`, and returns the metrics.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from ..atomic import write_json
from ..data.datasets import Dataset
from ..evaluation.intervals import DEFAULT_COVERAGE, Calibration, interval_scores, needed
from ..evaluation.metrics import error_table
from ..evaluation.windowed import predict_all, windows_roughness
from ..models import create_model, model_info
from ..training.checkpoint import save_checkpoint
from ..training.trainer import fit_normalisation, resolve_precision, seed_everything, train
from ..windowing.spec import WindowSpec
from ..windowing.splits import Split, carve_validation, split_info
from ..windowing.windows import Windows
from .config import RunConfig, config_file, run_id, run_record, train_from_dict
from .folds import run_subject_folds
from .trials import needed_channels, only_labs, usable_trials

__all__ = ["RunConfig", "run_experiment", "run_id", "train_from_dict"]


def make_split(dataset: Dataset, cfg: RunConfig) -> Split:
    """The run's split of trials, by the split registry (`windowing.splits`)."""
    return split_info(cfg.split).split(dataset, cfg)


def build_windows(dataset: Dataset, cfg: RunConfig):
    dataset = only_labs(dataset, cfg.labs)
    dataset, left_out = usable_trials(dataset, needed_channels(cfg))
    # the model rate is decided on the trials this run uses (after the block's labs are
    # chosen), so one lab's runs share a rate whatever else the corpus holds
    spec = WindowSpec.create(
        cfg.inputs,
        cfg.target,
        cfg.window_ms,
        cfg.horizon_ms,
        cfg.rate_hz or dataset.rate_hz,
        cfg.multi_horizon,
    )
    if split_info(cfg.split).by_windows:
        split, *sets = split_info(cfg.split).make(dataset, spec, cfg)
        split.left_out = left_out
        return (spec, split, *sets)
    split = make_split(dataset, cfg)
    split.left_out = left_out
    min_s = (spec.window_frames + spec.horizon_frames + 1) / spec.rate_hz + 0.05  # any rate
    fit, val = carve_validation(split.train, cfg.train.val_fraction, cfg.train.seed, min_s)
    if cfg.train.mirror:
        fit = fit + [t.mirror() for t in fit]
    if cfg.train.cadence_warp:  # one copy each, alternately slower and faster
        w = cfg.train.cadence_warp
        fit = fit + [t.played_faster(1 - w if k % 2 == 0 else 1 + w) for k, t in enumerate(fit)]
    test = Windows(split.test, spec) if split.test else None
    return spec, split, Windows(fit, spec), Windows(val, spec), test


def run_experiment(dataset: Dataset, cfg: RunConfig, out_dir) -> dict:
    if split_info(cfg.split).several:  # one model per fold of subjects, each a run of one
        return run_subject_folds(dataset, cfg, out_dir, run_experiment)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    cfg = cfg.resolved()
    info = model_info(cfg.model)
    seed_everything(cfg.train.seed, cfg.train.deterministic, cfg.train.threads)
    spec, split, train_w, val_w, test_w = build_windows(dataset, cfg)
    write_json(
        out / "config.json",
        config_file(
            cfg,
            spec=spec.to_dict(),
            data=str(dataset.root),
            split_name=split.name,
            leaky=split_info(cfg.split).leaky,
            dropped_from_training=split.dropped,
            left_out=[{"trial": t, "lacks": m} for t, m in split.left_out],
        ),
    )
    model = create_model(cfg.model, spec, **cfg.model_config)
    start = time.perf_counter()
    history = None

    def save(m, extra=None):
        save_checkpoint(out / "model.pt", m, cfg.model, cfg.model_config, spec, cfg.to_dict(),
                        extra)  # fmt: skip

    if info.normalises:
        fit_normalisation(model, train_w, cfg.train.norm_sample, cfg.train.seed)
    if info.trainable:

        def on_epoch(m, h, improved):
            if improved:
                save(m, {"epoch": h.best_epoch})

        history = train(model, train_w, val_w, cfg.train, on_epoch=on_epoch)
        _write_losses(out, history, cfg.model)
    elif info.fits:
        model.fit(*train_w.all(), *val_w.all())
    train_seconds = time.perf_counter() - start
    val_pred, val_truth = predict_all(model, val_w)
    # split-conformal calibration from the validation windows (training subjects only)
    calibration = Calibration.from_predictions(val_pred, val_truth, cfg.train.seed)
    if test_w is not None:
        pred, truth = predict_all(model, test_w)
        subjects = [test_w.trials[k].subject for k in test_w.owner]
        tested = error_table(pred, truth, spec, subjects) | windows_roughness(test_w, pred, truth)
        if calibration.n >= needed(DEFAULT_COVERAGE):
            scores = interval_scores(pred, truth, calibration.half_width(DEFAULT_COVERAGE))
            tested |= {f"interval_{k}": v for k, v in scores.items()}
    else:
        tested = {"rmse_deg": None, "mae_deg": None, "per_subject": {}}
    metrics = {
        **run_record(cfg),
        "target": list(spec.target),
        "split_name": split.name,
        "leaky": split_info(cfg.split).leaky,
        "test_subject": split.test_subject,
        "test_lab": split.test_lab,
        "rate_hz": spec.rate_hz,
        "n_left_out": len(split.left_out),
        **tested,
        "val_rmse_deg": error_table(val_pred, val_truth, spec)["rmse_deg"],
        "n_train_windows": len(train_w),
        "n_val_windows": len(val_w),
        "n_test_windows": len(test_w) if test_w is not None else 0,
        "epochs_run": history.epochs_run if history else 0,
        "best_epoch": history.best_epoch if history else 0,
        "interrupted": bool(history and history.interrupted),
        "train_seconds": round(train_seconds, 3),
        "precision": resolve_precision(cfg.train.precision) if history else None,
    }
    save(model, {"metrics": metrics, "calibration": calibration.to_dict()})
    if test_w is not None:
        _write_predictions(out, test_w, pred, truth, spec, cfg.model)
        _write_attention(out, model, cfg.attention, test_w, spec)
    write_json(out / "metrics.json", metrics)
    return metrics


def attention_summary(
    model, placement: str | None, windows: Windows, spec, chunk: int = 4096
) -> dict | None:
    """Mean and standard deviation of the learned attention weights over `windows`.

    Before the LSTM the weights are per input channel (which joints mattered); after it,
    per LSTM time step, labelled by the time before the last observed frame.
    """
    if placement is None:
        return None
    parts = []
    with torch.no_grad():
        for x, _ in windows.chunks(chunk):
            parts.append(model(x, return_attention=True)[1])
    w = torch.cat(parts).numpy()
    if placement == "before":
        labels = list(spec.inputs)
    else:
        step_ms = spec.window_ms / w.shape[1]
        labels = [f"{-(w.shape[1] - 1 - t) * step_ms:.0f}" for t in range(w.shape[1])]
    return {
        "placement": placement,
        "labels": labels,
        "mean": w.mean(0).tolist(),
        "std": w.std(0).tolist(),
    }


def _write_attention(out: Path, model, placement, windows: Windows, spec) -> None:
    summary = attention_summary(model, placement, windows, spec)
    if summary is not None:
        write_json(out / "attention.json", summary)


def _write_losses(out: Path, history, name: str) -> None:
    from ..plots import plot_losses

    epochs = np.arange(1, history.epochs_run + 1)
    pd.DataFrame(
        {"epoch": epochs, "train_loss": history.train_loss, "val_loss": history.val_loss}
    ).to_csv(out / "loss.csv", index=False)
    plot_losses(
        epochs,
        history.train_loss,
        history.val_loss,
        out / "loss.png",
        f"{name}: best epoch {history.best_epoch}",
    )


def _write_predictions(out: Path, windows: Windows, pred, truth, spec, name: str) -> None:
    from ..plots import plot_predictions

    frames = windows.frame_of(np.arange(len(windows))) + spec.horizon_frames
    k = spec.n_outputs - len(spec.target)  # last horizon step, first target
    table = pd.DataFrame(
        {
            "trial": [windows.trials[i].trial_id for i in windows.owner],
            "time_s": frames / spec.rate_hz,
            "truth_deg": truth[:, k],
            "prediction_deg": pred[:, k],
        }
    )
    table.to_csv(out / "predictions.csv", index=False)
    first = table[table.trial == table.trial.iloc[0]]
    plot_predictions(
        first.time_s.to_numpy(),
        first.truth_deg.to_numpy(),
        {name: first.prediction_deg.to_numpy()},
        out / "predictions.png",
        f"{spec.target[0]} {spec.horizon_ms:g} ms ahead, {first.trial.iloc[0]}",
    )
