"""Readers (and writers) for motion-capture files: `read_trial(path)` picks one by extension.

`FORMATS` is the one table of formats: a new one is one `Format(...)` line here plus its
reader module. *A `.csv` file whose header holds `endheader` is read as OpenSim.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path

from ...errors import FileFormatError
from ..trial import Trial


@dataclass(frozen=True)
class Format:
    name: str
    extensions: tuple[str, ...]
    reader: str  # "module:function" in this package
    extra: str | None  # the optional dependency group it needs (pip install gaitpredict[extra])
    description: str

    def load_reader(self):
        module, _, function = self.reader.partition(":")
        return getattr(importlib.import_module(f"{__package__}.{module}"), function)


FORMATS = {
    f.name: f
    for f in (
        Format("cmu", (".txt",), "cmu:read_cmu_expmap", None, "CMU exp-map text, 117 columns"),
        Format("bvh", (".bvh",), "bvh:read_bvh", None, "BVH motion (CMU/cgspeed joint names)"),
        Format("c3d", (".c3d",), "c3d:read_c3d", "c3d", "C3D with Plug-in Gait angle points"),
        Format("qtm", (".tsv",), "qtm:read_qtm_tsv", None, "Qualisys QTM 6DOF TSV export"),
        Format("opensim", (".mot", ".sto"), "opensim:read_opensim", None, "OpenSim coordinates"),
        Format("csv", (".csv",), "table:read_csv_angles", None, "CSV: time + mapped columns"),
    )
}
EXTENSIONS = {ext: f.name for f in FORMATS.values() for ext in f.extensions}
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
    name = format or detect_format(path)
    if name not in FORMATS:
        raise FileFormatError(f"{path}: unknown format {name!r}; expected one of {list(FORMATS)}")
    return FORMATS[name].load_reader()(path, **options)
