"""Real-time path: ONNX export and parity, the streaming predictor, replay, LSL, bad input."""

import json
import subprocess
import sys
import time
import tracemalloc

import numpy as np
import pytest
import torch

from gaitpredict.cli import main
from gaitpredict.errors import (
    ChannelError,
    CheckpointError,
    ExportError,
    RateMismatchError,
)
from gaitpredict.evaluation.predictor import load_predictor
from gaitpredict.models import create_model, graph, list_models, model_info
from gaitpredict.realtime import StreamingPredictor, export
from gaitpredict.realtime.replay import replay
from gaitpredict.training.checkpoint import save_checkpoint
from gaitpredict.training.trainer import fit_normalisation
from gaitpredict.windowing.spec import WindowSpec
from gaitpredict.windowing.windows import Windows

EXPORTABLE = [m for m in list_models() if model_info(m).exportable]
NETWORKS = [(m, {}) for m in EXPORTABLE] + [
    (m, {"attention": "before"}) for m in EXPORTABLE if model_info(m).attention
]
SPEC_ARGS = ("legs", "r_knee_flex", 250, 100, 120.0)


def make_checkpoint(tiny, path, name="attn-cnn-lstm", config=None, spec_args=SPEC_ARGS):
    """A network with seeded weights and normalisation fitted on S08's real windows."""
    torch.manual_seed(0)
    spec = WindowSpec.create(*spec_args)
    model = create_model(name, spec, **(config or {}))
    fit_normalisation(model, Windows(tiny.trials_of("S08"), spec), 5000, 0)
    model.eval()
    return save_checkpoint(path, model, name, config or {}, spec)


@pytest.fixture(scope="module")
def ckpt(tiny, tmp_path_factory):
    return make_checkpoint(tiny, tmp_path_factory.mktemp("rt") / "model.pt")


@pytest.fixture(scope="module")
def s16_trial(tiny):
    trial = max(tiny.trials_of("S16"), key=lambda t: t.n_frames)
    assert not np.isnan(trial.select(["r_knee_flex", "l_knee_flex"]).angles_deg).any()
    return trial


def forth_and_back(frames, times=2):
    """A longer stream with no jump from a short recording: it, reversed, it, ..."""
    return np.concatenate([frames, frames[::-1]] * times)


def real_windows(tiny, spec, n=512):
    windows = Windows(tiny.trials_of("S16"), spec)
    return windows.batch(np.linspace(0, len(windows) - 1, n).astype(int))[0].numpy()


@pytest.mark.parametrize(("name", "config"), NETWORKS, ids=lambda v: str(v))
def test_every_network_exports_with_parity_and_a_dynamic_batch(tiny, tmp_path, name, config):
    pytest.importorskip("onnxruntime", reason="the onnx extra is not installed")
    path = make_checkpoint(tiny, tmp_path / "m.pt", name, config)
    spec = WindowSpec.create(*SPEC_ARGS)
    result = export.export_onnx(path, tmp_path / "m.onnx", real_windows(tiny, spec))
    assert result["max_diff_deg"] <= export.PARITY_TOLERANCE_DEG
    sess = graph.session(tmp_path / "m.onnx")
    graph.check_matches(sess, spec, "m.onnx")
    for batch in (1, 3, 17):
        x = real_windows(tiny, spec, batch).astype(np.float32)
        assert sess.run(None, {graph.INPUT: x})[0].shape == (batch, 1)


