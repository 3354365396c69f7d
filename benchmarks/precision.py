"""Does training in bfloat16 change the results? The standard profile's Table I networks
(attn-cnn-lstm; CMU and McGill, every subject left out inside its lab; three input sets)
trained again with `precision: bfloat16`, paired by subject and input set with the float32
runs of the standard profile.

    python benchmarks/precision.py --data ../shared/data --standard runs/standard \
        --out runs/precision-bfloat16 [--workers 2]

Needs a finished `make standard` (its float32 runs are one side of the pairs). Prints, per
input set and over all pairs, the mean RMSE of each precision, the median subject
difference (bfloat16 - float32) with a 95 % bootstrap interval resampling subjects, an
exact Wilcoxon test. Speed is not compared here (the two sides ran in different sessions):
`benchmarks/train_speed.py --compare-keras` times both precisions side by side. Resumable:
finished runs are kept.
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from gaitpredict.cli.reproduce import data_root
from gaitpredict.evaluation.stats import compare_by_subject
from gaitpredict.experiments.grid import Grid
from gaitpredict.experiments.runner import RESULTS, ResultsTable, run_grid
from gaitpredict.report.tables import block_rows

MODEL = "attn-cnn-lstm"


def bfloat16_grid() -> Grid:
    standard = Grid.load("standard")
    table1 = replace(standard.block("table1"), models=[MODEL])
    return replace(
        standard,
        name="precision-bfloat16",
        description="standard's Table I attn-cnn-lstm runs with a bfloat16 forward pass",
        blocks=[table1],
        train={**standard.train, "precision": "bfloat16"},
    )


def pairs(standard: Path, out: Path, grid: Grid) -> pd.DataFrame:
    f32 = block_rows(Grid.load("standard"), ResultsTable(standard / RESULTS).frame(), "table1")
    b16 = block_rows(grid, ResultsTable(out / RESULTS).frame(), "table1")
    keys = ["inputs", "test_subject"]
    f32 = f32[f32.label == MODEL].set_index(keys)
    b16 = b16[b16.label == MODEL].set_index(keys)
    both = f32[["rmse_deg"]].join(b16[["rmse_deg"]], lsuffix="_f32", rsuffix="_b16", how="inner")
    return both.reset_index()


def summary(name: str, rows: pd.DataFrame) -> str:
    diffs = {f"{r.inputs}|{r.test_subject}": [r.rmse_deg_b16 - r.rmse_deg_f32]
             for r in rows.itertuples()}  # fmt: skip
    t = compare_by_subject(diffs)
    return (
        f"{name:12s} pairs {t.n:3d}  float32 {rows.rmse_deg_f32.mean():.3f}  bfloat16 "
        f"{rows.rmse_deg_b16.mean():.3f} deg  median diff {t.median_diff:+.3f} "
        f"[{t.ci_low:+.3f}, {t.ci_high:+.3f}]  bfloat16 lower {t.wins}/{t.n}  "
        f"Wilcoxon p {t.p_wilcoxon:.3g}"
    )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", default="../shared/data")
    p.add_argument("--standard", type=Path, default=Path("runs/standard"))
    p.add_argument("--out", type=Path, default=Path("runs/precision-bfloat16"))
    p.add_argument("--workers", type=int, default=None)
    args = p.parse_args()
    if not (args.standard / RESULTS).exists():
        raise SystemExit(f"no {args.standard / RESULTS}: run `make standard` first")
    grid = bfloat16_grid()
    run_grid(grid, data_root(args.data, grid.datasets), args.out, workers=args.workers)
    rows = pairs(args.standard, args.out, grid)
    if rows.empty:
        raise SystemExit("no pairs: are the standard runs finished?")
    for inputs, sel in rows.groupby("inputs", sort=False):
        print(summary(inputs, sel))
    print(summary("all", rows))
    # subjects as the unit: each subject's mean over input sets
    per_subject = rows.groupby("test_subject")[["rmse_deg_f32", "rmse_deg_b16"]].mean()
    d = per_subject.rmse_deg_b16 - per_subject.rmse_deg_f32
    t = compare_by_subject({s: [v] for s, v in d.items()})
    print(
        f"per subject (mean over input sets): {t.n} subjects, median diff "
        f"{t.median_diff:+.3f} [{t.ci_low:+.3f}, {t.ci_high:+.3f}] deg, Wilcoxon p "
        f"{t.p_wilcoxon:.3g}; relative {np.median(d / per_subject.rmse_deg_f32):+.1%}"
    )


if __name__ == "__main__":
    main()
