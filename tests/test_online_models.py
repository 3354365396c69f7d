"""The field's online predictors (`adaptive-oscillator`, `phase-template`) on gait whose
answer is known: a steady synthetic stride, standing still, an impossible cadence, and the
rule that what is learned stays with one wearer."""

from __future__ import annotations

import numpy as np
import pytest

from gaitpredict.errors import ConfigError
from gaitpredict.models import create_model, model_info
from gaitpredict.windowing.spec import WindowSpec

RATE_HZ = 100.0
ONLINE = ["adaptive-oscillator", "phase-template"]


def _spec(horizon_ms=100.0):
    return WindowSpec.create("r_hip_flex,r_knee_flex", "r_knee_flex", 500, horizon_ms, RATE_HZ)


def _gait(seconds, stride_hz=1.0):
    """(frames, [hip, knee]) of a steady stride: a hip near-sinusoid and a two-bump knee."""
    t = np.arange(int(seconds * RATE_HZ)) / RATE_HZ
    w = 2 * np.pi * stride_hz * t
    hip = 10 + 20 * np.sin(w + 0.5)
    knee = 30 + 25 * np.sin(w) + 10 * np.sin(2 * w + 1.0)
    return np.column_stack([hip, knee])


def _run(model, x):
    return model.run(x, np.zeros(len(x), bool), ((0, len(x)),), 50)


# the synthetic knee's own phase portrait loops (its second harmonic is 40 % of its first),
# so there the phase template takes its phase from the hip, as Quintero et al. do
STEADY = {"adaptive-oscillator": {}, "phase-template": {"driver": "hip"}}


@pytest.mark.parametrize("name", ONLINE)
def test_on_a_steady_stride_it_learns_to_predict_far_better_than_const_velocity(name):
    spec = _spec()
    x = _gait(40)
    h = spec.horizon_frames
    pred = _run(create_model(name, spec, **STEADY[name]), x)[:-h, 0]
    truth = x[h:, 1]
    late = slice(int(20 * RATE_HZ), None)  # after 20 s of walking
    cv = x[:-h, 1] + (x[:-h, 1] - np.roll(x[:, 1], 1)[:-h]) * h
    rmse = np.sqrt(np.mean((pred[late] - truth[late]) ** 2))
    cv_rmse = np.sqrt(np.mean((cv[late] - truth[late]) ** 2))
    assert rmse < 0.25 * cv_rmse, (rmse, cv_rmse)


@pytest.mark.parametrize("name", ONLINE)
def test_standing_still_holds_the_last_value_and_says_so(name):
    spec = _spec()
    model = create_model(name, spec)
    x = np.vstack([_gait(20), np.tile(_gait(20)[-1], (1500, 1))])  # walks, then stands 15 s
    pred = _run(model, x)
    np.testing.assert_array_equal(pred[-100:, 0], x[-100:, 1])
    assert model.fallback and model.status.startswith("not walking")


@pytest.mark.parametrize("name", ONLINE)
def test_a_cadence_beyond_its_range_is_never_followed(name):
    spec = _spec()
    model = create_model(name, spec)
    x = _gait(20, stride_hz=4.0)  # no one strides 4 times a second: outside 0.3-2.5 Hz
    pred = _run(model, x)
    assert model.stride_hz <= 2.5 + 1e-9
    assert np.isfinite(pred[50:]).all() and np.abs(pred[50:, 0]).max() < 200


@pytest.mark.parametrize("name", ONLINE)
def test_what_it_learned_is_kept_across_a_gap_and_dropped_for_a_new_wearer(name):
    spec = _spec()
    x = _gait(30)
    learned = create_model(name, spec)
    _run(learned, x)
    learned.interrupt()  # a new recording of the same wearer
    fresh = create_model(name, spec)
    again, first = _run(learned, x[:300]), _run(fresh, x[:300])
    h = spec.horizon_frames
    truth = x[50 + h : 300, 1]
    rmse_again = np.sqrt(np.mean((again[50 : 300 - h, 0] - truth) ** 2))
    rmse_first = np.sqrt(np.mean((first[50 : 300 - h, 0] - truth) ** 2))
    assert rmse_again < 0.9 * rmse_first  # its first 3 s: the shape is known, not relearned
    learned.forget()
    np.testing.assert_array_equal(_run(learned, x[:300]), first)


