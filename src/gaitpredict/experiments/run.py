"""One run, end to end: split -> windows -> model -> training -> test metrics -> run folder.

`run_experiment(dataset, RunConfig, out_dir)` is a pure function of its config (and seed):
it writes config.json, model.pt (saved at each improvement), metrics.json, loss.csv/png
(networks) and predictions.csv/png into `out_dir`, and returns the metrics.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from ..atomic import write_json
from ..data.channels import resolve_channels
from ..data.corpus import resolve_subject
from ..data.datasets import Dataset
from ..errors import ConfigError
from ..evaluation.metrics import error_table
from ..evaluation.recordings import predict_all
from ..models import create_model, model_info, resolve_options
from ..training.checkpoint import save_checkpoint
from ..training.trainer import (
    TrainConfig,
    fit_normalisation,
    resolve_precision,
    seed_everything,
    train,
)
from ..windowing.splits import (
    Split,
    by_files,
    carve_validation,
    leave_one_lab_out,
    leave_one_subject_out,
    leave_subjects_out,
    within_subject,
)
from ..windowing.windows import Windows, WindowSpec


@dataclass
class RunConfig:
    model: str = "attn-cnn-lstm"
    model_config: dict = field(default_factory=dict)
    inputs: str = "arms+legs"
    target: str = "r_knee_flex"
    window_ms: float = 500.0
    horizon_ms: float = 100.0
    split: str = "loso"
    test_subject: str | None = "S35"
    test_files: list[str] | None = None  # split "files": these trial ids test, the rest train
    test_lab: str | None = None  # split "lolo": this lab tests, the other labs train
    rate_hz: float | None = None  # the model's rate; None: most of the run's frames' rate
    labs: list[str] | None = None  # only these labs of a corpus (None: all)
    test_subjects: list[str] | None = None  # split "subjects": one fold of subject folds
    folds_k: int | None = None  # split "subject-folds": folds of subjects (None: one each)
    multi_horizon: bool = False
    train: TrainConfig = field(default_factory=TrainConfig)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> RunConfig:
        return cls(**{**d, "train": TrainConfig(**d.get("train", {}))})

    def resolved(self) -> RunConfig:
        """This config with every model option filled from the model's defaults: the one form
        that is hashed into the run id, written to config.json and stored in the checkpoint."""
        return replace(self, model_config=resolve_options(self.model, self.model_config))

    @property
    def label(self) -> str:
        """The model's name, with `@placement` for a non-default attention placement."""
        return model_info(self.model).label(self.model_config)

    @property
    def attention(self) -> str | None:
        """The attention placement of a model that has one, else None."""
        info = model_info(self.model)
        return info.resolve(self.model_config)["attention"] if info.attention else None


def make_split(dataset: Dataset, cfg: RunConfig):
    if cfg.split == "loso":
        if not cfg.test_subject:
            raise ConfigError("leave-one-subject-out needs a test subject (--test-subject)")
        return leave_one_subject_out(dataset, resolve_subject(dataset, cfg.test_subject))
    if cfg.split == "lolo":
        if not cfg.test_lab:
            raise ConfigError("leave-one-lab-out needs a test lab (--test-lab)")
        return leave_one_lab_out(dataset, cfg.test_lab)
    if cfg.split == "all":  # a model to ship: every subject trains, nothing is tested
        return Split("all (no test set)", list(dataset.trials), [])
    if cfg.split == "subjects":
        return leave_subjects_out(dataset, cfg.test_subjects or [], "subjects")
    if cfg.split == "within-subject":
        return within_subject(dataset)
    if cfg.split == "files":
        if not cfg.test_files:
            raise ConfigError("the files split needs test trials (--test-files)")
        test = set(cfg.test_files)
        train = [t.trial_id for t in dataset.trials if t.trial_id not in test]
        return by_files(dataset, train, cfg.test_files)
    raise ConfigError(f"unknown split {cfg.split!r}; expected loso, lolo, within-subject or files")


LEAKY_SPLITS = ("random-windows",)
RANDOM_TEST_FRACTION = 0.2


def random_windows(dataset: Dataset, spec: WindowSpec, cfg: RunConfig):
    """The paper's likely protocol, LEAKY by construction: every window of every subject
    shuffled into train / validation / test, so overlapping neighbours of a test window
    (sharing all but one of its frames) train the model."""
    if cfg.train.mirror:
        raise ConfigError("--mirror is not offered with the random-windows split")
    every = Windows(dataset.trials, spec)
    order = np.random.default_rng(cfg.train.seed).permutation(len(every))
    n_test = round(len(every) * RANDOM_TEST_FRACTION)
    n_val = round((len(every) - n_test) * cfg.train.val_fraction)
    parts = np.sort(order[:n_test]), np.sort(order[n_test : n_test + n_val])
    split = Split("random-windows (LEAKY)", dataset.trials, dataset.trials)
    fit = np.sort(order[n_test + n_val :])
    return spec, split, every.subset(fit), every.subset(parts[1]), every.subset(parts[0])