def test_bad_onnx_files_and_baselines_are_refused(tiny, ckpt, tmp_path):
    pytest.importorskip("onnxruntime", reason="the onnx extra is not installed")
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"\x08\x07garbage" * 50)
    with pytest.raises(ExportError, match="bad.onnx: not a loadable ONNX model"):
        StreamingPredictor.from_checkpoint(ckpt, backend="onnx", onnx_path=bad)
    other = make_checkpoint(
        tiny, tmp_path / "o.pt", spec_args=("arms+legs", "r_knee_flex", 250, 50, 120.0)
    )
    spec_other = WindowSpec.create("arms+legs", "r_knee_flex", 250, 50, 120.0)
    export.export_onnx(other, tmp_path / "other.onnx", real_windows(tiny, spec_other, 64))
    with pytest.raises(ExportError, match="other.onnx: exported for"):
        StreamingPredictor.from_checkpoint(ckpt, backend="onnx", onnx_path=tmp_path / "other.onnx")
    spec = WindowSpec.create(*SPEC_ARGS)
    save_checkpoint(tmp_path / "hold.pt", create_model("hold", spec), "hold", {}, spec)
    with pytest.raises(ExportError, match="hold: does not export to ONNX"):
        export.export_onnx(tmp_path / "hold.pt", tmp_path / "h.onnx", real_windows(tiny, spec, 8))
    assert not (tmp_path / "h.onnx").exists()


def test_a_checkpoint_from_another_format_version_is_refused(ckpt, tmp_path):
    payload = torch.load(ckpt, weights_only=False)
    payload["format_version"] = 99
    torch.save(payload, tmp_path / "future.pt")
    with pytest.raises(
        CheckpointError, match="checkpoint format 99, this gaitpredict reads format 1"
    ):
        StreamingPredictor.from_checkpoint(tmp_path / "future.pt")


@pytest.mark.parametrize(
    ("backend", "tolerance"), [("torch", 1e-5), ("onnx", export.PARITY_TOLERANCE_DEG)]
)
def test_streamed_predictions_equal_offline_evaluation(ckpt, s16_trial, backend, tolerance):
    if backend == "onnx":
        pytest.importorskip("onnxruntime", reason="the onnx extra is not installed")
    sp = StreamingPredictor.from_checkpoint(ckpt, backend=backend)
    table = replay(sp, s16_trial)
    offline = load_predictor(ckpt).predict(s16_trial)[:, 0]
    w = sp.spec.window_frames
    assert len(table) == s16_trial.n_frames - w + 1 and table.frame.iloc[0] == w - 1
    assert not table.bridged.any() and sp.resets == 0
    diff = np.abs(table.r_knee_flex_pred_deg.to_numpy() - offline[table.frame])
    assert diff.max() <= tolerance
    h = sp.spec.horizon_frames
    truth = s16_trial["r_knee_flex"][table.frame.iloc[0] + h]
    assert table.r_knee_flex_true_deg.iloc[0] == pytest.approx(truth)
    assert table.target_time_s.iloc[0] == pytest.approx((w - 1 + h) / 120)


def test_short_gaps_are_bridged_by_holding_and_long_ones_reset(ckpt, s16_trial):
    sp = StreamingPredictor.from_checkpoint(ckpt, backend="torch")
    frames = s16_trial.select(list(sp.channels)).angles_deg
    w = sp.spec.window_frames
    for i in range(w):
        sp.push(frames[i], i / 120)
    # frames w..w+3 never arrive (4 x 8.3 = 33 ms <= 50 ms): held at frame w-1's values
    p = sp.push(frames[w + 4], (w + 4) / 120)
    assert p.bridged and sp.status == "bridged" and sp.bridged_frames == 4
    held = np.concatenate([frames[5:w], np.repeat(frames[w - 1 : w], 4, 0), frames[w + 4 : w + 5]])
    offline = load_predictor(ckpt).predict_windows(held[None])[0]
    assert p.values_deg == pytest.approx(offline, abs=1e-9)
    # a NaN frame is held too, channel by channel
    nan_frame = frames[w + 5].copy()
    nan_frame[2] = np.nan
    assert sp.push(nan_frame, (w + 5) / 120).bridged
    # 7 missing frames after the held NaN frame (8 frames, 67 ms > 50 ms): reset, then
    # warm up again for a whole window
    assert sp.push(frames[w + 13], (w + 13) / 120) is None
    assert sp.resets == 1 and "gap of 67 ms > 50 ms" in sp.status
    for k in range(w - 2):
        assert sp.push(frames[w + 14 + k], (w + 14 + k) / 120) is None
    p = sp.push(frames[2 * w + 12], (2 * w + 12) / 120)
    assert p is not None and not p.bridged


