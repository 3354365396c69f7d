"""Corpora of several labs: names, rates, left-out trials, leave-one-lab-out, odd C3D files."""

from __future__ import annotations

import json

import numpy as np
import pytest

from gaitpredict.cli import main
from gaitpredict.data.corpus import load_corpus, resolve_subject
from gaitpredict.errors import ConfigError, GaitDataError
from gaitpredict.windowing.spec import WindowSpec
from gaitpredict.windowing.splits import (
    leave_labs_out,
    leave_one_lab_out,
    leave_one_subject_out,
)
from gaitpredict.windowing.windows import Windows

from .conftest import SHARED, need


@pytest.fixture(scope="module")
def corpus():
    dirs = [need(SHARED / n) for n in ("cmu_walking", "mcgill_walking", "opensim_walking")]
    with pytest.warns(UserWarning, match="gait2392"):  # subject01's knee sign, flipped
        return load_corpus([str(d) for d in dirs])


def test_subjects_are_named_lab_slash_subject_and_rates_are_kept(corpus):
    assert corpus.labs == ["cmu_walking", "mcgill_walking", "opensim_walking"]
    assert "mcgill_walking/HC002D" in corpus.subjects and "cmu_walking/S35" in corpus.subjects
    assert (
        corpus.subjects["cmu_walking/S35"] == 19 and corpus.subjects["mcgill_walking/HC002D"] == 2
    )
    assert set(corpus.rates) == {120.0, 100.0, 60.0}
    assert resolve_subject(corpus, "HC030A") == "mcgill_walking/HC030A"


def test_leave_one_lab_out_keeps_the_lab_off_the_training_side(corpus):
    split = leave_one_lab_out(corpus, "mcgill_walking")
    assert {t.meta["lab"] for t in split.train} == {"cmu_walking", "opensim_walking"}
    assert {t.subject for t in split.test} == {s for s in corpus.subjects if s.startswith("mcg")}
    cmu = leave_one_lab_out(corpus, "cmu_walking")
    assert not any(t.subject.endswith("unknown") for t in cmu.test) and len(cmu.dropped) == 18
    with pytest.raises(GaitDataError, match="lab 'nope' not in the corpus"):
        leave_one_lab_out(corpus, "nope")


def test_two_labs_left_out_train_on_the_third_and_test_both(corpus):
    split = leave_labs_out(corpus, ["cmu_walking", "opensim_walking"])
    assert {t.meta["lab"] for t in split.train} == {"mcgill_walking"}
    assert {t.meta["lab"] for t in split.test} == {"cmu_walking", "opensim_walking"}
    assert len(split.dropped) == 18  # CMU's unknown walkers, as when CMU alone is left out
    with pytest.raises(GaitDataError, match="leaves no lab"):
        leave_labs_out(corpus, corpus.labs)
    with pytest.raises(GaitDataError, match=r"lab\(s\) \['nope'\] not in the corpus"):
        leave_labs_out(corpus, ["cmu_walking", "nope"])


def test_a_grid_of_lab_pairs_runs_every_pair_once():
    from gaitpredict.experiments.grid import Grid

    labs = ["a_lab", "b_lab", "c_lab", "d_lab"]
    grid = Grid.from_dict({"datasets": labs, "blocks": [
        {"name": "cross-lab", "models": ["ridge"], "splits": ["lab-pairs"]}]})  # fmt: skip
    pairs = [tuple(cfg.test_labs) for cfg in grid.expand()]
    assert sorted(pairs) == [
        ("a_lab", "b_lab"), ("a_lab", "c_lab"), ("a_lab", "d_lab"),
        ("b_lab", "c_lab"), ("b_lab", "d_lab"), ("c_lab", "d_lab"),
    ]  # fmt: skip
    assert all(cfg.labs is None for cfg in grid.expand())  # every other lab trains


def test_the_s35_lookalike_rule_holds_in_a_corpus(corpus):
    split = leave_one_subject_out(corpus, "cmu_walking/S35")
    assert split.dropped and all(d.startswith("cmu_walking/") for d in split.dropped)


def test_windows_of_a_mixed_rate_corpus_are_on_the_model_grid(corpus):
    spec = WindowSpec.create("legs-sagittal", "r_knee_flex", 500, 100, 100.0)
    sub = [t for t in corpus.trials if t.meta["lab"] == "opensim_walking"]
    w = Windows(sub, spec)
    # 211 frames at 60 Hz span 3.5 s: 351 grid frames at 100 Hz; 238 frames at 100 Hz stay;
    # a 50-frame window and a 10-frame horizon leave n - 59 windows in each
    assert len(w) == (351 - 59) + (238 - 59)


def test_a_duplicate_set_is_refused():
    need(SHARED / "cmu_bvh_sample")
    with pytest.raises(ConfigError, match="also in cmu_walking"):
        load_corpus([str(SHARED / "cmu_walking"), str(SHARED / "cmu_bvh_sample")])


