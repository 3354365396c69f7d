"""Paired comparisons of two models with the test subject as the unit of replication.

Repeats (seeds) within a subject share that subject's data, so they are averaged first: each
subject gives one paired difference, the mean over its repeats of error(A) - error(B). Over
subjects: an exact two-sided Wilcoxon signed-rank test and an exact sign test; the effect is
the median subject difference in degrees with a 95 % bootstrap interval that resamples
subjects and, within each, its repeats. A family of claims is corrected with Holm's method;
a claim whose best possible p-value (every subject agreeing, first in Holm's order) cannot
reach the level is "too few subjects to test".
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from scipy import stats

ALPHA = 0.05
BOOTSTRAP = 4000


@dataclass(frozen=True)
class SubjectComparison:
    n: int  # subjects
    median_diff: float  # median over subjects of mean(A - B), degrees (negative: A better)
    ci_low: float
    ci_high: float
    wins: int  # subjects where A's error is lower
    p_wilcoxon: float | None  # exact two-sided signed-rank over subjects
    p_sign: float | None  # exact two-sided binomial over subjects
    p_holm: float | None = None  # Wilcoxon p adjusted over the family (set by `holm_family`)
    verdict: str = ""


def min_two_sided_p(n: int) -> float:
    """The smallest exact two-sided signed-rank p-value with n pairs: 2 / 2^n."""
    return 2.0 / 2.0**n if n else 1.0


def compare_by_subject(diffs: dict, alpha: float = ALPHA, seed: int = 0) -> SubjectComparison:
    """`diffs`: subject -> the paired differences error(A) - error(B) over its repeats."""
    subjects = sorted(diffs)
    per_subject = [np.asarray(diffs[s], dtype=float) for s in subjects]
    d = np.array([x.mean() for x in per_subject])
    n = len(d)
    if n == 0:
        return SubjectComparison(0, np.nan, np.nan, np.nan, 0, None, None, None, "no subjects")
    low, high = bootstrap_median_ci(per_subject, seed=seed)
    wins = int((d < 0).sum())
    nonzero = d[d != 0]
    if nonzero.size == 0:
        p_w = p_s = 1.0
    else:
        p_w = float(stats.wilcoxon(nonzero, method="exact").pvalue)
        p_s = float(stats.binomtest(int((nonzero < 0).sum()), nonzero.size).pvalue)
    return SubjectComparison(n, float(np.median(d)), low, high, wins, p_w, p_s)


def bootstrap_median_ci(per_subject: list, level: float = 0.95, seed: int = 0,
                        draws: int = BOOTSTRAP) -> tuple[float, float]:  # fmt: skip
    """Percentile interval of the median subject difference, resampling subjects and then
    each drawn subject's repeats."""
    rng = np.random.default_rng(seed)
    n = len(per_subject)
    medians = np.empty(draws)
    for b in range(draws):
        picked = rng.integers(0, n, n)
        means = [rng.choice(per_subject[i], per_subject[i].size).mean() for i in picked]
        medians[b] = np.median(means)
    tail = (1 - level) / 2 * 100
    return float(np.percentile(medians, tail)), float(np.percentile(medians, 100 - tail))


def holm(p_values) -> np.ndarray:
    """Holm's step-down adjusted p-values, in the input order (NaN passes through)."""
    p = np.asarray(p_values, dtype=float)
    ok = ~np.isnan(p)
    m = int(ok.sum())
    adjusted = np.full(p.shape, np.nan)
    order = np.argsort(p[ok])
    ranked = np.minimum(1.0, (m - np.arange(m)) * p[ok][order])
    adjusted_ok = np.empty(m)
    adjusted_ok[order] = np.maximum.accumulate(ranked)
    adjusted[ok] = adjusted_ok
    return adjusted


def holm_family(results: list[SubjectComparison], alpha: float = ALPHA) -> list:
    """Holm-adjust a family of comparisons and give each its verdict."""
    m = len(results)
    raw = [np.nan if r.p_wilcoxon is None else r.p_wilcoxon for r in results]
    adjusted = holm(raw) if m else []
    out = []
    for r, p in zip(results, adjusted, strict=True):
        if r.n == 0:
            out.append(replace(r, verdict="no subjects"))
        elif min_two_sided_p(r.n) * m > alpha:
            best = min_two_sided_p(r.n)
            out.append(replace(r, p_holm=float(p), verdict=(
                f"too few subjects to test (n={r.n}: the smallest possible p, {best:.3g}, "
                f"cannot reach {alpha:g}/{m} under Holm)")))  # fmt: skip
        elif p < alpha:
            better = "supported" if r.median_diff < 0 else "contradicted"
            out.append(replace(r, p_holm=float(p), verdict=better))
        else:
            out.append(replace(r, p_holm=float(p), verdict="not significant"))
    return out
