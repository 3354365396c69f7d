"""BVH, C3D, QTM TSV, OpenSim and CSV readers on real files or fixtures made from real angles."""

import csv

import numpy as np
import pytest

from gaitpredict.data.io import read_trial
from gaitpredict.data.io.bvh import write_bvh
from gaitpredict.errors import ChannelError, FileFormatError, FrameCountError, MissingAnglesError

from .conftest import C3D_DIR, MCGILL_DIR, OPENCAP_DIR, need


def _max_diff(a, b):
    return np.abs(a.select(b.channels).angles_deg - b.angles_deg).max()


# --- BVH ------------------------------------------------------------------------------------
def test_bvh_round_trip_of_a_cmu_trial(walking_1, tmp_path):
    write_bvh(walking_1, tmp_path / "w.bvh")
    back = read_trial(tmp_path / "w.bvh")
    assert back.n_frames == walking_1.n_frames  # the T-pose frame was dropped
    assert back.rate_hz == 120.0
    assert _max_diff(back, walking_1) < 0.01


def test_bvh_any_channel_order_and_custom_joint_names(tmp_path):
    text = """HIERARCHY
ROOT pelvis
{
  OFFSET 0 0 0
  CHANNELS 6 Xposition Yposition Zposition Xrotation Yrotation Zrotation
  JOINT shin_r
  {
    OFFSET 0 -40 0
    CHANNELS 3 Yrotation Xrotation Zrotation
    End Site
    {
      OFFSET 0 -40 0
    }
  }
}
MOTION
Frames: 2
Frame Time: 0.01
0 0 0 0 0 0 0 30 0
0 0 0 0 0 0 0 45 0
"""
    (tmp_path / "k.bvh").write_text(text)
    trial = read_trial(tmp_path / "k.bvh", joint_map={"shin_r": "r_knee"})
    assert trial.channels == ("r_knee_flex",) and trial.rate_hz == 100.0
    np.testing.assert_allclose(trial["r_knee_flex"], [30.0, 45.0])


def test_bvh_frame_count_mismatch(walking_1, tmp_path):
    write_bvh(walking_1, tmp_path / "w.bvh")
    lines = (tmp_path / "w.bvh").read_text().splitlines()
    (tmp_path / "short.bvh").write_text("\n".join(lines[:-3]) + "\n")
    with pytest.raises(FrameCountError, match="Frames: 359, but 356 motion lines"):
        read_trial(tmp_path / "short.bvh")


def test_bvh_unknown_joints_and_garbage(tmp_path, walking_1):
    write_bvh(walking_1, tmp_path / "w.bvh")
    with pytest.raises(ChannelError, match="none of the joints"):
        read_trial(tmp_path / "w.bvh", joint_map={"Knee": "r_knee"})
    (tmp_path / "g.bvh").write_text("hello\nworld\n")
    with pytest.raises(FileFormatError, match="line 1: expected 'HIERARCHY'"):
        read_trial(tmp_path / "g.bvh")


# --- C3D ------------------------------------------------------------------------------------
pytest.importorskip("ezc3d", reason="C3D tests need the c3d extra (ezc3d)")


def test_c3d_angle_points_round_trip(walking_1, tmp_path):
    from gaitpredict.data.io.c3d import write_c3d_angles

    write_c3d_angles(walking_1, tmp_path / "w.c3d")
    back = read_trial(tmp_path / "w.c3d")
    assert back.rate_hz == 120.0 and back.channels == walking_1.channels
    assert _max_diff(back, walking_1) < 1e-3  # C3D stores float32


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


# --- QTM TSV --------------------------------------------------------------------------------
@pytest.mark.parametrize("rot_columns", [True, False])
def test_qtm_6d_round_trip(walking_1, tmp_path, rot_columns):
    from gaitpredict.data.io.qtm import write_qtm_6d

    write_qtm_6d(walking_1, tmp_path / "w.tsv", rot_columns=rot_columns)
    back = read_trial(tmp_path / "w.tsv")
    assert back.rate_hz == 120.0 and back.n_frames == walking_1.n_frames
    assert _max_diff(back, walking_1) < 1e-4


def test_qtm_3d_markers_and_errors(tmp_path):
    from gaitpredict.data.io.qtm import read_qtm_markers

    head = (
        "NO_OF_FRAMES\t3\nNO_OF_CAMERAS\t8\nNO_OF_MARKERS\t2\nFREQUENCY\t100\n"
        "DATA_INCLUDED\t3D\nMARKER_NAMES\tLKNE\tRKNE\n"
    )
    rows = "1.0\t2.0\t3.0\t4.0\t5.0\t6.0\n0.000\t0.000\t0.000\t7\t8\t9\n1\t1\t1\t1\t1\t1\n"
    (tmp_path / "m.tsv").write_text(head + rows)
    m = read_qtm_markers(tmp_path / "m.tsv")
    assert m.labels == ("LKNE", "RKNE") and m.rate_hz == 100.0
    assert np.isnan(m["LKNE"][1]).all() and m["RKNE"][1].tolist() == [7, 8, 9]
    with pytest.raises(MissingAnglesError, match="3D .marker. export"):
        read_trial(tmp_path / "m.tsv")
    (tmp_path / "nofreq.tsv").write_text(head.replace("FREQUENCY\t100\n", "") + rows)
    with pytest.raises(FileFormatError, match="no FREQUENCY"):
        read_qtm_markers(tmp_path / "nofreq.tsv")
    (tmp_path / "short.tsv").write_text(head + rows.splitlines()[0] + "\n")
    with pytest.raises(FrameCountError, match="NO_OF_FRAMES is 3, but 1"):
        read_qtm_markers(tmp_path / "short.tsv")


# --- OpenSim and CSV -----------------------------------------------------------------------
def test_opencap_mot(tmp_path):
    path = need(OPENCAP_DIR) / "opencap_walking1.csv"
    trial = read_trial(path)
    assert trial.rate_hz == 60.0 and trial.n_frames == 3710
    assert -1 < trial["r_knee_flex"].min() and 65 < trial["r_knee_flex"].max() < 75
    assert "r_ankle_rot" not in trial.channels  # subtalar is inversion, not mapped
    lines = path.read_text().splitlines()
    (tmp_path / "cut.mot").write_text("\n".join(lines[:-10]))
    with pytest.raises(FileFormatError, match="nRows=3710, but the table has 3700"):
        read_trial(tmp_path / "cut.mot")


def test_generic_csv(tmp_path):
    (tmp_path / "a.csv").write_text("time,RKnee,LKnee\n0,10,20\n0.01,11,21\n0.02,12,22\n")
    trial = read_trial(tmp_path / "a.csv", mapping={"RKnee": "r_knee_flex", "LKnee": "l_knee_flex"})
    assert trial.rate_hz == 100.0 and trial["l_knee_flex"].tolist() == [20, 21, 22]
    (tmp_path / "b.csv").write_text("time,RKnee\n0,10\n0.01,x\n0.02,12\n")
    with pytest.raises(FileFormatError, match="line 3, column 'RKnee': non-numeric"):
        read_trial(tmp_path / "b.csv", mapping={"RKnee": "r_knee_flex"})
    (tmp_path / "c.csv").write_text("time,RKnee\n0,10\n0.01,11\n0.02,12\n0.04,13\n0.05,14\n")
    with pytest.raises(FileFormatError, match="line 5: time 0.04 s breaks"):
        read_trial(tmp_path / "c.csv", mapping={"RKnee": "r_knee_flex"})
    with pytest.raises(ChannelError, match="unknown channels"):
        read_trial(tmp_path / "a.csv", mapping={"RKnee": "r_knee"})
