"""Readers (and writers) for motion-capture files: `read_trial(path)` picks one by extension.

| format   | extension            | reader                    |
|----------|----------------------|---------------------------|
| cmu      | .txt (117 columns)   | `cmu.read_cmu_expmap`     |
| bvh      | .bvh                 | `bvh.read_bvh`            |
| c3d      | .c3d                 | `c3d.read_c3d` (ezc3d)    |
| qtm      | .tsv                 | `qtm.read_qtm_tsv`        |
| opensim  | .mot, .sto, .csv*    | `opensim.read_opensim`    |
| csv      | .csv                 | `table.read_csv_angles`   |

*a .csv file whose header ends with `endheader` is read as OpenSim.
"""

from __future__ import annotations

from pathlib import Path

from ...errors import FileFormatError
from ..trial import Trial

EXTENSIONS = {
    ".txt": "cmu",
    ".bvh": "bvh",
    ".c3d": "c3d",
    ".tsv": "qtm",
    ".mot": "opensim",
    ".sto": "opensim",
    ".csv": "csv",
}
FORMATS = sorted(set(EXTENSIONS.values()))
NOT_RECORDINGS = {"manifest.csv", "subjects.csv", "readme.txt"}


def recordings_in(folder) -> list[Path]:
    """Recording files below a folder (by extension), leaving out manifests and tables."""
    return sorted(
        p
        for p in Path(folder).rglob("*")
        if p.is_file() and p.suffix.lower() in EXTENSIONS and p.name.lower() not in NOT_RECORDINGS
    )


def detect_format(path) -> str:
    path = Path(path)
    fmt = EXTENSIONS.get(path.suffix.lower())
    if fmt is None:
        raise FileFormatError(
            f"{path}: unknown extension {path.suffix!r}; expected one of "
            f"{', '.join(sorted(EXTENSIONS))} or an explicit format"
        )
    if fmt == "csv" and _has_opensim_header(path):
        return "opensim"
    return fmt


def _has_opensim_header(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            head = fh.read(8192).lower()
    except OSError:
        return False
    return b"endheader" in head


def read_trial(path, format: str | None = None, **options) -> Trial:
    """Read one recording of joint angles; `format` overrides detection by extension."""
    fmt = format or detect_format(path)
    if fmt == "cmu":
        from .cmu import read_cmu_expmap as reader
    elif fmt == "bvh":
        from .bvh import read_bvh as reader
    elif fmt == "c3d":
        from .c3d import read_c3d as reader
    elif fmt == "qtm":
        from .qtm import read_qtm_tsv as reader
    elif fmt == "opensim":
        from .opensim import read_opensim as reader
    elif fmt == "csv":
        from .table import read_csv_angles as reader
    else:
        raise FileFormatError(f"{path}: unknown format {fmt!r}; expected one of {FORMATS}")
    return reader(path, **options)
