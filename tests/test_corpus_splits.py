"""Splits of a corpus of two labs (real fixture walks): the bare-name rules for `unknown`
and for subjects that may be one person, and the model rate decided per run's labs."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from gaitpredict.data.corpus import load_corpus
from gaitpredict.experiments.run import RunConfig, build_windows
from gaitpredict.training.trainer import TrainConfig
from gaitpredict.windowing.splits import (
    leave_one_subject_out,
    leave_subjects_out,
    subject_folds,
    within_subject,
)

from .conftest import FIXTURES

QUALISYS = "qualisys_cgm2_walking"  # its README: P001 and P004 may be one person


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """qualisys_cgm2_walking: P001, P004, P3400 (120 Hz); lab_b: S08 and S16 plus two
    root-level (unknown) walks, rewritten at 100 Hz."""
    root = tmp_path_factory.mktemp("labs")
    for subject, source in {"P001": "S08", "P004": "S16", "P3400": "S39"}.items():
        shutil.copytree(FIXTURES / "tiny" / source, root / QUALISYS / subject)
    for source in ("S08", "S16", "S39"):
        for k, path in enumerate(sorted((FIXTURES / "tiny" / source).glob("*.csv"))):
            table = pd.read_csv(path)
            table["time_s"] = [i / 100.0 for i in range(len(table))]
            name = f"{source}/{path.name}" if source != "S39" else f"walk_{k}.csv"
            (root / "lab_b" / name).parent.mkdir(parents=True, exist_ok=True)
            table.to_csv(root / "lab_b" / name, index=False)
    return load_corpus([str(root / QUALISYS), str(root / "lab_b")])


def test_the_fixture_corpus_has_unknown_walkers_and_two_rates(corpus):
    assert corpus.subjects["lab_b/unknown"] == 2
    assert set(corpus.rates) == {120.0, 100.0}


def test_unknown_walkers_of_a_corpus_only_train_within_subject(corpus):
    split = within_subject(corpus)
    assert {t.subject for t in split.test} == {
        f"{QUALISYS}/P001", f"{QUALISYS}/P004", f"{QUALISYS}/P3400", "lab_b/S08", "lab_b/S16"
    }  # fmt: skip
    unknown = [t for t in split.train if t.subject == "lab_b/unknown"]
    assert len(unknown) == 2 and all(t.n_frames == 150 for t in unknown)  # whole, not cut


def test_subjects_that_may_be_one_person_stay_on_one_side(corpus):
    split = leave_one_subject_out(corpus, f"{QUALISYS}/P001")
    assert {t.subject for t in split.train} == {
        f"{QUALISYS}/P3400", "lab_b/S08", "lab_b/S16", "lab_b/unknown"
    }  # fmt: skip
    assert sorted(split.dropped) == sorted(t.trial_id for t in corpus.trials_of(f"{QUALISYS}/P004"))
    # the rule is about one lab: lab_b's subjects are never taken for P001
    other = leave_one_subject_out(corpus, "lab_b/S08")
    assert not other.dropped
    folds = subject_folds(corpus, None)
    together = [f for f in folds if f"{QUALISYS}/P001" in f]
    assert len(folds) == 4 and f"{QUALISYS}/P004" in together[0]
    for fold in subject_folds(corpus, 3):
        fold_split = leave_subjects_out(corpus, fold, "subjects")
        trained = {t.subject for t in fold_split.train}
        assert not ({f"{QUALISYS}/P001", f"{QUALISYS}/P004"} & trained and
                    {f"{QUALISYS}/P001", f"{QUALISYS}/P004"} & set(fold))  # fmt: skip


def test_the_model_rate_is_that_of_the_runs_own_labs(corpus):
    cfg = RunConfig(
        model="hold", inputs="legs", window_ms=100, horizon_ms=50, split="within-subject",
        test_subject=None, train=TrainConfig(progress=False),
    )  # fmt: skip
    rates = {}
    for labs in ([QUALISYS], ["lab_b"]):
        spec, *_ = build_windows(corpus, RunConfig(**{**cfg.__dict__, "labs": labs}))
        rates[labs[0]] = spec.rate_hz
    assert rates == {QUALISYS: 120.0, "lab_b": 100.0}


def test_a_lab_whose_known_subjects_may_be_one_person_has_no_subject_folds(corpus):
    from dataclasses import replace

    from gaitpredict.errors import NotApplicableError

    two = replace(corpus, trials=[t for t in corpus.trials if t.subject.endswith(("P001", "P004"))])
    with pytest.raises(NotApplicableError, match="P001 and qualisys_cgm2_walking/P004 may be one"):
        subject_folds(two, None)
