"""Adapting to the wearer: the online correction (known answers, gates, bounds, a sensor
fault, persistence), its streaming and ONNX paths, `stream --adapt`, offline calibration and
`gaitpredict adapt`."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest
import torch

from gaitpredict.adaptation import AdaptConfig, OnlineAdapter, calibrate, first_seconds
from gaitpredict.cli import main
from gaitpredict.errors import CheckpointError, ConfigError, ExportError, GaitDataError
from gaitpredict.pretrained import pretrained_path
from gaitpredict.realtime import StreamingPredictor, export
from gaitpredict.realtime.replay import replay_many
from gaitpredict.training.checkpoint import load_checkpoint, save_checkpoint
from gaitpredict.windowing.windows import Windows

from .conftest import FIXTURES

LEGS = "knee-100ms-legs"
H = 3  # horizon frames in the unit tests


def drive(adapter, features, base, truth, steps, held=lambda k: False, valid=lambda k: True):
    """Run the adapter's loop: observe frame k's truth, then predict at frame k."""
    out = np.zeros(adapter.m)
    outs = []
    for k in range(steps):
        frame = np.array([truth(k)])
        adapter.observe(frame, held(k))
        adapter.correct(features(k), np.array([base(k)]), valid(k), out)
        outs.append(out[0])
    return np.array(outs)


def gait_features(k, d=8):
    phase = 2 * np.pi * k / 100.0
    return np.tanh(np.array([np.sin(phase * (j + 1) + j) for j in range(d)]))


def new_adapter(**config):
    return OnlineAdapter(8, [0], H, 100.0, AdaptConfig(**config), model_id="m")


def test_a_constant_bias_is_learned():
    adapter = new_adapter()
    out = drive(adapter, gait_features, lambda k: 30.0, lambda k: 35.0, 1000)
    assert out[:150].max() == pytest.approx(30.0)  # nothing before min_checked_s of checks
    assert out[-100:] == pytest.approx(35.0, abs=0.05)
    assert adapter.updates == 1000 - H


def test_an_error_linear_in_the_features_is_learned():
    w = np.linspace(-2, 2, 8)
    adapter = new_adapter()

    def base(k):
        return 20 * np.sin(2 * np.pi * k / 100)

    def truth(k):  # the truth at frame k is what the prediction made at k - H should say
        return base(k - H) + gait_features(k - H) @ w

    out = drive(adapter, gait_features, base, truth, 3000)
    pred_for = out[-500 - H : -H]  # predictions made at k, checked at k + H
    want = np.array([truth(k + H) for k in range(3000 - 500 - H, 3000 - H)])
    assert np.abs(pred_for - want).max() < 0.05


def test_the_update_is_textbook_recursive_least_squares():
    """The fast form (scaled covariance, BLAS rank-1 updates, tracked trace) against the
    textbook equations written out here, with forgetting and the trace cap both active."""
    rng = np.random.default_rng(1)
    cfg = AdaptConfig(prior_var=0.5, forgetting=0.99)
    adapter = OnlineAdapter(4, [0], 2, 100.0, cfg)
    theta, P, cap = np.zeros((5, 1)), np.eye(5) * 0.5, 0.5 * 5
    made, out = {}, np.zeros(1)
    for k in range(400):
        f, base, truth = np.tanh(rng.normal(size=4)), rng.normal() * 10, rng.normal() * 3 + 1
        adapter.observe(np.array([truth]), False)
        if k - 2 in made:
            z, b = made[k - 2]
            if abs(truth - b) <= cfg.gate_deg:
                e = truth - b - z @ theta
                pz = P @ z
                gain = pz / (cfg.forgetting + z @ pz)
                theta = theta + np.outer(gain, e)
                P = (P - np.outer(gain, pz)) / cfg.forgetting
                P *= min(1.0, cap / np.trace(P))
        adapter.correct(f, np.array([base]), True, out)
        made[k] = (np.r_[f, 1.0], base)
    assert np.abs(adapter.theta - theta).max() < 1e-10
    assert np.abs(adapter.P - P).max() < 1e-12


def test_faults_do_not_update_and_the_correction_is_bounded():
    adapter = new_adapter()
    drive(adapter, gait_features, lambda k: 30.0, lambda k: 90.0, 400)  # 60 deg off: a fault
    assert adapter.updates == 0 and adapter.gated == 400 - H
    adapter = new_adapter()
    out = drive(adapter, gait_features, lambda k: 30.0, lambda k: 50.0, 1500)  # 20: not gated
    assert out.max() <= 30.0 + 10.0 + 1e-9  # max_correction_deg
    assert out[-1] == pytest.approx(40.0)


def test_bridged_frames_and_predictions_never_update():
    adapter = new_adapter()
    drive(adapter, gait_features, lambda k: 30.0, lambda k: 35.0, 300, held=lambda k: True)
    assert adapter.updates == 0
    adapter = new_adapter()
    drive(adapter, gait_features, lambda k: 30.0, lambda k: 35.0, 300, valid=lambda k: False)
    assert adapter.updates == 0 and np.all(adapter.theta == 0)


def test_the_guard_returns_the_base_prediction_while_adapting_is_worse():
    adapter = new_adapter(min_checked_s=0.1)
    drive(adapter, gait_features, lambda k: 30.0, lambda k: 35.0, 600)
    assert adapter.active
    adapter.mse_adapted, adapter.mse_base = 2.0, 1.0  # as if the correction had hurt
    out = np.zeros(1)
    adapter.correct(gait_features(0), np.array([30.0]), True, out)
    assert out[0] == 30.0


def test_adaptation_is_saved_loaded_and_refused_for_another_model(tmp_path):
    adapter = new_adapter()
    drive(adapter, gait_features, lambda k: 30.0, lambda k: 35.0, 500)
    path = adapter.save(tmp_path / "wearer.json")
    again = new_adapter()
    again.load(path)
    assert np.array_equal(again.theta, adapter.theta) and np.array_equal(again.P, adapter.P)
    other = OnlineAdapter(8, [0], H, 100.0, model_id="another")
    with pytest.raises(CheckpointError, match="another model"):
        other.load(path)
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(CheckpointError, match="not an adaptation file"):
        again.load(tmp_path / "bad.json")
    cut = json.loads(path.read_text())
    del cut["checked"]
    (tmp_path / "cut.json").write_text(json.dumps(cut))
    with pytest.raises(CheckpointError, match=r"missing \['checked'\]"):
        again.load(tmp_path / "cut.json")
    with pytest.raises(ConfigError, match="forgetting"):
        AdaptConfig(forgetting=1.5)


# -- the streaming predictor on a shipped model -------------------------------------------


@pytest.fixture(scope="module")
def walk():
    """About 30 s of walking: the tiny fixture's six trials (three CMU subjects), in turn."""
    from gaitpredict.data.datasets import load_dataset

    trials = load_dataset(FIXTURES / "tiny").trials
    return [t for _ in range(5) for t in trials]


