"""BVH, C3D, QTM TSV, OpenSim and CSV readers on real files or fixtures made from real angles."""

import numpy as np
import pytest

from gaitpredict.data.io import read_trial
from gaitpredict.data.io.bvh import write_bvh
from gaitpredict.errors import ChannelError, FileFormatError, FrameCountError, MissingAnglesError

from .conftest import OPENCAP_DIR, need


def _max_diff(a, b):
    return np.abs(a.select(b.channels).angles_deg - b.angles_deg).max()


# --- BVH ------------------------------------------------------------------------------------
def test_bvh_round_trip_of_a_cmu_trial(walking_head, tmp_path):
    write_bvh(walking_head, tmp_path / "w.bvh")
    back = read_trial(tmp_path / "w.bvh")
    assert back.n_frames == walking_head.n_frames  # the T-pose frame was dropped
    assert back.rate_hz == 120.0
    assert _max_diff(back, walking_head) < 0.01


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


def test_bvh_frame_count_mismatch(walking_head, tmp_path):
    write_bvh(walking_head, tmp_path / "w.bvh")
    lines = (tmp_path / "w.bvh").read_text().splitlines()
    (tmp_path / "short.bvh").write_text("\n".join(lines[:-3]) + "\n")
    with pytest.raises(FrameCountError, match="Frames: 81, but 78 motion lines"):
        read_trial(tmp_path / "short.bvh")


def test_bvh_unknown_joints_and_garbage(tmp_path, walking_head):
    write_bvh(walking_head, tmp_path / "w.bvh")
    with pytest.raises(ChannelError, match="none of the joints"):
        read_trial(tmp_path / "w.bvh", joint_map={"Knee": "r_knee"})
    (tmp_path / "g.bvh").write_text("hello\nworld\n")
    with pytest.raises(FileFormatError, match="line 1: expected 'HIERARCHY'"):
        read_trial(tmp_path / "g.bvh")


# --- QTM TSV --------------------------------------------------------------------------------
@pytest.mark.parametrize("rot_columns", [True, False])
def test_qtm_6d_round_trip(walking_head, tmp_path, rot_columns):
    from gaitpredict.data.io.qtm import write_qtm_6d

    write_qtm_6d(walking_head, tmp_path / "w.tsv", rot_columns=rot_columns)
    back = read_trial(tmp_path / "w.tsv")
    assert back.rate_hz == 120.0 and back.n_frames == walking_head.n_frames
    assert _max_diff(back, walking_head) < 1e-4


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


def test_one_recording_two_readers_same_catalog_angles():
    """cgspeed BVH and exp-map text of CMU trial 07_01: the T-pose frame is dropped and the
    BVH rest pose's 20 deg thigh splay is measured out of hip abduction."""
    from .conftest import SHARED

    bvh = read_trial(need(SHARED / "cmu_bvh_sample" / "07_01.bvh"))
    expmap = read_trial(need(SHARED / "cmu_walking" / "train/walking/walking_4.txt"))
    assert bvh.n_frames == expmap.n_frames == 316
    assert bvh.channels == expmap.channels and len(bvh.channels) == 20
    np.testing.assert_allclose(bvh.angles_deg, expmap.angles_deg, atol=0.01)
    assert np.nanmax(bvh["l_shoulder_abd"]) < 60.0  # no T-pose frame left


@pytest.mark.parametrize("splay_deg", [0.0, 20.0, 35.0])
def test_bvh_rest_pose_splay_comes_from_the_offsets(tmp_path, splay_deg):
    """Zero joint rotations on a rest pose whose thigh is turned outward by `splay_deg` (the
    knee's OFFSET) is a hip abducted by exactly that much, from whatever rest pose."""
    x, y = 40 * np.sin(np.radians(splay_deg)), -40 * np.cos(np.radians(splay_deg))
    text = f"""HIERARCHY
ROOT Hips
{{
  OFFSET 0 0 0
  CHANNELS 6 Xposition Yposition Zposition Zrotation Yrotation Xrotation
  JOINT LeftUpLeg
  {{
    OFFSET 9 -5 0
    CHANNELS 3 Zrotation Yrotation Xrotation
    JOINT LeftLeg
    {{
      OFFSET {x:.6f} {y:.6f} 0
      CHANNELS 3 Zrotation Yrotation Xrotation
      End Site
      {{
        OFFSET 0 -40 0
      }}
    }}
  }}
}}
MOTION
Frames: 2
Frame Time: 0.01
0 0 0 0 0 0 0 0 0 0 0 0
0 0 0 0 0 0 0 0 0 0 0 0
"""
    (tmp_path / "s.bvh").write_text(text)
    trial = read_trial(tmp_path / "s.bvh", drop_tpose=False)
    np.testing.assert_allclose(trial["l_hip_abd"], [splay_deg] * 2, atol=1e-9)
    np.testing.assert_allclose(trial["l_hip_flex"], [0.0] * 2, atol=1e-9)
    np.testing.assert_allclose(trial["l_knee_flex"], [0.0] * 2, atol=1e-9)


def test_a_bvh_leg_never_captured_is_read_as_missing():
    """cmu_bvh_activities/79_04.bvh: every rotation of the right leg is 0 in all 909 frames
    (its README); the hip's abduction then reads a constant 20 deg splay, also not recorded."""
    from gaitpredict.errors import ChannelError
    from gaitpredict.evaluation.predictor import load_predictor

    from .conftest import SHARED, need

    path = need(SHARED / "cmu_bvh_activities" / "79_04.bvh")
    with pytest.warns(UserWarning, match="r_hip_flex, r_hip_abd, r_hip_rot, r_knee_flex"):
        trial = read_trial(path)
    right_leg = ["r_hip_flex", "r_hip_abd", "r_hip_rot", "r_knee_flex", "r_ankle_flex",
                 "r_ankle_rot"]  # fmt: skip
    assert trial.meta["unrecorded"] == right_leg
    assert not set(right_leg) & set(trial.channels) and "l_knee_flex" in trial.channels
    with pytest.raises(ChannelError, match=r"79_04.bvh: missing channel\(s\).*an exporter's"):
        load_predictor("pretrained:knee-100ms-legs").predict(trial)
