"""The shipped pretrained models: cards, loading by name, `models` and `predict`, refusals."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from gaitpredict.cli import main
from gaitpredict.data.io import read_trial
from gaitpredict.data.trial import Trial
from gaitpredict.errors import ChannelError, CheckpointError, ConfigError, RateMismatchError
from gaitpredict.evaluation.predictor import load_predictor
from gaitpredict.experiments.grid import list_recipes, load_recipe
from gaitpredict.pretrained import card, list_pretrained
from gaitpredict.realtime.streaming import StreamingPredictor

from .conftest import FIXTURES, MCGILL_DIR, need

LEGS = "knee-100ms-legs"


def test_every_recipe_ships_with_a_card_under_one_megabyte():
    cards = {c["name"]: c for c in list_pretrained()}
    assert set(cards) == set(list_recipes())
    for name, c in cards.items():
        recipe = load_recipe(name)
        assert c["bytes"] < 1_000_000
        assert (c["model"], c["input_set"], c["target"], c["horizon_ms"]) == (
            recipe.model,
            recipe.inputs,
            recipe.target,
            recipe.horizon_ms,
        )
        assert c["training"]["settings"]["max_epochs"] == recipe.train.max_epochs
        assert c["rate_hz"] == recipe.rate_hz and c["accepted_rates_hz"] == [50, 1000]
        assert len(c["training"]["labs"]) >= 3
        assert all(len(v["manifest_sha256"]) == 64 for v in c["training"]["labs"].values())
        assert c["cross_lab"], f"{name}: the card lacks its leave-one-lab-out figures"


def test_models_json_lists_the_required_keys(capsys):
    assert main(["models", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert {m["name"] for m in listed} == set(list_recipes())
    for m in listed:
        assert {"name", "target", "horizon_ms", "inputs", "rate_hz"} <= set(m)
    legs = [m["name"] for m in listed if m["input_set"] == "legs-sagittal"]
    assert legs == ["knee-50ms-legs", "knee-100ms-legs", "knee-150ms-legs", "knee-200ms-legs",
                     "ankle-100ms-legs", "hip-100ms-legs"]  # by joint, then horizon  # fmt: skip


def test_loading_by_name_and_streaming_give_the_same_predictions():
    trial = read_trial(FIXTURES / "formats" / "ik.mot")  # OpenSim, 60 Hz, 30 frames
    offline = load_predictor(f"pretrained:{LEGS}", backend="torch")  # float64
    assert offline.spec.rate_hz == 100.0 and offline.channels == tuple(card(LEGS)["inputs"])
    long = Trial(np.tile(trial.angles_deg, (4, 1)), trial.channels, 60.0, trial_id="x")
    expected = offline.predict(long)
    sp = StreamingPredictor.from_pretrained(LEGS, backend="torch", stream_rate_hz=60)
    x = long.select(list(sp.channels)).angles_deg
    got = {}
    for i, frame in enumerate(x):
        p = sp.push(frame, i / 60.0)
        if p is not None:
            got[round(p.time_s * 100)] = p.values_deg[-1]
    assert got
    for k, value in got.items():
        assert value == pytest.approx(expected[k, -1], abs=1e-9)


def test_unknown_names_missing_channels_and_rates_are_refused(tmp_path, capsys):
    with pytest.raises(CheckpointError, match="no pretrained model 'knee-9ms'.*shipped: .*knee-"):
        load_predictor("pretrained:knee-9ms")
    predictor = load_predictor(f"pretrained:{LEGS}")
    trial = read_trial(FIXTURES / "formats" / "ik.mot")
    with pytest.raises(ChannelError, match=r"missing channel\(s\) \['l_ankle_flex'\]"):
        predictor.predict(trial.select([c for c in trial.channels if c != "l_ankle_flex"]))
    slow = Trial(trial.angles_deg, trial.channels, 25.0, trial_id="slow")
    with pytest.raises(RateMismatchError, match="slow: 25 Hz.*model at 100 Hz accepts 50-1000"):
        predictor.predict(slow)
    assert main(["predict", str(FIXTURES / "formats" / "walking.csv"), "--model", "nope"]) == 2
    assert "not a pretrained model" in capsys.readouterr().err


def test_predict_writes_csv_and_plot_and_scores_real_walks(tmp_path, capsys):
    mcgill = need(MCGILL_DIR)
    subject = mcgill / "HC030A"
    out = tmp_path / "pred"
    assert main(["predict", str(subject), "--model", LEGS, "--out", str(out), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert {"rmse_deg", "mae_deg", "per_file"} <= set(result) and len(result["per_file"]) == 2
    table = __import__("pandas").read_csv(out / "HC030A05.csv")
    assert {"time_s", "target_time_s", "r_knee_flex_pred_deg", "r_knee_flex_true_deg"} <= set(
        table.columns
    )
    assert (out / "HC030A05.png").stat().st_size > 10_000
    # a known reference: holding the last value 100 ms ahead on the same walks
    hold = []
    for f in sorted(subject.rglob("*.c3d")):
        knee = read_trial(f)["r_knee_flex"]
        d = knee[10:] - knee[:-10]
        hold.append(d[np.isfinite(d)])
    hold_rmse = float(np.sqrt(np.mean(np.concatenate(hold) ** 2)))
    assert result["rmse_deg"] < 0.6 * hold_rmse


@pytest.mark.parametrize("name", [c["name"] for c in list_pretrained()])
def test_each_shipped_model_ships_as_onnx_that_reproduces_its_checkpoint(name, tiny):
    """Beside each checkpoint, the same network as ONNX (with the adaptation features): made
    for the checkpoint's spec, equal to it on real windows within the export tolerance, and
    what a stream of the shipped model runs (no export when it starts)."""
    from gaitpredict.models import graph
    from gaitpredict.pretrained import pretrained_path, shipped_onnx
    from gaitpredict.realtime import export
    from gaitpredict.training.checkpoint import load_checkpoint
    from gaitpredict.windowing.windows import Windows

    onnx = shipped_onnx(name)
    assert onnx is not None and onnx.stat().st_size == card(name)["onnx"]["bytes"]
    model, spec, _ = load_checkpoint(pretrained_path(name))
    sess = graph.session(onnx)
    graph.check_matches(sess, spec, str(onnx))  # refuses a file of another spec
    assert "features" in {o.name for o in sess.get_outputs()}
    x, _ = Windows(tiny.trials[:4], spec).all()  # real CMU walking, converted to 100 Hz
    assert export.onnx_parity(model, sess, x.numpy()) <= export.PARITY_TOLERANCE_DEG
    assert shipped_onnx(pretrained_path(name)) == onnx and shipped_onnx("ridge") is None


def test_a_stream_of_a_shipped_model_does_not_export_it(monkeypatch):
    pytest.importorskip("onnxruntime", reason="the onnx extra is not installed")
    from gaitpredict.realtime import export

    def refuse(*args, **kwargs):
        raise AssertionError("exported at stream start")

    monkeypatch.setattr(export, "export_bytes", refuse)
    sp = StreamingPredictor.from_pretrained(LEGS, backend="onnx", adapt=True)
    assert sp.backend.name == "onnx" and sp.adapter is not None  # it ran the shipped file


def test_the_left_knee_is_the_right_knee_model_on_the_mirrored_recording(capsys):
    """`--target l_knee_flex` on a right-knee model reads it mirrored: exactly its right-knee
    prediction of the recording with left and right swapped (`Trial.mirror`)."""
    trial = read_trial(FIXTURES / "formats" / "ik.mot")
    long = Trial(np.tile(trial.angles_deg, (4, 1)), trial.channels, 60.0, trial_id="x")
    left = load_predictor(LEGS, target="l_knee_flex")
    assert left.spec.target == ("l_knee_flex",) and left.payload["mirrored"]
    assert left.channels == tuple(c.replace("r_", "@").replace("l_", "r_").replace("@", "l_")
                                  for c in card(LEGS)["inputs"])  # fmt: skip
    expected = load_predictor(LEGS).predict(long.mirror())
    np.testing.assert_array_equal(left.predict(long), expected)
    table = left.predict_trial(long)
    assert {"l_knee_flex_pred_deg", "l_knee_flex_true_deg"} <= set(table.columns)
    sp = StreamingPredictor.from_checkpoint(LEGS, target="l_knee_flex", backend="onnx")
    assert sp.spec.target == ("l_knee_flex",)  # the shipped ONNX serves both sides


@pytest.mark.parametrize(
    ("extra", "match"),
    [
        (["--target", "r_ankle_flex"], "predicts r_knee_flex \\(and l_knee_flex by mirroring\\)"),
        (["--horizon-ms", "150"], "predicts 100 ms ahead, not 150 ms"),
        (["--rate-hz", "200"], "runs at its own 100 Hz"),
    ],
)
def test_a_joint_horizon_or_rate_no_shipped_model_serves_is_refused_naming_them(
    extra, match, capsys
):
    path = FIXTURES / "formats" / "ik.mot"
    assert main(["predict", str(path), "--model", LEGS, *extra]) == 2
    err = capsys.readouterr().err
    assert re.search(match, err), err
    if extra[0] != "--rate-hz":  # a joint or horizon: what the shipped models do serve
        assert "knee-100ms-arms-legs: r_knee_flex or l_knee_flex (mirrored) 100 ms" in err
        assert "ankle-100ms-legs: r_ankle_flex or l_ankle_flex (mirrored) 100 ms" in err


def test_predict_without_a_model_takes_the_shipped_one_for_the_joint_asked(tmp_path, capsys):
    """No --model: the shipped model serving --target (either side) 100 ms ahead (without
    --horizon-ms) that the recording can feed, the most accurate on labs left out by the
    cards (legs: 4.80 deg over their 29 subjects, arms+legs 6.47); a joint none serves is
    refused naming what they serve."""
    from gaitpredict.pretrained import _lab_left_out_rmse, choose_shipped

    cards = {c["name"]: c for c in list_pretrained()}
    knees = [n for n, c in cards.items() if c["target"] == "r_knee_flex" and c["horizon_ms"] == 100]
    best = min(knees, key=lambda n: _lab_left_out_rmse(cards[n]))
    full = FIXTURES / "formats" / "walking.csv"  # every arm and leg channel
    assert main(["predict", str(full), "--target", "l_knee_flex", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["model"] == best and result["target"] == "l_knee_flex"
    legs_only = [c for c in cards[LEGS]["inputs"]]
    assert choose_shipped("r_knee_flex", 100, legs_only) == LEGS  # the only one that fits
    with pytest.raises(ConfigError, match="predicts r_knee_flex 100 ms ahead from"):
        choose_shipped("r_knee_flex", None, legs_only[:2])
    assert choose_shipped("l_ankle_flex", 100, legs_only) == "ankle-100ms-legs"  # mirrored
    for horizon_ms in (50, 150, 200):  # the knee at every horizon a controller asks for
        assert choose_shipped("l_knee_flex", horizon_ms, legs_only) == f"knee-{horizon_ms}ms-legs"
    with pytest.raises(ConfigError, match="75 ms ahead.*knee-50ms-legs: r_knee_flex or"):
        choose_shipped("r_knee_flex", 75, legs_only)
    assert main(["predict", str(full), "--target", "r_elbow_flex"]) == 2
    assert "no shipped model predicts r_elbow_flex" in capsys.readouterr().err
