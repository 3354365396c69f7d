"""Each kind of bad input named in issue 10 gets its specific error (or its documented
acceptance), on small fixture files; the fuzz suite (test_fuzz.py) covers the rest."""

import numpy as np
import pytest

from gaitpredict.cli import main
from gaitpredict.data.datasets import load_dataset
from gaitpredict.data.io import read_trial
from gaitpredict.data.plausibility import find_glitches
from gaitpredict.errors import (
    DatasetNotFoundError,
    FileFormatError,
    FrameCountError,
    GaitDataError,
)

from .conftest import CMU_DIR, FIXTURES, need

FORMATS = FIXTURES / "formats"


def _edit(tmp_path, name, old, new, count=1, out=None):
    text = (FORMATS / name).read_text()
    assert old in text, old
    path = tmp_path / (out or name)
    path.write_text(text.replace(old, new, count))
    return path


def _data_line(name, k):
    """The k-th line (0-based) of a fixture, as text."""
    return (FORMATS / name).read_text().splitlines()[k]


@pytest.mark.parametrize("value", ["1e30", "-1e30", "inf", "Infinity"])
def test_impossible_values_are_refused_in_every_text_format(tmp_path, value):
    line = _data_line("walking.csv", 5)
    fields = line.split(",")
    fields[16] = value  # r_knee_flex
    path = _edit(tmp_path, "walking.csv", line, ",".join(fields))
    with pytest.raises(GaitDataError, match=r"walking.csv, frame 4, channel 'r_knee_flex'"):
        read_trial(path)
    line = _data_line("walking.txt", 3)
    fields = line.split(",")
    fields[30] = value  # an exp-map component of the right hip
    with pytest.raises(FileFormatError, match=r"walking.txt, line 4, column 31"):
        read_trial(_edit(tmp_path, "walking.txt", line, ",".join(fields)))
    bvh = (FORMATS / "walking.bvh").read_text().splitlines()
    first = bvh.index("MOTION") + 4  # the first frame after the T-pose
    fields = bvh[first].split()
    fields[10] = value
    with pytest.raises(FileFormatError, match=rf"walking.bvh, line {first + 1}, column 11"):
        read_trial(_edit(tmp_path, "walking.bvh", bvh[first], " ".join(fields)))


def test_nan_is_a_gap_in_every_text_format(tmp_path):
    line = _data_line("walking.csv", 5)
    fields = line.split(",")
    fields[16] = "nan"
    trial = read_trial(_edit(tmp_path, "walking.csv", line, ",".join(fields)))
    assert np.isnan(trial["r_knee_flex"][4]) and np.isfinite(trial["r_knee_flex"][5])


def test_duplicate_names_and_keys_are_refused(tmp_path):
    with pytest.raises(FileFormatError, match=r"duplicate column names: 'l_hip_flex' \(2 times\)"):
        read_trial(_edit(tmp_path, "walking.csv", "l_hip_abd,", "l_hip_flex,"))
    with pytest.raises(FileFormatError, match="duplicate column names: 'knee_angle_r'"):
        read_trial(_edit(tmp_path, "ik.mot", "knee_angle_l", "knee_angle_r"))
    with pytest.raises(FileFormatError, match="duplicate joint names: 'LeftLeg'"):
        read_trial(_edit(tmp_path, "walking.bvh", "JOINT RightLeg", "JOINT LeftLeg"))
    with pytest.raises(FileFormatError, match="duplicate BODY_NAMES: 'thigh_l'"):
        read_trial(_edit(tmp_path, "walking.tsv", "\tthigh_r\t", "\tthigh_l\t"))
    with pytest.raises(FileFormatError, match="line 6: header key FREQUENCY appears twice"):
        read_trial(
            _edit(tmp_path, "walking.tsv", "FREQUENCY\t120\n", "FREQUENCY\t120\nFREQUENCY\t100\n")
        )  # noqa: E501


def test_short_rows_and_truncation_are_refused_not_padded(tmp_path):
    for name, sep in (("walking.csv", ","), ("ik.mot", "\t")):
        lines = (FORMATS / name).read_text().splitlines()
        k = len(lines) - 5
        short = sep.join(lines[k].split(sep)[:-1])
        with pytest.raises(FileFormatError, match=rf"line {k + 1}: \d+ fields, expected"):
            read_trial(_edit(tmp_path, name, lines[k], short))
    raw = (FORMATS / "walking.csv").read_bytes()
    cut = raw.rindex(b",")  # inside the last row: '16.' would still parse as a number
    (tmp_path / "cut.csv").write_bytes(raw[: cut + 4])
    with pytest.raises(FileFormatError, match="no line end, as in a truncated file"):
        read_trial(tmp_path / "cut.csv")


def test_header_problems_get_specific_errors(tmp_path):
    with pytest.raises(FileFormatError, match="Frame Time nan; expected a period"):
        read_trial(_edit(tmp_path, "walking.bvh", "Frame Time: .0083333", "Frame Time: nan"))
    text = (FORMATS / "ik.mot").read_text()
    (tmp_path / "end.mot").write_text(text[: text.index("endheader") + len("endheader\n")])
    with pytest.raises(FileFormatError, match="ends at 'endheader'"):
        read_trial(tmp_path / "end.mot")
    with pytest.raises(FileFormatError, match="inDegrees=no \\(radians\\), but .* can only be"):
        read_trial(_edit(tmp_path, "ik.mot", "inDegrees=yes", "inDegrees=no"))
    lines = (FORMATS / "walking.csv").read_text().splitlines()
    bad_time = "abc" + lines[3][lines[3].index(",") :]
    with pytest.raises(FileFormatError, match=r"line 4, column 'time_s': non-numeric value 'abc'"):
        read_trial(_edit(tmp_path, "walking.csv", lines[3], bad_time))


