"""Prediction intervals on labs left out: measured coverage and width, per lab and subject.

    python benchmarks/intervals.py --data ../shared/data --results runs/cross-lab-intervals \
        [--inputs legs-sagittal|arms+legs-shared] [--out runs/intervals]

`--results`: a folder of `gaitpredict reproduce --grid benchmarks/grids/lolo.yaml`,
whose leave-one-lab-out networks (legs-sagittal, right knee 100 ms) store their
split-conformal calibration (validation errors of the other labs' subjects). Each subject
of the lab a network never saw is streamed recording after recording, as one wearer, with
90 % intervals three ways:

- online: the streaming predictor's interval, adapted to the wearer's errors as their
  truth arrives (adaptive conformal inference over the last 20 s of errors);
- offline: the split-conformal half-width from the calibration, fixed;
- naive: prediction +- 1.645 x the validation RMSE;
- and, for scale, the one constant width that would have covered 90 % of the lab's
  predictions (an oracle: it needs the truths it is scored on).

Scored after the first 10 s of each wearer's walking (and over the first 10 s), coverage
and mean width per subject and per lab (pooled over the lab's predictions), with each
stream's width over its RMSE; and off the walking it learned: the CMU-left-out network on
two CMU recordings that are not walking (`cmu_bvh_activities`), from their fifth second on.
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from gaitpredict.data.corpus import load_corpus  # noqa: E402
from gaitpredict.data.io import read_trial  # noqa: E402
from gaitpredict.evaluation.intervals import bridged_coverage, calibration_of  # noqa: E402
from gaitpredict.evaluation.machine import cpu_description  # noqa: E402
from gaitpredict.pretrained import pretrained_path  # noqa: E402
from gaitpredict.realtime import StreamingPredictor  # noqa: E402
from gaitpredict.realtime.replay import replay_many  # noqa: E402
from gaitpredict.training.checkpoint import load_checkpoint  # noqa: E402

COVERAGE, Z90 = 0.9, 1.6449
TARGET = "r_knee_flex"
WARM_S = 10.0


def new_subject_models(results: Path, inputs: str) -> dict:
    """subject (LAB/S) -> the subject-folds network (over all labs) that never saw them."""
    rows = pd.read_csv(results / "results.csv")
    rows = rows[(rows.label == "attn-cnn-lstm") & (rows.split == "subject-folds")
                & rows.labs.isna() & (rows.inputs == inputs)]  # fmt: skip
    found = {}
    for run_dir in rows.run_dir:
        for fold in sorted((results / "runs" / run_dir).glob("fold*")):
            config = json.loads((fold / "config.json").read_text())
            found |= {s: fold / "model.pt" for s in config["test_subjects"]}
    return found


def networks(results: Path, inputs: str) -> pd.DataFrame:
    rows = pd.read_csv(results / "results.csv")
    return rows[(rows.label == "attn-cnn-lstm") & (rows.split == "lolo")
                & (rows.inputs == inputs)]  # fmt: skip


def intervals_of(table, half_offline, half_offline_bridged, val_rmse) -> dict:
    """method -> (inside, width) per prediction where the truth is known."""
    truth, pred = table[f"{TARGET}_true_deg"].to_numpy(), table[f"{TARGET}_pred_deg"].to_numpy()
    bridged = table.bridged.to_numpy()
    online = (table[f"{TARGET}_lo_deg"].to_numpy(), table[f"{TARGET}_hi_deg"].to_numpy())
    hw_off = np.where(bridged, half_offline_bridged, half_offline)
    out = {}
    for name, (lo, hi) in {
        "online": online,
        "offline": (pred - hw_off, pred + hw_off),
        "naive": (pred - Z90 * val_rmse, pred + Z90 * val_rmse),
    }.items():
        out[name] = ((truth >= lo) & (truth <= hi), hi - lo)
    return out


def scores(table, methods, rows) -> dict:
    truth = table[f"{TARGET}_true_deg"].to_numpy()
    known = rows & np.isfinite(truth)
    if not known.any():
        return {}
    err = table[f"{TARGET}_pred_deg"].to_numpy()[known] - truth[known]
    rmse = float(np.sqrt(np.mean(err**2)))
    # the one constant width that would have covered 90 % here: it needs these very truths
    oracle = 2 * float(np.quantile(np.abs(err), COVERAGE))
    out = {"n": int(known.sum()), "rmse_deg": rmse, "oracle_constant_width_deg": oracle}
    for name, (inside, width) in methods.items():
        out[name] = {"coverage": float(inside[known].mean()),
                     "mean_width_deg": float(width[known].mean()),
                     "width_over_rmse": float(width[known].mean() / rmse)}  # fmt: skip
    return out


def interval_settings(ckpt):
    """(spec, offline half-width, bridged half-width, validation RMSE) of a checkpoint."""
    _, spec, payload = load_checkpoint(ckpt)
    cal = calibration_of(payload, str(ckpt))
    half, half_b = cal.half_width(COVERAGE)[0], cal.half_width(bridged_coverage(COVERAGE))[0]
    return spec, half, half_b, payload["extra"]["metrics"]["val_rmse_deg"]


def stream_subject(ckpt, trials, half, half_b, val_rmse):
    sp = StreamingPredictor.from_checkpoint(ckpt, backend="auto", coverage=COVERAGE)
    table = replay_many(sp, trials)
    methods = intervals_of(table, half, half_b, val_rmse)
    walk = table.walk_s.to_numpy()
    return table, methods, walk


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--results", type=Path, default=ROOT / "runs" / "cross-lab-intervals")
    ap.add_argument("--out", type=Path, default=ROOT / "runs" / "intervals")
    ap.add_argument("--inputs", default="legs-sagittal", help="the networks' input set")
    ap.add_argument(
        "--new-subjects",
        action="store_true",
        help="score the subject-folds "
        "networks (all labs) on the subjects they never saw, not labs left out",
    )
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    args.out.mkdir(parents=True, exist_ok=True)
    report = {"cpu": cpu_description(), "coverage": COVERAGE, "inputs": args.inputs,
              "left_out": "subjects" if args.new_subjects else "labs",
              "labs": {}, "subjects": {}}  # fmt: skip
    pooled, every = {}, []
    if args.new_subjects:
        jobs = {}
        for subject, ckpt in sorted(new_subject_models(args.results, args.inputs).items()):
            jobs.setdefault(subject.split("/")[0], []).append((subject, ckpt))
    else:
        jobs = {row.test_lab: [(None, args.results / "runs" / row.run_dir / "model.pt")]
                for _, row in networks(args.results, args.inputs).iterrows()}  # fmt: skip
    for lab in sorted(jobs):
        data = load_corpus([str(args.data / lab)])
        parts = {"later": [], "first": []}
        for who, ckpt in jobs[lab]:
            spec, half, half_b, val_rmse = interval_settings(ckpt)
            usable, _ = data.with_channels(list(dict.fromkeys(spec.inputs + spec.target)))
            subjects = [who.split("/", 1)[1]] if who else sorted(usable.subjects)
            for subject in subjects:
                if subject.endswith("unknown") or subject not in usable.subjects:
                    continue
                table, methods, walk = stream_subject(ckpt, usable.trials_of(subject), half,
                                                      half_b, val_rmse)  # fmt: skip
                later = scores(table, methods, walk >= WARM_S)
                if later:
                    report["subjects"][f"{lab}/{subject}"] = {
                        "later": later,
                        "first_10s": scores(table, methods, walk < WARM_S),
                    }
                parts["later"].append((table, methods, walk >= WARM_S))
                parts["first"].append((table, methods, walk < WARM_S))
                every.append((table, methods, walk))
                print(f"{lab}/{subject}: " + (f"online {later['online']['coverage']:.3f}, "
                      f"offline {later['offline']['coverage']:.3f}, naive "
                      f"{later['naive']['coverage']:.3f}" if later else "under 10 s"),
                      flush=True)  # fmt: skip
        report["labs"][lab] = {k: pool(v) for k, v in parts.items()}
        pooled[lab] = jobs[lab][0][1]
    if args.new_subjects:
        pooled = {}  # off walking: the CMU-left-out network only
    cmu = pooled.get("cmu_walking")
    if cmu is not None:
        activities = args.data / "cmu_bvh_activities"
        report["off_walking"] = off_walking(cmu, activities, args.out)
        if args.inputs == "legs-sagittal":  # the shipped legs model, trained with CMU
            shipped = pretrained_path("knee-100ms-legs")
            report["off_walking_shipped"] = off_walking(shipped, activities, args.out, "shipped_")
    title = ("subjects" if args.new_subjects else "labs") + f" left out, {args.inputs} inputs"
    report["over_time"] = over_time(every, args.out / "coverage_over_time.png", title)
    (args.out / "intervals.json").write_text(json.dumps(report, indent=2))
    print_table(report)


def pool(parts) -> dict:
    if not parts:
        return {}
    table = pd.concat([t for t, _, _ in parts], ignore_index=True)
    rows = np.concatenate([r for _, _, r in parts])
    methods = {name: (np.concatenate([m[name][0] for _, m, _ in parts]),
                      np.concatenate([m[name][1] for _, m, _ in parts]))
               for name in parts[0][1]}  # fmt: skip
    return scores(table, methods, rows)


BINS_S = (0.0, 2.5, 5.0, 10.0, 20.0, 40.0, 80.0, 300.0)


def over_time(every, png: Path, title: str) -> list[dict]:
    """Coverage of each method by seconds walked, pooled over every wearer; and its figure."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = []
    for lo, hi in zip(BINS_S[:-1], BINS_S[1:], strict=True):
        parts = [(t, m, (w >= lo) & (w < hi)) for t, m, w in every]
        entry = pool(parts)
        if entry:
            rows.append({"from_s": lo, "to_s": hi, **entry})
    fig, ax = plt.subplots(figsize=(8, 3.8))
    mid = [np.sqrt(max(r["from_s"], 1.0) * r["to_s"]) for r in rows]
    for name, style in (("online", "o-"), ("offline", "s--"), ("naive", "^:")):
        ax.plot(mid, [r[name]["coverage"] for r in rows], style, label=name)
    ax.axhline(COVERAGE, color="k", lw=0.8)
    ax.set_xscale("log")
    ax.set_xlabel("seconds the wearer has walked (bin centre)")
    ax.set_ylabel("share of truths inside")
    ax.set_title(f"90 % intervals, {title} (every wearer pooled)")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(png, dpi=110)
    plt.close(fig)
    return rows


