"""Gaps: one causal rule (hold the last complete frame, break past max_gap_ms) on every path.

Offline windows (training, `evaluate`), `Predictor.predict` (`gaitpredict predict`) and the
streaming predictor (`stream --replay`) must predict the same frames with the same values,
score the same frames, and never let a frame after t change a window ending at t.
"""

from dataclasses import replace

import numpy as np
import pytest
import torch

from gaitpredict.data.trial import Trial
from gaitpredict.evaluation.predictor import load_predictor
from gaitpredict.evaluation.windowed import evaluate_trials, predict_all
from gaitpredict.realtime.replay import replay
from gaitpredict.realtime.streaming import StreamingPredictor
from gaitpredict.windowing.gaps import bridge
from gaitpredict.windowing.spec import WindowSpec
from gaitpredict.windowing.windows import Windows

MODEL = "knee-100ms-legs"  # shipped: 100 Hz, so the 120 Hz fixture is converted causally


def test_bridge_holds_the_last_complete_frame_and_breaks_past_the_limit():
    x = np.array(
        [[np.nan, 0.0], [1.0, 10.0], [2.0, np.nan], [np.nan, np.nan], [5.0, 50.0]]
        + [[np.nan, np.nan]] * 4
        + [[9.0, 90.0], [10.0, 100.0]]
    )
    b = bridge(x, rate_hz=100.0, max_gap_ms=30.0)  # at most 3 held frames in a row
    # frame 0 waits (no complete frame yet); 2 keeps its good channel, 3 holds frame 1
    np.testing.assert_array_equal(b.x[1:5], [[1, 10], [2, 10], [1, 10], [5, 50]])
    # frames 5-7 held at frame 4, the 4th missing frame (8) breaks: a new piece at 9
    np.testing.assert_array_equal(b.x[5:8], [[5, 50]] * 3)
    assert b.pieces == ((1, 8), (9, 11))
    assert np.isnan(b.x[[0, 8]]).all()
    np.testing.assert_array_equal(np.flatnonzero(b.held), [2, 3, 5, 6, 7])
    ends, bridged = b.window_ends(2)
    np.testing.assert_array_equal(ends, [2, 3, 4, 5, 6, 7, 10])
    np.testing.assert_array_equal(bridged, [True, True, True, True, True, True, False])


def test_impossible_values_are_missing_like_nan():
    x = np.array([[1.0], [400.0], [np.inf], [2.0]])
    b = bridge(x, rate_hz=100.0, max_gap_ms=50.0)
    np.testing.assert_array_equal(b.x[:, 0], [1, 1, 1, 2])
    np.testing.assert_array_equal(b.held, [False, True, True, False])


@pytest.fixture(scope="module")
def gappy(tiny):
    """A real 120 Hz walk (tiny fixture, two trials of S16 end to end) with a 3-frame gap in
    the knee, a 5-frame gap in every channel, a 2-frame gap in one hip and a 10-frame gap
    (83 ms: breaks the recording)."""
    a, b = tiny.trials_of("S16")
    angles = np.concatenate([a.angles_deg, b.angles_deg])
    ch = list(a.channels)
    angles[70:73, ch.index("r_knee_flex")] = np.nan
    angles[120:125] = np.nan
    angles[160:162, ch.index("l_hip_flex")] = np.nan
    angles[200:210] = np.nan
    return replace(a, angles_deg=angles, trial_id="S16 gappy")


def _model_frames(times_s, rate_hz):
    return np.round(np.asarray(times_s) * rate_hz).astype(int)


