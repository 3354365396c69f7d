"""The report's numbers: per-cell summaries over folds x repeats, the paper's values, claims."""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..data.corpus import split_subject
from ..evaluation.metrics import skill
from ..evaluation.stats import SubjectComparison, compare_by_subject, holm_family
from ..experiments.grid import Grid, run_id

# The paper's Table I (RMSE, MAE in degrees; right knee; mean of 30 runs), by our input sets.
PAPER_MODEL = "attn-cnn-lstm"  # the model of the paper's tables (a fact of the paper)
PAPER_TABLE1 = {
    "cnn": {"right-leg": (1.369, 1.031), "legs": (0.995, 0.744), "arms+legs": (0.810, 0.619)},
    "lstm": {"right-leg": (1.014, 0.770), "legs": (0.844, 0.636), "arms+legs": (0.745, 0.562)},
    "cnn-lstm": {"right-leg": (0.823, 0.618), "legs": (0.741, 0.569), "arms+legs": (0.665, 0.523)},
    "attn-cnn-lstm": {
        "right-leg": (0.391, 0.269),
        "legs": (0.373, 0.249),
        "arms+legs": (0.317, 0.202),
    },
}
# Table II: right knee plus one partner joint, attention CNN-LSTM.
PAPER_TABLE2 = {
    "knee+ankle": (0.390, 0.256),
    "knee+hip": (0.358, 0.253),
    "knee+opposite-knee": (0.338, 0.250),
}


def block_rows(grid: Grid, results: pd.DataFrame, name: str) -> pd.DataFrame:
    """Finished runs of one block (empty when the grid has no such block), each with its
    `lab`. In a grid of several labs, a block's leave-one-subject-out runs (one per lab, a
    network per subject inside) are unfolded into one row per test subject, split `loso`,
    so that tables and claims treat every lab's subjects alike."""
    block = grid.block(name)
    if block is None or results.empty:
        return results.iloc[0:0].assign(lab=pd.Series(dtype=object))
    ids = {run_id(c) for c in grid.expand(block)}
    rows = results[results.run_id.isin(ids)]
    rows = rows.assign(lab=_lab_of(grid, rows))
    if "loso" not in block.all_splits or not grid.datasets:
        return rows
    in_lab = rows.split == "subject-folds"
    if "not_applicable" in rows:  # a lab lacking the inputs: finished, but no subjects
        in_lab &= rows.not_applicable.isna()
    return pd.concat([rows[~in_lab], _per_subject_rows(rows[in_lab])], ignore_index=True)


def _lab_of(grid: Grid, rows: pd.DataFrame) -> pd.Series:
    """The lab a row's test subjects belong to: its only lab, its test lab, or the
    dataset's name (one dataset); 'all labs' for a run over several."""
    labs = grid.datasets or []
    default = labs[0] if len(labs) == 1 else ("all labs" if labs else "data")
    lab = pd.Series(default, index=rows.index, dtype=object)
    for column in ("test_lab", "labs"):
        if column in rows:
            lab = rows[column].where(rows[column].notna(), lab)
    return lab


