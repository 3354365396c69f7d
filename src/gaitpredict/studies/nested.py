"""Nested leave-one-lab-out: a choice for each lab left out, made on the other labs alone.

A results folder of a grid with the `lab-pairs` split holds, for every pair of labs, a run
trained without both and tested on both. For the outer fold that leaves lab L out, a
candidate's inner score is the mean RMSE over the subjects of every other lab M, each
predicted by the run that left L and M out: L's data touches neither the training nor the
choice. The candidate with the lowest inner score is L's choice, scored on L by its
leave-one-lab-out run (`benchmarks/nested.py` prints the whole comparison).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from ..data.subjects import subject_lab as lab_of
from ..errors import ConfigError


def scores(results_dir, label: str, inputs: str, target: str, horizon_ms: float) -> dict:
    """A results folder's per-subject RMSEs of one model: `outer` (subject -> the run that
    left its lab out), `inner` (frozenset of two labs -> subject -> the run that left both
    out) and `own` (subject -> its lab's own leave-one-subject-out run)."""
    table = Path(results_dir) / "results.csv"
    if not table.is_file():
        raise ConfigError(f"{table}: no results; run the grid that writes it first")
    rows = pd.read_csv(table, dtype={"test_subject": str, "labs": str, "test_labs": str})
    rows = rows[(rows.label == label) & (rows.inputs == inputs) & (rows.target == target)
                & (rows.horizon_ms == horizon_ms)]  # fmt: skip
    from ..report.crosslab import per_subject  # one reading of lolo and in-lab rows

    in_lab = "labs" in rows  # only grids with in-lab runs have the column
    labs = set(rows.test_lab.dropna()) | (set(rows.labs.dropna()) if in_lab else set())
    outer, own = {}, {}
    for lab in sorted(labs):
        outer.update(per_subject(rows, lab, label, "lolo", in_lab=False))
        if in_lab:
            own.update(per_subject(rows, lab, label, "subject-folds", in_lab=True))
    inner = {frozenset(r.test_labs.split("+")): json.loads(r.per_subject)
             for r in rows[rows.split == "lab-pairs"].itertuples()}  # fmt: skip
    return {"outer": outer, "inner": inner, "own": own}


def inner_score(inner: dict, outer_lab: str, labs) -> float:
    """Mean RMSE over the subjects of every lab but `outer_lab`, each from the run that left
    `outer_lab` and the subject's own lab out; NaN where such a run is missing."""
    values = []
    for lab in labs:
        if lab == outer_lab:
            continue
        run = inner.get(frozenset((outer_lab, lab)))
        if run is None:
            return float("nan")
        values += [v for s, v in run.items() if lab_of(s) == lab]
    return float(np.mean(values)) if values else float("nan")


def choose(inners: dict, labs) -> pd.DataFrame:
    """`inners`: candidate -> its `inner` runs. Per outer lab (rows): every candidate's inner
    score and `chosen`, the lowest (the first listed on a tie). Missing runs are refused."""
    table = pd.DataFrame(
        {
            name: {lab: inner_score(inner, lab, labs) for lab in labs}
            for name, inner in inners.items()
        }
    )
    missing = [f"{lab} ({name})" for name in table for lab in table.index[table[name].isna()]]
    if missing:
        raise ConfigError(f"inner runs missing for {', '.join(missing)}: finish the grids")
    table["chosen"] = table[list(inners)].idxmin(axis=1)
    return table


def nested_outer(outers: dict, chosen: pd.Series) -> pd.Series:
    """subject -> the RMSE of its lab's chosen candidate's leave-one-lab-out run."""
    first = next(iter(outers.values()))
    out = {s: outers[chosen[lab_of(s)]].get(s, np.nan) for s in first if lab_of(s) in chosen}
    return pd.Series(out, dtype=float).dropna()
