import numpy as np
import pytest

from gaitpredict.data.channels import CHANNELS, INPUT_SETS, resolve_channels
from gaitpredict.data.trial import Trial
from gaitpredict.errors import ChannelError, GaitDataError


def test_catalog_has_both_sides_of_every_dof():
    assert len(CHANNELS) == 20
    for ch in CHANNELS:
        other = ("r_" if ch.startswith("l_") else "l_") + ch[2:]
        assert other in CHANNELS


def test_input_sets_match_the_paper():
    assert INPUT_SETS["right-leg"] == [
        "r_hip_flex",
        "r_hip_abd",
        "r_hip_rot",
        "r_knee_flex",
        "r_ankle_flex",
        "r_ankle_rot",
    ]
    assert len(INPUT_SETS["legs"]) == 12 and len(INPUT_SETS["arms+legs"]) == 20
    assert resolve_channels("r_knee,l_knee_flex,r_knee") == ["r_knee_flex", "l_knee_flex"]


def test_unknown_channel_is_named():
    with pytest.raises(ChannelError, match="'r_kneee'"):
        resolve_channels("r_kneee,r_hip")


def _trial(n=10, rate=100.0):
    x = np.arange(n, dtype=float)[:, None] * np.array([[1.0, 10.0, 100.0]])
    return Trial(x, ("r_knee_flex", "l_knee_flex", "r_hip_abd"), rate, trial_id="t")


def test_select_and_slice():
    t = _trial()
    assert t.select(["r_hip_abd", "r_knee_flex"]).angles_deg[3].tolist() == [300.0, 3.0]
    part = t.slice_s(0.02, 0.05)
    assert part.angles_deg[:, 0].tolist() == [2.0, 3.0, 4.0]
    with pytest.raises(ChannelError, match="missing channel"):
        t.select(["l_elbow_flex"])


def test_mirror_swaps_sides_and_back():
    t = _trial()
    m = t.mirror()
    assert m.channels == ("l_knee_flex", "r_knee_flex", "l_hip_abd")
    np.testing.assert_array_equal(m["l_knee_flex"], t["r_knee_flex"])
    np.testing.assert_array_equal(m.mirror().select(t.channels).angles_deg, t.angles_deg)


def test_resample_keeps_a_slow_sine_and_removes_an_aliasing_one():
    rate = 120.0
    time_s = np.arange(1200) / rate
    slow = np.sin(2 * np.pi * 2.0 * time_s)
    fast = np.sin(2 * np.pi * 50.0 * time_s)  # above the 30 Hz Nyquist of 60 Hz
    t = Trial(np.stack([slow, fast], 1) * 10, ("r_knee_flex", "l_knee_flex"), rate)
    half = t.resample(60.0)
    assert half.n_frames == 600 and half.rate_hz == 60.0
    inner = slice(50, -50)
    np.testing.assert_allclose(half["r_knee_flex"][inner], slow[::2][inner] * 10, atol=0.1)
    assert np.abs(half["l_knee_flex"][inner]).max() < 0.5


def test_bad_shape_and_rate():
    with pytest.raises(GaitDataError, match="must be"):
        Trial(np.zeros((5, 2)), ("r_knee_flex",), 100.0)
    with pytest.raises(GaitDataError, match="rate_hz"):
        Trial(np.zeros((5, 1)), ("r_knee_flex",), 0.0)


def test_a_trial_played_faster_is_the_same_motion_at_a_higher_cadence():
    """`played_faster(1.25)`: the frames kept, the rate 1.25x, so windowed at the model's
    100 Hz a 1 Hz knee oscillation becomes a 1.25 Hz one (the cadence-warp augmentation)."""
    from gaitpredict.windowing.spec import WindowSpec
    from gaitpredict.windowing.windows import Windows

    t = np.arange(400) / 100.0
    knee = 30.0 + 20.0 * np.sin(2 * np.pi * 1.0 * t)
    trial = Trial(knee[:, None], ("r_knee_flex",), 100.0, "S1", "walk")
    fast = trial.played_faster(1.25)
    assert fast.rate_hz == 125.0 and fast.trial_id == "walk~x1.25"
    np.testing.assert_array_equal(fast.angles_deg, trial.angles_deg)
    assert fast.provenance[-1] == "played-x1.25"
    spec = WindowSpec.create("r_knee_flex", "r_knee_flex", 200, 100, 100.0)
    w = Windows([fast], spec)
    _, y = w.all()
    ends_s = w.frame_of(np.arange(len(w))) / 100.0  # model frames at 100 Hz
    expected = 30.0 + 20.0 * np.sin(2 * np.pi * 1.25 * (ends_s + 0.1))
    np.testing.assert_allclose(y[:, 0].numpy(), expected, atol=0.05)  # linear interpolation
    with pytest.raises(GaitDataError, match="speed factor must be positive"):
        trial.played_faster(0.0)
