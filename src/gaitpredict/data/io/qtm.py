"""Qualisys QTM TSV exports: 6DOF (segment poses -> joint angles) and 3D (markers).

No maintained Python reader exists, so this one is ours. A TSV export starts with
tab-separated `KEY<TAB>value...` header lines (`FILE_VERSION` in newer files, `NO_OF_FRAMES`,
`FREQUENCY`, `DATA_INCLUDED` 3D|6D, `MARKER_NAMES` or `BODY_NAMES`, ...), then an optional
column row (`Frame Time ...`), then one line per frame.

6D: each body has X Y Z Roll Pitch Yaw Residual and usually Rot[0]..Rot[8], the rotation
matrix in column-major order. Without Rot columns, Roll/Pitch/Yaw are QTM's default
rotating-axes X-Y-Z angles (R = Rx(roll) Ry(pitch) Rz(yaw)). A joint's angle comes from the
relative rotation of its two segments, R_parent^T R_child, in the frames of `rotations.py`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from scipy.spatial.transform import Rotation

from ...errors import ChannelError, FileFormatError, FrameCountError, MissingAnglesError
from ..channels import joint_channels
from ..plausibility import refuse_duplicates
from ..rotations import angles_from_matrices, matrices_from_angles
from ..trial import Trial
from ._text import parse_table, read_text, refuse_impossible
from .markers import Markers, unique_labels

# catalog joint -> (parent body, child body)
DEFAULT_SEGMENTS = {
    "l_hip": ("pelvis", "thigh_l"),
    "r_hip": ("pelvis", "thigh_r"),
    "l_knee": ("thigh_l", "shank_l"),
    "r_knee": ("thigh_r", "shank_r"),
    "l_ankle": ("shank_l", "foot_l"),
    "r_ankle": ("shank_r", "foot_r"),
    "l_shoulder": ("thorax", "upperarm_l"),
    "r_shoulder": ("thorax", "upperarm_r"),
    "l_elbow": ("upperarm_l", "forearm_l"),
    "r_elbow": ("upperarm_r", "forearm_r"),
}
ROTATION_TOLERANCE = 1e-3
_BODY_FIELDS_ROT = ["X", "Y", "Z", "Roll", "Pitch", "Yaw", "Residual"] + [
    f"Rot[{i}]" for i in range(9)
]


def _parse(path: Path):
    """Header dict (key -> list of values), data table, and the data's first line number."""
    lines = read_text(path, "a QTM TSV export").splitlines()
    header: dict[str, list[str]] = {}
    i = 0
    while i < len(lines):
        fields = lines[i].rstrip("\r\n").split("\t")
        key = fields[0].strip()
        if not key or not key.replace("_", "").isalpha() or not key.isupper():
            break
        if key in header:
            raise FileFormatError(f"{path}, line {i + 1}: header key {key} appears twice")
        header[key] = [f.strip() for f in fields[1:]]
        i += 1
    if "NO_OF_FRAMES" not in header and "FREQUENCY" not in header:
        raise FileFormatError(
            f"{path}, line 1: expected a QTM TSV header (NO_OF_FRAMES, "
            f"FREQUENCY, ...), got {lines[0][:40]!r}"
        )
    columns = None
    if i < len(lines) and lines[i].split("\t")[0].strip() == "Frame":
        columns = [c.strip() for c in lines[i].split("\t")]
        i += 1
    return header, columns, lines[i:], i + 1


def _number(path, header, key, kind=float):
    if key not in header or not header[key]:
        raise FileFormatError(f"{path}: header has no {key}; expected '{key}<TAB>value'")
    try:
        return kind(header[key][0])
    except ValueError:
        raise FileFormatError(f"{path}: {key} is {header[key][0]!r}, expected a number") from None


def _table(path, header, columns, rows, first_line, per_item, n_items):
    lead = 2 if columns else 0
    values = parse_table(path, rows, first_line, lead + per_item * n_items, "\t")
    n_frames = _number(path, header, "NO_OF_FRAMES", int)
    if values.shape[0] != n_frames:
        raise FrameCountError(
            f"{path}: NO_OF_FRAMES is {n_frames}, but {values.shape[0]} data lines follow"
        )
    return values[:, lead:].reshape(values.shape[0], n_items, per_item)


def read_qtm_markers(path) -> Markers:
    """A 3D export's marker trajectories in mm; QTM writes unseen markers as 0 0 0 -> NaN."""
    path = Path(path)
    header, columns, rows, first = _parse(path)
    rate = _number(path, header, "FREQUENCY")
    if header.get("DATA_INCLUDED", ["3D"])[0] != "3D":
        raise FileFormatError(f"{path}: DATA_INCLUDED is {header['DATA_INCLUDED'][0]}, not 3D")
    names = header.get("MARKER_NAMES")
    if not names:
        raise FileFormatError(f"{path}: header has no MARKER_NAMES")
    xyz = _table(path, header, columns, rows, first, 3, len(names))
    xyz[np.all(xyz == 0.0, axis=2)] = np.nan
    return Markers(xyz, unique_labels(names), rate, "mm", path)


