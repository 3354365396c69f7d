"""OpenSim coordinate files (.mot / .sto, IK results), tab- or comma-separated.

The header ends at `endheader`; `inDegrees=no` means radians (converted). Coordinates map to
the catalog as below (adduction is negated to give abduction). `subtalar_angle_*` is ankle
inversion, a different degree of freedom from the catalog's `ankle_rot`, so it is not mapped.
Knee angles in gait2392-style models are negative in flexion; a knee column whose median is
below -5 degrees is negated, with a warning.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from ...errors import FileFormatError
from ..trial import Trial
from ._text import read_text, refuse_unterminated
from .table import frame_from_columns, table_from_lines

COORDINATES = {  # OpenSim coordinate (without _r/_l) -> (catalog joint_dof, sign)
    "hip_flexion": ("hip_flex", 1.0),
    "hip_adduction": ("hip_abd", -1.0),
    "hip_rotation": ("hip_rot", 1.0),
    "knee_angle": ("knee_flex", 1.0),
    "ankle_angle": ("ankle_flex", 1.0),
    "arm_flex": ("shoulder_flex", 1.0),
    "arm_add": ("shoulder_abd", -1.0),
    "arm_rot": ("shoulder_rot", 1.0),
    "elbow_flex": ("elbow_flex", 1.0),
}


def _looks_like_radians(angles: np.ndarray, rate: float) -> bool:
    """Two seconds or more, every joint within +-pi, and one of them moving over a range of
    0.8 (46 deg in radians; a standing trial in degrees can still look like this)."""
    if angles.shape[0] < 2 * rate or not np.isfinite(angles).any():
        return False
    span = np.nanmax(angles, axis=0) - np.nanmin(angles, axis=0)
    return bool(np.nanmax(np.abs(angles)) <= np.pi and np.nanmax(span) >= 0.8)


def read_opensim(path, subject: str = "unknown", trial_id: str | None = None) -> Trial:
    path = Path(path)
    text = read_text(path, "an OpenSim .mot/.sto file")
    lines = text.splitlines()
    end = next(
        (i for i, ln in enumerate(lines) if ln.strip().strip(",").strip().lower() == "endheader"),
        None,
    )
    if end is None:
        raise FileFormatError(f"{path}: no 'endheader' line; expected an OpenSim header")
    header = {}
    for i, ln in enumerate(lines[:end]):
        key, eq, value = ln.strip().strip(",").partition("=")
        if eq and key.strip() in header:
            raise FileFormatError(f"{path}, line {i + 1}: header key {key.strip()} appears twice")
        if eq:
            header[key.strip()] = value.strip()
    in_degrees = header.get("inDegrees", "yes").lower() != "no"
    if end + 1 >= len(lines):
        raise FileFormatError(f"{path}: the file ends at 'endheader'; expected a table")
    sep = "," if lines[end + 1].count(",") > lines[end + 1].count("\t") else "\t"
    frame = table_from_lines(path, lines[end + 1 :], end + 2, sep)
    if "nRows" not in header:
        refuse_unterminated(path, text)
    if "nRows" in header and header["nRows"].isdigit() and int(header["nRows"]) != len(frame):
        raise FileFormatError(
            f"{path}: header says nRows={header['nRows']}, but the table "
            f"has {len(frame)} rows (truncated file?)"
        )
    mapping, signs = {}, {}
    for col in frame.columns:
        base, _, side = col.rpartition("_")
        if side in ("r", "l") and base in COORDINATES:
            dof, sign = COORDINATES[base]
            mapping[col] = f"{side}_{dof}"
            signs[col] = sign * (1.0 if in_degrees else np.degrees(1.0))
    angles, names, rate = frame_from_columns(path, frame, mapping, end + 3, None, signs)
    if not in_degrees and np.nanmax(np.abs(angles), initial=0.0) > 360.0:
        k = int(np.nanargmax(np.nanmax(np.abs(angles), axis=0)))
        raise FileFormatError(
            f"{path}: the header says inDegrees=no (radians), but {names[k]} reaches "
            f"{np.nanmax(np.abs(angles[:, k])) / np.degrees(1.0):.4g}, which can only be "
            "degrees; fix the header to inDegrees=yes"
        )
    if in_degrees and _looks_like_radians(angles, rate):
        warnings.warn(
            f"{path}: the header says inDegrees=yes, but every joint stays within "
            f"+-{np.pi:.2f} deg over {len(angles) / rate:.1f} s while moving, as radians "
            "would; check the header (a quiet standing trial can look like this too)",
            stacklevel=2,
        )
    for k, name in enumerate(names):
        if name.endswith("knee_flex") and np.nanmedian(angles[:, k]) < -5.0:
            warnings.warn(
                f"{path}: {name} is negative in flexion (gait2392 convention); "
                "negated to the catalog's flexion-positive sign",
                stacklevel=2,
            )
            angles[:, k] *= -1.0
    return Trial(
        angles, tuple(names), rate, subject=subject, trial_id=trial_id or path.stem, source=path
    ).catalog_order()