def off_walking(ckpt, folder: Path, out: Path, prefix: str = "") -> dict:
    """A network on CMU recordings that are not walking, from their fifth second."""
    found = {}
    _, half, half_b, val_rmse = interval_settings(ckpt)
    for name in ("05_02.bvh", "62_07.bvh"):
        if not (folder / name).is_file():
            continue
        table, methods, walk = stream_subject(ckpt, [read_trial(folder / name)], half, half_b,
                                              val_rmse)  # fmt: skip
        found[name] = scores(table, methods, walk >= 5.0)
        table.to_csv(out / f"{prefix}off_walking_{name}.csv", index=False)
    return found


def print_table(report: dict) -> None:
    print(
        f"\n90 % intervals on {report['left_out']} left out, {report['inputs']} inputs, "
        f"after each wearer's first {WARM_S:g} s ({report['cpu']})"
    )
    print(
        "| lab | n | RMSE | online cov | width | width/RMSE | offline cov | width | naive cov "
        "| width | constant width for 90 % | min subject (online) |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for lab, entry in report["labs"].items():
        e = entry["later"]
        if not e:
            continue
        subs = [s["later"]["online"]["coverage"] for k, s in report["subjects"].items()
                if k.startswith(lab + "/")]  # fmt: skip
        print(f"| {lab} | {e['n']} | {e['rmse_deg']:.2f} | {e['online']['coverage']:.3f} | "
              f"{e['online']['mean_width_deg']:.2f} | {e['online']['width_over_rmse']:.2f} | "
              f"{e['offline']['coverage']:.3f} | {e['offline']['mean_width_deg']:.2f} | "
              f"{e['naive']['coverage']:.3f} | {e['naive']['mean_width_deg']:.2f} | "
              f"{e['oracle_constant_width_deg']:.2f} | {min(subs):.3f} |")  # fmt: skip
    print("\nFirst 10 s of each wearer, every lab (pooled over its wearers):")
    print("| lab | n | RMSE | online cov | width | offline cov | width | naive cov | width |")
    print("|---|---|---|---|---|---|---|---|---|")
    for lab, entry in report["labs"].items():
        e = entry["first"]
        print(
            f"| {lab} | {e['n']} | {e['rmse_deg']:.2f} | {e['online']['coverage']:.3f} | "
            f"{e['online']['mean_width_deg']:.2f} | {e['offline']['coverage']:.3f} | "
            f"{e['offline']['mean_width_deg']:.2f} | {e['naive']['coverage']:.3f} | "
            f"{e['naive']['mean_width_deg']:.2f} |"
        )
    print("\nBy seconds walked, every wearer pooled:")
    for r in report["over_time"]:
        print(
            f"  {r['from_s']:g}-{r['to_s']:g} s: n {r['n']}, online {r['online']['coverage']:.3f}"
            f", offline {r['offline']['coverage']:.3f}, naive {r['naive']['coverage']:.3f}"
        )
    shown = [("CMU-left-out network", report.get("off_walking", {})),
             ("shipped knee-100ms-legs", report.get("off_walking_shipped", {}))]  # fmt: skip
    for who, found in shown:
        for name, e in found.items():
            print(f"off walking {name}, {who} (from 5 s): RMSE {e['rmse_deg']:.2f}, online "
                  f"coverage {e['online']['coverage']:.3f} (width "
                  f"{e['online']['mean_width_deg']:.1f}), offline {e['offline']['coverage']:.3f}"
                  f", naive {e['naive']['coverage']:.3f}")  # fmt: skip


if __name__ == "__main__":
    main()
