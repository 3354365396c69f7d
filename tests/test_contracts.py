"""The contract of every registry entry, on the fixtures in tests/data (no ../shared needed):
each model builds, predicts, round-trips its checkpoint and keeps what it declares; each
format reads its fixture and refuses impossible values; each split runs end to end; each
profile expands and each of its blocks has a report section. A new entry in any registry is
tested here with no edit."""

from __future__ import annotations

import json
import shutil
import warnings

import numpy as np
import pytest
import torch
from torch import nn

from gaitpredict.data.channels import CHANNELS
from gaitpredict.data.corpus import load_corpus
from gaitpredict.data.io import FORMATS, detect_format, read_trial
from gaitpredict.data.plausibility import MAX_ABS_DEG
from gaitpredict.data.trial import Trial
from gaitpredict.errors import ConfigError, ExportError, GaitPredictError
from gaitpredict.evaluation.windowed import predict_all
from gaitpredict.experiments.config import RunConfig
from gaitpredict.experiments.grid import Grid, list_profiles, list_recipes, load_recipe
from gaitpredict.experiments.run import build_windows, run_experiment
from gaitpredict.models import COSTS, create_model, list_models, model_info
from gaitpredict.models.features import last_linear
from gaitpredict.models.gaitnet import GaitNet
from gaitpredict.report import section_names
from gaitpredict.training.checkpoint import load_checkpoint, save_checkpoint
from gaitpredict.training.trainer import TrainConfig, fit_normalisation, train
from gaitpredict.windowing.spec import WindowSpec
from gaitpredict.windowing.splits import list_splits, split_info
from gaitpredict.windowing.windows import Windows

from . import fuzzing
from .conftest import FIXTURES

SPEC = ("legs", "r_knee_flex", 250, 100, 120.0)


# --- models --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def windows(tiny):
    spec = WindowSpec.create(*SPEC)
    return (spec, Windows(tiny.trials_of("S08"), spec), Windows(tiny.trials_of("S16"), spec),
            Windows(tiny.trials_of("S39"), spec))  # fmt: skip


def _fitted(name, windows):
    spec, fit, val, _ = windows
    torch.manual_seed(0)
    model = create_model(name, spec)
    info = model_info(name)
    if info.normalises:
        fit_normalisation(model, fit, 5000, 0)
    if info.fits:
        model.fit(*fit.all(), *val.all())
    return model.eval()


@pytest.mark.parametrize("name", list_models())
def test_every_model_keeps_what_it_declares(name, windows):
    info = model_info(name)
    spec, fit, val, test = windows
    model = _fitted(name, windows)
    assert info.cost in COSTS and info.description
    assert info.normalises == isinstance(model, GaitNet)  # buffers fitted on training windows
    if info.features:
        assert isinstance(last_linear(model), nn.Linear)
    else:
        with pytest.raises(ConfigError, match="need a network whose head ends in a linear"):
            last_linear(model)
    if info.online:  # learns frame by frame over whole recordings, not from windows
        assert info.untrained and not info.exportable and not info.features
        y, truth = predict_all(model, test)
        assert y.shape == truth.shape == (len(test), spec.n_outputs) and np.isfinite(y).all()
        with pytest.raises(ConfigError, match="learns frame by frame"):
            model(test.all()[0][:7])
        return
    x = test.all()[0][:7]
    y = model(x)
    assert y.shape == (7, spec.n_outputs) and torch.isfinite(y).all()
    if info.attention:
        weights = model(x, return_attention=True)[1]
        assert weights.shape[0] == 7 and torch.allclose(weights.sum(1), torch.ones(7).double()
                                                        if weights.dtype == torch.float64
                                                        else torch.ones(7), atol=1e-5)  # fmt: skip
    if info.stores_training_data:
        assert sum(b.numel() for b in model.buffers()) > len(fit)  # grows with training data
    if info.trainable:
        before = [p.detach().clone() for p in model.parameters()]
        train(model, fit, val, TrainConfig(max_epochs=1, progress=False))
        assert any(not torch.equal(a, b) for a, b in zip(before, model.parameters(), strict=True))
    elif not info.fits:
        assert not any(p.requires_grad for p in model.parameters())  # nothing to learn


