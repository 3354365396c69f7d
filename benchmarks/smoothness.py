"""A reference a motor can follow (issue 22, item 4): does a smoothness term in the training
loss make the leave-one-lab-out network's prediction as smooth as the true knee, without
giving back accuracy? On every lab left out, the same network trained without it and with
it (`TrainConfig.smoothness`), and, for scale, the first without it followed by a causal
mean of its last two predictions (half a frame of delay, not paid for in the horizon).

    gaitpredict reproduce --grid benchmarks/grids/lolo-knee.yaml --data ../shared/data \\
        --out runs/cross-lab
    gaitpredict reproduce --grid benchmarks/grids/lolo-knee-smooth.yaml --data ../shared/data \\
        --out runs/lolo-smooth
    python benchmarks/smoothness.py --data ../shared/data --candidate runs/lolo-smooth \\
        [--candidate runs/lolo-smooth10] [--ensemble-with seeds=runs/lolo-seed1]

Per recording: the roughness ratio (`evaluation.metrics.roughness_ratio`: the RMS of the
prediction's second difference over the true knee's; median over recordings, per lab and
over all). Per subject: RMSE over all its predictions, the same frames for every variant;
candidate minus baseline, subject-paired (bootstrap interval, Wilcoxon, Holm over the
variants). Issue 22's goal: roughness at most 1.3 on every lab left out with RMSE at most
2 % worse. Writes `smoothness.json` and `smoothness.png` (one walk of each lab's most
typical roughness, for the four labs with most recordings) into `--out`.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from gaitpredict.atomic import write_json  # noqa: E402
from gaitpredict.evaluation.metrics import roughness_ratio  # noqa: E402
from gaitpredict.evaluation.stats import compare_by_subject, holm_family  # noqa: E402
from gaitpredict.experiments.grid import Grid, run_id  # noqa: E402
from gaitpredict.studies.bases import lolo_checkpoints  # noqa: E402

INPUTS, TARGET = "legs-sagittal", "r_knee_flex"
GOAL_ROUGHNESS, GOAL_RMSE = 1.3, 0.02


def two_frame_mean(pred: np.ndarray) -> np.ndarray:
    """The causal mean of each prediction and the one before (NaN where either is)."""
    out = np.full_like(pred, np.nan)
    out[1:] = (pred[1:] + pred[:-1]) / 2
    return out


def variants(data: Path, baseline: dict, candidates: dict, ensembles: dict | None = None):
    """Per lab, per recording of a named subject: subject, truth, and each variant's
    prediction (one row per model frame); `candidates`: name -> {lab: checkpoint};
    `ensembles`: name -> {lab: checkpoint} whose prediction is averaged with the baseline's
    (an ensemble of two trainings)."""
    ensembles = ensembles or {}
    from gaitpredict.data.corpus import load_corpus
    from gaitpredict.evaluation.predictor import load_predictor
    from gaitpredict.experiments.trials import only_labs
    from gaitpredict.studies.bases import known_subjects

    others = {**candidates, **ensembles}
    labs = sorted(set(baseline).intersection(*(set(c) for c in others.values())))
    corpus = load_corpus([data / lab for lab in labs], labelled=True)
    for lab in labs:
        base = load_predictor(baseline[lab])
        cands = {name: load_predictor(c[lab]) for name, c in candidates.items()}
        pairs = {name: load_predictor(c[lab]) for name, c in ensembles.items()}
        usable, _ = only_labs(corpus, [lab]).with_channels([*base.channels, TARGET])
        for subject in known_subjects(corpus, lab):
            for trial in usable.trials_of(subject):
                a = base.predict_columns(trial)
                p = a[f"{TARGET}_pred_deg"]
                preds = {"without": p}
                for name, c in cands.items():
                    preds[name] = c.predict_columns(trial)[f"{TARGET}_pred_deg"]
                for name, c in pairs.items():
                    preds[name] = (p + c.predict_columns(trial)[f"{TARGET}_pred_deg"]) / 2
                preds["two-frame mean"] = two_frame_mean(p)
                yield lab, subject, trial, a[f"{TARGET}_true_deg"], preds


def _weight_name(checkpoints: dict) -> str:
    """'smoothness W', W read from a run's config (the grid's train setting)."""
    import json

    first = Path(next(iter(checkpoints.values())))
    config = json.loads((first.parent / "config.json").read_text())
    return f"smoothness {config['train']['smoothness']:g}"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--baseline", type=Path, default=Path("runs/cross-lab"))
    ap.add_argument("--candidate", action="append", default=None, metavar="[NAME=]DIR",
                    help="a results folder of a smoothness grid (repeatable; default "
                    "runs/lolo-smooth)")  # fmt: skip
    ap.add_argument("--ensemble-with", action="append", default=[], metavar="[NAME=]DIR",
                    help="a results folder of the same leave-one-lab-out grid trained again "
                    "(another seed): the variant averages its prediction with the "
                    "baseline's (repeatable)")  # fmt: skip
    ap.add_argument("--data", type=Path, default=Path("../shared/data"))
    ap.add_argument("--out", type=Path, default=Path("runs/smoothness"))
    args = ap.parse_args(argv)
    warnings.simplefilter("ignore")
    ids = {run_id(c) for c in Grid.load("benchmarks/grids/lolo-knee.yaml").expand()}
    baseline = lolo_checkpoints(args.baseline, INPUTS, TARGET, ids=ids)
    candidates = {}
    for item in args.candidate or ([] if args.ensemble_with else ["runs/lolo-smooth"]):
        name, _, folder = item.rpartition("=")
        found = lolo_checkpoints(Path(folder), INPUTS, TARGET)
        candidates[name or _weight_name(found)] = found
    ensembles = {}
    for item in args.ensemble_with:
        name, _, folder = item.rpartition("=")
        ensembles[name or f"ensemble with {Path(folder).name}"] = lolo_checkpoints(
            Path(folder), INPUTS, TARGET
        )
    rough, pairs, shown = {}, {}, {}
    for lab, subject, trial, truth, preds in variants(args.data, baseline, candidates, ensembles):
        ok = np.isfinite(truth) & np.all([np.isfinite(p) for p in preds.values()], axis=0)
        for name, p in preds.items():
            r = roughness_ratio(np.where(ok, p, np.nan), np.where(ok, truth, np.nan))
            if r is not None:
                rough.setdefault(name, {}).setdefault(lab, []).append(r)
            pairs.setdefault(name, {}).setdefault(subject, []).append((p[ok], truth[ok]))
        shown.setdefault(lab, []).append((trial, truth, preds))
    rmse = {name: {s: float(np.sqrt(np.mean(np.concatenate([(p - t) ** 2 for p, t in v]))))
                   for s, v in by.items()} for name, by in pairs.items()}  # fmt: skip
    names = [n for n in rmse if n != "without"]
    tests = [compare_by_subject({s: [rmse[n][s] - rmse["without"][s]] for s in rmse[n]})
             for n in names]  # fmt: skip
    labs = sorted(rough["without"])
    print(f"| lab | recordings | {' | '.join(f'roughness, {n}' for n in rough)} |")
    print("|---|---" + "|---" * len(rough) + "|")
    for lab in labs:
        cells = " | ".join(f"{np.median(rough[n][lab]):.2f}" for n in rough)
        print(f"| {lab} | {len(rough['without'][lab])} | {cells} |")
    report = {"labs": labs, "variants": {}}
    mean_base = float(np.mean(list(rmse["without"].values())))
    every = {n: np.concatenate([rough[n][lab] for lab in labs]) for n in rough}
    print(f"\nwithout: roughness median {np.median(every['without']):.2f} over "
          f"{len(every['without'])} recordings; mean subject RMSE {mean_base:.2f} deg over "
          f"{len(rmse['without'])} subjects")  # fmt: skip
    report["variants"]["without"] = {
        "roughness_median": float(np.median(every["without"])),
        "roughness_per_lab": {lab: float(np.median(rough["without"][lab])) for lab in labs},
        "mean_rmse_deg": mean_base,
    }
    for name, r in zip(names, holm_family(tests), strict=True):
        mean = float(np.mean(list(rmse[name].values())))
        worst = max(float(np.median(rough[name][lab])) for lab in labs)
        change = mean / mean_base - 1
        meets = worst <= GOAL_ROUGHNESS and change <= GOAL_RMSE
        print(
            f"{name}: roughness median {np.median(every[name]):.2f} (worst lab "
            f"{worst:.2f}); mean subject RMSE {mean:.2f} deg ({change:+.1%}); minus without "
            f"median {r.median_diff:+.2f} [{r.ci_low:+.2f}, {r.ci_high:+.2f}], lower for "
            f"{r.wins} of {r.n}, Holm p {r.p_holm:.3g}; goal (every lab <= "
            f"{GOAL_ROUGHNESS}, RMSE <= +{GOAL_RMSE:.0%}) {'met' if meets else 'not met'}"
        )
        report["variants"][name] = {
            "roughness_median": float(np.median(every[name])),
            "roughness_per_lab": {lab: float(np.median(rough[name][lab])) for lab in labs},
            "worst_lab_roughness": worst, "mean_rmse_deg": mean, "rmse_change": change,
            "median_diff_deg": r.median_diff, "ci": [r.ci_low, r.ci_high], "wins": r.wins,
            "subjects": r.n, "p_holm": r.p_holm, "goal_met": bool(meets),
        }  # fmt: skip
    args.out.mkdir(parents=True, exist_ok=True)
    write_json(args.out / "smoothness.json", report)
    most = sorted(labs, key=lambda lab: -len(rough["without"][lab]))[:4]
    _plot(shown, rough, sorted(most), args.out / "smoothness.png")
    print(f"wrote {args.out}/smoothness.json and smoothness.png")
    return 0


def _plot(shown, rough, labs, path: Path, seconds: float = 3.0) -> None:
    """Per lab (the four with most recordings), the walk whose roughness without the term is
    the lab's median: the true knee at the target time and each variant's prediction, its
    first `seconds`."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(len(labs), 1, figsize=(9, 2.1 * len(labs)), squeeze=False)
    for ax, lab in zip(axes[:, 0], labs, strict=True):
        ratios = rough["without"][lab]
        k = int(np.argsort(ratios)[len(ratios) // 2]) if len(ratios) == len(shown[lab]) else 0
        trial, truth, preds = shown[lab][k]
        n = len(truth)
        t = np.arange(n) / 100.0
        start = int(np.argmax(np.isfinite(preds["without"])))
        sel = slice(start, min(n, start + int(seconds * 100)))
        ax.plot(t[sel], truth[sel], color="black", lw=2.0, label="true knee")
        colors = iter(["tab:blue", "tab:green", "tab:purple", "tab:orange"])
        for name, p in preds.items():
            if name != "two-frame mean":
                color = "tab:red" if name == "without" else next(colors)
                ax.plot(t[sel], p[sel], color=color, lw=1.0, label=name)
        ax.set_title(f"{lab}: {trial.trial_id}", fontsize=9)
        ax.set_ylabel("deg")
    axes[0, 0].legend(fontsize=8, ncol=3, loc="upper right")
    axes[-1, 0].set_xlabel("time the prediction is made (s); each curve is the knee 100 ms later")
    fig.suptitle("Right knee 100 ms ahead on labs left out: the network as trained and "
                 "each candidate", fontsize=10)  # fmt: skip
    fig.tight_layout(rect=(0, 0, 1, 0.98))
    fig.savefig(path, dpi=90)
    plt.close(fig)


if __name__ == "__main__":
    raise SystemExit(main())
