"""OpenSim coordinate files (.mot / .sto, IK results), tab- or comma-separated.

The header ends at `endheader`; `inDegrees=no` means radians (converted). Coordinates map to
the catalog as below (adduction is negated to give abduction). `subtalar_angle_*` is ankle
inversion, a different degree of freedom from the catalog's `ankle_rot`, so it is not mapped.
Knee angles in gait2392-style models are negative in flexion; a knee column whose median is
below -5 degrees is negated, with a warning.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from ...errors import FileFormatError
from ..trial import Trial
from ._text import read_text
from .table import frame_from_columns

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


def read_opensim(path, subject: str = "unknown", trial_id: str | None = None) -> Trial:
    path = Path(path)
    lines = read_text(path, "an OpenSim .mot/.sto file").splitlines()
    end = next(
        (i for i, ln in enumerate(lines) if ln.strip().strip(",").strip().lower() == "endheader"),
        None,
    )
    if end is None:
        raise FileFormatError(f"{path}: no 'endheader' line; expected an OpenSim header")
    header = {}
    for ln in lines[:end]:
        key, _, value = ln.strip().strip(",").partition("=")
        header[key.strip()] = value.strip()
    in_degrees = header.get("inDegrees", "yes").lower() != "no"
    body = "\n".join(lines[end + 1 :])
    sep = "," if lines[end + 1].count(",") > lines[end + 1].count("\t") else "\t"
    try:
        frame = pd.read_csv(io.StringIO(body), sep=sep)
    except pd.errors.ParserError as exc:
        raise FileFormatError(f"{path}: bad table after endheader ({exc})") from None
    frame.columns = [str(c).strip() for c in frame.columns]
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
