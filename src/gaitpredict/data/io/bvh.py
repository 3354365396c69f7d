"""BVH (Biovision hierarchy) reader and writer, with CMU/cgspeed joint names by default.

A joint's rotation is composed from its rotation channels in the order they are listed
(`Zrotation Yrotation Xrotation` gives R = Rz Ry Rx) and turned into catalog angles by
`rotations.angles_from_matrices`; BVH frames are taken as the CMU skeleton's (x left, y up,
z forward). A rest pose whose thighs are turned outward (CMU/cgspeed: the knee's OFFSET
lies 20 deg off vertical) is measured out of the hip angles, so that hip abduction is zero
for vertical legs in every file, as in the CMU exp-map reader. Conversions add a T-pose first
frame (all rotations zero, or cgspeed's arms-out frame), which is detected and dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy.spatial.transform import Rotation

from ...errors import ChannelError, FileFormatError, FrameCountError
from ..channels import JOINT_DOFS, joint_channels
from ..plausibility import refuse_duplicates
from ..rotations import SIDE_SIGN, angles_from_matrices, matrices_from_angles
from ..trial import Trial
from ._text import parse_table, read_text, refuse_impossible

# BVH joint name -> catalog joint ("side_joint"), CMU/cgspeed 31-joint naming.
CMU_JOINT_MAP = {
    "LeftUpLeg": "l_hip",
    "LeftLeg": "l_knee",
    "LeftFoot": "l_ankle",
    "RightUpLeg": "r_hip",
    "RightLeg": "r_knee",
    "RightFoot": "r_ankle",
    "LeftArm": "l_shoulder",
    "LeftForeArm": "l_elbow",
    "RightArm": "r_shoulder",
    "RightForeArm": "r_elbow",
}
_AXES = {"Xrotation": "X", "Yrotation": "Y", "Zrotation": "Z"}
MAX_ABS_ROTATION_DEG = 3600.0  # ten turns: Euler channels may be unwrapped, 1e30 may not
MAX_ABS_POSITION = 1e6


@dataclass
class _Joint:
    name: str
    channels: list[str] = field(default_factory=list)
    first_column: int = 0
    offset: tuple[float, float, float] = (0.0, 0.0, 0.0)  # from the parent joint, rest pose


def _parse_hierarchy(path: Path, lines: list[str]) -> tuple[list[_Joint], int]:
    """Joints in file order with their channel columns; returns (joints, MOTION line index)."""
    joints: list[_Joint] = []
    column, end_site = 0, False
    for i, line in enumerate(lines):
        tokens = line.split()
        if not tokens:
            continue
        if tokens[0] in ("ROOT", "JOINT"):
            if len(tokens) < 2:
                raise FileFormatError(f"{path}, line {i + 1}: {tokens[0]} without a name")
            joints.append(_Joint(tokens[1]))
        elif tokens[0] == "End":
            end_site = True
        elif tokens[0] == "OFFSET":
            try:
                offset = tuple(float(t) for t in tokens[1:4])
            except ValueError:
                raise FileFormatError(f"{path}, line {i + 1}: OFFSET needs 3 numbers") from None
            if len(offset) != 3 or not np.isfinite(offset).all():
                raise FileFormatError(f"{path}, line {i + 1}: OFFSET needs 3 finite numbers")
            if end_site:
                end_site = False
            elif joints:
                joints[-1].offset = offset
        elif tokens[0] == "CHANNELS":
            if not joints:
                raise FileFormatError(f"{path}, line {i + 1}: CHANNELS outside a joint")
            try:
                n = int(tokens[1])
            except (IndexError, ValueError):
                raise FileFormatError(f"{path}, line {i + 1}: CHANNELS needs a count") from None
            if len(tokens) != n + 2:
                raise FileFormatError(
                    f"{path}, line {i + 1}: CHANNELS {n} lists {len(tokens) - 2} channel names"
                )
            joints[-1].channels = tokens[2:]
            joints[-1].first_column = column
            column += n
        elif tokens[0] == "MOTION":
            return joints, i
    raise FileFormatError(f"{path}: no MOTION section; expected a BVH file")


def read_bvh(
    path,
    joint_map: dict[str, str] | None = None,
    subject: str = "unknown",
    trial_id: str | None = None,
    drop_tpose: bool = True,
) -> Trial:
    """Read catalog joint angles from a BVH file; `joint_map` maps BVH joints to catalog joints.

    Joints missing from the file are left out of the trial (their channels are absent).
    """
    path = Path(path)
    joint_map = CMU_JOINT_MAP if joint_map is None else joint_map
    lines = read_text(path, "a BVH file (HIERARCHY ... MOTION)").splitlines()
    if not lines[0].strip().startswith("HIERARCHY"):
        raise FileFormatError(f"{path}, line 1: expected 'HIERARCHY', got {lines[0][:30]!r}")
    joints, motion = _parse_hierarchy(path, lines)
    refuse_duplicates([j.name for j in joints], path, "joint names")
    n_frames, frame_time = _motion_header(path, lines, motion)
    n_cols = sum(len(j.channels) for j in joints)
    data_lines = [ln for ln in lines[motion + 3 :] if ln.strip()]
    if len(data_lines) != n_frames:
        raise FrameCountError(
            f"{path}: header says Frames: {n_frames}, but {len(data_lines)} motion lines follow"
        )
    values = parse_table(path, data_lines, motion + 4, n_cols, None)
    bounds = [
        MAX_ABS_ROTATION_DEG if c in _AXES else MAX_ABS_POSITION for j in joints for c in j.channels
    ]
    refuse_impossible(path, values, motion + 4, bounds, "BVH channel value")
    by_name = {j.name: j for j in joints}
    unknown = [name for name, cat in joint_map.items() if cat[2:] not in JOINT_DOFS]
    if unknown:
        raise ChannelError(f"joint map names unknown catalog joints: {unknown}")
    cols, names = [], []
    for bvh_name, catalog in joint_map.items():
        if bvh_name not in by_name:
            continue
        side, joint = catalog[0], catalog[2:]
        rot = _joint_rotation(path, by_name[bvh_name], values)
        if joint == "hip":
            knee = by_name.get(next((b for b, c in joint_map.items() if c == f"{side}_knee"), ""))
            splay = _rest_splay_deg(knee.offset, side) if knee else 0.0
            rot = rot * Rotation.from_euler("Z", SIDE_SIGN[side] * splay, degrees=True)
        angles = angles_from_matrices(joint, side, rot)
        for ch in joint_channels(side, joint):
            cols.append(angles[ch.rsplit("_", 1)[1]])
            names.append(ch)
    if not names:
        raise ChannelError(
            f"{path}: none of the joints {sorted(joint_map)} is in the file "
            f"(it has {[j.name for j in joints]}); pass joint_map"
        )
    angles = np.stack(cols, axis=1)
    if drop_tpose and n_frames > 1 and _is_tpose(values[0], joints, angles[0], names):
        angles = angles[1:]
    trial = Trial(
        angles,
        tuple(names),
        rate_from_period(frame_time),
        subject=subject,
        trial_id=trial_id or path.stem,
        source=path,
    )
    return trial.catalog_order()


def rate_from_period(period_s: float) -> float:
    """1/period, snapped to the nearest 0.01 Hz when written with few digits (0.008333 s)."""
    rate = 1.0 / period_s
    snapped = round(rate)
    return float(snapped) if abs(rate - snapped) <= 1e-3 * rate else rate


def _motion_header(path, lines, motion) -> tuple[int, float]:
    try:
        frames_line, time_line = lines[motion + 1], lines[motion + 2]
        if not frames_line.strip().startswith("Frames:"):
            raise ValueError
        n_frames = int(frames_line.split(":")[1])
        if not time_line.strip().startswith("Frame Time:"):
            raise ValueError
        frame_time = float(time_line.split(":")[1])
    except (IndexError, ValueError):
        raise FileFormatError(
            f"{path}, line {motion + 2}: expected 'Frames: N' and "
            "'Frame Time: SECONDS' after MOTION"
        ) from None
    if not (np.isfinite(frame_time) and 0 < frame_time <= 10.0):
        raise FileFormatError(
            f"{path}, line {motion + 3}: Frame Time {frame_time:g}; expected a period in "
            "seconds, > 0 and <= 10"
        )
    if n_frames < 1:
        raise FileFormatError(f"{path}, line {motion + 2}: Frames: {n_frames}; expected >= 1")
    return n_frames, frame_time


def _rotation_columns(joint: _Joint) -> tuple[list[int], str]:
    idx = [joint.first_column + k for k, c in enumerate(joint.channels) if c in _AXES]
    order = "".join(_AXES[c] for c in joint.channels if c in _AXES)
    return idx, order


def _joint_rotation(path, joint: _Joint, values: np.ndarray) -> Rotation:
    idx, order = _rotation_columns(joint)
    if not idx:
        raise FileFormatError(f"{path}: joint {joint.name!r} has no rotation channels")
    return Rotation.from_euler(order, values[:, idx], degrees=True)


def _rest_splay_deg(child_offset, side: str) -> float:
    """How far the rest pose turns a thigh outward in the frontal plane, from the knee's
    offset below the hip: 0 for vertical legs, 20 deg in the CMU/cgspeed skeleton."""
    x, y, _ = child_offset
    if y >= 0:
        return 0.0
    return float(np.degrees(np.arctan2(SIDE_SIGN[side] * x, -y)))


def _is_tpose(row: np.ndarray, joints: list[_Joint], angles: np.ndarray, names) -> bool:
    """A conversion's added first frame: every joint rotation zero, or arms out (both
    shoulders abducted over 60 deg) with knees and elbows exactly straight, as cgspeed's
    T-pose frame (shoulders at 82 deg; nobody walks like that)."""
    idx = [i for j in joints[1:] for i in _rotation_columns(j)[0]]
    if idx and np.all(np.abs(row[idx]) < 1e-6):
        return True
    value = dict(zip(names, angles, strict=True))
    arms = [value.get(f"{s}_shoulder_abd") for s in "lr"]
    straight = [value.get(f"{s}_{j}_flex") for s in "lr" for j in ("knee", "elbow")]
    return all(a is not None and a > 60.0 for a in arms) and all(
        v is not None and abs(v) < 1e-6 for v in straight
    )


# --- writer -------------------------------------------------------------------------------
_SKELETON = [  # (name, parent, catalog joint or None, offset in cm)
    ("Hips", None, None, (0, 0, 0)),
    ("LeftUpLeg", "Hips", "l_hip", (9, -5, 0)),
    ("LeftLeg", "LeftUpLeg", "l_knee", (0, -42, 0)),
    ("LeftFoot", "LeftLeg", "l_ankle", (0, -40, 0)),
    ("RightUpLeg", "Hips", "r_hip", (-9, -5, 0)),
    ("RightLeg", "RightUpLeg", "r_knee", (0, -42, 0)),
    ("RightFoot", "RightLeg", "r_ankle", (0, -40, 0)),
    ("Spine", "Hips", None, (0, 45, 0)),
    ("LeftArm", "Spine", "l_shoulder", (17, 5, 0)),
    ("LeftForeArm", "LeftArm", "l_elbow", (28, 0, 0)),
    ("RightArm", "Spine", "r_shoulder", (-17, 5, 0)),
    ("RightForeArm", "RightArm", "r_elbow", (-28, 0, 0)),
]
_END_SITE = {
    "LeftFoot": (0, -3, 14),
    "RightFoot": (0, -3, 14),
    "LeftForeArm": (25, 0, 0),
    "RightForeArm": (-25, 0, 0),
}


def write_bvh(trial: Trial, path, tpose_frame: bool = True) -> None:
    """Write a trial's catalog joints as a BVH file (ZYX rotation channels, cm offsets).

    With `tpose_frame`, a first all-zero frame is written, as in CMU's own BVH files.
    """
    path = Path(path)
    needed = [ch for _, _, cat, _ in _SKELETON if cat for ch in joint_channels(cat[0], cat[2:])]
    missing = [ch for ch in needed if ch not in trial.channels]
    if missing:
        raise ChannelError(f"write_bvh: trial {trial.trial_id!r} lacks channels {missing}")
    if not np.isfinite(trial.select(needed).angles_deg).all():
        raise FileFormatError(f"write_bvh: trial {trial.trial_id!r} has gaps; fill them first")
    header, columns = _hierarchy_text(), []
    for _name, _parent, cat, _ in _SKELETON:
        if cat is None:
            columns.append(np.zeros((trial.n_frames, 6 if _parent is None else 3)))
            continue
        side, joint = cat[0], cat[2:]
        angles = {ch.rsplit("_", 1)[1]: trial[ch] for ch in joint_channels(side, joint)}
        zyx = matrices_from_angles(joint, side, angles).as_euler("ZYX", degrees=True)
        columns.append(zyx)
    motion = np.concatenate(columns, axis=1)
    if tpose_frame:
        motion = np.vstack([np.zeros((1, motion.shape[1])), motion])
    with open(path, "w") as fh:
        fh.write(header)
        fh.write(f"MOTION\nFrames: {motion.shape[0]}\nFrame Time: {1.0 / trial.rate_hz:.8f}\n")
        np.savetxt(fh, motion, fmt="%.6f")


def _hierarchy_text() -> str:
    children: dict[str | None, list] = {}
    for entry in _SKELETON:
        children.setdefault(entry[1], []).append(entry)
    out = ["HIERARCHY"]

    def emit(entry, depth):
        name, parent, _, offset = entry
        pad = "  " * depth
        out.append(f"{pad}{'ROOT' if parent is None else 'JOINT'} {name}")
        out.append(f"{pad}{{")
        out.append(f"{pad}  OFFSET {offset[0]:.4f} {offset[1]:.4f} {offset[2]:.4f}")
        chans = "Zrotation Yrotation Xrotation"
        out.append(
            f"{pad}  CHANNELS 6 Xposition Yposition Zposition {chans}"
            if parent is None
            else f"{pad}  CHANNELS 3 {chans}"
        )
        for child in children.get(name, []):
            emit(child, depth + 1)
        if name in _END_SITE:
            e = _END_SITE[name]
            out.append(
                f"{pad}  End Site\n{pad}  {{\n{pad}    OFFSET {e[0]} {e[1]} {e[2]}\n{pad}  }}"
            )
        out.append(f"{pad}}}")

    emit(children[None][0], 0)
    return "\n".join(out) + "\n"
