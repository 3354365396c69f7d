"""C3D reader: Plug-in Gait angle points, real McGill/sample files, format variants.

Only this file needs the optional c3d extra (ezc3d); without it these tests, and no others,
are skipped.
"""

import csv

import numpy as np
import pytest

pytest.importorskip("ezc3d", reason="C3D tests need the c3d extra (ezc3d)")

from gaitpredict.data.io import read_trial  # noqa: E402
from gaitpredict.errors import FileFormatError, MissingAnglesError  # noqa: E402

from .conftest import C3D_DIR, MCGILL_DIR, need  # noqa: E402


def test_c3d_angle_points_round_trip(walking_head, tmp_path):
    from gaitpredict.data.io.c3d import write_c3d_angles

    write_c3d_angles(walking_head, tmp_path / "w.c3d")
    back = read_trial(tmp_path / "w.c3d")
    assert back.rate_hz == 120.0 and back.channels == walking_head.channels
    assert _max_diff(back, walking_head) < 1e-3  # C3D stores float32


def test_mcgill_plug_in_gait_angles_match_manifest():
    folder = need(MCGILL_DIR)
    rows = list(csv.DictReader(open(folder / "MANIFEST.csv")))
    assert len(rows) == 24
    for row in rows:
        trial = read_trial(folder / row["file"])
        assert trial.rate_hz == 100.0 and trial.n_frames == int(row["frames"])
        knee = trial["r_knee_flex"]
        assert np.nanmin(knee) == pytest.approx(float(row["r_knee_min"]), abs=0.05)
        assert np.nanmax(knee) == pytest.approx(float(row["r_knee_max"]), abs=0.05)
        computed = row["angle_points_computed"].split()
        for joint in ("Hip", "Knee", "Ankle", "Shoulder", "Elbow"):
            has = f"r_{joint.lower()}_flex" in trial.channels
            assert has == (f"R{joint}Angles" in computed), (row["file"], joint)


def test_every_c3d_sample_reads_or_fails_specifically():
    from gaitpredict.data.io.c3d import read_c3d_markers

    folder = need(C3D_DIR)
    for row in csv.DictReader(open(folder / "MANIFEST.csv")):
        markers = read_c3d_markers(folder / row["file"])
        if not row["point_rate_hz"]:  # ezc3d could not read it when the manifest was made
            assert row["file"] == "sgi_int.c3d" and markers.rate_hz == 50.0
            continue
        assert markers.rate_hz == float(row["point_rate_hz"]), row["file"]
        assert markers.positions.shape[:2] == (int(row["frames"]), int(row["points"]))
        if row["nan_point_samples"]:
            assert np.isnan(markers.positions[..., 0]).sum() == int(row["nan_point_samples"])
        with pytest.raises(MissingAnglesError, match="segment model"):
            read_trial(folder / row["file"])


def test_c3d_format_variants_hold_identical_data():
    from gaitpredict.data.io.c3d import read_c3d_markers

    folder = need(C3D_DIR)
    pc, dec = read_c3d_markers(folder / "pc_real.c3d"), read_c3d_markers(folder / "dec_real.c3d")
    np.testing.assert_array_equal(pc.positions, dec.positions)
    sgi = read_c3d_markers(folder / "sgi_int.c3d")  # MIPS: ezc3d refuses, `c3d` reads it
    assert sgi.labels == pc.labels
    np.testing.assert_array_equal(np.isnan(sgi.positions), np.isnan(pc.positions))
    assert np.nanmax(np.abs(sgi.positions - pc.positions)) < 0.5  # integer storage, mm
    pr, vi = read_c3d_markers(folder / "Eb015pr.c3d"), read_c3d_markers(folder / "Eb015vi.c3d")
    np.testing.assert_allclose(pr.positions, vi.positions, atol=1e-3)


def test_duplicate_and_prefixed_labels():
    from gaitpredict.data.io.c3d import read_c3d_markers

    folder = need(C3D_DIR)
    dup = read_c3d_markers(folder / "duplicate_labels.c3d")
    assert len(set(dup.labels)) == len(dup.labels) == 48
    assert any("#2" in label for label in dup.labels)
    tennis = read_c3d_markers(folder / "kinematics_tennis_serve_nan.c3d")
    assert tennis.labels[0] == "Derrick:C7" and tennis.units == "m"


def test_c3d_garbage(tmp_path):
    (tmp_path / "x.c3d").write_bytes(b"\x01\x50" + b"\x00" * 600)
    with pytest.raises(FileFormatError, match="x.c3d"):
        read_trial(tmp_path / "x.c3d")


def _max_diff(a, b):
    return np.abs(a.select(b.channels).angles_deg - b.angles_deg).max()


def test_angle_points_that_are_zero_in_every_frame_are_not_recorded(walking_head, tmp_path):
    """What some exporters write for "no data": the right knee's points all exactly 0 with
    valid residuals. Read as missing, and a model that needs it says why."""
    from dataclasses import replace

    from gaitpredict.data.io.c3d import write_c3d_angles
    from gaitpredict.errors import ChannelError

    angles = walking_head.angles_deg.copy()
    knee = walking_head.channels.index("r_knee_flex")
    angles[:, knee] = 0.0
    write_c3d_angles(replace(walking_head, angles_deg=angles), tmp_path / "zero.c3d")
    with pytest.warns(UserWarning, match=r"zero.c3d: channel\(s\) r_knee_flex hold exactly"):
        back = read_trial(tmp_path / "zero.c3d")
    assert "r_knee_flex" not in back.channels and back.meta["unrecorded"] == ["r_knee_flex"]
    assert "l_knee_flex" in back.channels
    with pytest.raises(ChannelError, match=r"zero.c3d: missing channel\(s\) \['r_knee_flex'\] "
                       r"\(r_knee_flex: one exact value in every frame"):  # fmt: skip
        back.select(["r_knee_flex"])