@pytest.mark.parametrize("name", list_models())
def test_every_model_round_trips_its_checkpoint(name, windows, tmp_path):
    spec, *_, test = windows
    model = _fitted(name, windows)
    options = model_info(name).resolve({})
    save_checkpoint(tmp_path / "m.pt", model, name, options, spec, RunConfig(model=name).to_dict())
    loaded, spec2, payload = load_checkpoint(tmp_path / "m.pt")
    assert spec2 == spec and payload["run_config"]["model"] == name
    if model_info(name).online:
        np.testing.assert_array_equal(predict_all(loaded, test)[0], predict_all(model, test)[0])
        return
    x = test.all()[0]
    with torch.no_grad():
        torch.testing.assert_close(loaded(x), model(x), rtol=0, atol=0)


@pytest.mark.parametrize("name", list_models())
def test_every_model_exports_with_parity_or_is_refused_by_name(name, windows, tmp_path):
    pytest.importorskip("onnxruntime", reason="the onnx extra is not installed")
    from gaitpredict.realtime import export

    spec, *_, test = windows
    save_checkpoint(tmp_path / "m.pt", _fitted(name, windows), name, {}, spec)
    x = test.all()[0].numpy()[::8]
    if not model_info(name).exportable:
        with pytest.raises(ExportError, match=f"{name}: does not export to ONNX"):
            export.export_onnx(tmp_path / "m.pt", tmp_path / "m.onnx", x)
        return
    result = export.export_onnx(tmp_path / "m.pt", tmp_path / "m.onnx", x)
    assert result["max_diff_deg"] <= export.PARITY_TOLERANCE_DEG


# --- formats -------------------------------------------------------------------------------


def test_every_format_has_a_fixture_and_every_fixture_a_format():
    assert set(fuzzing.FIXTURES) == set(FORMATS)
    for fmt, fixture in fuzzing.FIXTURES.items():
        assert detect_format(fixture.path) == fmt


