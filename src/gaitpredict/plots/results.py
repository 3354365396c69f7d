"""The report's figures, drawn from the run folders (loss.csv, predictions.csv, attention.json)."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from ..data.corpus import split_subject  # noqa: E402

SECONDS_SHOWN = 4.0


def _save(fig, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def loss_curves(runs: dict[str, Path], path: Path, title: str) -> Path | None:
    """Figure 6: training and validation loss per network (one run each)."""
    runs = {k: d for k, d in runs.items() if (d / "loss.csv").exists()}
    if not runs:
        return None
    fig, axes = plt.subplots(1, len(runs), figsize=(3.6 * len(runs), 3.2), squeeze=False)
    for ax, (label, folder) in zip(axes[0], runs.items(), strict=True):
        loss = pd.read_csv(folder / "loss.csv")
        ax.plot(loss.epoch, loss.train_loss, label="train")
        ax.plot(loss.epoch, loss.val_loss, label="validation")
        ax.set_yscale("log")
        ax.set_title(label, fontsize=10)
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
    axes[0, 0].set_ylabel("MSE (normalised)")
    axes[0, 0].legend(fontsize=8)
    fig.suptitle(title, fontsize=10)
    return _save(fig, path)


def predicted_vs_true(runs: dict[str, Path], path: Path, title: str) -> Path | None:
    """Figures 7 and 8: the first test trial's first seconds, truth and each run's prediction."""
    runs = {k: d for k, d in runs.items() if (d / "predictions.csv").exists()}
    if not runs:
        return None
    fig, axes = plt.subplots(len(runs), 1, figsize=(9, 1.7 * len(runs) + 0.6), sharex=True)
    axes = np.atleast_1d(axes)
    for k, (ax, (label, folder)) in enumerate(zip(axes, runs.items(), strict=True)):
        p = pd.read_csv(folder / "predictions.csv")
        rmse = float(np.sqrt(np.mean((p.prediction_deg - p.truth_deg) ** 2)))
        first = p[p.trial == p.trial.iloc[0]]
        first = first[first.time_s <= first.time_s.iloc[0] + SECONDS_SHOWN]
        ax.plot(first.time_s, first.truth_deg, color="k", lw=2, label="true")
        ax.plot(first.time_s, first.prediction_deg, color=f"C{k}", lw=1.3, label="predicted")
        ax.set_ylabel("deg")
        ax.set_title(f"{label} (RMSE over the whole test subject {rmse:.2f} deg)", fontsize=9)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8, loc="upper right")
    axes[-1].set_xlabel(f"time in {p.trial.iloc[0]} (s)")
    fig.suptitle(title, fontsize=10)
    return _save(fig, path)


def errors_by_fold(rows: pd.DataFrame, labels: list[str], path: Path, title: str) -> Path | None:
    """Figure 9 (and similar): RMSE per fold, mean and sd over repeats, one bar per label."""
    rows = rows[rows.label.isin(labels)]
    if rows.empty:
        return None
    folds = sorted(rows.test_subject.fillna("within").unique())
    step = 1.6 if len(folds) <= 6 else 0.55  # many subjects (several labs): narrower bars
    fig, ax = plt.subplots(figsize=(step * len(folds) + 2.5, 3.6 if len(folds) <= 6 else 4.2))
    width = 0.8 / len(labels)
    for k, label in enumerate(labels):
        sel = rows[rows.label == label].fillna({"test_subject": "within"})
        g = sel.groupby("test_subject").rmse_deg
        mean, sd = g.mean().reindex(folds), g.std().reindex(folds).fillna(0)
        ax.bar(np.arange(len(folds)) + k * width, mean, width, yerr=sd, capsize=3, label=label)
    ticks = np.arange(len(folds)) + width * (len(labels) - 1) / 2
    labs, names = zip(*(split_subject(f) for f in folds), strict=True)
    if any(labs):  # lab/subject: the lab once, above its first subject
        ax.set_xticks(ticks, names, rotation=60, fontsize=8)
        for i, lab in enumerate(labs):
            if i == 0 or lab != labs[i - 1]:
                ax.axvline(i - 0.5 + width / 2, color="grey", lw=0.8, ls=":")
                ax.text(i - 0.4, 1.0, lab or "", transform=ax.get_xaxis_transform(), fontsize=8,
                        va="bottom", color="dimgrey")  # fmt: skip
    else:
        ax.set_xticks(ticks, folds)
    ax.set_xlabel("test subject")
    ax.set_ylabel("RMSE (deg)")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3, axis="y")
    return _save(fig, path)


def error_vs_horizon(rows: pd.DataFrame, path: Path, title: str) -> Path | None:
    if rows.empty:
        return None
    fig, ax = plt.subplots(figsize=(6, 4))
    for label, sel in rows.groupby("label", sort=False):
        g = sel.groupby("horizon_ms").rmse_deg
        ax.errorbar(g.mean().index, g.mean(), yerr=g.std().fillna(0), marker="o", capsize=3,
                    label=label)  # fmt: skip
    ax.set_xlabel("horizon (ms)")
    ax.set_ylabel("RMSE (deg), mean ± sd over folds and repeats")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return _save(fig, path)


def attention_weights(before: list[Path], after: list[Path], path: Path) -> Path | None:
    """Mean learned attention over runs: per joint channel (before) and over time (after)."""
    summaries = {
        "before": [json.loads(p.read_text()) for p in before if p.exists()],
        "after": [json.loads(p.read_text()) for p in after if p.exists()],
    }
    panels = [k for k, v in summaries.items() if v]
    if not panels:
        return None
    fig, axes = plt.subplots(1, len(panels), figsize=(6 * len(panels), 5), squeeze=False)
    for ax, placement in zip(axes[0], panels, strict=True):
        runs = summaries[placement]
        labels = runs[0]["labels"]
        w = np.array([r["mean"] for r in runs if r["labels"] == labels])
        mean, sd = w.mean(0), w.std(0)
        if placement == "before":
            y = np.arange(len(labels))
            ax.barh(y, mean, xerr=sd, capsize=2, color="C2")
            ax.axvline(1 / len(labels), color="k", ls="--", lw=1, label="uniform")
            ax.set_yticks(y, labels, fontsize=8)
            ax.invert_yaxis()
            ax.set_xlabel("attention weight (mean over test windows)")
            ax.set_title(f"before the LSTM: which joints ({len(w)} runs)", fontsize=10)
        else:
            t = np.array([float(x) for x in labels])
            ax.plot(t, mean, marker=".", color="C3")
            ax.fill_between(t, mean - sd, mean + sd, color="C3", alpha=0.2)
            ax.axhline(1 / len(labels), color="k", ls="--", lw=1, label="uniform")
            ax.set_xlabel("LSTM step, ms before the last observed frame")
            ax.set_ylabel("attention weight")
            ax.set_title(f"after the LSTM: which moments ({len(w)} runs)", fontsize=10)
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
    return _save(fig, path)


def cross_lab_bars(cells: dict, labs, columns, path: Path, title: str) -> Path | None:
    """Per lab, one bar per column (mean over subjects) with each subject as a dot."""
    if not labs or not any(cells.get((lab, c)) for lab in labs for c in columns):
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(max(8, 1.4 * len(labs)), 4.2))
    width = 0.8 / len(columns)
    colours = plt.cm.tab10(np.arange(len(columns)))
    for j, column in enumerate(columns):
        for i, lab in enumerate(labs):
            values = list(cells.get((lab, column), {}).values())
            if not values:
                continue
            x = i - 0.4 + width * (j + 0.5)
            ax.bar(x, np.mean(values), width, color=colours[j], label=column if i == 0 else None)
            ax.plot([x] * len(values), values, "k.", ms=3, alpha=0.6)
    ax.set_xticks(range(len(labs)))
    ax.set_xticklabels(labs, rotation=20, fontsize=8)
    ax.set_ylabel("RMSE (deg)")
    ax.set_title(title, fontsize=10)
    ax.grid(axis="y", alpha=0.3)
    handles, names = ax.get_legend_handles_labels()
    ax.legend(handles, names, fontsize=7, ncol=2)
    return _save(fig, path)
