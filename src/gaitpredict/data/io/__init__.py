"""Readers (and writers) for motion-capture files: `read_trial(path)` picks one by extension.

`FORMATS` is the one table of formats: a new one is one `Format(...)` line here plus its
reader module. *A `.csv` file whose header holds `endheader` is read as OpenSim.
"""

from __future__ import annotations

import importlib
import inspect
import struct
from dataclasses import dataclass
from pathlib import Path

from ...errors import ConfigError, FileFormatError, GaitPredictError
from ..plausibility import GLITCH_POLICIES, check_angles, drop_unrecorded, glitches_to_gaps
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


# what readers and the libraries under them raise on damaged files; re-raised naming the file
LIBRARY_ERRORS = (
    OSError, ValueError, IndexError, KeyError, TypeError, struct.error, RuntimeError,
    OverflowError, ZeroDivisionError, UnicodeError, MemoryError,
)  # fmt: skip


def read_trial(path, format: str | None = None, glitches: str = "keep", **options) -> Trial:
    """Read one recording of joint angles; `format` overrides detection by extension.

    The one rule for every format: a file that cannot be read exactly as its format defines
    raises a `GaitDataError` naming the file (and the line, frame or channel where it
    applies), never a library's exception and never a shorter, padded or relabelled trial;
    angles no body can have are refused (`plausibility.check_angles`); a channel with one
    exact value in every frame (an exporter's zeros) is read as not recorded
    (`plausibility.drop_unrecorded`). `glitches="gap"`
    turns too-fast jumps into gaps (`plausibility.glitches_to_gaps`).
    """
    path = Path(path)
    name = format or detect_format(path)
    if name not in FORMATS:
        raise FileFormatError(f"{path}: unknown format {name!r}; expected one of {list(FORMATS)}")
    if glitches not in GLITCH_POLICIES:
        raise ConfigError(f"glitches must be one of {GLITCH_POLICIES}, got {glitches!r}")
    reader = FORMATS[name].load_reader()
    try:
        inspect.signature(reader).bind(path, **options)
    except TypeError as exc:
        raise ConfigError(f"{name} reader: {exc}") from None
    if not path.is_file():
        raise FileFormatError(f"{path}: no such file")
    try:
        trial = reader(path, **options)
    except GaitPredictError:
        raise
    except LIBRARY_ERRORS as exc:
        raise FileFormatError(
            f"{path}: not a readable {FORMATS[name].description} file "
            f"({type(exc).__name__}: {str(exc)[:200]})"
        ) from None
    if trial.n_frames == 0:
        raise FileFormatError(f"{path}: holds no frames")
    check_angles(trial, path)
    trial = drop_unrecorded(trial, path)
    return glitches_to_gaps(trial) if glitches == "gap" else trial