def _read(path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # sign conventions noted by the readers
        return read_trial(path)


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_every_format_reads_its_fixture_into_catalog_angles(fmt):
    if FORMATS[fmt].extra:
        pytest.importorskip("ezc3d", reason=f"the {FORMATS[fmt].extra} extra is not installed")
    trial = _read(fuzzing.FIXTURES[fmt].path)
    assert 29 <= trial.n_frames <= 30 and trial.rate_hz > 0  # 30 (BVH: less a T-pose frame)
    assert set(trial.channels) <= set(CHANNELS) and "r_knee_flex" in trial.channels
    values = trial.angles_deg[np.isfinite(trial.angles_deg)]
    assert values.size and np.abs(values).max() <= MAX_ABS_DEG


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_every_format_refuses_an_impossible_value_by_file(fmt, tmp_path):
    fixture = fuzzing.FIXTURES[fmt]
    if fixture.sep is None:  # binary: write the impossible angle with the package's writer
        pytest.importorskip("ezc3d", reason=f"the {FORMATS[fmt].extra} extra is not installed")
        from gaitpredict.data.io.c3d import write_c3d_angles

        good = _read(fixture.path)
        angles = good.angles_deg.copy()
        angles[10, good.channels.index("r_knee_flex")] = 4044.0
        write_c3d_angles(Trial(angles, good.channels, good.rate_hz, trial_id="x"),
                         tmp_path / "bad.c3d")  # fmt: skip
        with pytest.raises(GaitPredictError, match=r"bad.c3d, frame 10, channel 'r_knee_flex'"):
            read_trial(tmp_path / "bad.c3d")
        return
    lines = fixture.path.read_text().split("\n")
    row = fuzzing._data_rows(lines, fixture)[15]
    refused = 0
    for j, value in enumerate(lines[row].split(fixture.sep)):
        if not value.strip():
            continue
        fields = lines[row].split(fixture.sep)
        fields[j] = "1e30"
        bad = tmp_path / f"bad{j}{fixture.path.suffix}"
        bad.write_text("\n".join(lines[:row] + [fixture.sep.join(fields)] + lines[row + 1 :]))
        try:
            trial = _read(bad)
        except GaitPredictError as exc:
            assert bad.name in str(exc)
            refused += 1
        else:  # a column the catalog does not use: the angles are the fixture's
            np.testing.assert_array_equal(trial.angles_deg, _read(fixture.path).angles_deg)
    assert refused > 0


# --- splits --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def two_labs(tiny_dir, tmp_path_factory):
    """The tiny dataset as a corpus of two labs: lab_a (S08, S16) and lab_b (S39)."""
    root = tmp_path_factory.mktemp("labs")
    for lab, subjects in {"lab_a": ("S08", "S16"), "lab_b": ("S39",)}.items():
        for s in subjects:
            shutil.copytree(tiny_dir / s, root / lab / s)
    return load_corpus([str(root / "lab_a"), str(root / "lab_b")])


def _run_for(split: str, corpus) -> RunConfig:
    test = {"test_subject": "lab_a/S08", "test_lab": "lab_b", "test_subjects": ["lab_a/S16"],
            "test_files": [corpus.trials_of("lab_a/S16")[0].trial_id],
            "test_labs": ["lab_b"]}  # fmt: skip
    needs = split_info(split).needs
    given = {needs: test[needs]} if needs else {}
    return RunConfig.from_dict(
        {"model": "ridge", "inputs": "legs", "window_ms": 250.0, "split": split, **given}
    )


@pytest.mark.parametrize("split", list_splits())
def test_every_split_runs_end_to_end_and_is_labelled(split, two_labs, tmp_path):
    info = split_info(split)
    assert info.label and info.description
    metrics = run_experiment(two_labs, _run_for(split, two_labs), tmp_path / "run")
    assert metrics["split"] == split and metrics["leaky"] == info.leaky
    assert json.loads((tmp_path / "run" / "metrics.json").read_text())["split"] == split
    if split == "all":
        assert metrics["n_test_windows"] == 0
        return
    assert metrics["n_test_windows"] > 0 and np.isfinite(metrics["rmse_deg"])
    if not info.several:
        _, made, fit, val, _ = build_windows(two_labs, _run_for(split, two_labs))
        train_sources = {t.source for t in fit.trials + val.trials}
        tested = {t.source for t in made.test}
        if not info.leaky and split != "within-subject":  # within: one subject's later time
            assert not train_sources & tested
        if info.needs in ("test_subject", "test_subjects", "test_lab", "test_labs"):
            assert not {t.subject for t in made.test} & {t.subject for t in fit.trials}


@pytest.mark.parametrize("split", [s for s in list_splits() if split_info(s).needs])
def test_a_split_without_its_test_set_names_what_it_needs(split, two_labs):
    cfg = RunConfig.from_dict({"model": "ridge", "inputs": "legs", "split": split})
    with pytest.raises(ConfigError, match=f"the {split} split .* needs {split_info(split).needs}"):
        build_windows(two_labs, cfg)


# --- profiles, recipes and report sections -------------------------------------------------


@pytest.mark.parametrize("profile", list_profiles())
def test_every_profile_expands_and_each_block_has_a_section(profile):
    grid = Grid.load(profile, sections=section_names())
    runs = grid.expand()
    assert runs and all(r.split in list_splits(in_grids=True) for r in runs)
    assert {b.name for b in grid.blocks} <= set(section_names())


def test_every_section_is_used_by_a_profile():
    used = {b.name for p in list_profiles() for b in Grid.load(p).blocks}
    assert set(section_names()) <= used


@pytest.mark.parametrize("recipe", list_recipes())
def test_every_recipe_is_a_run_config_with_its_profiles_training(recipe):
    cfg = load_recipe(recipe)
    grid = Grid.load("cross-lab")
    assert cfg.split == "all" and cfg.train.max_epochs == grid.train["max_epochs"]
    assert cfg.train.seed == grid.seeds[0] and cfg.model_config  # resolved


def test_a_malformed_recipe_key_is_refused_by_name():
    with pytest.raises(ConfigError, match=r"recipe x: unknown key\(s\) \['epochs'\]"):
        RunConfig.from_dict({"epochs": 3}, "recipe x")
    with pytest.raises(ConfigError, match=r"recipe x: train: unknown key\(s\) \['epoch'\]"):
        RunConfig.from_dict({"train": {"epoch": 3}}, "recipe x")


def test_fixtures_folder_holds_every_format_file():
    assert {p.name for p in (FIXTURES / "formats").iterdir()} >= {
        f.path.name for f in fuzzing.FIXTURES.values()
    }