@pytest.mark.parametrize("name", ONLINE)
def test_it_needs_no_training_and_refuses_a_driver_it_is_not_given(name):
    info = model_info(name)
    assert info.online and info.untrained and not info.exportable
    spec = WindowSpec.create("r_knee_flex", "r_knee_flex", 500, 100, RATE_HZ)
    with pytest.raises(ConfigError, match="r_hip_flex"):
        create_model(name, spec, driver="hip")


@pytest.mark.parametrize("name", ONLINE)
def test_streaming_gives_the_offline_predictions(name, tiny):
    from gaitpredict.evaluation.predictor import Predictor
    from gaitpredict.realtime import StreamingPredictor
    from gaitpredict.realtime.replay import replay_many

    trials = tiny.trials_of("S39")[:2]
    spec = WindowSpec.create("legs", "r_knee_flex", 250, 100, trials[0].rate_hz)
    model = create_model(name, spec)
    offline = Predictor(model, spec)
    rows = [offline.predict(t)[:, -1] for t in trials]  # learns on from one to the next
    sp = StreamingPredictor(model, spec, name)
    streamed = replay_many(sp, trials)
    expected = np.concatenate([r[np.isfinite(r)] for r in rows])
    got = streamed[f"{spec.target[0]}_pred_deg"].to_numpy()
    assert sp.backend.name == "online" and len(got) == len(expected) > 100
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-9)


def _by_name(name, trial):
    from gaitpredict.evaluation.predictor import Predictor
    from gaitpredict.evaluation.untrained import untrained_model

    return Predictor(*untrained_model(name, "r_knee_flex", 100, trial.rate_hz))


@pytest.mark.parametrize("name", ONLINE)
def test_real_walks_with_starts_stops_and_turns_never_give_nonsense(name):
    """McGill's turn trials (a start, a turn, a stop, in 2-4 s) and OpenCap's minute of
    walks with starts and stops: every prediction finite and within the knee's own range
    (widened by half of it), the stride frequency inside its bounds."""
    from gaitpredict.data.io import read_trial

    from .conftest import SHARED, need

    turns = sorted(need(SHARED / "mcgill_walking").glob("*/Turn/*.c3d"))
    paths = [*turns[:6], need(SHARED / "opencap_walking") / "opencap_walking1.csv"]
    for path in paths:
        trial = read_trial(path)
        predictor = _by_name(name, trial)
        table = predictor.predict_trial(trial)
        pred = table["r_knee_flex_pred_deg"].to_numpy()
        knee = trial["r_knee_flex"]
        lo, hi = np.nanmin(knee), np.nanmax(knee)
        made = pred[predictor.spec.window_frames - 1 :]
        assert np.isfinite(made).all(), path
        margin = 0.5 * (hi - lo)
        assert (made > lo - margin).all() and (made < hi + margin).all(), path
        assert 0.3 - 1e-9 <= predictor.model.stride_hz <= 2.5 + 1e-9, path


