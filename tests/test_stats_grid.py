"""Paired significance tests with known answers, and grid expansion / run identities."""

import itertools

import numpy as np
import pytest

from gaitpredict.errors import ConfigError
from gaitpredict.evaluation.stats import wilcoxon_paired
from gaitpredict.experiments.grid import Grid, run_id


def exact_wilcoxon_p(d):
    """Brute force over all 2^n sign flips of the ranks: the exact two-sided p-value."""
    ranks = np.argsort(np.argsort(np.abs(d))) + 1.0
    observed = min(ranks[d > 0].sum(), ranks[d < 0].sum())
    count = 0
    for signs in itertools.product([1, -1], repeat=len(d)):
        plus = ranks[np.array(signs) > 0].sum()
        count += min(plus, ranks.sum() - plus) <= observed
    return count / 2 ** len(d)


def test_unanimous_pairs_give_the_smallest_exact_p():
    b = np.linspace(5, 6, 10)
    t = wilcoxon_paired(b - np.arange(1, 11) * 0.1, b)
    assert t.n == 10 and t.wins == 10
    assert t.p_value == pytest.approx(2 / 2**10)
    assert t.verdict == "supported"
    assert t.mean_diff == pytest.approx(-0.55)


def test_mixed_signs_match_brute_force_and_direction():
    d = np.array([0.1, -0.2, 0.3, -0.4, 0.5, -0.6, 0.7, -0.8, 0.9, -1.0])
    t = wilcoxon_paired(10 + d, np.full(10, 10.0))
    assert t.p_value == pytest.approx(exact_wilcoxon_p(d))  # 0.8457...
    assert t.verdict == "not significant"
    worse = wilcoxon_paired(np.full(8, 10.0) + np.arange(1, 9), np.full(8, 10.0))
    assert worse.verdict == "contradicted"
    assert worse.p_value == pytest.approx(2 / 2**8)


def test_too_few_pairs_cannot_reach_five_percent():
    assert wilcoxon_paired([1, 2, 3, 4, 5], [2, 3, 4, 5, 6]).verdict == "too few pairs (n=5)"
    assert wilcoxon_paired([1, 2, 3, 4, 5, 6], [2, 3, 4, 5, 6, 7]).verdict == "supported"
    with pytest.raises(ValueError, match="differ in length"):
        wilcoxon_paired([1, 2], [1, 2, 3])


def test_profiles_expand_with_shared_runs_trained_once():
    quick = Grid.load("quick")
    assert [c.model for c in quick.expand()] == [
        "cnn", "lstm", "cnn-lstm", "attn-cnn-lstm", "hold", "const-velocity", "ridge"
    ]  # fmt: skip
    standard = Grid.load("standard")
    per_block = {b.name: len(standard.expand(b)) for b in standard.blocks}
    # 7 models x 3 input sets x 4 folds x 3 seeds; 2 x 3 pairs x 12; 2 placements x 12;
    # 4 models x 4 horizons x 12; 7 models x 3 seeds within subject
    assert per_block == {
        "table1": 252, "table2": 72, "attention": 24, "horizon": 192, "within-subject": 21
    }  # fmt: skip
    # attention after the LSTM and the horizon sweep's 100 ms runs are Table I's runs
    shared = 12 + 4 * 12
    assert len(standard.expand()) == sum(per_block.values()) - shared
    paper = Grid.load("paper")
    assert len(paper.seeds) == 30 and paper.train["max_epochs"] == 300


def test_run_id_ignores_progress_and_threads_but_not_seed():
    a, b = Grid.load("quick").expand()[:2]
    c = type(a).from_dict(a.to_dict())
    c.train.threads, c.train.progress = 7, False
    assert run_id(c) == run_id(a) != run_id(b)
    c.train.seed = 1
    assert run_id(c) != run_id(a)
    explicit = type(a).from_dict({**a.to_dict(), "model": "attn-cnn-lstm"})
    after = type(a).from_dict({**explicit.to_dict(), "model_config": {"attention": "after"}})
    assert run_id(explicit) == run_id(after)


def test_bad_grid_files_say_what_is_wrong(tmp_path):
    path = tmp_path / "g.yaml"
    path.write_text("name: g\nblocks:\n  - name: table1\n    modles: [cnn]\n")
    with pytest.raises(ConfigError, match="g.yaml.*modles"):
        Grid.load(path)
    path.write_text("name: g\nfolds: [S08]\n")
    with pytest.raises(ConfigError, match="at least one block"):
        Grid.load(path)
    with pytest.raises(ConfigError, match="not a profile"):
        Grid.load(tmp_path / "missing.yaml")
