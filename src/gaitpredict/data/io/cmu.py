"""Reader for the CMU exponential-map text format (the human-motion-prediction literature's).

One frame per line, 117 comma-separated values: root position (3) then 38 joints x 3
exponential-map values (radians). The first line is a reference pose and is dropped. Rate:
120 Hz. Missing data is written as zeros: a frame whose joint rotations are all exactly zero,
or a 3-DOF hip or shoulder at exactly zero (the T-pose, never a walking posture), becomes NaN.
Exact zeros at knees, elbows and ankles are kept: they are CMU's IK clamping a joint at its
limit (e.g. a straight knee in stance, runs of 10-80 frames).

The stored rotations act on row vectors; the joint rotation M used by `rotations.py` is the
inverse. The CMU skeleton's rest pose splays each femur 20 degrees outward (ASF `direction
0.342 -0.940 0`); hips are measured from vertical legs by composing M with Rz(s * 20 deg).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from scipy.spatial.transform import Rotation

from ...errors import FileFormatError
from ..channels import joint_channels
from ..rotations import SIDE_SIGN, angles_from_matrices
from ..trial import Trial
from ._text import parse_table, read_text, refuse_impossible, refuse_unterminated

RATE_HZ = 120.0
N_VALUES = 117
FEMUR_SPLAY_DEG = 20.0
MAX_ABS_EXPMAP = 4 * np.pi  # rad; a rotation needs a vector of length <= pi (2 pi unwrapped)
MAX_ABS_POSITION = 1e5
# catalog joint -> CMU joint index (see ../shared/data/cmu_walking/README.md)
JOINT_INDEX = {
    "l": {"hip": 2, "knee": 3, "ankle": 4, "shoulder": 21, "elbow": 22},
    "r": {"hip": 8, "knee": 9, "ankle": 10, "shoulder": 30, "elbow": 31},
}


def expmaps_to_trial_angles(values: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """(frames, 117) exponential-map rows -> (frames, channels) catalog angles in degrees."""
    cols, names = [], []
    for joint in ("shoulder", "elbow", "hip", "knee", "ankle"):
        for side in ("l", "r"):
            k = JOINT_INDEX[side][joint]
            expmap = values[:, 3 + 3 * k : 6 + 3 * k]
            rot = Rotation.from_rotvec(expmap).inv()
            if joint == "hip":
                rot = rot * Rotation.from_euler(
                    "Z", SIDE_SIGN[side] * FEMUR_SPLAY_DEG, degrees=True
                )
            angles = angles_from_matrices(joint, side, rot)
            missing = np.all(expmap == 0.0, axis=1) if joint in ("hip", "shoulder") else None
            for name in joint_channels(side, joint):
                series = angles[name.rsplit("_", 1)[1]]
                if missing is not None:
                    series[missing] = np.nan
                cols.append(series)
                names.append(name)
    return np.stack(cols, axis=1), names


def read_cmu_expmap(path, subject: str = "unknown", trial_id: str | None = None) -> Trial:
    path = Path(path)
    text = read_text(path, f"{N_VALUES} comma-separated values per line")
    lines = text.splitlines()
    if len(lines) < 2:
        raise FileFormatError(
            f"{path}: only {len(lines)} line(s); expected a reference-pose "
            "line followed by at least one frame"
        )
    if not lines[0].strip():
        raise FileFormatError(f"{path}, line 1: empty; expected the reference-pose line")
    parse_table(path, lines[:1], first_line_no=1, n_cols=N_VALUES, sep=",")
    values = parse_table(path, lines[1:], first_line_no=2, n_cols=N_VALUES, sep=",")
    refuse_unterminated(path, text)
    bounds = np.r_[[MAX_ABS_POSITION] * 3, [MAX_ABS_EXPMAP] * (N_VALUES - 3)]
    refuse_impossible(path, values, 2, bounds, "root position or exponential-map component")
    angles, names = expmaps_to_trial_angles(values)
    missing = np.all(values[:, 3:] == 0.0, axis=1)
    angles[missing] = np.nan
    height = values[~missing, 1]
    meta = {"pelvis_height": float(height.mean()) if height.size else float("nan")}
    return Trial(
        angles,
        tuple(names),
        RATE_HZ,
        subject=subject,
        trial_id=trial_id or path.stem,
        source=path,
        meta=meta,
    )