def test_odd_plug_in_gait_files_of_the_btk_set_read():
    corpus = load_corpus([str(need(SHARED / "btk_pig_walking"))])
    ids = {t.trial_id: t for t in corpus.trials}
    one = ids["ANTO_M/PiG_Motion-FlatFoot-One.c3d"]  # a parameter defined twice
    nantes = ids["NANTES_flatFoot/PiG_Motion3_FF.c3d"]  # angles named ...AnglesV
    # the README's right-knee ranges
    assert np.nanmin(one["r_knee_flex"]) == pytest.approx(-4.3, abs=0.06)
    assert np.nanmax(nantes["r_knee_flex"]) == pytest.approx(61.6, abs=0.06)


def test_train_leaves_out_trials_lacking_an_input_channel(tmp_path, capsys):
    mcgill = need(SHARED / "mcgill_walking")
    opensim = need(SHARED / "opensim_walking")
    out = tmp_path / "run"
    argv = ["train", "--model", "ridge", "--inputs", "arms+legs", "--data", str(mcgill)]
    argv += ["--data", str(opensim), "--test-lab", "opensim_walking", "--out", str(out)]
    argv[4] = "arms+legs-shared"
    assert main(argv) == 0
    said = capsys.readouterr().err
    assert "gaitpredict: warning: 2 trial(s) left out" in said
    assert "HC038A/Turn/HC038A27.c3d (lacks l_shoulder_flex" in said
    assert "opensim_walking/subject01/subject01_walk1_ik.mot" in said  # a legs-only model
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["n_left_out"] == 2 and metrics["test_lab"] == "opensim_walking"
    assert metrics["rate_hz"] == 100.0
    config = json.loads((out / "config.json").read_text())
    assert {"trial": "mcgill_walking/HC038A/Turn/HC038A27.c3d"}.items() <= config["left_out"][
        0
    ].items()


def _two_labs(tmp_path):
    import shutil

    from .conftest import FIXTURES

    for lab, subjects in {"lab_a": ["S08", "S16"], "lab_b": ["S39"]}.items():
        for s in subjects:
            shutil.copytree(FIXTURES / "tiny" / s, tmp_path / "labs" / lab / s)
    return tmp_path / "labs"


def test_a_cross_lab_grid_runs_records_and_reports(tmp_path):
    import pandas as pd

    from gaitpredict.data.corpus import load_corpus
    from gaitpredict.evaluation.metrics import rmse
    from gaitpredict.experiments import Grid, run_grid
    from gaitpredict.report import write_report
    from gaitpredict.windowing.spec import WindowSpec
    from gaitpredict.windowing.windows import Windows

    root = _two_labs(tmp_path)
    grid = Grid.from_dict({
        "datasets": ["lab_a", "lab_b"],
        "blocks": [{"name": "cross-lab", "models": ["hold", "ridge"], "inputs": ["legs"],
                    "horizons_ms": [50], "windows_ms": [100],
                    "splits": ["lolo", "subject-folds"], "folds_k": 2, "in_lab": ["ridge"]}],
    })  # fmt: skip
    # 2 models x (2 labs left out + 1 pooled subject-folds run) + ridge inside each lab
    assert len(grid.expand()) == 8
    roots = [str(root / "lab_a"), str(root / "lab_b")]
    run_grid(grid, roots, tmp_path / "out", workers=1, progress=False)
    rows = pd.read_csv(tmp_path / "out" / "results.csv")
    assert len(rows) == 8
    single = rows[rows.labs == "lab_b"]  # one subject: no leave-one-subject-out inside it
    assert single.not_applicable.str.contains("two or more known people").all()
    # hold with lab_b left out: its per-subject RMSE is plain hold on S39's windows
    corpus = load_corpus(roots)
    spec = WindowSpec.create("legs", "r_knee_flex", 100, 50, 120.0)
    w = Windows(corpus.trials_of("lab_b/S39"), spec)
    x, y = w.all()
    knee = spec.inputs.index("r_knee_flex")
    expected = rmse(x[:, -1, knee].numpy(), y[:, 0].numpy())
    hold = rows[(rows.label == "hold") & (rows.test_lab == "lab_b")].iloc[0]
    assert json.loads(hold.per_subject)["lab_b/S39"] == pytest.approx(expected, abs=1e-3)
    write_report(tmp_path / "out")
    report = (tmp_path / "out" / "report.md").read_text()
    assert "## Across labs" in report and "| lab_a | 2 |" in report
    header = next(ln for ln in report.splitlines() if ln.startswith("| lab | subjects |"))
    columns = [c.strip() for c in header.strip("|").split("|")]
    # like for like first: ridge trained on the same other labs beside the network
    assert columns[2:4] == ["network, lab left out", "ridge, lab left out"]
    assert columns[-2:] == ["left out: network vs ridge", "left out vs lab ridge"]
    assert "Like for like, the lab left out" in report
    assert (tmp_path / "out" / "figures" / "cross_lab_legs.png").is_file()


