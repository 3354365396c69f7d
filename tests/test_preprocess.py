import numpy as np
import pytest

from gaitpredict.data.preprocess import fill_gaps, find_gaps, lowpass, lowpass_zero_phase_offline
from gaitpredict.data.trial import Trial
from gaitpredict.errors import GaitDataError


def _trial(values, rate=100.0):
    return Trial(np.asarray(values, float)[:, None], ("r_knee_flex",), rate, trial_id="t")


def test_find_gaps_nan_and_zero_runs():
    x = [1, np.nan, np.nan, 4, 0, 0, 0, 8, 0, 10]
    assert find_gaps(_trial(x)) == [(1, 3)]
    assert find_gaps(_trial(x), zeros_are_missing=True) == [(1, 3), (4, 7)]


def test_short_gaps_interpolated_long_gaps_split():
    x = np.arange(40, dtype=float)
    x[5:7] = np.nan  # 20 ms at 100 Hz: filled
    x[20:28] = np.nan  # 80 ms: split
    pieces, notes = fill_gaps(_trial(x), max_gap_ms=50)
    assert [p.n_frames for p in pieces] == [20, 12]
    np.testing.assert_allclose(pieces[0]["r_knee_flex"][5:7], [5.0, 6.0])
    assert pieces[1]["r_knee_flex"][0] == 28.0
    assert "interpolated gap frames 5-6" in notes[0] and "split at gap frames 20-27" in notes[1]


def test_causal_filter_never_sees_the_future():
    x = np.zeros(200)
    x[100] = 1.0
    y = lowpass(_trial(x), cutoff_hz=6.0)["r_knee_flex"]
    assert np.all(y[:100] == 0.0) and y[100] > 0
    const = lowpass(_trial(np.full(50, 30.0)))["r_knee_flex"]
    np.testing.assert_allclose(const, 30.0)  # no start-up transient


def test_zero_phase_is_marked_offline():
    x = np.zeros(200)
    x[100] = 1.0
    t = lowpass_zero_phase_offline(_trial(x))
    assert t["r_knee_flex"][95] > 0  # it saw the future
    assert "zero-phase" in t.provenance


def test_filter_refuses_gaps_and_bad_cutoff():
    with pytest.raises(GaitDataError, match="gap at frame 2"):
        lowpass(_trial([1, 2, np.nan, 4]))
    with pytest.raises(GaitDataError, match="Nyquist"):
        lowpass(_trial(np.zeros(10)), cutoff_hz=60)
