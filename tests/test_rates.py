"""Causal rate conversion: known values, no look-ahead, and the stream equals the recording."""

from __future__ import annotations

import numpy as np
import pytest

from gaitpredict.data import rates
from gaitpredict.errors import RateMismatchError


def test_grid_values_on_a_ramp_and_a_parabola():
    # 120 Hz -> 100 Hz: grid time 0.01 s lies 0.2 input frames after frame 1
    t_in = np.arange(13) / 120.0
    ramp = (3.0 * t_in)[:, None]
    out = rates.causal(ramp, 120.0, 100.0)
    assert out.shape == (11, 1)
    np.testing.assert_allclose(out[:, 0], 3.0 * np.arange(11) / 100.0, atol=1e-12)
    # on a parabola the carried slope errs by x''/2 * dt * (dt + T_in): a known second-order term
    par = (t_in**2)[:, None]
    got = rates.causal(par, 120.0, 100.0)[1, 0]
    dt, step = 0.01 - 1 / 120, 1 / 120
    assert got == pytest.approx(0.01**2 - dt * (dt + step), abs=1e-15)
    # linear interpolation between the frames around it errs by (t - t_i) * (t_(i+1) - t)
    exact = rates.exact(par, 120.0, 100.0)[1, 0]
    assert exact == pytest.approx(0.01**2 + dt * (step - dt), abs=1e-15)


def test_a_frame_after_t_never_changes_the_frame_at_t():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(241, 3))
    for rate_in, rate_out in ((120.0, 100.0), (60.0, 100.0), (250.0, 100.0), (100.0, 120.0)):
        base = rates.causal(x, rate_in, rate_out)
        times = rates.grid_times(len(x), rate_in, rate_out)
        for j in (5, 77, 200):
            changed = x.copy()
            changed[j:] += 50.0  # change every input frame from frame j on
            after = rates.causal(changed, rate_in, rate_out)
            before_j = times < j / rate_in - 1e-12
            np.testing.assert_array_equal(after[before_j], base[before_j])
            assert not np.allclose(after[~before_j], base[~before_j])


def test_the_stream_converter_equals_the_offline_conversion():
    rng = np.random.default_rng(1)
    x = np.cumsum(rng.normal(size=(300, 2)), axis=0)
    for rate_in, rate_out in ((120.0, 100.0), (60.0, 100.0), (200.0, 100.0)):
        conv = rates.CausalConverter(rate_in, rate_out)
        got = [v for i in range(len(x)) for _, v in conv.push(i / rate_in, x[i])]
        np.testing.assert_allclose(np.array(got), rates.causal(x, rate_in, rate_out), atol=1e-9)


def test_a_long_stream_gap_gives_nan_frames_not_a_long_extrapolation():
    conv = rates.CausalConverter(100.0, 100.0)
    for i in range(3):
        conv.push(i / 100.0, [float(i)])
    out = conv.push(0.2, [20.0])  # 17 frames missing
    times = [round(t, 6) for t, _ in out]
    values = [v[0] for _, v in out]
    assert times == [round(0.03 + 0.01 * k, 6) for k in range(18)]
    assert values[0] == pytest.approx(3.0)  # one frame late: still carried along the slope
    assert np.isnan(values[1:-1]).all() and values[-1] == 20.0


def test_rates_outside_the_accepted_range_are_refused_naming_both():
    assert rates.accepted_rates(100.0) == (50.0, 1000.0)
    rates.check_accepted(60.0, 100.0, "x.mot")
    with pytest.raises(RateMismatchError, match=r"x.mot: 30 Hz.*model at 100 Hz accepts 50-1000"):
        rates.check_accepted(30.0, 100.0, "x.mot")
