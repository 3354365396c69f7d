"""Paired significance tests for "A beats B" claims over matched runs (folds x repeats)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

ALPHA = 0.05


@dataclass
class PairedTest:
    n: int
    mean_diff: float  # mean of a - b (negative: a has the lower error)
    wins: int  # pairs where a < b
    p_value: float | None  # two-sided Wilcoxon signed-rank; None when it cannot be computed
    verdict: str


def wilcoxon_paired(a, b, alpha: float = ALPHA) -> PairedTest:
    """Does `a` (errors) differ from `b` over paired runs? Two-sided Wilcoxon signed-rank.

    Verdict "supported" when a < b at level `alpha`, "contradicted" when a > b, otherwise
    "not significant"; "too few pairs" when even unanimous pairs could not reach `alpha`
    (n < 6 at 5 %). The exact distribution is used for small n without ties (scipy's default).
    """
    a, b = np.asarray(a, float), np.asarray(b, float)
    if a.shape != b.shape:
        raise ValueError(f"paired samples differ in length: {a.shape} vs {b.shape}")
    d = a - b
    n = len(d)
    mean_diff = float(d.mean()) if n else float("nan")
    wins = int((d < 0).sum())
    if n == 0 or 2.0 ** (1 - n) >= alpha:
        return PairedTest(n, mean_diff, wins, None, f"too few pairs (n={n})")
    if not np.any(d):
        return PairedTest(n, mean_diff, wins, 1.0, "not significant")
    p = float(stats.wilcoxon(a, b, alternative="two-sided").pvalue)
    if p >= alpha:
        verdict = "not significant"
    else:
        nonzero = d[d != 0]
        signed_rank_sum = float((np.sign(nonzero) * stats.rankdata(np.abs(nonzero))).sum())
        verdict = "supported" if signed_rank_sum < 0 else "contradicted"
    return PairedTest(n, mean_diff, wins, p, verdict)