@pytest.fixture(scope="module")
def biased(tmp_path_factory):
    """The shipped legs model with 4 deg added to every prediction: a known error."""
    model, spec, payload = load_checkpoint(pretrained_path(LEGS))
    model.out_mean += 4.0
    path = tmp_path_factory.mktemp("biased") / "model.pt"
    return save_checkpoint(path, model, payload["model_name"], payload["model_config"], spec)


@pytest.mark.parametrize("backend", ["onnx", "torch"])
def test_a_streamed_bias_is_corrected_and_gaps_keep_what_was_learned(biased, walk, backend):
    sp = StreamingPredictor.from_checkpoint(biased, backend=backend, adapt=True)
    table = replay_many(sp, walk)
    err = table.r_knee_flex_pred_deg - table.r_knee_flex_true_deg
    err_base = table.r_knee_flex_unadapted_deg - table.r_knee_flex_true_deg
    late = table.walk_s > table.walk_s.max() / 2
    assert err_base[late].mean() > 3.0  # the bias is there
    assert abs(err[late].mean()) < 1.0  # and adaptation removed it
    assert np.sqrt((err[late] ** 2).mean()) < 0.75 * np.sqrt((err_base[late] ** 2).mean())
    assert sp.resets == len(walk) - 1 and sp.adapter.updates > 1000  # kept across recordings
    sp.forget_adaptation()
    assert sp.adapter.updates == 0 and np.all(sp.adapter.theta == 0)


def test_onnx_and_torch_adapt_alike(biased, walk):
    tables = [
        replay_many(StreamingPredictor.from_checkpoint(biased, backend=b, adapt=True), walk[:6])
        for b in ("onnx", "torch")
    ]
    diff = (tables[0].r_knee_flex_pred_deg - tables[1].r_knee_flex_pred_deg).abs().max()
    assert diff < 1e-3  # float32 features on onnxruntime, float64 on torch


