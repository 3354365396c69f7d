"""The CMU exponential-map reader on the real shared data set."""

import json

import numpy as np
import pytest
from scipy.signal import find_peaks

from gaitpredict.cli import main
from gaitpredict.data.io import read_trial
from gaitpredict.data.io.cmu import JOINT_INDEX
from gaitpredict.data.preprocess import fill_gaps

from .conftest import FIXTURES

RANGES = {  # plausible walking ranges in degrees (min >= lo, max <= hi)
    "hip_flex": (-35, 60),
    "hip_abd": (-25, 25),
    "hip_rot": (-35, 35),
    "knee_flex": (-1, 85),
    "ankle_flex": (-45, 55),
    "ankle_rot": (-40, 40),
    "shoulder_flex": (-50, 40),
    "shoulder_abd": (-30, 35),
    "elbow_flex": (-1, 90),
    # the upper arm's long-axis rotation is poorly fixed by markers; S39 reaches -84
    "shoulder_rot": (-90, 90),
}


def test_data_info_json_reports_the_whole_set(cmu_dir, capsys):
    assert main(["data", "info", "--data", str(cmu_dir), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["trials"] == 64 and info["frames"] == 29919 and info["rate_hz"] == 120
    assert info["subjects"] == {"S35": 19, "unknown": 18, "S39": 13, "S16": 8, "S08": 5, "S07": 1}
    assert len(info["channels"]) == 20


def test_right_knee_of_walking_1(walking_1):
    knee = walking_1["r_knee_flex"]
    assert walking_1.n_frames == 358 and walking_1.rate_hz == 120
    assert 10 <= knee.min() and knee.max() <= 80
    peaks, _ = find_peaks(knee, height=60, distance=60)
    strides_s = np.diff(peaks) / walking_1.rate_hz
    assert len(strides_s) >= 2 and np.all((0.9 <= strides_s) & (strides_s <= 1.3))


def test_walking_ranges_over_all_trials(cmu):
    for trial in cmu.trials:
        for ch in trial.channels:
            lo, hi = RANGES[ch[2:]]
            values = trial[ch][np.isfinite(trial[ch])]
            assert lo <= values.min() and values.max() <= hi, (trial.trial_id, ch)


def test_knee_and_hip_swing_in_antiphase_across_sides(walking_1):
    r, left = walking_1["r_hip_flex"], walking_1["l_hip_flex"]
    assert np.corrcoef(r, left)[0, 1] < -0.5
    assert np.ptp(walking_1["r_hip_flex"]) > 30 and np.ptp(walking_1["r_knee_flex"]) > 50


def test_decomposition_adds_no_jumps(cmu):
    """No channel jumps > 20 deg between frames unless the raw exp-map itself jumps there."""
    for trial in cmu.trials:
        raw = np.loadtxt(trial.source, delimiter=",")[1:]
        for ch in trial.channels:
            side, joint = ch[0], ch[2:].split("_")[0]
            k = JOINT_INDEX[side][joint]
            raw_step = np.degrees(np.abs(np.diff(raw[:, 3 + 3 * k : 6 + 3 * k], axis=0)).max(1))
            step = np.abs(np.diff(trial[ch]))
            ours = np.flatnonzero((step > 20) & (raw_step < 10))
            assert ours.size == 0, (trial.trial_id, ch, ours[:3])


def test_source_glitch_in_left_ankle_is_in_the_data(walking_1, cmu_dir):
    raw = np.loadtxt(cmu_dir / "test/walking/walking_1.txt", delimiter=",")[1:, 15:18]
    assert np.degrees(np.abs(np.diff(raw, axis=0))).max() > 30  # the file, not our maths


def test_zero_frames_are_missing_and_cut(cmu_dir):
    trial = read_trial(cmu_dir / "train/walking_extra/walking_27.txt")
    assert np.isnan(trial["l_shoulder_abd"][:2]).all()  # a T-pose arm: missing, not 90 deg
    assert np.isfinite(trial.angles_deg[2:]).all()
    pieces, notes = fill_gaps(trial)
    assert len(pieces) == 1 and pieces[0].n_frames == trial.n_frames - 2
    assert "split at gap frames 0-1" in notes[0]


@pytest.mark.parametrize(
    "bad, match",
    [
        ("", "empty"),
        ("1,2,3\n1,2,3\n", "line 1: 3 values, expected 117"),
    ],
)
def test_bad_cmu_files(tmp_path, bad, match):
    from gaitpredict.errors import FileFormatError

    path = tmp_path / "bad.txt"
    path.write_text(bad)
    with pytest.raises(FileFormatError, match=match):
        read_trial(path)


def test_non_numeric_and_truncated_cmu(tmp_path):
    from gaitpredict.errors import FileFormatError

    lines = (FIXTURES / "walking_1_head.txt").read_text().splitlines()  # walking_1, verbatim
    fields = lines[5].split(",")
    fields[7] = "abc"
    bad = lines[:5] + [",".join(fields)] + lines[6:10]
    (tmp_path / "nan.txt").write_text("\n".join(bad))
    with pytest.raises(FileFormatError, match=r"line 6, column 8: non-numeric value 'abc'"):
        read_trial(tmp_path / "nan.txt")
    (tmp_path / "cut.txt").write_text("\n".join(lines[:10]) + "\n" + lines[10][:300])
    with pytest.raises(FileFormatError, match="line 11: .* expected 117 .truncated"):
        read_trial(tmp_path / "cut.txt")
    (tmp_path / "bin.txt").write_bytes(b"\x00\x01\x02garbage" * 20)
    with pytest.raises(FileFormatError, match="binary data"):
        read_trial(tmp_path / "bin.txt")
