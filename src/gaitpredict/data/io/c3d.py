"""C3D through `ezc3d` (extra `c3d`): joint-angle points (Plug-in Gait style) or markers.

Gait models export joint angles as POINTs named `LKneeAngles`, `RHipAngles`, ... (optionally
prefixed `Subject:`), x = flexion, y = ab/adduction, z = rotation, in degrees (POINT:UNITS
often still says 'mm'). Plug-in Gait signs hip adduction and internal rotation positive, so
hip `abd = -y`, `rot = z`; its shoulder y is abduction-positive (on the McGill walks the
hanging arms read +7 to +19 degrees), so shoulder `abd = +y`; the ankle's z is foot rotation
(internal positive) -> `ankle_rot`.
Files from SGI/MIPS processors, which ezc3d refuses, are read with the `c3d` package.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ...errors import ChannelError, FileFormatError, MissingAnglesError, MissingExtraError
from ..channels import joint_channels
from ..trial import Trial
from .markers import Markers, unique_labels

_PIG = {"Hip": "hip", "Knee": "knee", "Ankle": "ankle", "Shoulder": "shoulder", "Elbow": "elbow"}
# catalog dof -> (component of the PiG point, sign)
_DOF_AXIS = {"flex": (0, 1.0), "abd": (1, -1.0), "rot": (2, 1.0)}
_SHOULDER_AXIS = {**_DOF_AXIS, "abd": (1, 1.0)}


def _axis(joint: str, dof: str) -> tuple[int, float]:
    return (_SHOULDER_AXIS if joint == "shoulder" else _DOF_AXIS)[dof]


def _require_ezc3d():
    try:
        import ezc3d
    except ImportError:
        raise MissingExtraError("reading C3D needs ezc3d: pip install 'gaitpredict[c3d]'") from None
    return ezc3d


def _load_points(path: Path) -> tuple[np.ndarray, list[str], float, str]:
    """(frames, points, 3) float array, labels, rate and units, from ezc3d or `c3d`."""
    ezc3d = _require_ezc3d()
    if not path.is_file():
        raise FileFormatError(f"{path}: no such file")
    try:
        c = ezc3d.c3d(str(path))
    except RuntimeError as exc:
        if "MIPS" in str(exc):
            return _load_points_mips(path)
        raise FileFormatError(f"{path}: not a readable C3D file ({exc})") from None
    params = c["parameters"]["POINT"]
    labels = list(params["LABELS"]["value"])
    for extra in ("LABELS2", "LABELS3"):
        if extra in params:
            labels += list(params[extra]["value"])
    points = c["data"]["points"][:3].transpose(2, 1, 0)  # (4, points, frames) -> (f, p, 3)
    labels = labels[: points.shape[1]]
    units = (params.get("UNITS", {}).get("value") or [""])[0]
    return points.astype(np.float64), labels, float(c["header"]["points"]["frame_rate"]), units


def _load_points_mips(path: Path):
    try:
        import c3d as c3dpkg
    except ImportError:
        raise FileFormatError(
            f"{path}: SGI/MIPS-processor C3D, which ezc3d cannot read; "
            "install the 'c3d' package to read it"
        ) from None
    with open(path, "rb") as fh:
        reader = c3dpkg.Reader(fh)
        frames = np.array([pts for _, pts, _ in reader.read_frames()], dtype=np.float64)
        labels = [s.strip() for s in reader.point_labels]
        rate = float(reader.point_rate)
        units = reader.get("POINT:UNITS").string_value.strip() if reader.get("POINT:UNITS") else ""
    xyz = frames[:, :, :3].copy()
    xyz[frames[:, :, 3] < 0] = np.nan  # negative residual marks an invalid sample
    return xyz, labels[: xyz.shape[1]], rate, units


def read_c3d_markers(path) -> Markers:
    """Marker trajectories with NaN gaps; angle points (`*Angles`) are left out."""
    path = Path(path)
    points, labels, rate, units = _load_points(path)
    keep = [i for i, lab in enumerate(labels) if not lab.endswith("Angles")]
    return Markers(points[:, keep], unique_labels([labels[i] for i in keep]), rate, units, path)


def read_c3d(path, subject: str = "unknown", trial_id: str | None = None) -> Trial:
    """Catalog joint angles from a C3D's `[L|R]<Joint>Angles` points."""
    path = Path(path)
    points, labels, rate, _ = _load_points(path)
    by_label = {lab.split(":")[-1].strip(): i for i, lab in enumerate(labels)}
    cols, names = [], []
    for pig, joint in _PIG.items():
        for side, prefix in (("l", "L"), ("r", "R")):
            idx = by_label.get(f"{prefix}{pig}Angles")
            if idx is None:
                continue
            for ch in joint_channels(side, joint):
                component, sign = _axis(joint, ch.rsplit("_", 1)[1])
                cols.append(sign * points[:, idx, component])
                names.append(ch)
    if not names:
        shown = ", ".join(labels[:8]) + (" ..." if len(labels) > 8 else "")
        raise MissingAnglesError(
            f"{path}: no joint-angle points (expected e.g. 'LKneeAngles', 'RHipAngles'); it "
            f"holds {len(labels)} marker trajectories ({shown or 'none'}). Joint angles need "
            "a segment model; read the markers with read_c3d_markers()"
        )
    trial = Trial(
        np.stack(cols, axis=1),
        tuple(names),
        rate,
        subject=subject,
        trial_id=trial_id or path.stem,
        source=path,
    )
    return trial.catalog_order()


def write_c3d_angles(trial: Trial, path) -> None:
    """Write a trial's joints as Plug-in Gait style angle points (`LKneeAngles`, ...)."""
    ezc3d = _require_ezc3d()
    labels, series = [], []
    for pig, joint in _PIG.items():
        for side, prefix in (("l", "L"), ("r", "R")):
            chans = joint_channels(side, joint)
            present = [ch for ch in chans if ch in trial.channels]
            if not present:
                continue
            if len(present) != len(chans):
                raise ChannelError(
                    f"write_c3d_angles: {trial.trial_id!r} has only {present} "
                    f"of joint {side}_{joint}"
                )
            xyz = np.zeros((trial.n_frames, 3))
            for ch in chans:
                component, sign = _axis(joint, ch.rsplit("_", 1)[1])
                xyz[:, component] = sign * trial[ch]
            labels.append(f"{prefix}{pig}Angles")
            series.append(xyz)
    c = ezc3d.c3d()
    c["parameters"]["POINT"]["RATE"]["value"] = [trial.rate_hz]
    c["parameters"]["POINT"]["LABELS"]["value"] = labels
    data = np.ones((4, len(labels), trial.n_frames))
    data[:3] = np.stack(series, axis=0).transpose(2, 0, 1)
    c["data"]["points"] = data
    c.write(str(path))