def test_a_sensor_fault_keeps_the_correction_bounded_and_it_recovers(biased, walk):
    rng = np.random.default_rng(0)
    k = walk[0].channels.index("r_knee_flex")
    faulty = []
    for i, t in enumerate(walk):
        angles = t.angles_deg.copy()
        if 10 <= i < 14:  # about 5 s of a knee sensor giving garbage (plausible range)
            angles[:, k] = rng.uniform(-20, 160, len(angles))
        faulty.append(replace(t, angles_deg=angles))
    sp = StreamingPredictor.from_checkpoint(biased, backend="onnx", adapt=True)
    table = replay_many(sp, faulty)
    correction = (table.r_knee_flex_pred_deg - table.r_knee_flex_unadapted_deg).abs()
    assert correction.max() <= AdaptConfig().max_correction_deg + 1e-6
    assert sp.adapter.gated > 100  # the fault was seen and not learned from
    end = table.walk_s >= sum(t.duration_s for t in faulty[:24])  # the last 6 recordings
    rmse = np.sqrt(((table.r_knee_flex_pred_deg - table.r_knee_flex_true_deg)[end] ** 2).mean())
    base = np.sqrt(
        ((table.r_knee_flex_unadapted_deg - table.r_knee_flex_true_deg)[end] ** 2).mean()
    )
    assert rmse < 0.8 * base  # recovered: correcting the bias again


def test_adaptation_needs_the_features_output_and_a_network(tmp_path, biased):
    model, spec, payload = load_checkpoint(biased)
    data = export.export_bytes(model, spec, payload["model_name"])
    import onnx

    proto = onnx.load_from_string(data)
    del proto.graph.output[1]  # as exported by gaitpredict 0.3
    old = tmp_path / "old.onnx"
    old.write_bytes(proto.SerializeToString())
    StreamingPredictor.from_checkpoint(biased, backend="onnx", onnx_path=old)  # still fine
    with pytest.raises(ExportError, match="features"):
        StreamingPredictor.from_checkpoint(biased, backend="onnx", onnx_path=old, adapt=True)
    with pytest.raises(ConfigError, match="does not adapt"):
        StreamingPredictor.from_checkpoint(biased).save_adaptation(tmp_path / "x.json")


def test_stream_replays_several_recordings_with_adaptation(biased, tmp_path, capsys):
    files = sorted((FIXTURES / "tiny").rglob("*.csv")) * 3
    args = ["stream", str(biased), "--replay", *map(str, files), "--adapt", "--json",
            "--segment-s", "1", "--out", str(tmp_path), "--save-adaptation",
            str(tmp_path / "wearer.json")]  # fmt: skip
    assert main(args) == 0
    report = json.loads(capsys.readouterr().out)
    assert {"rmse_deg", "mae_deg", "rmse_deg_unadapted", "segments"} <= set(report)
    seg = report["segments"]
    assert seg[0]["start_s"] == 0 and all(s["end_s"] - s["start_s"] <= 1 + 1e-9 for s in seg)
    assert all(b["start_s"] == a["end_s"] for a, b in zip(seg, seg[1:], strict=False))
    assert {"start_s", "end_s", "rmse_deg"} <= set(seg[0])
    assert (tmp_path / "wearer.json").is_file() and (tmp_path / "stream_segments.png").is_file()
    # the next session starts from what was saved: better than a fresh start at once
    args2 = ["stream", str(biased), "--replay", str(files[0]), "--json", "--out",
             str(tmp_path / "2"), "--load-adaptation", str(tmp_path / "wearer.json")]  # fmt: skip
    assert main(args2) == 0
    second = json.loads(capsys.readouterr().out)
    assert second["rmse_deg"] < second["rmse_deg_unadapted"] - 1.0


# -- offline calibration -----------------------------------------------------------------


def test_first_seconds_cuts_in_time_order(walking_head):
    a, b = walking_head.slice_s(0, 0.3), walking_head.slice_s(0.3, 0.6)
    first, rest = first_seconds([a, b], 0.45)
    assert [round(t.duration_s, 3) for t in first] == [0.3, 0.15]
    assert [round(t.duration_s, 3) for t in rest] == [0.15]
    assert first_seconds([a, b], 5.0) == ([a, b], [])