def test_nan_runs_longer_than_the_gap_reset(ckpt, s16_trial):
    sp = StreamingPredictor.from_checkpoint(ckpt, backend="torch", max_gap_ms=20)
    frames = s16_trial.select(list(sp.channels)).angles_deg
    for i in range(sp.spec.window_frames):
        sp.push(frames[i])
    nan = np.full(len(sp.channels), np.nan)
    assert sp.push(nan).bridged and sp.push(nan).bridged  # 8 and 17 ms
    assert sp.push(nan) is None and sp.resets == 1  # 25 ms > 20 ms
    assert sp.push(nan) is None and sp.status.startswith("waiting: no finite value")


def test_bad_frames_and_timestamps_get_specific_answers(ckpt):
    sp = StreamingPredictor.from_checkpoint(ckpt, backend="torch")
    n = len(sp.channels)
    with pytest.raises(ChannelError, match=f"frame has {n + 1} values.*takes {n} channels"):
        sp.push(np.zeros(n + 1))
    with pytest.raises(ChannelError, match=r"unknown channel name\(s\) \['r_knee'\]"):
        sp.push({**dict.fromkeys(sp.channels, 0.0), "r_knee": 1.0})
    with pytest.raises(ChannelError, match=r"lacks channel\(s\) \['l_ankle_rot'\]"):
        sp.push({ch: 0.0 for ch in sp.channels if ch != "l_ankle_rot"})
    assert sp.push(dict.fromkeys(sp.channels, 1.0), 1.0) is None
    assert sp.push(np.ones(n), 1.0) is None and sp.status.startswith("ignored: timestamp 1.0")
    assert sp.push(np.ones(n), 0.99) is None and sp.ignored == 2  # 10 ms back: out of order
    assert sp.push(np.ones(n), float("nan")) is None and "non-finite timestamp" in sp.status
    with pytest.raises(RateMismatchError, match="timestamps: 40 Hz.*at 120 Hz accepts 60-1200"):
        for i in range(1, 40):
            sp.push(np.ones(n), 1.0 + i / 40)
    # refused for good: the caller who catches it gets no prediction at the wrong rate
    for _ in range(3):
        with pytest.raises(RateMismatchError, match="refused until reset"):
            sp.push(np.ones(n), 2.0)
    sp.reset()
    assert sp.push(np.ones(n), 3.0) is None and sp.status.startswith("warming up")
    with pytest.raises(RateMismatchError, match="declared rate: 30 Hz.*accepts 60-1200 Hz"):
        StreamingPredictor.from_checkpoint(ckpt, backend="torch", stream_rate_hz=30)


def test_strings_implausible_values_and_clock_restarts(ckpt, s16_trial):
    from gaitpredict.errors import StreamError

    sp = StreamingPredictor.from_checkpoint(ckpt, backend="torch")
    frames = s16_trial.select(list(sp.channels)).angles_deg
    with pytest.raises(ChannelError, match=r"channel 'l_hip_flex': 'abc' is not a number"):
        sp.push({**dict(zip(sp.channels, frames[0], strict=True)), "l_hip_flex": "abc"})
    with pytest.raises(ChannelError, match="not numbers"):
        sp.push(["x"] * len(sp.channels))
    with pytest.raises(StreamError, match="timestamp 'noon' is not a number"):
        sp.push(frames[0], "noon")
    w, dt = sp.spec.window_frames, 1 / 120
    preds = [sp.push(frames[i], i * dt) for i in range(w + 5)]
    assert preds[-1] is not None and not preds[-1].bridged
    spike = frames[w + 5].copy()
    spike[0] = 1e30  # one impossible value is bridged like a missing one, never predicted on
    p = sp.push(spike, (w + 5) * dt)
    assert p.bridged and abs(p.values_deg[0]) < 360 and sp.bridged_frames == 1
    # the clock restarts at 0: a reset (counted, logged), then predictions again
    resets = sp.resets
    assert sp.push(frames[0], 0.0) is None and sp.clock_restarts == 1
    assert sp.resets == resets + 1 and "clock restart" in sp.last_reset
    later = [sp.push(frames[i], i * dt) for i in range(1, w + 2)]
    assert later[-1] is not None