@pytest.mark.parametrize("name", ONLINE)
def test_a_real_walk_cut_to_standing_holds_the_last_value_and_says_so(name):
    """OpenCap's walk, then the wearer stands: the recording's last walking frame held for
    6 s with 0.1 deg of sensor noise. After 3 s of standing every prediction is the knee's
    last value and `status` says the wearer is not walking."""
    from gaitpredict.data.io import read_trial
    from gaitpredict.realtime import StreamingPredictor

    from .conftest import SHARED, need

    trial = read_trial(need(SHARED / "opencap_walking") / "opencap_walking1.csv")
    sp = StreamingPredictor.from_checkpoint(name, horizon_ms=100, rate_hz=trial.rate_hz)
    frames = trial.select(list(sp.channels)).angles_deg[: int(20 * trial.rate_hz)]
    for frame in frames:
        sp.push(frame)
    assert sp.online_model.status == "locked"  # it was predicting the walk
    rng = np.random.default_rng(0)
    standing = frames[-1] + rng.normal(0, 0.1, (int(6 * trial.rate_hz), frames.shape[1]))
    knee = list(sp.channels).index("r_knee_flex")
    for k, frame in enumerate(standing):
        p = sp.push(frame)
        if k >= 3 * trial.rate_hz:
            assert p.values_deg[0] == pytest.approx(frame[knee], abs=1e-9)
    assert sp.online_model.fallback and sp.online_model.status.startswith("not walking")


@pytest.mark.parametrize("name", ONLINE)
def test_a_sensor_gap_in_a_real_stream_restarts_the_phase_and_says_so(name):
    """OpenCap's walk streamed with a 300 ms sensor dropout (NaN frames, past the 50 ms the
    stream bridges) after 20 s: the stream restarts its window and says why, the model
    restarts its phase (no prediction uses the frames before the gap), keeps what it learned,
    and predicts sensibly again once the window has refilled."""
    from gaitpredict.data.io import read_trial
    from gaitpredict.realtime import StreamingPredictor

    from .conftest import SHARED, need

    trial = read_trial(need(SHARED / "opencap_walking") / "opencap_walking1.csv")
    sp = StreamingPredictor.from_checkpoint(name, horizon_ms=100, rate_hz=trial.rate_hz)
    frames = trial.select(list(sp.channels)).angles_deg
    k, gap = int(20 * trial.rate_hz), int(0.3 * trial.rate_hz)
    for frame in frames[:k]:
        sp.push(frame)
    learned = sp.online_model.learned()
    for frame in np.full_like(frames[k : k + gap], np.nan):
        p = sp.push(frame)  # the first 50 ms are bridged (and flagged), then nothing
        assert p is None or p.bridged
    assert sp.resets == 1 and "gap" in sp.last_reset and sp.status.startswith("waiting")
    assert sp.online_model.learned()["omega"] == learned["omega"]  # kept, not forgotten
    knee = trial["r_knee_flex"]
    after = [sp.push(f) for f in frames[k + gap : k + gap + int(5 * trial.rate_hz)]]
    made = np.array([p.values_deg[0] for p in after if p is not None])
    assert len(made) > 0 and np.isfinite(made).all()
    assert (made > knee.min() - 20).all() and (made < knee.max() + 20).all()


@pytest.mark.parametrize("name", ONLINE)
def test_every_prediction_stays_within_the_range_the_knee_itself_took_lately(name):
    """The envelope: once 4 s of the target have been seen, no prediction leaves the range
    the target took over the last 4 s (computed here with a plain rolling window), so the
    oscillator's few harmonics never ask for a knee beyond what the wearer just did."""
    from numpy.lib.stride_tricks import sliding_window_view

    from gaitpredict.data.io import read_trial

    from .conftest import SHARED, need

    trial = read_trial(need(SHARED / "opencap_walking") / "opencap_walking1.csv")
    predictor = _by_name(name, trial)
    pred = predictor.predict_trial(trial)["r_knee_flex_pred_deg"].to_numpy()
    n = round(predictor.model.cfg.envelope_s * trial.rate_hz)
    windows = sliding_window_view(trial["r_knee_flex"], n)  # row r: frames r .. r + n - 1
    lo, hi = windows.min(axis=1), windows.max(axis=1)
    made = pred[n - 1 :]
    assert (made >= lo - 1e-9).all() and (made <= hi + 1e-9).all()
    assert np.ptp(made) > 30  # it still follows the stride, not a constant