def test_offline_calibration_finds_a_known_bias(biased, walk):
    model, spec, _ = load_checkpoint(biased)
    cal = walk[:6]
    result = calibrate(model, spec, cal, mode="offset")
    fitted = result.model.out_mean - model.out_mean
    assert fitted.item() == pytest.approx(-4.0, abs=1.0)
    auto = calibrate(model, spec, cal, mode="auto")
    assert auto.mode != "none" and auto.holdout_rmse_deg[auto.mode] < auto.holdout_rmse_deg["none"]
    evaluation = Windows(walk[6:12], spec)
    from gaitpredict.adaptation.offline import windows_rmse

    assert windows_rmse(auto.model, evaluation) < windows_rmse(model, evaluation) - 1.0
    with pytest.raises(GaitDataError, match="too little"):
        calibrate(model, spec, [walk[0].slice_s(0, 0.8)])


def test_adapt_command_records_its_base_and_calibration(biased, tmp_path, capsys):
    data = tmp_path / "data" / "S16"  # 5 s of one walker: S16's two trials, twice
    data.mkdir(parents=True)
    for k, f in enumerate(sorted((FIXTURES / "tiny" / "S16").glob("*.csv")) * 2):
        (data / f"walk_{k}.csv").write_bytes(f.read_bytes())
    out = tmp_path / "adapted"
    args = ["adapt", str(biased), "--data", str(data.parent), "--subject", "S16",
            "--calibration-s", "2", "--mode", "offset", "--out", str(out), "--json"]  # fmt: skip
    assert main(args) == 0
    metrics = json.loads(capsys.readouterr().out)
    assert metrics["rmse_deg"] < metrics["rmse_deg_unadapted"]
    payload = torch.load(out / "model.pt", weights_only=True)
    assert payload["extra"]["adapted_from"]["checkpoint"] == str(biased)
    assert payload["extra"]["calibration"]["subject"] == "S16"
    assert payload["extra"]["calibration"]["seconds"] == 2.0
    recordings = payload["extra"]["calibration"]["recordings"]
    assert [(r["trial"], r["seconds"]) for r in recordings] == [
        ("S16/walk_0.csv", 1.25),
        ("S16/walk_1.csv", 0.75),
    ]
    load_checkpoint(out / "model.pt")  # a normal checkpoint
    args[args.index("2")] = "60"
    assert main(args) == 2
    assert "nothing is left to evaluate" in capsys.readouterr().err


def test_adapting_a_baseline_is_refused(walking_head, tmp_path):
    from gaitpredict.models import create_model
    from gaitpredict.windowing.spec import WindowSpec

    spec = WindowSpec.create("legs", "r_knee_flex", 250, 100, 120.0)
    with pytest.raises(ConfigError, match="linear layer"):
        calibrate(create_model("hold", spec), spec, [walking_head])
    path = save_checkpoint(tmp_path / "hold.pt", create_model("hold", spec), "hold", {}, spec)
    with pytest.raises(ConfigError, match="linear layer"):
        StreamingPredictor.from_checkpoint(path, backend="torch", adapt=True)


def test_recordings_at_the_model_rate_restart_the_clock_without_a_second_reset(biased, walk):
    at_100_hz = [replace(t, rate_hz=100.0) for t in walk[:4]]  # the model's own rate
    sp = StreamingPredictor.from_checkpoint(biased, backend="onnx", adapt=True)
    replay_many(sp, at_100_hz)
    assert sp.resets == 3 and sp.clock_restarts == 0