def test_pushing_keeps_no_growing_state(ckpt, s16_trial):
    sp = StreamingPredictor.from_checkpoint(ckpt, backend="torch")
    frames = forth_and_back(s16_trial.select(list(sp.channels)).angles_deg)
    for i in range(200):
        sp.push(frames[i % len(frames)])
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    for k in range(3000):
        sp.push(frames[(200 + k) % len(frames)])
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    growth = sum(s.size_diff for s in after.compare_to(before, "filename"))
    assert growth < 20_000, growth


def test_stream_and_bench_latency_commands(ckpt, s16_trial, tmp_path, capsys):
    path = s16_trial.source
    assert (
        main(
            [
                "stream",
                str(ckpt),
                "--replay",
                str(path),
                "--backend",
                "torch",
                "--out",
                str(tmp_path),
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    report = json.loads(out[: out.rindex("}") + 1])
    table = replay(StreamingPredictor.from_checkpoint(ckpt, backend="torch"), s16_trial)
    ok = table.r_knee_flex_true_deg.notna()
    rmse = np.sqrt(np.mean((table.r_knee_flex_pred_deg[ok] - table.r_knee_flex_true_deg[ok]) ** 2))
    assert report["r_knee_flex"]["rmse_deg"] == pytest.approx(rmse)
    assert (tmp_path / "stream_predictions.png").stat().st_size > 10_000
    assert (
        main(["bench-latency", str(ckpt), "--pushes", "10000", "--data", str(path), "--json"]) == 0
    )
    figures = json.loads(capsys.readouterr().out)
    assert {"p50_us", "p99_us", "max_us", "backend", "floor_us", "flops"} <= set(figures)
    assert 0 < figures["p50_us"] <= figures["p99_us"] <= figures["max_us"]
    assert 0 < figures["floor_us"] < figures["p50_us"]  # nothing beats the compute floor
    call = figures["model_call"]  # the bare graph, timed in turns with the pushes
    assert figures["floor_us"] < call["p50_us"] <= call["p99_us"]
    ref = figures["reference_work"]  # the machine's own tail, sized like the bare call
    assert ref["matmuls"] >= 1 and 0 < ref["p50_us"] <= ref["p99_us"]
    assert call["p50_us"] / 3 < ref["p50_us"] < call["p50_us"] * 3
    args = ["bench-latency", str(ckpt), "--pushes", "10000", "--data", str(path), "--adapt"]
    assert main([*args, "--json"]) == 0
    both = json.loads(capsys.readouterr().out)
    assert both["adapted"]["p50_us"] == pytest.approx(
        both["p50_us"] + both["added_p50_us"], abs=0.2
    )
    assert both["adapted"]["p99_us"] == pytest.approx(
        both["p99_us"] + both["added_p99_us"], abs=0.2
    )
    assert main(["bench-latency", str(ckpt), "--pushes", "10"]) == 2


def test_lsl_loopback_end_to_end(ckpt, s16_trial, tmp_path):
    pylsl = pytest.importorskip("pylsl", reason="the lsl extra (pylsl) is not installed")
    path = s16_trial.source
    tag = f"gp{time.time_ns() % 10**9}"
    gp = [sys.executable, "-m", "gaitpredict"]
    predictor = subprocess.Popen(
        gp + ["stream", str(ckpt), "--lsl-in", f"{tag}-in", "--lsl-out", f"{tag}-out",
              "--backend", "torch", "--idle-timeout-s", "3"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    publisher = None
    try:
        found = pylsl.resolve_byprop("name", f"{tag}-out", 1, 30)
        assert found, "the predictor's outlet never appeared"
        inlet = pylsl.StreamInlet(found[0])
        inlet.open_stream(10)
        publisher = subprocess.Popen(
            gp + ["publish", str(path), "--name", f"{tag}-in", "--fast"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        w = WindowSpec.create(*SPEC_ARGS).window_frames
        expected = s16_trial.n_frames - w + 1
        got, stamps = [], []
        deadline = time.time() + 60
        while len(got) < expected and time.time() < deadline:
            sample, ts = inlet.pull_sample(timeout=1.0)
            if sample is not None:
                got.append(sample)
                stamps.append(ts)
        assert publisher.wait(30) == 0, publisher.stderr.read()
        assert predictor.wait(30) == 0, predictor.stderr.read()
    finally:
        for proc in (predictor, publisher):
            if proc and proc.poll() is None:
                proc.kill()
    got = np.array(got)
    assert len(got) == expected
    assert np.all(np.diff(stamps) > 0)  # in order
    offline = load_predictor(ckpt).predict(s16_trial)[w - 1 :, 0]
    assert np.abs(got[:, 0] - offline).max() <= 1e-5
    assert not got[:, 1].any()  # nothing bridged
    assert json.loads(predictor.stdout.read())["predictions"] == expected


def test_recurrent_streamer_steps_exactly_like_the_torch_model(tiny, s16_trial):
    from gaitpredict.realtime.experimental.recurrent import (
        RecurrentGait,
        RecurrentStreamer,
        train_recurrent,
    )

    spec = WindowSpec.create(*SPEC_ARGS)
    trials = tiny.trials_of("S08")
    model, history = train_recurrent(spec, trials[:1], trials[1:2], max_epochs=1)
    assert len(history) == 1 and 0 < history[0] < 100
    reference = RecurrentGait(spec).double().eval()
    reference.load_state_dict(model.state_dict())
    x = s16_trial.select(list(spec.inputs)).angles_deg
    with torch.no_grad():
        expected = reference(torch.from_numpy(x[None]))[0][0].numpy()
    streamer = RecurrentStreamer(model)
    got = np.array([streamer.push(frame).copy() for frame in x])
    assert np.abs(got - expected).max() < 1e-9


def test_a_stream_at_another_rate_gives_the_offline_predictions(ckpt, s16_trial):
    from gaitpredict.evaluation.predictor import load_predictor

    offline = load_predictor(ckpt)
    x60 = forth_and_back(s16_trial.select(list(offline.channels)).angles_deg)[::2]  # 60 Hz
    expected = offline.predict(x60, rate_hz=60.0)  # on the model's 120 Hz grid
    sp = StreamingPredictor.from_checkpoint(ckpt, backend="torch", stream_rate_hz=60)
    got = {}
    for i, frame in enumerate(x60):
        p = sp.push(frame, i / 60.0)
        if p is not None:
            got[round(p.time_s * 120)] = p.values_deg
    assert len(got) > 100 and sp.resets == 0
    for k, values in got.items():
        np.testing.assert_allclose(values, expected[k], atol=1e-9)


def test_a_stream_found_to_be_at_another_rate_is_converted_from_then_on(ckpt, s16_trial):
    sp = StreamingPredictor.from_checkpoint(ckpt, backend="torch")
    x = s16_trial.select(list(sp.channels)).angles_deg
    predictions = [sp.push(frame, i / 100.0) for i, frame in enumerate(x[:200])]
    assert sp.stream_rate_hz == 100.0 and sp.resets == 1
    assert "timestamps give 100.0 Hz: converting causally to 120 Hz" in sp.last_reset
    assert predictions[-1] is not None and not predictions[-1].bridged