def read_qtm_tsv(
    path,
    segments: dict[str, tuple[str, str]] | None = None,
    subject: str = "unknown",
    trial_id: str | None = None,
) -> Trial:
    """Joint angles from a 6DOF export; `segments` maps catalog joints to (parent, child)."""
    path = Path(path)
    header, columns, rows, first = _parse(path)
    rate = _number(path, header, "FREQUENCY")
    included = header.get("DATA_INCLUDED", ["3D"])[0]
    if included != "6D":
        raise MissingAnglesError(
            f"{path}: a {included} (marker) export; joint angles need a "
            "segment model or a 6DOF export. Use read_qtm_markers()"
        )
    bodies = header.get("BODY_NAMES")
    if not bodies:
        raise FileFormatError(f"{path}: 6D export without BODY_NAMES")
    refuse_duplicates(bodies, path, "BODY_NAMES")
    has_rot = columns is None or any(c.startswith("Rot[") for c in columns)
    per_body = 16 if has_rot else 7
    data = _table(path, header, columns, rows, first, per_body, len(bodies))
    poses = {}
    for b, name in enumerate(bodies):
        block = data[:, b]
        if has_rot:
            mats = block[:, 7:16].reshape(-1, 3, 3).transpose(0, 2, 1)  # column-major
            bad = np.isnan(mats).any(axis=(1, 2)) | (np.abs(mats).sum(axis=(1, 2)) == 0)
            mats[bad] = np.eye(3)
            _refuse_non_rotations(path, name, mats, first)
            rot = Rotation.from_matrix(mats)
        else:
            rpy = block[:, 3:6]
            refuse_impossible(path, rpy, first, 360.0, f"{name} roll/pitch/yaw angle")
            bad = np.isnan(rpy).any(axis=1)
            rot = Rotation.from_euler("XYZ", np.nan_to_num(rpy), degrees=True)
        poses[name] = (rot, bad)
    return _angles_from_poses(
        path, poses, segments or DEFAULT_SEGMENTS, rate, subject, trial_id or path.stem
    )


def _refuse_non_rotations(path, body: str, mats: np.ndarray, first_line: int) -> None:
    """Every stored matrix must be a rotation (orthonormal, det +1) to QTM's 6 decimals."""
    with np.errstate(invalid="ignore", over="ignore"):
        err = np.abs(mats @ mats.transpose(0, 2, 1) - np.eye(3)).max(axis=(1, 2))
        det = np.linalg.det(np.nan_to_num(mats, nan=0.0, posinf=1e300, neginf=-1e300))
    bad = ~(err <= ROTATION_TOLERANCE) | ~(np.abs(det - 1.0) <= ROTATION_TOLERANCE)
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise FileFormatError(
            f"{path}, line {first_line + k}, body {body!r}: Rot[0..8] is not a rotation matrix "
            f"(orthonormality error {err[k]:.3g}, determinant {det[k]:.3g}); "
            f"{int(bad.sum())} such frame(s)"
        )


def _angles_from_poses(path, poses, segments, rate, subject, trial_id) -> Trial:
    cols, names = [], []
    for catalog, (parent, child) in segments.items():
        if parent not in poses or child not in poses:
            continue
        side, joint = catalog[0], catalog[2:]
        (r_parent, bad_p), (r_child, bad_c) = poses[parent], poses[child]
        angles = angles_from_matrices(joint, side, r_parent.inv() * r_child)
        for ch in joint_channels(side, joint):
            series = angles[ch.rsplit("_", 1)[1]].copy()
            series[bad_p | bad_c] = np.nan
            cols.append(series)
            names.append(ch)
    if not names:
        raise ChannelError(
            f"{path}: no joint has both segments among bodies {sorted(poses)}; "
            f"expected pairs like {list(DEFAULT_SEGMENTS.values())[:2]} "
            "(pass segments={...})"
        )
    return Trial(
        np.stack(cols, axis=1), tuple(names), rate, subject=subject, trial_id=trial_id, source=path
    ).catalog_order()


def write_qtm_6d(trial: Trial, path, rot_columns: bool = True) -> None:
    """Write a trial as a QTM 6DOF TSV of the DEFAULT_SEGMENTS bodies (pelvis, thorax fixed)."""
    n = trial.n_frames
    poses = {"pelvis": Rotation.identity(n), "thorax": Rotation.identity(n)}
    for catalog, (parent, child) in DEFAULT_SEGMENTS.items():  # parents come first
        side, joint = catalog[0], catalog[2:]
        chans = joint_channels(side, joint)
        if not all(c in trial.channels for c in chans):
            raise ChannelError(f"write_qtm_6d: trial lacks {chans}")
        angles = {c.rsplit("_", 1)[1]: trial[c] for c in chans}
        poses[child] = poses[parent] * matrices_from_angles(joint, side, angles)
    bodies = list(poses)
    head = [
        "FILE_VERSION\t2",
        f"NO_OF_FRAMES\t{n}",
        "NO_OF_CAMERAS\t8",
        f"NO_OF_BODIES\t{len(bodies)}",
        f"FREQUENCY\t{trial.rate_hz:g}",
        "NO_OF_ANALOG\t0",
        "ANALOG_FREQUENCY\t0",
        "DESCRIPTION\t--",
        "DATA_INCLUDED\t6D",
        "BODY_NAMES\t" + "\t".join(bodies),
    ]
    fields = _BODY_FIELDS_ROT if rot_columns else _BODY_FIELDS_ROT[:7]
    cols = ["Frame", "Time"] + [
        f"{b} {f}" if k == 0 else f for b in bodies for k, f in enumerate(fields)
    ]
    blocks = [np.arange(1, n + 1)[:, None], (np.arange(n) / trial.rate_hz)[:, None]]
    for b in bodies:
        rot = poses[b]
        parts = [np.zeros((n, 3)), rot.as_euler("XYZ", degrees=True), np.zeros((n, 1))]
        if rot_columns:
            parts.append(rot.as_matrix().transpose(0, 2, 1).reshape(n, 9))
        blocks.extend(parts)
    with open(path, "w") as fh:
        fh.write("\n".join(head) + "\n" + "\t".join(cols) + "\n")
        np.savetxt(fh, np.concatenate(blocks, axis=1), fmt="%.8f", delimiter="\t")
