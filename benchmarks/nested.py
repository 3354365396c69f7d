"""Nested leave-one-lab-out: a recipe chosen for each lab left out, on the other labs alone.

For every outer lab L and every candidate (the baseline network, ridge, and the network of
each `--candidate` folder), the inner score is the mean RMSE over the subjects of the other
labs, each subject predicted by the candidate's run that left out both L and the subject's
own lab (split `lab-pairs`: trained on the six remaining labs). L's data touches neither the
training nor the choice. The candidate with the lowest inner score is L's recipe, and L's
subjects are scored by that candidate's leave-one-lab-out run. The nested recipe is then
compared with the baseline network, subject-paired over every subject of every lab (95 %
bootstrap interval of the median difference; Holm over it and the fixed candidates), and
CMU's and McGill's mean with their own in-lab leave-one-subject-out ridge (the goal: at most
1.15x it).

    gaitpredict reproduce --grid benchmarks/grids/nested-knee.yaml --data ../shared/data \
        --out runs/nested --no-report
    gaitpredict reproduce --grid benchmarks/grids/nested-knee-mirror.yaml \
        --data ../shared/data --out runs/nested-mirror --no-report
    python benchmarks/nested.py --results runs/nested --candidate mirror=runs/nested-mirror
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from gaitpredict.data.subjects import subject_lab as lab_of
from gaitpredict.evaluation.stats import compare_by_subject, holm_family
from gaitpredict.studies.nested import choose, nested_outer, scores

NETWORK, INPUTS, TARGET, HORIZON_MS = "attn-cnn-lstm", "legs-sagittal", "r_knee_flex", 100.0
GOAL_VS_OWN_RIDGE = 1.15


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--results", type=Path, default=Path("runs/nested"),
        help="nested-knee.yaml's folder: the baseline network and ridge",
    )  # fmt: skip
    parser.add_argument(
        "--candidate", action="append", default=[], metavar="NAME=DIR",
        help="another network's folder, with its lolo and lab-pairs runs",
    )  # fmt: skip
    args = parser.parse_args(argv)
    candidates = {}
    for name, folder, label in [("network", args.results, NETWORK),
                                ("ridge", args.results, "ridge")] + [
            (*item.split("=", 1), NETWORK) for item in args.candidate]:  # fmt: skip
        candidates[name] = scores(Path(folder), label, INPUTS, TARGET, HORIZON_MS)
    own_ridge = candidates["ridge"]["own"]
    labs = sorted({lab_of(s) for s in candidates["network"]["outer"]})
    table = choose({name: c["inner"] for name, c in candidates.items()}, labs)
    print(
        f"inner scores (mean RMSE, deg, over the other labs' subjects, trained without the "
        f"outer lab and theirs) and the choice, per outer lab ({len(labs)} labs):"
    )
    print(table.round(2).to_string())

    base = pd.Series(candidates["network"]["outer"])
    nested = nested_outer({name: c["outer"] for name, c in candidates.items()}, table.chosen)
    fixed = {name: pd.Series(c["outer"]) for name, c in candidates.items() if name != "network"}
    named = {"nested choice": nested, **{f"{k} everywhere": v for k, v in fixed.items()}}
    tests = [compare_by_subject({s: [d] for s, d in (v - base).dropna().items()})
             for v in named.values()]  # fmt: skip
    print(
        f"\non the outer labs: each against the baseline network everywhere "
        f"({len(base)} subjects, mean {base.mean():.2f} deg), subject-paired, Holm over "
        f"{len(tests)}:"
    )
    for (name, v), r in zip(named.items(), holm_family(tests), strict=True):
        print(f"  {name}: mean {v.reindex(base.index).mean():.2f} deg; minus the baseline: "
              f"median {r.median_diff:+.2f} [{r.ci_low:+.2f}, {r.ci_high:+.2f}], lower for "
              f"{r.wins} of {r.n}, Holm p {r.p_holm:.3g} ({r.verdict})")  # fmt: skip

    per_lab = pd.DataFrame({
        "chosen": table.chosen,
        "baseline network": base.groupby(lab_of).mean(),
        "nested choice": nested.groupby(lab_of).mean(),
        "own in-lab ridge": pd.Series(own_ridge).groupby(lab_of).mean(),
    })  # fmt: skip
    per_lab["nested / own ridge"] = per_lab["nested choice"] / per_lab["own in-lab ridge"]
    per_lab["baseline / own ridge"] = per_lab["baseline network"] / per_lab["own in-lab ridge"]
    print(
        f"\nper lab (mean over its subjects, deg; the goal for CMU and McGill: nested / own "
        f"ridge at most {GOAL_VS_OWN_RIDGE}):"
    )
    print(per_lab.round(2).to_string())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