def test_stream_says_why_a_short_recording_gave_nothing_and_refuses_bad_segments(tmp_path, capsys):
    short = FIXTURES / "formats" / "ik.mot"  # under one 500 ms window of frames
    assert main(["stream", LEGS, "--replay", str(short), "--json", "--out", str(tmp_path)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (
        report["predictions"] == 0
        and "never filled a 500 ms window" in report["why_no_predictions"]
    )
    args = ["stream", LEGS, "--replay", str(short), "--segment-s", "0", "--out", str(tmp_path)]
    assert main(args) == 2
    assert "--segment-s must be > 0" in capsys.readouterr().err


@pytest.fixture(scope="module")
def saved_wearer(biased, walk, tmp_path_factory):
    """A real adaptation file: the biased shipped model streamed over the tiny walks."""
    sp = StreamingPredictor.from_checkpoint(biased, backend="torch", adapt=True)
    replay_many(sp, walk[:12])
    path = sp.save_adaptation(tmp_path_factory.mktemp("wearer") / "wearer.json")
    return biased, path


def _hostile(state: dict, field: str):
    s = json.loads(json.dumps(state))
    d = len(s["P"])
    eye = np.eye(d)
    changes = {
        "clip off": lambda: s["config"].update(max_correction_deg=1e9),
        "gate wide": lambda: s["config"].update(gate_deg=90.0),
        "forgetting > 1": lambda: s["config"].update(forgetting=1.01),
        "extra setting": lambda: s["config"].update(unsafe=True),
        "P not PD": lambda: s.update(P=(eye - 2 * np.outer(eye[0], eye[0])).tolist()),
        "P asymmetric": lambda: s.update(P=(eye + np.triu(np.ones((d, d)), 1) * 0.1).tolist()),
        "P wound up": lambda: s.update(P=(eye * 1e6).tolist()),
        "huge theta": lambda: s.update(theta=(np.ones((d, 1)) * 1e12).tolist()),
        "theta NaN": lambda: s.update(theta=[[float("nan")]] * d),
        "theta strings": lambda: s.update(theta=[["a"]] * d),
        "theta shape": lambda: s.update(theta=[[0.0, 0.0]] * d),
        "mse negative": lambda: s.update(mse_base=-1.0),
        "mse string": lambda: s.update(mse_adapted="0.1"),
        "counts": lambda: s.update(updates=10**9),
        "count float": lambda: s.update(checked=1.5),
    }
    changes[field]()
    return s


HOSTILE = {
    "clip off": "'config' is outside the documented ranges: max_correction_deg must be <= 10",
    "gate wide": "'config' is outside the documented ranges: gate_deg must be <= 25",
    "forgetting > 1": "'config' is outside the documented ranges: forgetting must be in",
    "extra setting": "'config' must hold exactly",
    "P not PD": "'P' is not positive definite",
    "P asymmetric": "'P' is not symmetric",
    "P wound up": "'P' has trace",
    "huge theta": "'theta' holds weights beyond",
    "theta NaN": "'theta' holds non-finite values",
    "theta strings": "'theta' must be a 65 x 1 array of numbers",
    "theta shape": r"'theta' has shape \(65, 2\); this model needs \(65, 1\)",
    "mse negative": "'mse_base' must be finite and >= 0",
    "mse string": "'mse_adapted' must be a number",
    "counts": "'updates' plus 'gated' exceeds 'checked'",
    "count float": "'checked' must be a whole number",
}


@pytest.mark.parametrize("field", list(HOSTILE))
def test_a_hostile_adaptation_file_is_refused_naming_file_and_field(saved_wearer, field, tmp_path):
    model, path = saved_wearer
    state = json.loads(path.read_text())
    assert state["updates"] > 100 and 1.0 < np.abs(state["theta"]).max() < 100  # learned
    sp = StreamingPredictor.from_checkpoint(model, backend="torch", adapt=True)
    sp.load_adaptation(path)  # the file as saved loads
    bad = tmp_path / f"{field.replace(' ', '_')}.json"
    bad.write_text(json.dumps(_hostile(state, field)))
    with pytest.raises(CheckpointError, match=f"{bad.name}: field {HOSTILE[field]}"):
        sp.load_adaptation(bad)
    # a refused file changes nothing: the learned state is the saved one
    assert sp.adapter.updates == state["updates"]


def test_stream_adaptation_settings_are_options_read_from_adaptconfig(tmp_path, capsys):
    from gaitpredict.cli import main

    walk = str(FIXTURES / "tiny" / "S16" / "train_walking_extra_walking_28.csv")
    args = ["stream", "knee-100ms-legs", "--replay", walk, "--backend", "torch", "--json",
            "--out", str(tmp_path)]  # fmt: skip
    saved = tmp_path / "a.json"
    assert main([*args, "--adapt", "--forgetting", "0.99", "--save-adaptation", str(saved)]) == 0
    assert json.loads(saved.read_text())["config"]["forgetting"] == 0.99
    assert main([*args, "--adapt", "--gate-deg", "30"]) == 2  # the safety limit holds
    assert "gate_deg must be <= 25, got 30.0" in capsys.readouterr().err
    assert main([*args, "--forgetting", "0.99"]) == 2
    assert "--forgetting is a setting of --adapt" in capsys.readouterr().err