def test_evaluate_predict_and_stream_agree_on_a_gappy_recording(gappy):
    predictor = load_predictor(f"pretrained:{MODEL}", backend="torch")  # float64
    spec = predictor.spec
    windows = Windows([gappy], spec, dtype=torch.float64)
    w_pred, w_true = predict_all(predictor.model, windows)
    w_frames = windows.frame_of(np.arange(len(windows)))
    assert windows.bridged.sum() > 0 and len(windows) > 100

    table = predictor.predict_trial(gappy)  # what `gaitpredict predict` writes
    target = f"{spec.target[0]}"
    scored = table[f"{target}_pred_deg"].notna() & table[f"{target}_true_deg"].notna()
    np.testing.assert_array_equal(np.flatnonzero(scored), w_frames)
    np.testing.assert_allclose(table[f"{target}_pred_deg"][scored], w_pred[:, 0], atol=1e-9)
    np.testing.assert_allclose(table[f"{target}_true_deg"][scored], w_true[:, 0], atol=1e-9)
    np.testing.assert_array_equal(table.bridged[scored], windows.bridged)

    streamer = StreamingPredictor.from_pretrained(MODEL, backend="torch")
    streamed = replay(streamer, gappy)  # what `gaitpredict stream --replay` scores
    s_frames = _model_frames(streamed.time_s, spec.rate_hz)
    s_scored = streamed[f"{target}_true_deg"].notna().to_numpy()
    np.testing.assert_array_equal(s_frames[s_scored], w_frames)
    np.testing.assert_allclose(streamed[f"{target}_pred_deg"][s_scored], w_pred[:, 0], atol=1e-9)
    np.testing.assert_array_equal(streamed.bridged[s_scored], windows.bridged)
    # the stream predicts exactly where predict() does (scored or not)
    np.testing.assert_array_equal(s_frames, np.flatnonzero(table[f"{target}_pred_deg"].notna()))
    assert streamer.resets == 1  # the 10-frame gap

    result = evaluate_trials(predictor, [gappy])  # `gaitpredict evaluate`
    assert result["n_windows"] == len(windows)
    rmse = np.sqrt(np.mean((w_pred[:, 0] - w_true[:, 0]) ** 2))
    assert result["rmse_deg"] == pytest.approx(rmse, abs=1e-9)


def test_no_missing_target_frame_is_scored(gappy):
    predictor = load_predictor(f"pretrained:{MODEL}")
    spec = predictor.spec
    windows = Windows([gappy], spec)
    frames = windows.frame_of(np.arange(len(windows))) + spec.horizon_frames
    # recorded frames around each scored target time (120 Hz) hold the knee
    knee = gappy[spec.target[0]]
    pos = frames / spec.rate_hz * gappy.rate_hz
    for lo in (np.floor(pos + 1e-9), np.ceil(pos - 1e-9)):
        assert np.isfinite(knee[lo.astype(int)]).all()
    assert np.isfinite(windows.y.numpy()[windows.end.numpy() + spec.horizon_frames]).all()


@pytest.mark.parametrize("t_cut", [60, 100, 119, 150, 198, 230])
def test_frames_after_t_never_change_a_window_ending_at_or_before_t(gappy, t_cut):
    """Model grid frame t_cut; recorded frames after its time are replaced by other motion
    and new gaps."""
    spec = WindowSpec.create(
        "l_hip_flex,r_hip_flex,l_knee_flex,r_knee_flex", "r_knee_flex", 200, 100, 100.0
    )
    after = int(np.floor(t_cut / spec.rate_hz * gappy.rate_hz + 1e-9)) + 1  # first later frame
    rng = np.random.default_rng(t_cut)
    changed = gappy.angles_deg.copy()
    changed[after:] += rng.normal(0, 20, changed[after:].shape)
    changed[after + 3 : after + 30 : 7] = np.nan
    other = replace(gappy, angles_deg=changed)
    w0, w1 = Windows([gappy], spec), Windows([other], spec)
    keep0 = w0.frame_of(np.arange(len(w0))) <= t_cut
    keep1 = w1.frame_of(np.arange(len(w1))) <= t_cut
    both = np.intersect1d(w0.end.numpy()[keep0], w1.end.numpy()[keep1])
    assert both.size > 0
    idx0 = np.searchsorted(w0.end.numpy(), both)
    idx1 = np.searchsorted(w1.end.numpy(), both)
    torch.testing.assert_close(w0.batch(idx0)[0], w1.batch(idx1)[0], rtol=0, atol=0)
    np.testing.assert_array_equal(w0.bridged[idx0], w1.bridged[idx1])
    # the windows that one has and the other lacks differ only by truth after t
    p0 = bridge_rows(gappy, spec, t_cut)
    p1 = bridge_rows(other, spec, t_cut)
    np.testing.assert_array_equal(p0, p1)


def bridge_rows(trial: Trial, spec, t_cut: int) -> np.ndarray:
    """Frames t <= t_cut at which a stream would predict, with their bridged flags."""
    from gaitpredict.windowing.windows import _on_model_grid

    b = bridge(_on_model_grid(trial, spec)[0], spec.rate_hz)
    ends, flags = b.window_ends(spec.window_frames)
    return np.stack([ends[ends <= t_cut], flags[ends <= t_cut]])
