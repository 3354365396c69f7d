"""Do the catalog's channel meanings hold in every lab? One figure and one table.

For each shared lab and each sagittal/frontal channel: the median, 5th and 95th percentile
over all walking frames, and the median of the per-stride minimum of knee flexion (about the
knee angle at heel strike and mid-stance, where a sign or zero error shows at once). The figure
draws 3 s of each lab's right hip, knee and ankle flexion and right shoulder flexion and
elbow flexion side by side, on one axis per channel.

    python benchmarks/conventions.py --data-root ../shared/data --out runs/conventions
"""

from __future__ import annotations

import argparse
import json
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from gaitpredict.data.corpus import load_corpus  # noqa: E402
from gaitpredict.data.labs import LABS  # noqa: E402

CHANNELS = (
    "r_hip_flex",
    "r_knee_flex",
    "r_ankle_flex",
    "r_hip_abd",
    "r_shoulder_flex",
    "r_elbow_flex",
)


def lab_stats(trials) -> dict:
    out = {}
    for ch in CHANNELS:
        values = np.concatenate([t[ch] for t in trials if ch in t.channels] or [np.array([])])
        values = values[np.isfinite(values)]
        if values.size:
            p5, p50, p95 = np.percentile(values, [5, 50, 95])
            out[ch] = {"p5": round(p5, 1), "median": round(p50, 1), "p95": round(p95, 1)}
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-root", type=Path, default=Path("../shared/data"))
    ap.add_argument("--out", type=Path, default=Path("runs/conventions"))
    args = ap.parse_args(argv)
    labs = [n for n in LABS if LABS[n].duplicate_of is None and (args.data_root / n).is_dir()]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        corpus = load_corpus([str(args.data_root / n) for n in labs])
    args.out.mkdir(parents=True, exist_ok=True)
    table = {}
    fig, axes = plt.subplots(len(CHANNELS), 1, figsize=(11, 2.3 * len(CHANNELS)), sharex=True)
    colours = plt.cm.tab10(np.linspace(0, 1, 10))
    for k, lab in enumerate(labs):
        trials = [t for t in corpus.trials if t.meta["lab"] == lab]
        table[lab] = lab_stats(trials)
        longest = max(trials, key=lambda t: t.n_frames)
        piece = longest.slice_s(0, 3.0)
        for ax, ch in zip(axes, CHANNELS, strict=True):
            if ch in piece.channels:
                ax.plot(piece.time_s, piece[ch], color=colours[k], lw=1.2, label=lab)
    for ax, ch in zip(axes, CHANNELS, strict=True):
        ax.set_ylabel(f"{ch}\n(deg)")
        ax.axhline(0, color="grey", lw=0.5)
        ax.grid(alpha=0.3)
    axes[0].legend(ncol=4, fontsize=7, loc="upper right")
    axes[-1].set_xlabel("time in the lab's longest trial (s)")
    fig.suptitle("The same catalog channel in each lab (flexion, dorsiflexion, abduction +)")
    fig.tight_layout()
    fig.savefig(args.out / "conventions.png", dpi=110)
    (args.out / "conventions.json").write_text(json.dumps(table, indent=2))
    header = "| lab | " + " | ".join(CHANNELS) + " |"
    print(header)
    print("|" + "---|" * (len(CHANNELS) + 1))
    for lab, stats in table.items():
        cells = [
            f"{s['median']:+.0f} ({s['p5']:+.0f}..{s['p95']:+.0f})" if (s := stats.get(ch)) else ""
            for ch in CHANNELS
        ]
        print(f"| {lab} | " + " | ".join(cells) + " |")
    print(f"wrote {args.out}/conventions.png and conventions.json")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
