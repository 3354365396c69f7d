"""Do the arms help on a lab never seen? Per joint, the leave-one-lab-out network (and ridge)
from arms+legs-shared inputs against the same from legs-sagittal, subject by subject.

For every subject of every lab, each model's run that left the subject's lab out; the
difference arms+legs minus legs (negative: the arms help), with a 95 % bootstrap interval of
the median, Wilcoxon, and Holm over every joint and model; per lab, the two means.

    gaitpredict reproduce --grid benchmarks/grids/lolo-arms-ankle-hip.yaml \
        --data ../shared/data --out runs/cross-lab --no-report
    python benchmarks/inputs.py --results runs/cross-lab [--targets r_ankle_flex r_hip_flex]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from gaitpredict.data.subjects import subject_lab as lab_of
from gaitpredict.evaluation.stats import compare_by_subject, holm_family
from gaitpredict.studies.nested import scores

BASE, WITH_ARMS = "legs-sagittal", "arms+legs-shared"


def per_subject(results: Path, inputs: str, target: str, model: str) -> pd.Series:
    """subject -> RMSE of the model's run that left the subject's lab out."""
    return pd.Series(scores(results, model, inputs, target, 100.0)["outer"], dtype=float)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=Path("runs/cross-lab"))
    parser.add_argument("--targets", nargs="+", default=["r_ankle_flex", "r_hip_flex"])
    parser.add_argument("--models", nargs="+", default=["attn-cnn-lstm", "ridge"])
    args = parser.parse_args(argv)
    pairs, tests = {}, []
    for target in args.targets:
        for model in args.models:
            both = pd.concat(
                {BASE: per_subject(args.results, BASE, target, model),
                 WITH_ARMS: per_subject(args.results, WITH_ARMS, target, model)}, axis=1,
            ).dropna()  # fmt: skip
            pairs[target, model] = both
            diffs = (both[WITH_ARMS] - both[BASE]).items()
            tests.append(compare_by_subject({s: [d] for s, d in diffs}))
    print(f"{WITH_ARMS} minus {BASE}, leave-one-lab-out, subject-paired, Holm over "
          f"{len(tests)}:")  # fmt: skip
    print("| joint | model | subjects | legs | arms+legs | median difference [95 % CI] | "
          "arms lower for | Holm p |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|")
    for ((target, model), both), r in zip(pairs.items(), holm_family(tests), strict=True):
        print(f"| {target} | {model} | {r.n} | {both[BASE].mean():.2f} | "
              f"{both[WITH_ARMS].mean():.2f} | {r.median_diff:+.2f} [{r.ci_low:+.2f}, "
              f"{r.ci_high:+.2f}] | {r.wins} of {r.n} | {r.p_holm:.2g} |")  # fmt: skip
    for (target, model), both in pairs.items():
        labs = both.groupby(lab_of).mean().round(2)
        print(f"\n{target}, {model}, per lab (mean over its subjects, deg):")
        print(labs.to_string())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
