import numpy as np
import pytest
import torch

from gaitpredict.data.preprocess import lowpass_zero_phase_offline
from gaitpredict.data.trial import Trial
from gaitpredict.errors import ConfigError, LeakageError
from gaitpredict.experiments.run import RunConfig, build_windows
from gaitpredict.training.trainer import TrainConfig
from gaitpredict.windowing.spec import WindowSpec
from gaitpredict.windowing.splits import carve_validation, leave_one_subject_out, within_subject
from gaitpredict.windowing.windows import Windows


def _ramp(n, start, rate=100.0, tid="t"):
    x = start + np.arange(n, dtype=float)
    return Trial(np.stack([x, -x], 1), ("r_knee_flex", "l_knee_flex"), rate, trial_id=tid)


def test_target_is_exactly_horizon_frames_after_the_window():
    spec = WindowSpec.create("r_knee_flex,l_knee_flex", "r_knee_flex", 50, 30, 100.0)
    assert (spec.window_frames, spec.horizon_frames) == (5, 3)
    w = Windows([_ramp(20, 0.0)], spec)
    assert len(w) == 20 - 5 - 3 + 1
    x, y = w.all()
    np.testing.assert_array_equal(x[:, -1, 0] + 3, y[:, 0])
    np.testing.assert_array_equal(x[0, :, 0], [0, 1, 2, 3, 4])


def test_no_window_crosses_trials_or_gaps():
    spec = WindowSpec.create("r_knee_flex", "r_knee_flex", 50, 30, 100.0)
    gappy = _ramp(30, 100.0, tid="gappy")
    angles = gappy.angles_deg.copy()
    angles[12:20] = np.nan  # 80 ms: frames 12-16 held (50 ms), the 6th breaks the trial
    gappy = Trial(angles, gappy.channels, 100.0, trial_id="gappy")
    w = Windows([_ramp(20, 0.0), gappy], spec)
    x, y = w.all()
    span = torch.cat([x[:, :, 0], y], dim=1)
    assert (span.max(1).values - span.min(1).values <= 7).all()  # contiguous ramps only
    # 13 in the first trial; in the second, windows ending at 4-8 (targets 7-11; those
    # ending at 9-16 aim at missing frames) and at 24-26 (targets up to frame 29)
    assert len(w) == 13 + 5 + 3
    assert not w.bridged.any()


def test_multi_horizon_targets():
    spec = WindowSpec.create("r_knee_flex", "r_knee_flex", 50, 30, 100.0, multi_horizon=True)
    x, y = Windows([_ramp(20, 0.0)], spec).all()
    np.testing.assert_array_equal(y[0], [5, 6, 7])


def test_windows_are_views_not_copies():
    spec = WindowSpec.create("r_knee_flex", "r_knee_flex", 500, 30, 100.0)
    w = Windows([_ramp(5000, 0.0)], spec)
    assert w.x.numel() == 5000  # one copy of the frames, not frames x window


def test_zero_phase_input_is_refused():
    spec = WindowSpec.create("r_knee_flex", "r_knee_flex", 50, 30, 100.0)
    with pytest.raises(LeakageError, match="zero-phase"):
        Windows([lowpass_zero_phase_offline(_ramp(50, 0.0))], spec)


def _loso_keeps_test_frames_out(dataset, subject):
    cfg = RunConfig(test_subject=subject, train=TrainConfig(mirror=True))
    spec, split, train_w, val_w, test_w = build_windows(dataset, cfg)
    test_sources = {t.source for t in split.test}
    for w in (train_w, val_w):
        assert all(t.subject != subject for t in w.trials)
        assert not test_sources & {t.source for t in w.trials}
    return split, train_w, val_w


@pytest.mark.parametrize("subject", ["S39", "S16", "S08"])
def test_loso_keeps_every_test_frame_out_of_training(tiny, subject):
    split, train_w, val_w = _loso_keeps_test_frames_out(tiny, subject)
    assert {t.subject for t in split.test} == {subject} and len(split.test) == 2


def test_loso_drops_the_walkers_that_may_be_the_test_subject(cmu):
    split, train_w, val_w = _loso_keeps_test_frames_out(cmu, "S35")
    assert len(split.dropped) == 6
    assert not any(cmu.may_be(t, "S35") for t in train_w.trials + val_w.trials)


def test_within_subject_is_chronological(tiny):
    split = within_subject(tiny)
    for subject in ("S39", "S16", "S08"):
        train = [t for t in split.train if t.subject == subject]
        test = [t for t in split.test if t.subject == subject]
        assert train and test
        order = [t.trial_id for t in tiny.trials_of(subject)]
        last_train = max(order.index(t.trial_id) for t in train)
        first_test = min(order.index(t.trial_id) for t in test)
        assert last_train <= first_test


def test_validation_is_whole_training_trials(tiny):
    split = leave_one_subject_out(tiny, "S16")
    fit, val = carve_validation(split.train, 0.15, seed=1)
    assert {t.trial_id for t in fit}.isdisjoint({t.trial_id for t in val})
    assert len(fit) + len(val) == len(split.train)


def test_normalisation_uses_training_data_only(tiny):
    from gaitpredict.models import create_model
    from gaitpredict.training.trainer import fit_normalisation

    spec, split, train_w, _, test_w = build_windows(tiny, RunConfig(test_subject="S16"))
    model = create_model("cnn", spec, input_mode="absolute", target_mode="absolute")
    fit_normalisation(model, train_w, sample=10**9, seed=0)
    x, y = train_w.all()
    torch.testing.assert_close(model.in_mean, x.mean(dim=(0, 1)))
    torch.testing.assert_close(model.out_mean, y.mean(0))
    assert not torch.allclose(model.out_mean, test_w.all()[1].mean(0), atol=0.1)


def test_cadence_warp_adds_one_slower_or_faster_copy_of_each_training_trial_only(tiny):
    plain = build_windows(tiny, RunConfig(test_subject="S08"))[2]
    cfg = RunConfig(test_subject="S08", train=TrainConfig(cadence_warp=0.15))
    _, split, train_w, val_w, _ = build_windows(tiny, cfg)
    fit = [t for t in train_w.trials if "~x" not in t.trial_id]
    warped = [t for t in train_w.trials if "~x" in t.trial_id]
    assert [t.trial_id for t in fit] == [t.trial_id for t in plain.trials]
    assert len(warped) == len(fit)
    speeds = [w.rate_hz / t.rate_hz for t, w in zip(fit, warped, strict=True)]
    np.testing.assert_allclose(speeds, [0.85 if k % 2 == 0 else 1.15 for k in range(len(fit))])
    assert not any("~x" in t.trial_id for t in val_w.trials + split.test)
    with pytest.raises(ConfigError, match=r"cadence_warp must be in \[0, 1\)"):
        TrainConfig(cadence_warp=1.0)