def test_qtm_matrices_must_be_rotations(tmp_path):
    lines = (FORMATS / "walking.tsv").read_text().splitlines()
    k = next(i for i, ln in enumerate(lines) if ln.startswith("Frame\t")) + 3
    fields = lines[k].split("\t")
    fields[2 + 16 * 2 + 7] = "1e30"  # thigh_l Rot[0]
    with pytest.raises(FileFormatError, match=rf"line {k + 1}, body 'thigh_l': .* not a rotation"):
        read_trial(_edit(tmp_path, "walking.tsv", lines[k], "\t".join(fields)))


def test_c3d_header_checks(tmp_path):
    ezc3d = pytest.importorskip("ezc3d", reason="making damaged C3D files needs the c3d extra")
    raw = (FORMATS / "walking.c3d").read_bytes()
    (tmp_path / "half.c3d").write_bytes(raw[: len(raw) // 2 + 700])
    with pytest.raises(FrameCountError, match="declares 30 frames .* holds \\d+ \\(truncated"):
        read_trial(tmp_path / "half.c3d")
    c = ezc3d.c3d(str(FORMATS / "walking.c3d"))
    c["parameters"]["POINT"]["SCALE"]["value"] = [float("nan")]
    c.write(str(tmp_path / "nan_scale.c3d"))
    with pytest.raises(FileFormatError, match="nan_scale.c3d: .*(scale|SCALE)"):
        read_trial(tmp_path / "nan_scale.c3d")
    c = ezc3d.c3d(str(FORMATS / "walking.c3d"))
    labels = list(c["parameters"]["POINT"]["LABELS"]["value"])
    labels[labels.index("RKneeAngles")] = "LKneeAngles"
    c["parameters"]["POINT"]["LABELS"]["value"] = labels
    c.write(str(tmp_path / "dup.c3d"))
    with pytest.raises(FileFormatError, match=r"duplicate angle labels .*'LKneeAngles' \(2 times"):
        read_trial(tmp_path / "dup.c3d")


def test_folders_and_messages_name_what_is_wrong(tmp_path, capsys):
    assert main(["data", "info", "--data", str(tmp_path / "nope")]) == 2
    assert "nope: no such folder" in capsys.readouterr().err
    (tmp_path / "S1").mkdir()
    (tmp_path / "S1" / "a.csv").write_bytes((FORMATS / "walking.csv").read_bytes())
    (tmp_path / "S1" / "b.csv").write_bytes((FORMATS / "walking.csv").read_bytes()[:1000])
    assert main(["data", "info", "--data", str(tmp_path)]) == 2
    assert "S1/b.csv, line " in capsys.readouterr().err
    assert main(["data", "info", "--data", str(tmp_path), "--skip-bad"]) == 0
    assert "skipped  S1/b.csv:" in capsys.readouterr().out
    ds = load_dataset(tmp_path, skip_bad=True)
    assert [t.trial_id for t in ds.trials] == ["S1/a.csv"] and ds.skipped[0][0] == "S1/b.csv"
    (tmp_path / "subjects.csv").write_text("file,subject\nS1/a.csv,P1\nS1/c.csv,P2\n")
    with pytest.raises(DatasetNotFoundError, match="line 3: 'S1/c.csv' is not a file"):
        load_dataset(tmp_path)


def test_evaluate_names_a_file_too_short_for_a_window(tmp_path, capsys):
    from gaitpredict.models import create_model
    from gaitpredict.training.checkpoint import save_checkpoint
    from gaitpredict.windowing.spec import WindowSpec

    spec = WindowSpec.create("legs", "r_knee_flex", 250, 100, 120.0)
    save_checkpoint(tmp_path / "m.pt", create_model("hold", spec), "hold", {}, spec)
    lines = (FORMATS / "walking.csv").read_text().splitlines()
    (tmp_path / "short.csv").write_text("\n".join(lines[:20]) + "\n")
    assert main(["evaluate", str(tmp_path / "m.pt"), str(tmp_path / "short.csv")]) == 2
    err = capsys.readouterr().err
    assert "short.csv (19 frames)" in err and "42 frames at 120 Hz" in err


def test_glitches_are_reported_and_can_become_gaps():
    path = need(CMU_DIR) / "test/walking/walking_1.txt"
    trial = read_trial(path)
    ankle = [g for g in find_glitches(trial) if g.channel == "l_ankle_flex"]
    # the example: -7.7, 21.5, 24.8, 8.1, -28.6 deg at frames 95-104
    assert any(95 <= g.frame <= 104 and abs(g.jump_deg) > 20 for g in ankle)
    gapped = read_trial(path, glitches="gap")
    jump_up = next(g for g in ankle if 95 <= g.frame <= 104 and g.jump_deg > 20)
    assert np.isnan(gapped["l_ankle_flex"][jump_up.frame])  # the frame the jump lands on
    assert find_glitches(gapped) == []  # what stays is within reach of its neighbours
    untouched = ~np.isnan(gapped.angles_deg)
    np.testing.assert_array_equal(gapped.angles_deg[untouched], trial.angles_deg[untouched])
