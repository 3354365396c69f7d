"""Figures, the one module of them: a trial's joint angles, loss curves, predicted vs true
(here), and the report's figures drawn from run folders (`plots.results`)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from ..data.channels import JOINT_DOFS  # noqa: E402


def plot_trial(trial, out: Path) -> Path:
    """One panel per joint (legs and arms), both sides, all degrees of freedom, over time."""
    joints = ["hip", "knee", "ankle", "shoulder", "elbow"]
    fig, axes = plt.subplots(len(joints), 1, figsize=(10, 2.1 * len(joints)), sharex=True)
    t = trial.time_s
    for ax, joint in zip(axes, joints, strict=True):
        for side, style in (("r", "-"), ("l", "--")):
            for k, dof in enumerate(JOINT_DOFS[joint]):
                ch = f"{side}_{joint}_{dof}"
                if ch in trial.channels:
                    ax.plot(t, trial[ch], style, color=f"C{k}", lw=1.2, label=ch)
        ax.set_ylabel(f"{joint} (deg)")
        ax.legend(fontsize=7, ncol=3, loc="upper right")
        ax.grid(alpha=0.3)
    axes[-1].set_xlabel("time (s)")
    fig.suptitle(
        f"{trial.trial_id} ({trial.subject}, {trial.rate_hz:g} Hz): right solid, left dashed"
    )
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return Path(out)


def plot_losses(epochs, train, val, out: Path, title: str = "") -> Path:
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(epochs, train, label="train")
    ax.plot(epochs, val, label="validation")
    ax.set_xlabel("epoch")
    ax.set_ylabel("MSE (normalised units)")
    ax.set_yscale("log")
    ax.set_title(title or "loss")
    ax.legend()
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return Path(out)


def plot_predictions(
    time_s,
    truth_deg,
    series: dict,
    out: Path,
    title: str = "",
    seconds: float = 6.0,
    band=None,
) -> Path:
    """Truth (None: not known) and one or more predictions over the first `seconds`;
    `band`: (lower, upper, label), a prediction interval drawn under the first prediction."""
    n = int(np.searchsorted(time_s, time_s[0] + seconds))
    fig, ax = plt.subplots(figsize=(9, 4))
    if band is not None:
        lo, hi, label = band
        ax.fill_between(time_s[:n], lo[:n], hi[:n], color="C0", alpha=0.2, lw=0, label=label)
    if truth_deg is not None:
        ax.plot(time_s[:n], truth_deg[:n], color="k", lw=2, label="true")
    for k, (name, pred) in enumerate(series.items()):
        ax.plot(time_s[:n], pred[:n], lw=1.2, color=f"C{k}", label=name)
    return _finish(fig, ax, out, title, "time (s)", "angle (deg)")


def _finish(fig, ax, out: Path, title: str, xlabel: str, ylabel: str) -> Path:
    """Labels, legend and grid of a one-panel figure, saved and closed."""
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return Path(out)


def plot_segments(segments: list[dict], out: Path, title: str = "") -> Path:
    """RMSE per segment of walking time, adapted against unadapted when both are given."""
    fig, ax = plt.subplots(figsize=(8, 3.6))
    mid = [(s["start_s"] + s["end_s"]) / 2 for s in segments]
    ax.plot(mid, [s["rmse_deg"] for s in segments], "o-", color="C0", label="adapted online")
    if segments and "rmse_deg_unadapted" in segments[0]:
        ax.plot(mid, [s["rmse_deg_unadapted"] for s in segments], "s--", color="C1",
                label="unadapted")  # fmt: skip
    ax.set_ylim(bottom=0)
    return _finish(fig, ax, out, title, "walking time (s), segment centres", "RMSE (deg)")
