"""Candidates for a recipe that travels, measured on the labs left out (issue 22).

Each candidate is a results folder of a leave-one-lab-out grid of the legs-sagittal
attn-cnn-lstm (benchmarks/grids/lolo-legs-*.yaml); the baseline is the cross-lab grid's same
runs (benchmarks/grids/lolo-legs.yaml). For every subject of every lab, the network that
left the subject's lab out: candidate minus baseline RMSE, subject-paired, with a 95 %
bootstrap interval and Holm over the candidates; per lab, and CMU's and McGill's ratio to
their own in-lab leave-one-subject-out ridge (from the shipped legs model's card, the goal:
at most 1.15). This reports effects; it chooses nothing (a choice needs nested validation on
training labs only).

    python benchmarks/candidates.py --candidate mirror=runs/lolo-mirror \
        [--ensemble-with runs/lolo-mirror --data ../shared/data]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd

from gaitpredict.evaluation.stats import compare_by_subject, holm_family
from gaitpredict.experiments.grid import Grid, run_id
from gaitpredict.pretrained import card
from gaitpredict.studies.bases import lolo_checkpoints, lolo_rows

MODEL, INPUTS, TARGET = "attn-cnn-lstm", "legs-sagittal", "r_knee_flex"


def per_subject(results: Path, ids: set | None = None) -> pd.Series:
    """subject -> RMSE of the lolo network that left the subject's lab out."""
    out = {}
    for r in lolo_rows(results, INPUTS, TARGET, MODEL, ids=ids).itertuples():
        for subject, value in json.loads(r.per_subject).items():
            if subject.split("/")[0] == r.test_lab:
                out[subject] = value
    return pd.Series(out, dtype=float)


def checkpoints(results: Path, ids: set | None = None) -> dict:
    """test lab -> the lolo network's checkpoint in a results folder."""
    return lolo_checkpoints(results, INPUTS, TARGET, MODEL, ids=ids)


def ensemble(data: Path, baseline: dict, other: dict) -> pd.DataFrame:
    """Per subject: the baseline network's RMSE and that of the mean of its and the other
    folder's network's predictions (both left the subject's lab out), on the same windows."""
    import warnings

    from gaitpredict.data.corpus import load_corpus
    from gaitpredict.evaluation.windowed import predict_all
    from gaitpredict.experiments.trials import only_labs
    from gaitpredict.studies.bases import known_subjects
    from gaitpredict.training.checkpoint import load_checkpoint
    from gaitpredict.windowing.windows import Windows

    warnings.filterwarnings("ignore")
    labs = sorted(set(baseline) & set(other))
    corpus = load_corpus([data / lab for lab in labs], labelled=True)
    rows = {}
    for lab in labs:
        (a, spec, _), (b, _, _) = load_checkpoint(baseline[lab]), load_checkpoint(other[lab])
        usable, _ = only_labs(corpus, [lab]).with_channels(list(spec.inputs))
        for subject in known_subjects(corpus, lab):
            trials = usable.trials_of(subject)
            if not trials:
                continue
            w = Windows(trials, spec)
            (pa, y), (pb, _) = predict_all(a, w), predict_all(b, w)
            rows[subject] = {"baseline": _rmse(pa, y), "ensemble": _rmse((pa + pb) / 2, y)}
    return pd.DataFrame(rows).T


def _rmse(p: np.ndarray, y: np.ndarray) -> float:
    return float(np.sqrt(np.mean((p - y) ** 2)))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path, default=Path("runs/cross-lab"))
    parser.add_argument("--candidate", action="append", default=[], metavar="NAME=DIR")
    parser.add_argument("--ensemble-with", type=Path, default=None, metavar="DIR",
                        help="also the mean of the baseline's and DIR's lolo networks")  # fmt: skip
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    args = parser.parse_args(argv)
    ids = {run_id(c) for c in Grid.load("benchmarks/grids/lolo-legs.yaml").expand()}
    base = per_subject(args.baseline, ids)
    if args.ensemble_with is not None:
        both = ensemble(args.data, checkpoints(args.baseline, ids),
                        checkpoints(args.ensemble_with))  # fmt: skip
        r = holm_family([compare_by_subject(
            {s: [d] for s, d in (both.ensemble - both.baseline).items()})])[0]  # fmt: skip
        both["lab"] = [s.split("/")[0] for s in both.index]
        print(f"ensemble with {args.ensemble_with}: {len(both)} subjects, mean RMSE "
              f"{both.baseline.mean():.2f} -> {both.ensemble.mean():.2f} deg (the baseline "
              f"recomputed here; the grid's table: {base.reindex(both.index).mean():.2f}); "
              f"median {r.median_diff:+.2f} [{r.ci_low:+.2f}, {r.ci_high:+.2f}], lower for "
              f"{r.wins} of {r.n}, p {r.p_wilcoxon:.3g}")  # fmt: skip
        print(both.groupby("lab")[["baseline", "ensemble"]].mean().round(2).to_string())
    own_ridge = {lab: v["ridge, this lab only (LOSO)"]["mean_rmse_deg"]
                 for lab, v in card("knee-100ms-legs")["cross_lab"].items()
                 if "ridge, this lab only (LOSO)" in v}  # fmt: skip
    names, tests, tables = [], [], {}
    for item in args.candidate:
        name, folder = item.split("=", 1)
        cand = per_subject(Path(folder))
        both = pd.concat({"baseline": base, name: cand}, axis=1).dropna()
        both["lab"] = [s.split("/")[0] for s in both.index]
        tables[name] = both
        names.append(name)
        tests.append(compare_by_subject({s: [d] for s, d in (both[name] - both.baseline).items()}))
    for name, r in zip(names, holm_family(tests), strict=True):
        both = tables[name]
        if r.n == 0:
            print(f"\n{name}: no subject has both a baseline and a candidate network")
            continue
        labs = both.groupby("lab")[["baseline", name]].mean().round(2)
        for lab in ("cmu_walking", "mcgill_walking"):
            if lab in labs.index and lab in own_ridge:
                labs.loc[lab, "vs own ridge (before / after)"] = (
                    f"{labs.loc[lab, 'baseline'] / own_ridge[lab]:.2f} / "
                    f"{labs.loc[lab, name] / own_ridge[lab]:.2f}"
                )
        print(f"\n{name}: {len(both)} subjects of {both.lab.nunique()} labs, mean RMSE "
              f"{both.baseline.mean():.2f} -> {both[name].mean():.2f} deg; candidate minus "
              f"baseline median {r.median_diff:+.2f} [{r.ci_low:+.2f}, {r.ci_high:+.2f}], "
              f"lower for {r.wins} of {r.n}, Holm p {r.p_holm:.3g} ({r.verdict})")  # fmt: skip
        print(labs.fillna("").to_string())
        print(f"(own in-lab ridge: CMU {own_ridge.get('cmu_walking', np.nan):.2f}, McGill "
              f"{own_ridge.get('mcgill_walking', np.nan):.2f})")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