def _per_subject_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per test subject of in-lab subject-fold runs (fold k tests the k-th subject
    in sorted order: `windowing.splits.subject_folds`)."""
    out = []
    for row in rows.to_dict("records"):
        rmse = json.loads(row["per_subject"])
        mae = json.loads(row.get("per_subject_mae") or "{}")
        for k, subject in enumerate(sorted(rmse), start=1):
            out.append(
                {
                    **row,
                    "split": "loso",
                    "test_subject": subject,
                    "rmse_deg": rmse[subject],
                    "mae_deg": mae.get(subject, np.nan),
                    "run_dir": f"{row['run_dir']}/fold{k}of{len(rmse)}",
                }
            )
    return pd.DataFrame(out, columns=rows.columns)


def expected_runs(grid: Grid, name: str) -> int:
    block = grid.block(name)
    return len(grid.expand(block)) if block else 0


@dataclass
class Cell:
    rmse: float
    rmse_sd: float
    mae: float
    mae_sd: float
    n: int

    def __str__(self) -> str:
        if self.n == 0:
            return "–"
        if self.n == 1:
            return f"{self.rmse:.2f} / {self.mae:.2f}"
        return f"{self.rmse:.2f} ± {self.rmse_sd:.2f} / {self.mae:.2f} ± {self.mae_sd:.2f}"


def cell(rows: pd.DataFrame) -> Cell:
    rows = rows[rows.rmse_deg.notna()]  # a not-applicable run is no result
    n = len(rows)
    if n == 0:
        return Cell(np.nan, np.nan, np.nan, np.nan, 0)
    sd = (lambda s: float(s.std(ddof=1))) if n > 1 else (lambda s: np.nan)
    return Cell(
        float(rows.rmse_deg.mean()),
        sd(rows.rmse_deg),
        float(rows.mae_deg.mean()),
        sd(rows.mae_deg),
        n,
    )


def skill_text(model: Cell, ridge: Cell) -> str:
    if model.n == 0 or ridge.n == 0:
        return "–"
    return f"{skill(model.rmse, ridge.rmse):+.0%}"


def paper_text(pair) -> str:
    return f"{pair[0]:.3f} / {pair[1]:.3f}" if pair else "–"


@dataclass
class Claim:
    text: str
    paper: str
    block: str
    a: dict
    b: dict


CLAIMS = [
    Claim("CNN-LSTM beats CNN", "Table I: lower in every column (0.665 vs 0.810 with all limbs)",
          "table1", {"label": "cnn-lstm"}, {"label": "cnn"}),
    Claim("CNN-LSTM beats LSTM", "Table I: lower in every column (0.665 vs 0.745)",
          "table1", {"label": "cnn-lstm"}, {"label": "lstm"}),
    Claim("attention improves the CNN-LSTM", "Table I: about half the error (0.317 vs 0.665)",
          "table1", {"label": PAPER_MODEL}, {"label": "cnn-lstm"}),
    Claim("both legs beat the right leg alone (attention CNN-LSTM)", "Table I: 0.373 vs 0.391",
          "table1", {"label": PAPER_MODEL, "inputs": "legs"},
          {"label": PAPER_MODEL, "inputs": "right-leg"}),
    Claim("arms + legs beat both legs (attention CNN-LSTM)", "Table I: 0.317 vs 0.373",
          "table1", {"label": PAPER_MODEL, "inputs": "arms+legs"},
          {"label": PAPER_MODEL, "inputs": "legs"}),
    Claim("the opposite knee is a better partner than the hip", "Table II: 0.338 vs 0.358",
          "table2", {"label": PAPER_MODEL, "inputs": "knee+opposite-knee"},
          {"label": PAPER_MODEL, "inputs": "knee+hip"}),
    Claim("the hip is a better partner than the ankle", "Table II: 0.358 vs 0.390",
          "table2", {"label": PAPER_MODEL, "inputs": "knee+hip"},
          {"label": PAPER_MODEL, "inputs": "knee+ankle"}),
    Claim("attention after the LSTM beats attention before it", "Figure 9: after slightly lower",
          "attention", {"label": PAPER_MODEL}, {"label": f"{PAPER_MODEL}@before"}),
    Claim("the attention CNN-LSTM beats ridge regression on the same inputs",
          "not tested (the paper has no baselines)",
          "table1", {"label": PAPER_MODEL}, {"label": "ridge"}),
]  # fmt: skip


def claim_differences(grid: Grid, results: pd.DataFrame, claim: Claim) -> dict:
    """Subject -> paired RMSE differences (a - b) over that subject's repeats: runs of a and b
    matched by fold, seed, horizon, window, target (and input set unless the claim compares
    input sets). Empty when either side has no finished run."""
    rows = block_rows(grid, results, claim.block).copy()
    rows = rows[rows.split == "loso"]  # the test subject is the unit: cross-subject runs only
    keys = ["test_subject", "seed", "horizon_ms", "window_ms", "target"]
    if "inputs" not in claim.a:
        keys.append("inputs")

    def pick(filters):
        sel = rows
        for k, v in filters.items():
            sel = sel[sel[k] == v]
        return sel.set_index(keys).rmse_deg

    a, b = pick(claim.a), pick(claim.b)
    if a.empty or b.empty:
        return {}
    both = pd.concat([a.rename("a"), b.rename("b")], axis=1).dropna()
    diff = (both.a - both.b).groupby(level="test_subject")
    return {str(s): d.to_numpy() for s, d in diff}


def evaluate_claims(grid: Grid, results: pd.DataFrame) -> list[tuple[Claim, SubjectComparison]]:
    """Every claim whose block the grid has and whose runs finished, tested over subjects
    (every lab's subjects pooled), Holm-corrected as one family."""
    tested = []
    for claim in CLAIMS:
        if grid.block(claim.block) is None:
            continue
        diffs = claim_differences(grid, results, claim)
        if diffs:
            tested.append((claim, compare_by_subject(diffs)))
    corrected = holm_family([t for _, t in tested])
    return [(c, t) for (c, _), t in zip(tested, corrected, strict=True)]


def per_lab_effects(grid: Grid, results: pd.DataFrame, claim: Claim) -> dict:
    """lab -> (subjects, median subject difference in degrees) for one claim: the pooled
    test's subjects, lab by lab (descriptive; the test is the pooled one)."""
    by_lab: dict[str, list[float]] = {}
    for subject, d in claim_differences(grid, results, claim).items():
        lab = split_subject(subject)[0] or "data"
        by_lab.setdefault(lab, []).append(float(np.mean(d)))
    return {lab: (len(v), float(np.median(v))) for lab, v in sorted(by_lab.items())}
