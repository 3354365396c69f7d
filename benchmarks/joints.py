"""The table that decides, per joint: on every lab left out, legs-sagittal inputs, 100 ms
ahead, the network and ridge trained on the other labs, the lab's own leave-one-subject-out
ridge, hold and const-velocity; over all subjects, the network against ridge trained on the
same labs (like for like) and against each lab's own ridge, paired by subject, Holm-corrected
over the joints and both comparisons.

    python benchmarks/joints.py --cross-lab runs/cross-lab [--out runs/joints]

after `gaitpredict reproduce --grid benchmarks/grids/lolo-{knee,ankle,hip}.yaml --data
../shared/data --out runs/cross-lab` (the cross-lab profile's legs-sagittal runs of each
joint). Prints Markdown tables and writes `joints.json`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from gaitpredict.atomic import write_json  # noqa: E402
from gaitpredict.evaluation.stats import compare_by_subject, holm_family  # noqa: E402
from gaitpredict.report.crosslab import (  # noqa: E402
    NET_LOLO,
    RIDGE_LOLO,
    RIDGE_OWN,
    _paired,
    table_for,
)

INPUTS = "legs-sagittal"
SHOWN = (NET_LOLO, RIDGE_LOLO, RIDGE_OWN, "hold", "const-velocity")
GOAL = 1.15  # issue 22: at most this times the lab's own ridge (CMU and McGill)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cross-lab", type=Path, default=Path("runs/cross-lab"))
    ap.add_argument("--out", type=Path, default=Path("runs/joints"))
    ap.add_argument("--horizon-ms", type=float, default=100.0)
    args = ap.parse_args(argv)
    rows = pd.read_csv(args.cross_lab / "results.csv", dtype={"test_subject": str})
    rows = rows[(rows.inputs == INPUTS) & (rows.horizon_ms == args.horizon_ms)]
    targets = sorted(rows.target.unique(), key=lambda t: ("knee" not in t, "ankle" not in t, t))
    family, report = [], {}
    for target in targets:
        sel = rows[rows.target == target]
        labs = sorted(sel.test_lab.dropna().unique())
        _, cells = table_for(sel, labs)
        print(f"\n### {target}, {args.horizon_ms:g} ms ahead, {INPUTS} inputs\n")
        print("| lab | subjects | " + " | ".join(SHOWN) + " | network / own ridge |")
        print("|---|---" + "|---" * (len(SHOWN) + 1) + "|")
        per_lab = {}
        for lab in labs:
            means = {h: np.mean(list(cells[lab, h].values())) if cells[lab, h] else np.nan
                     for h in SHOWN}  # fmt: skip
            ratio = means[NET_LOLO] / means[RIDGE_OWN]
            n = max(len(cells[lab, h]) for h in SHOWN)
            per_lab[lab] = {h: round(float(v), 3) for h, v in means.items()}
            per_lab[lab] |= {"subjects": n, "network_over_own_ridge": round(float(ratio), 3)}
            print(f"| {lab} | {n} | " + " | ".join(_f(means[h]) for h in SHOWN)
                  + f" | {_f(ratio)}x |")  # fmt: skip
        for against in (RIDGE_LOLO, RIDGE_OWN):
            diffs, a, b = _paired(cells, labs, NET_LOLO, against)
            family.append((target, against, compare_by_subject(diffs), a, b))
        report[target] = {"per_lab": per_lab}
    corrected = holm_family([c for *_, c, _, _ in family])
    print(f"\nOver all subjects, the network with the lab left out against (Holm over "
          f"{len(family)} comparisons):\n")  # fmt: skip
    print("| joint | against | subjects | network | against | median difference [95 % CI] "
          "| network lower for | Holm p |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|")
    for (target, against, _, a, b), c in zip(family, corrected, strict=True):
        ci = f"[{c.ci_low:+.2f}, {c.ci_high:+.2f}]"
        print(f"| {target} | {against} | {c.n} | {a:.2f} | {b:.2f} | {c.median_diff:+.2f} "
              f"{ci} | {c.wins} of {c.n} | {c.p_holm:.3g} |")  # fmt: skip
        report[target][against] = {
            "subjects": c.n, "network_mean_deg": round(a, 3), "other_mean_deg": round(b, 3),
            "median_diff_deg": round(c.median_diff, 3), "ci": [round(c.ci_low, 3),
            round(c.ci_high, 3)], "wins": c.wins, "p_holm": c.p_holm,
        }  # fmt: skip
    for target in targets:
        for lab in ("cmu_walking", "mcgill_walking"):
            r = report[target]["per_lab"].get(lab, {}).get("network_over_own_ridge")
            if r is not None:
                verdict = "meets" if r <= GOAL else "misses"
                print(f"{target}, {lab}: network left out {r:.2f}x its own ridge ({verdict} "
                      f"the {GOAL}x goal)")  # fmt: skip
    args.out.mkdir(parents=True, exist_ok=True)
    write_json(args.out / "joints.json", report)
    return 0


def _f(value) -> str:
    return "–" if not np.isfinite(value) else f"{value:.2f}"


if __name__ == "__main__":
    raise SystemExit(main())
