"""C3D through `ezc3d` (extra `c3d`): joint-angle points (Plug-in Gait style) or markers.

Gait models export joint angles as POINTs named `LKneeAngles`, `RHipAngles`, ... (optionally
prefixed `Subject:`), x = flexion, y = ab/adduction, z = rotation, in degrees (POINT:UNITS
often still says 'mm'). Plug-in Gait signs hip adduction and internal rotation positive, so
hip `abd = -y`, `rot = z`; its shoulder y is abduction-positive (on the McGill walks the
hanging arms read +7 to +19 degrees), so shoulder `abd = +y`; the ankle's z is foot rotation
(internal positive) -> `ankle_rot`.
Files are read with the pure-Python `c3d` package (Intel, DEC and SGI/MIPS processor formats)
and checked against their header; `write_c3d_angles` writes with ezc3d.
"""

from __future__ import annotations

import contextlib
import importlib
import warnings
from pathlib import Path

import numpy as np

from ...errors import (
    ChannelError,
    FileFormatError,
    FrameCountError,
    GaitPredictError,
    MissingAnglesError,
    MissingExtraError,
)
from ..channels import joint_channels
from ..plausibility import refuse_duplicates
from ..trial import Trial
from .markers import Markers, unique_labels

_PIG = {"Hip": "hip", "Knee": "knee", "Ankle": "ankle", "Shoulder": "shoulder", "Elbow": "elbow"}
# catalog dof -> (component of the PiG point, sign)
_DOF_AXIS = {"flex": (0, 1.0), "abd": (1, -1.0), "rot": (2, 1.0)}
_SHOULDER_AXIS = {**_DOF_AXIS, "abd": (1, 1.0)}


def _axis(joint: str, dof: str) -> tuple[int, float]:
    return (_SHOULDER_AXIS if joint == "shoulder" else _DOF_AXIS)[dof]


def _require(module: str):
    try:
        return importlib.import_module(module)
    except ImportError:
        raise MissingExtraError(
            f"C3D needs the {module} package: pip install 'gaitpredict[c3d]'"
        ) from None


def _check_header(path, rate: float, scale: float) -> None:
    if not (np.isfinite(rate) and 0 < rate <= MAX_RATE_HZ):
        raise FileFormatError(f"{path}: point rate {rate:g} Hz; expected 0 to {MAX_RATE_HZ:g}")
    if not (np.isfinite(scale) and 0 < abs(scale) <= MAX_ABS_SCALE):
        raise FileFormatError(
            f"{path}: POINT:SCALE {scale:g}; expected a finite, non-zero factor within "
            f"+-{MAX_ABS_SCALE:g}"
        )


def _labels(reader) -> list[str]:
    """POINT:LABELS, then LABELS2, LABELS3 ... (files with more than 255 points)."""
    if reader.get("POINT:LABELS") is None:
        return []
    labels = [s.strip() for s in reader.point_labels]
    k = 2
    while (extra := reader.get(f"POINT:LABELS{k}")) is not None:
        labels += [s.strip() for s in extra.string_array.flatten()]
        k += 1
    return labels


MAX_RATE_HZ = 100_000.0
MAX_ABS_SCALE = 100.0


@contextlib.contextmanager
def _first_definition_wins(c3dpkg):
    """Some Vicon Nexus 1.4 files define a parameter twice (e.g. SUBJECTS:BODYMASS in BTK's
    PiG_Motion-FlatFoot-One.c3d); the `c3d` package refuses them. Keep the first definition,
    as Vicon's and BTK's readers do."""
    group = c3dpkg.c3d.Group
    strict = group.add_param

    def tolerant(self, name, **kwargs):
        if isinstance(name, str) and name.upper() in self._params:
            return None
        return strict(self, name, **kwargs)

    group.add_param = tolerant
    try:
        yield
    finally:
        group.add_param = strict


def _load_points(path: Path) -> tuple[np.ndarray, list[str], float, str]:
    """(frames, points, 3) float array (NaN where a sample is invalid), labels, rate, units.

    Read with the pure-Python `c3d` package: on damaged files it raises (caught and named
    by `read_trial`) where ezc3d 1.7 can hang or crash the process. The header is checked
    against the data before any value is used: frame count, point count, scale, rate.
    """
    c3dpkg = _require("c3d")
    try:
        with open(path, "rb") as fh, warnings.catch_warnings(), _first_definition_wins(c3dpkg):
            warnings.simplefilter("ignore")  # the package warns about absent analog data
            reader = c3dpkg.Reader(fh)
            rate, scale = float(reader.point_rate), float(reader.point_scale)
            _check_header(path, rate, scale)
            try:  # TRIAL:ACTUAL_START/END_FIELD, else the header's 16-bit words
                first, last = int(reader.first_frame), int(reader.last_frame)
            except (TypeError, ValueError):
                first, last = int(reader.header.first_frame), int(reader.header.last_frame)
            labels = _labels(reader)
            n_points = int(reader.point_used)
            if n_points:
                frames = [pts for _, pts, _ in reader.read_frames()]
            else:
                frames = [np.zeros((0, 5))] * (last - first + 1)
            unit = reader.get("POINT:UNITS")
            units = unit.string_value.strip() if unit is not None else ""
    except GaitPredictError:
        raise
    except Exception as exc:  # noqa: BLE001 - any failure of the parser on these bytes
        raise FileFormatError(
            f"{path}: not a readable C3D file ({type(exc).__name__}: {str(exc)[:200]})"
        ) from None
    expected = last - first + 1
    if len(frames) != expected:
        raise FrameCountError(
            f"{path}: the header declares {expected} frames (first {first}, last {last}), the "
            f"data section holds {len(frames)} (truncated file?)"
        )
    data = np.asarray(frames, dtype=np.float64).reshape(expected, n_points, 5)
    if len(labels) < n_points:
        raise FileFormatError(
            f"{path}: {n_points} points in the data (POINT:USED), only {len(labels)} labels"
        )
    labels = labels[:n_points]  # LABELS may hold more names than points in use
    xyz = data[:, :, :3].copy()
    xyz[data[:, :, 3] < 0] = np.nan  # a negative residual marks an invalid sample
    return xyz, labels, rate, units


def read_c3d_markers(path) -> Markers:
    """Marker trajectories with NaN gaps; angle points (`*Angles`) are left out."""
    path = Path(path)
    points, labels, rate, units = _load_points(path)
    keep = [i for i, lab in enumerate(labels) if not lab.endswith(("Angles", "AnglesV"))]
    return Markers(points[:, keep], unique_labels([labels[i] for i in keep]), rate, units, path)


def read_c3d(path, subject: str = "unknown", trial_id: str | None = None) -> Trial:
    """Catalog joint angles from a C3D's `[L|R]<Joint>Angles` points (or `...AnglesV`, the
    name of Vicon-computed reference angles in some files, when the plain name is absent)."""
    path = Path(path)
    points, labels, rate, _ = _load_points(path)
    angle_labels = [
        lab.split(":")[-1].strip() for lab in labels if lab.endswith(("Angles", "AnglesV"))
    ]
    refuse_duplicates(angle_labels, path, "angle labels (after any 'Subject:' prefix)")
    by_label = {lab.split(":")[-1].strip(): i for i, lab in enumerate(labels)}
    cols, names = [], []
    for pig, joint in _PIG.items():
        for side, prefix in (("l", "L"), ("r", "R")):
            idx = by_label.get(f"{prefix}{pig}Angles")
            if idx is None:  # Vicon's reference angles, as BTK's test files name them
                idx = by_label.get(f"{prefix}{pig}AnglesV")
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
    ezc3d = _require("ezc3d")
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