def test_a_grid_of_two_labs_leaves_each_subject_out_inside_its_lab_and_pools_claims(tmp_path):
    import shutil

    import pandas as pd

    from gaitpredict.data.corpus import load_corpus
    from gaitpredict.evaluation.metrics import rmse
    from gaitpredict.experiments import Grid, run_grid
    from gaitpredict.report import write_report
    from gaitpredict.report.tables import CLAIMS, block_rows, evaluate_claims, per_lab_effects
    from gaitpredict.windowing.spec import WindowSpec
    from gaitpredict.windowing.windows import Windows

    from .conftest import FIXTURES

    for lab, subjects in {"lab_a": ["S08", "S16"], "lab_b": ["S39", "S16"]}.items():
        for s in subjects:
            shutil.copytree(FIXTURES / "tiny" / s, tmp_path / "labs" / lab / s)
    grid = Grid.from_dict({
        "datasets": ["lab_a", "lab_b"],
        "train": {"max_epochs": 1, "patience": 1},
        "blocks": [{"name": "table1", "models": ["attn-cnn-lstm", "ridge", "hold"],
                    "inputs": ["legs"], "horizons_ms": [50], "windows_ms": [100]}],
    })  # fmt: skip
    runs = grid.expand()  # one run per model and lab, a network per subject inside it
    assert len(runs) == 6
    assert {(c.split, tuple(c.labs), c.folds_k) for c in runs} == {
        ("subject-folds", ("lab_a",), None), ("subject-folds", ("lab_b",), None)
    }  # fmt: skip
    roots = [str(tmp_path / "labs" / lab) for lab in ("lab_a", "lab_b")]
    run_grid(grid, roots, tmp_path / "out", workers=1, progress=False)
    results = pd.read_csv(tmp_path / "out" / "results.csv")
    rows = block_rows(grid, results, "table1")
    assert len(rows) == 3 * 4 and set(rows.split) == {"loso"}
    assert set(rows.test_subject) == {"lab_a/S08", "lab_a/S16", "lab_b/S39", "lab_b/S16"}
    # hold on lab_b's S16, left out of lab_b: the last observed knee angle, on its windows
    corpus = load_corpus(roots)
    spec = WindowSpec.create("legs", "r_knee_flex", 100, 50, 120.0)
    x, y = Windows(corpus.trials_of("lab_b/S16"), spec).all()
    knee = spec.inputs.index("r_knee_flex")
    hold = rows[(rows.label == "hold") & (rows.test_subject == "lab_b/S16")].iloc[0]
    assert hold.lab == "lab_b"
    assert hold.rmse_deg == pytest.approx(rmse(x[:, -1, knee].numpy(), y[:, 0].numpy()), abs=1e-3)
    assert np.isfinite(hold.mae_deg) and hold.mae_deg <= hold.rmse_deg
    # the claim pools both labs' subjects, paired by subject
    beats_ridge = next(c for c in CLAIMS if c.b == {"label": "ridge"})
    (claim, tested), *_ = [t for t in evaluate_claims(grid, results) if t[0] is beats_ridge]
    assert tested.n == 4
    by = rows.set_index(["label", "test_subject"]).rmse_deg
    diffs = {s: by["attn-cnn-lstm", s] - by["ridge", s] for s in rows.test_subject.unique()}
    assert tested.median_diff == pytest.approx(np.median(list(diffs.values())), abs=1e-6)
    lab_a = np.median([d for s, d in diffs.items() if s.startswith("lab_a/")])
    effects = per_lab_effects(grid, results, beats_ridge)
    assert effects["lab_a"] == (2, pytest.approx(lab_a, abs=1e-6)) and effects["lab_b"][0] == 2
    write_report(tmp_path / "out")
    report = (tmp_path / "out" / "report.md").read_text()
    section = report.split("## Table I")[1].split("\n## ")[0]
    table = [ln.split("|")[1:3] for ln in section.splitlines() if ln.startswith("| ")][1:]
    assert "6 of 6 runs finished" in section
    assert [(lab.strip(), n.strip()) for lab, n in table] == [
        ("lab_a", "2"), ("lab_a", "2"), ("lab_a", "2"), ("lab_b", "2"), ("lab_b", "2"),
        ("lab_b", "2"), ("all labs", "4"), ("all labs", "4"), ("all labs", "4"),
    ]  # fmt: skip
    assert (
        "per lab: median diff (subjects)" in report
        and "lab_a -" in report.split("## The paper's claims")[1]
    )


def test_a_block_runs_on_some_of_the_grids_labs_only():
    from gaitpredict.experiments import Grid

    spec = {
        "datasets": ["lab_a", "lab_b", "lab_c"],
        "blocks": [{"name": "protocol", "models": ["hold"], "datasets": ["lab_a"],
                    "splits": ["random-windows", "within-subject", "loso", "lolo"]}],
    }  # fmt: skip
    runs = Grid.from_dict(spec).expand()
    # each split on lab_a alone; leave-one-lab-out tests lab_a and trains on the others
    assert [(c.split, c.labs, c.test_lab) for c in runs] == [
        ("random-windows", ["lab_a"], None), ("within-subject", ["lab_a"], None),
        ("subject-folds", ["lab_a"], None), ("lolo", None, "lab_a"),
    ]  # fmt: skip
    spec["blocks"][0]["datasets"] = ["lab_d"]
    with pytest.raises(ConfigError, match=r"datasets \['lab_d'\] must be among"):
        Grid.from_dict(spec)
