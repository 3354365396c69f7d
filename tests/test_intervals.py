"""Prediction intervals: split-conformal offline, adaptive conformal online (known answers on
synthetic errors)."""

import numpy as np
import pytest

from gaitpredict.errors import ConfigError
from gaitpredict.evaluation.intervals import (
    Calibration,
    OnlineInterval,
    check_coverage,
    conformal_rank,
    needed,
)

from .conftest import FIXTURES


def test_the_conformal_rank_and_the_fewest_errors_a_coverage_needs():
    assert conformal_rank(9, 0.9) == 9 and conformal_rank(99, 0.9) == 90
    assert needed(0.9) == 9 and needed(0.5) == 1 and needed(0.95) == 19
    cal = Calibration(np.arange(1.0, 10.0)[:, None])  # errors 1 .. 9
    assert cal.half_width(0.9)[0] == 9.0 and cal.half_width(0.5)[0] == 5.0
    with pytest.raises(ConfigError, match="a 95% interval needs at least 19 calibration errors; "
                                          "this model's calibration holds 9"):  # fmt: skip
        cal.half_width(0.95)
    for bad in (0, 1, 1.5, -0.1, "x"):
        with pytest.raises(ConfigError, match="coverage must be"):
            check_coverage(bad)


def test_split_conformal_covers_exchangeable_errors_at_the_stated_rate():
    rng = np.random.default_rng(0)
    truth = rng.normal(size=(102_000, 1))
    pred = np.zeros_like(truth)
    cal = Calibration.from_predictions(pred[:2000], truth[:2000])
    for c in (0.8, 0.9, 0.95):
        covered = np.mean(np.abs(truth[2000:]) <= cal.half_width(c))
        assert abs(covered - c) < 0.02, (c, covered)
    assert abs(cal.half_width(0.9)[0] - 1.645) < 0.1  # the normal's 95th percentile


def _stream(interval, errors):
    hits, widths = [], []
    for e in errors:
        hw = interval.half_width()
        hits.append(abs(e) <= hw[0])
        widths.append(hw[0])
        interval.update(np.array([abs(e)]), hw)
    return np.array(hits), np.array(widths)


def test_online_intervals_recover_nominal_coverage_within_5_s_of_errors_doubling():
    rate = 100.0
    rng = np.random.default_rng(1)
    cal = Calibration.from_predictions(np.zeros((3000, 1)), rng.normal(size=(3000, 1)))
    interval = OnlineInterval(cal, 0.9, rate)
    errors = np.concatenate([rng.normal(size=3000), 2 * rng.normal(size=6000)])  # 30 s, 60 s
    hits, widths = _stream(interval, errors)
    assert abs(hits[1000:3000].mean() - 0.9) < 0.03  # before: nominal
    assert hits[3000 + 500 :].mean() >= 0.87  # from 5 s after the change on
    assert 1.7 < np.median(widths[-2000:]) / np.median(widths[1000:3000]) < 2.3  # twice as wide


