"""One network for every horizon, or one per horizon? (issue 22, item 1.) On every lab left
out, the leave-one-lab-out legs-sagittal network that predicts the right knee at every frame
up to 200 ms ahead (`multi_horizon`) against the networks trained for one horizon each
(50, 100, 150, 200 ms), on the same frames of the same recordings: per subject, RMSE at each
horizon; multi minus single, subject-paired (bootstrap interval, Wilcoxon, Holm over the
horizons); per recording, the roughness ratio of each (`evaluation.metrics.roughness_ratio`,
the median over recordings, per lab and over all). It reports; the shipped recipe was fixed
before it ran. `--horizons-ms 100` compares at 100 ms alone (lolo-knee.yaml's networks).

    gaitpredict reproduce --grid benchmarks/grids/lolo-knee.yaml --data ../shared/data \\
        --out runs/cross-lab
    gaitpredict reproduce --grid benchmarks/grids/lolo-knee-horizons.yaml --data \\
        ../shared/data --out runs/cross-lab
    gaitpredict reproduce --grid benchmarks/grids/lolo-knee-multi.yaml --data ../shared/data \\
        --out runs/lolo-multi
    python benchmarks/horizons.py --data ../shared/data --multi runs/lolo-multi

Writes `horizons.json` into `--out`.
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
from gaitpredict.studies.bases import lolo_checkpoints  # noqa: E402

INPUTS, TARGET, HORIZONS_MS = "legs-sagittal", "r_knee_flex", (50.0, 100.0, 150.0, 200.0)


def main(argv=None) -> int:
    from gaitpredict.data.corpus import load_corpus
    from gaitpredict.evaluation.predictor import load_predictor
    from gaitpredict.experiments.trials import only_labs
    from gaitpredict.studies.bases import known_subjects

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--single", type=Path, default=Path("runs/cross-lab"))
    ap.add_argument("--multi", type=Path, default=Path("runs/lolo-multi"))
    ap.add_argument("--data", type=Path, default=Path("../shared/data"))
    ap.add_argument("--out", type=Path, default=Path("runs/horizons"))
    ap.add_argument("--horizons-ms", type=float, nargs="+", default=list(HORIZONS_MS))
    args = ap.parse_args(argv)
    warnings.simplefilter("ignore")
    horizons = tuple(args.horizons_ms)
    multi = lolo_checkpoints(args.multi, INPUTS, TARGET, horizon_ms=200.0)
    single = {h: lolo_checkpoints(args.single, INPUTS, TARGET, horizon_ms=h) for h in horizons}
    labs = sorted(set(multi).intersection(*(set(s) for s in single.values())))
    corpus = load_corpus([args.data / lab for lab in labs], labelled=True)
    sq = {(kind, h): {} for kind in ("multi", "single") for h in horizons}
    rough = {(kind, h): {} for kind in ("multi", "single") for h in horizons}  # lab -> ratios
    for lab in labs:
        m = load_predictor(multi[lab])
        steps = m.spec.horizon_frames
        singles = {h: load_predictor(single[h][lab]) for h in horizons}
        usable, _ = only_labs(corpus, [lab]).with_channels([*m.channels, TARGET])
        for subject in known_subjects(corpus, lab):
            for trial in usable.trials_of(subject):
                pm = m.predict(trial)  # (frames, steps): 10, 20, ... 200 ms ahead
                time_s = np.arange(len(pm)) / m.spec.rate_hz
                for h in horizons:
                    k = round(h / 1000 * m.spec.rate_hz)
                    truth = np.interp(time_s + k / m.spec.rate_hz, trial.time_s,
                                      trial[TARGET], right=np.nan)  # fmt: skip
                    ps = singles[h].predict(trial)[:, -1]
                    a = pm[:, k - 1] if steps > 1 else pm[:, -1]
                    ok = np.isfinite(truth) & np.isfinite(a) & np.isfinite(ps)
                    for kind, p in (("multi", a), ("single", ps)):
                        sq[kind, h].setdefault(subject, []).append((p[ok] - truth[ok]) ** 2)
                        r = roughness_ratio(np.where(ok, p, np.nan), truth)
                        if r is not None:
                            rough[kind, h].setdefault(lab, []).append(r)
        print(f"{lab}: done", file=sys.stderr)
    rmse = {key: {s: float(np.sqrt(np.mean(np.concatenate(v)))) for s, v in by.items()}
            for key, by in sq.items()}  # fmt: skip
    tests = [compare_by_subject({s: [rmse["multi", h][s] - rmse["single", h][s]]
                                 for s in rmse["single", h]}) for h in horizons]  # fmt: skip
    print("| horizon | subjects | one network per horizon | one network, every horizon | "
          "median difference [95 % CI] | multi lower for | Holm p |")  # fmt: skip
    print("|---|---|---|---|---|---|---|")
    report = {"labs": labs, "horizons": {}}
    for h, r in zip(horizons, holm_family(tests), strict=True):
        a = float(np.mean(list(rmse["single", h].values())))
        b = float(np.mean(list(rmse["multi", h].values())))
        ci = f"[{r.ci_low:+.2f}, {r.ci_high:+.2f}]"
        print(f"| {h:g} ms | {r.n} | {a:.2f} | {b:.2f} | {r.median_diff:+.2f} {ci} | "
              f"{r.wins} of {r.n} | {r.p_holm:.3g} |")  # fmt: skip
        report["horizons"][f"{h:g}"] = {
            "single_mean_deg": a, "multi_mean_deg": b, "median_diff_deg": r.median_diff,
            "ci": [r.ci_low, r.ci_high], "wins": r.wins, "subjects": r.n, "p_holm": r.p_holm,
        }  # fmt: skip
    print("\nRoughness ratio (prediction over truth), median over recordings:\n")
    print("| horizon | kind | all recordings | " + " | ".join(labs) + " |")
    print("|---|---|---" + "|---" * len(labs) + "|")
    for h in horizons:
        for kind, name in (("single", "one network per horizon"), ("multi", "every horizon")):
            by_lab = rough[kind, h]
            every = [v for vs in by_lab.values() for v in vs]
            cells = [f"{np.median(by_lab[lab]):.2f}" if by_lab.get(lab) else "–" for lab in labs]
            print(f"| {h:g} ms | {name} | {np.median(every):.2f} ({len(every)}) | "
                  + " | ".join(cells) + " |")  # fmt: skip
            report["horizons"][f"{h:g}"][f"{kind}_roughness_median"] = float(np.median(every))
            report["horizons"][f"{h:g}"][f"{kind}_roughness_by_lab"] = {
                lab: float(np.median(v)) for lab, v in by_lab.items()
            }
    args.out.mkdir(parents=True, exist_ok=True)
    write_json(args.out / "horizons.json", report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