def only_labs(dataset: Dataset, labs) -> Dataset:
    if not labs:
        return dataset
    unknown = sorted(set(labs) - set(dataset.labs))
    if unknown:
        raise ConfigError(f"lab(s) {unknown} not in the corpus; it has {dataset.labs}")
    return replace(dataset, trials=[t for t in dataset.trials if t.meta.get("lab") in labs])


def needed_channels(cfg: RunConfig) -> list[str]:
    return list(dict.fromkeys(resolve_channels(cfg.inputs) + resolve_channels(cfg.target)))


def usable_trials(dataset: Dataset, needed) -> tuple[Dataset, list]:
    """The trials holding every channel in `needed`; the others are left out with a
    warning that lists them."""
    kept, left_out = dataset.with_channels(needed)
    if left_out:
        listed = "; ".join(f"{tid} (lacks {', '.join(m)})" for tid, m in left_out[:10])
        more = f"; and {len(left_out) - 10} more" if len(left_out) > 10 else ""
        warnings.warn(
            f"{len(left_out)} trial(s) left out, lacking channels the inputs need: {listed}{more}",
            stacklevel=3,
        )
    return kept, left_out


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
    if cfg.split == "random-windows":
        spec, split, *sets = random_windows(dataset, spec, cfg)
        split.left_out = left_out
        return (spec, split, *sets)
    split = make_split(dataset, cfg)
    split.left_out = left_out
    min_s = (spec.window_frames + spec.horizon_frames + 1) / spec.rate_hz + 0.05  # any rate
    fit, val = carve_validation(split.train, cfg.train.val_fraction, cfg.train.seed, min_s)
    if cfg.train.mirror:
        fit = fit + [t.mirror() for t in fit]
    test = Windows(split.test, spec) if split.test else None
    return spec, split, Windows(fit, spec), Windows(val, spec), test


def run_experiment(dataset: Dataset, cfg: RunConfig, out_dir) -> dict:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    cfg = cfg.resolved()
    info = model_info(cfg.model)
    seed_everything(cfg.train.seed, cfg.train.deterministic, cfg.train.threads)
    spec, split, train_w, val_w, test_w = build_windows(dataset, cfg)
    write_json(
        out / "config.json",
        {
            **cfg.to_dict(),
            "spec": spec.to_dict(),
            "data": str(dataset.root),
            "split": split.name,
            "leaky": cfg.split in LEAKY_SPLITS,
            "dropped_from_training": split.dropped,
            "left_out": [{"trial": t, "lacks": m} for t, m in split.left_out],
        },
    )
    model = create_model(cfg.model, spec, **cfg.model_config)
    start = time.perf_counter()
    history = None

    def save(m, extra=None):
        save_checkpoint(
            out / "model.pt", m, cfg.model, cfg.model_config, spec, cfg.train.to_dict(), extra
        )

    if info.trainable:
        fit_normalisation(model, train_w, cfg.train.norm_sample, cfg.train.seed)

        def on_epoch(m, h, improved):
            if improved:
                save(m, {"epoch": h.best_epoch})

        history = train(model, train_w, val_w, cfg.train, on_epoch=on_epoch)
        _write_losses(out, history, cfg.model)
    elif info.fits:
        model.fit(*train_w.all(), *val_w.all())
    train_seconds = time.perf_counter() - start
    val_pred, val_truth = predict_all(model, val_w)
    if test_w is not None:
        pred, truth = predict_all(model, test_w)
        subjects = [test_w.trials[k].subject for k in test_w.owner]
        tested = error_table(pred, truth, spec, subjects)
    else:
        tested = {"rmse_deg": None, "mae_deg": None, "per_subject": {}}
    metrics = {
        "model": cfg.model,
        "label": cfg.label,
        "attention": cfg.attention,
        "inputs": cfg.inputs,
        "target": list(spec.target),
        "horizon_ms": cfg.horizon_ms,
        "window_ms": cfg.window_ms,
        "split": split.name,
        "leaky": cfg.split in LEAKY_SPLITS,
        "test_subject": split.test_subject,
        "test_lab": split.test_lab,
        "rate_hz": spec.rate_hz,
        "n_left_out": len(split.left_out),
        "seed": cfg.train.seed,
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
    save(model, {"metrics": metrics})
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
