"""Nested leave-one-lab-out: a choice for a lab left out uses the other labs alone."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from gaitpredict.errors import ConfigError
from gaitpredict.studies.nested import choose, inner_score, nested_outer, scores

LABS = ["a", "b", "c"]


def _pairs(values: dict) -> dict:
    """{(lab1, lab2): {subject: rmse}} -> the `inner` form."""
    return {frozenset(k): v for k, v in values.items()}


# x is better than y on b and c, worse on a; each run also scores the outer lab's subjects,
# which must never count for that outer lab's own choice
X = _pairs({("a", "b"): {"a/1": 99.0, "b/1": 1.0, "b/2": 3.0},
            ("a", "c"): {"a/1": 99.0, "c/1": 2.0},
            ("b", "c"): {"b/1": 5.0, "b/2": 5.0, "c/1": 4.0}})  # fmt: skip
Y = _pairs({("a", "b"): {"a/1": 0.0, "b/1": 4.0, "b/2": 4.0},
            ("a", "c"): {"a/1": 0.0, "c/1": 4.0},
            ("b", "c"): {"b/1": 3.0, "b/2": 3.0, "c/1": 3.0}})  # fmt: skip


def test_the_inner_score_leaves_the_outer_lab_out():
    # outer a: b's subjects from the run without a and b, c's from the run without a and c
    assert inner_score(X, "a", LABS) == pytest.approx((1 + 3 + 2) / 3)
    # outer b: a's subject from (a, b), c's from (b, c)
    assert inner_score(X, "b", LABS) == pytest.approx((99 + 4) / 2)
    assert inner_score(Y, "a", LABS) == pytest.approx(4.0)


def test_each_outer_lab_gets_the_candidate_best_on_the_other_labs():
    table = choose({"x": X, "y": Y}, LABS)
    assert table.chosen.to_dict() == {"a": "x", "b": "y", "c": "y"}
    outers = {"x": {"a/1": 10.0, "b/1": 1.0, "c/1": 1.0},
              "y": {"a/1": 20.0, "b/1": 2.0, "c/1": 2.0}}  # fmt: skip
    assert nested_outer(outers, table.chosen).to_dict() == {"a/1": 10.0, "b/1": 2.0, "c/1": 2.0}


def test_a_missing_inner_run_is_refused_by_lab_and_candidate():
    partial = {k: v for k, v in X.items() if k != frozenset(("a", "c"))}
    with pytest.raises(ConfigError, match=r"inner runs missing for a \(x\), c \(x\)"):
        choose({"x": partial, "y": Y}, LABS)


def test_scores_read_a_results_folder(tmp_path):
    common = {"label": "ridge", "inputs": "legs", "target": "r_knee_flex", "horizon_ms": 100.0}
    rows = [
        {**common, "split": "lolo", "test_lab": "a", "per_subject": {"a/1": 1.5}},
        {**common, "split": "lab-pairs", "test_labs": "a+b",
         "per_subject": {"a/1": 2.0, "b/1": 3.0}},
        {**common, "split": "subject-folds", "labs": "b", "per_subject": {"b/1": 0.5}},
        {**common, "split": "lolo", "test_lab": "a", "horizon_ms": 50.0,
         "per_subject": {"a/1": 9.0}},
    ]  # fmt: skip
    table = pd.DataFrame([{**r, "per_subject": json.dumps(r["per_subject"])} for r in rows])
    table.to_csv(tmp_path / "results.csv", index=False)
    got = scores(tmp_path, "ridge", "legs", "r_knee_flex", 100.0)
    assert got["outer"] == {"a/1": 1.5}
    assert got["inner"] == {frozenset(("a", "b")): {"a/1": 2.0, "b/1": 3.0}}
    assert got["own"] == {"b/1": 0.5}
    with pytest.raises(ConfigError, match="no results"):
        scores(tmp_path / "none", "ridge", "legs", "r_knee_flex", 100.0)