def test_aci_keeps_the_long_run_miss_rate_whatever_the_errors_do():
    """Gibbs & Candes (2021), Prop. 4.1: |misses / T - alpha| <= (max(alpha, 1 - alpha) +
    gamma) / (gamma T) for any error sequence, here one that switches scale every 2 s."""
    rate, T = 100.0, 20_000
    rng = np.random.default_rng(2)
    cal = Calibration.from_predictions(np.zeros((500, 1)), rng.normal(size=(500, 1)))
    interval = OnlineInterval(cal, 0.9, rate, window_s=5.0)
    scale = np.repeat(rng.choice([0.3, 1.0, 4.0], size=T // 200), 200)
    hits, _ = _stream(interval, scale * rng.standard_t(3, size=T))
    bound = (0.9 + interval.gamma) / (interval.gamma * T)
    assert abs((1 - hits.mean()) - 0.1) <= bound


@pytest.fixture(scope="module")
def calibrated(tiny, tmp_path_factory):
    """A cnn trained 2 epochs on S08 and S39 (validation carved from them), S16 tested."""
    from gaitpredict.experiments import RunConfig, run_experiment

    out = tmp_path_factory.mktemp("cal")
    cfg = RunConfig.from_dict({"model": "cnn", "inputs": "legs", "window_ms": 250.0,
                               "test_subject": "S16", "train": {"max_epochs": 2,
                                                                "progress": False}})  # fmt: skip
    metrics = run_experiment(tiny, cfg, out)
    return out / "model.pt", metrics


def test_training_stores_a_calibration_and_scores_its_intervals(calibrated):
    from gaitpredict.evaluation.predictor import load_predictor

    path, metrics = calibrated
    assert 0 < metrics["interval_coverage"] <= 1 and metrics["interval_mean_width_deg"] > 0
    assert metrics["roughness_ratio"] > 1.0  # the median test recording's (issue 22's measure)
    predictor = load_predictor(path)
    assert predictor.calibrated
    cal = predictor.payload["extra"]["calibration"]
    # validation: one of the two training subjects' trials, 109 windows each
    assert len(cal["errors_deg"]) in (109, 218)
    hw = predictor.half_width(0.9)
    assert hw.shape == (1,) and hw[0] == pytest.approx(predictor.half_width(None)[0])
    assert predictor.half_width(0.95)[0] >= hw[0] and predictor.half_width(0.9, True)[0] >= hw[0]


def test_streamed_intervals_start_at_the_offline_ones_and_then_follow_the_wearer(calibrated, walk):
    from gaitpredict.evaluation.predictor import load_predictor
    from gaitpredict.realtime import StreamingPredictor

    path, _ = calibrated
    table = load_predictor(path).predict_trial(walk, coverage=0.9)
    sp = StreamingPredictor.from_checkpoint(path, backend="torch", coverage=0.9)
    x = walk.select(list(sp.channels)).angles_deg
    got = [sp.push(frame) for frame in x]
    first = next(k for k, p in enumerate(got) if p is not None)
    p = got[first]
    assert p.lo_deg[0] == pytest.approx(table.r_knee_flex_lo_deg[first], abs=1e-6)
    assert p.hi_deg[0] == pytest.approx(table.r_knee_flex_hi_deg[first], abs=1e-6)
    # the truth of a prediction arrives 12 frames (100 ms) later: then the interval moves
    assert sp.intervals.online.updates == len(x) - first - 12
    assert sp.intervals.online.alpha != pytest.approx(0.1)


def test_intervals_are_refused_for_a_model_without_calibration_and_bad_coverage(
    calibrated, tmp_path
):
    import torch

    from gaitpredict.evaluation.predictor import load_predictor
    from gaitpredict.realtime import StreamingPredictor

    path, _ = calibrated
    payload = torch.load(path, weights_only=True)
    del payload["extra"]["calibration"]
    torch.save(payload, tmp_path / "bare.pt")
    with pytest.raises(ConfigError, match="has no calibration of its errors"):
        StreamingPredictor.from_checkpoint(tmp_path / "bare.pt", backend="torch", coverage=0.9)
    assert (
        StreamingPredictor.from_checkpoint(tmp_path / "bare.pt", backend="torch").intervals is None
    )
    with pytest.raises(ConfigError, match="has no calibration of its errors"):
        load_predictor(tmp_path / "bare.pt").half_width(0.9)
    with pytest.raises(ConfigError, match=r"coverage must be in \(0, 1\)"):
        StreamingPredictor.from_checkpoint(path, backend="torch", coverage=1.2)


def test_predict_evaluate_and_stream_report_interval_coverage(calibrated, tmp_path, capsys):
    import json

    from gaitpredict.cli import main

    path, _ = calibrated
    walk = str(FIXTURES / "tiny" / "S16" / "train_walking_extra_walking_28.csv")
    assert main(["predict", walk, "--model", str(path), "--json", "--out", str(tmp_path)]) == 0
    row = json.loads(capsys.readouterr().out)["per_file"][0]
    assert 0 <= row["coverage"] <= 1 and row["mean_width_deg"] > 0  # 90 % by default
    csv = (tmp_path / "train_walking_extra_walking_28.csv").read_text().splitlines()[0]
    assert "r_knee_flex_lo_deg" in csv and "r_knee_flex_hi_deg" in csv
    assert main(["evaluate", str(path), walk, "--coverage", "0.8", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["interval"]["nominal"] == 0.8 and 0 <= result["interval"]["coverage"] <= 1
    assert main(["stream", str(path), "--replay", walk, "--backend", "torch", "--json",
                 "--out", str(tmp_path / "s")]) == 0  # fmt: skip
    summary = json.loads(capsys.readouterr().out)["r_knee_flex"]
    assert 0 <= summary["coverage"] <= 1 and summary["mean_width_deg"] > 0
    assert "r_knee_flex_lo_deg" in (tmp_path / "s" / "stream_predictions.csv").read_text()
    assert main(["predict", walk, "--model", str(path), "--coverage", "2"]) == 2
    assert "coverage must be in (0, 1)" in capsys.readouterr().err


@pytest.mark.parametrize("recording", ["05_02.bvh", "62_07.bvh"])
def test_the_shipped_interval_widens_off_the_walking_it_learned(recording):
    """Two CMU recordings that are not walking (large, fast leg motion; slow irregular
    motion): from their fifth second on, the shipped legs model's 90 % interval still holds
    at least 80 % of the truths (measured: 0.931 and 0.864)."""
    from gaitpredict.data.io import read_trial
    from gaitpredict.realtime import StreamingPredictor
    from gaitpredict.realtime.replay import replay

    from .conftest import SHARED, need

    trial = read_trial(need(SHARED / "cmu_bvh_activities" / recording))
    table = replay(StreamingPredictor.from_pretrained("knee-100ms-legs", backend="torch"), trial)
    later = table[(table.walk_s >= 5.0) & table.r_knee_flex_true_deg.notna()]
    truth = later.r_knee_flex_true_deg
    inside = (truth >= later.r_knee_flex_lo_deg) & (truth <= later.r_knee_flex_hi_deg)
    assert len(later) > 300 and inside.mean() >= 0.8


@pytest.mark.parametrize("backend", ["torch", "onnx"])
def test_intervals_with_adaptation_on_both_backends_survive_a_saved_session(
    calibrated, walk, backend, tmp_path
):
    import json

    from gaitpredict.errors import CheckpointError
    from gaitpredict.realtime import StreamingPredictor

    if backend == "onnx":
        pytest.importorskip("onnxruntime", reason="the onnx extra is not installed")
    path, _ = calibrated
    sp = StreamingPredictor.from_checkpoint(path, backend=backend, adapt=True, coverage=0.9)
    x = walk.select(list(sp.channels)).angles_deg
    last = [p for p in (sp.push(f) for f in x) if p is not None][-1]
    # the interval is about the prediction given: the adapted one
    assert last.lo_deg[0] < last.values_deg[0] < last.hi_deg[0]
    sp.save_adaptation(tmp_path / "a.json")
    again = StreamingPredictor.from_checkpoint(path, backend=backend, adapt=True, coverage=0.9)
    again.load_adaptation(tmp_path / "a.json")
    assert again.intervals.online.alpha == sp.intervals.online.alpha
    assert again.intervals.online.half_width1() == sp.intervals.online.half_width1()
    state = json.loads((tmp_path / "a.json").read_text())
    state["intervals"]["recent_errors_deg"][0][3] = -1.0
    (tmp_path / "bad.json").write_text(json.dumps(state))
    with pytest.raises(CheckpointError, match="bad.json: field 'intervals' must hold 1 list"):
        again.load_adaptation(tmp_path / "bad.json")


def test_the_cross_lab_report_lists_the_offline_interval_of_each_lab_left_out(tmp_path):
    import pandas as pd

    from gaitpredict.report.crosslab import _interval_table
    from gaitpredict.report.document import Document

    rows = pd.DataFrame({
        "label": ["attn-cnn-lstm", "attn-cnn-lstm", "ridge"], "split": ["lolo"] * 3,
        "test_lab": ["lab_b", "lab_a", "lab_a"], "inputs": ["legs"] * 3,
        "interval_coverage": [0.71, 0.63, 0.5], "interval_mean_width_deg": [8.5, 9.25, 1.0],
        "roughness_ratio": [2.5, float("nan"), 1.0],
    })  # fmt: skip
    doc = Document("x")
    _interval_table(doc, rows, "attn-cnn-lstm")
    md = doc.markdown(tmp_path)
    assert (
        "| lab_a | legs | 0.63 | 9.25 | – |" in md and "| lab_b | legs | 0.71 | 8.5 | 2.5 |" in md
    )
    assert "| 0.5 |" not in md  # ridge is not the network
    doc = Document("x")
    _interval_table(doc, rows.drop(columns=["interval_coverage", "interval_mean_width_deg",
                                            "roughness_ratio"]), "attn-cnn-lstm")  # fmt: skip
    assert "interval" not in doc.markdown(tmp_path)  # results from before 0.6.0: no table


def test_the_lsl_outlet_carries_the_interval_bounds(calibrated, walk):
    """Prediction, lower and upper bound, then bridged: the streamed values over LSL, in
    one process (a publisher thread, the predictor thread, an inlet here)."""
    import threading
    import time

    pylsl = pytest.importorskip("pylsl", reason="the lsl extra (pylsl) is not installed")
    from gaitpredict.realtime import StreamingPredictor
    from gaitpredict.realtime.lsl import channel_labels, publish, stream_lsl

    path, _ = calibrated
    tag = f"gpi{time.time_ns() % 10**9}"
    sp = StreamingPredictor.from_checkpoint(path, backend="torch", coverage=0.9)
    reference = StreamingPredictor.from_checkpoint(path, backend="torch", coverage=0.9)
    expected = [p for p in (reference.push(f) for f in walk.select(list(sp.channels)).angles_deg)
                if p is not None]  # fmt: skip
    worker = threading.Thread(
        target=stream_lsl, args=(sp, f"{tag}-in", f"{tag}-out"), kwargs={"idle_timeout_s": 3}
    )
    worker.start()
    found = pylsl.resolve_byprop("name", f"{tag}-out", 1, 30)
    assert found, "the predictor's outlet never appeared"
    inlet = pylsl.StreamInlet(found[0])
    assert channel_labels(inlet.info(10)) == [
        "r_knee_flex@+100ms", "r_knee_flex@+100ms_lo", "r_knee_flex@+100ms_hi", "bridged"
    ]  # fmt: skip
    inlet.open_stream(10)
    sender = threading.Thread(target=publish, args=(walk, f"{tag}-in"),
                              kwargs={"realtime": False, "wait_s": 30})  # fmt: skip
    sender.start()
    got, deadline = [], time.time() + 60
    while len(got) < len(expected) and time.time() < deadline:
        sample, _ = inlet.pull_sample(timeout=1.0)
        if sample is not None:
            got.append(sample)
    sender.join(30)
    worker.join(30)
    got = np.array(got)
    assert len(got) == len(expected)
    np.testing.assert_allclose(got[:, 1], [p.lo_deg[0] for p in expected], atol=1e-9)
    np.testing.assert_allclose(got[:, 2], [p.hi_deg[0] for p in expected], atol=1e-9)
    assert (got[:, 1] < got[:, 0]).all() and (got[:, 0] < got[:, 2]).all()


def test_predict_evaluate_and_stream_report_the_same_roughness_ratio(
    calibrated, walk, capsys, tmp_path
):
    """One recording, three paths: the roughness ratio of the predicted knee (RMS of its
    second difference over the truth's) is the same number (issue 22's measure)."""
    import json

    from gaitpredict.cli import main
    from gaitpredict.evaluation.metrics import roughness_ratio
    from gaitpredict.evaluation.predictor import load_predictor

    path, _ = calibrated
    file = str(walk.source)
    table = load_predictor(path).predict_trial(walk)
    expected = roughness_ratio(table.r_knee_flex_pred_deg, table.r_knee_flex_true_deg)
    assert expected > 1.0  # a network's 100 ms prediction is rougher than the true knee
    assert main(["predict", file, "--model", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["roughness_ratio"] == pytest.approx(expected)
    assert main(["evaluate", str(path), file, "--json"]) == 0
    got = json.loads(capsys.readouterr().out)["roughness_ratio"]
    assert got == pytest.approx(expected, rel=1e-3)  # windows: the rows with truth
    stream = ["stream", str(path), "--replay", file, "--backend", "torch", "--json"]
    assert main([*stream, "--out", str(tmp_path)]) == 0
    streamed = json.loads(capsys.readouterr().out)["r_knee_flex"]["roughness_ratio"]
    assert streamed == pytest.approx(expected, rel=1e-3)


def test_the_cross_lab_section_keeps_horizons_apart(tmp_path):
    """A block of two horizons gives one table each: the lab-left-out network's 2.0 deg at
    50 ms and 6.0 at 150 ms, never their mean (4.0) in one cell."""
    import pandas as pd

    from gaitpredict.experiments.grid import Block
    from gaitpredict.report.crosslab import cross_lab
    from gaitpredict.report.document import Document

    rows = pd.DataFrame({
        "label": ["attn-cnn-lstm", "attn-cnn-lstm"], "split": ["lolo", "lolo"],
        "test_lab": ["lab_a", "lab_a"], "inputs": ["legs", "legs"], "horizon_ms": [50.0, 150.0],
        "labs": [None, None], "n_left_out": [0, 0],
        "per_subject": ['{"lab_a/S1": 2.0}', '{"lab_a/S1": 6.0}'],
    })  # fmt: skip
    block = Block(name="cross-lab", models=["attn-cnn-lstm"], inputs=["legs"], splits=["lolo"],
                  horizons_ms=[50.0, 150.0], main_model="attn-cnn-lstm")  # fmt: skip
    doc = Document("x")
    cross_lab(doc, block, rows, 2, tmp_path)
    md = doc.markdown(tmp_path)
    assert "**legs inputs, 50 ms ahead**" in md and "**legs inputs, 150 ms ahead**" in md
    assert "| lab_a | 1 | 2.00 |" in md and "| lab_a | 1 | 6.00 |" in md
    assert "4.00" not in md
