"""Mutations of real fixture files and the property every reader must keep.

The property: reading a damaged file either raises a `GaitPredictError` whose message names
the file, or returns a trial with the same channels and rate whose values equal the
original's wherever the mutation did not touch them. Touching a value may turn it into a gap
(NaN) but never into another number, except a flipped byte (a wrong digit is
undetectable). Files without a declared frame count (CMU text, CSV) may lose trailing whole
frames to a truncation; nothing else may change length.

Used by `tests/test_fuzz.py` (hypothesis, bounded) and `benchmarks/fuzz_readers.py` (counts).
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from gaitpredict.data.io import read_trial
from gaitpredict.errors import GaitPredictError

FORMATS_DIR = Path(__file__).resolve().parent / "data" / "formats"
IMPOSSIBLE = ("inf", "-inf", "1e30", "-1e30", "Infinity")
MISSING = ("nan", "NaN", "")
GARBAGE = ("abc", "1.2.3", "--", "0x1F")
FIELD_VALUES = IMPOSSIBLE + MISSING + GARBAGE
KINDS = ("truncate", "flip", "field", "duplicate", "short_row", "extension")


@dataclass(frozen=True)
class Fixture:
    name: str  # file in FORMATS_DIR
    sep: str | None  # field separator of data rows (None: binary)
    first_data: str  # a data row starts after the line that starts with this ("": line 0)
    names_line: str | None  # the line holding column/joint names, by its start
    declared_count: bool  # the header declares the frame count

    @property
    def path(self) -> Path:
        return FORMATS_DIR / self.name


FIXTURES = {
    "cmu": Fixture("walking.txt", ",", "", None, False),
    "csv": Fixture("walking.csv", ",", "time_s", "time_s", False),
    "opensim": Fixture("ik.mot", "\t", "time", "time", True),
    "bvh": Fixture("walking.bvh", " ", "Frame Time", None, True),
    "qtm": Fixture("walking.tsv", "\t", "Frame\t", "BODY_NAMES", True),
    "c3d": Fixture("walking.c3d", None, "", None, True),
}


@dataclass(frozen=True)
class Mutation:
    kind: str
    data: bytes
    suffix: str
    note: str
    touched_value: str | None = None  # the field value written, for "field"


def _data_rows(lines: list[str], fx: Fixture) -> list[int]:
    if not fx.first_data:
        return [i for i in range(1, len(lines)) if lines[i].strip()]  # CMU: line 0 = reference
    start = next(i for i, ln in enumerate(lines) if ln.startswith(fx.first_data))
    return [i for i in range(start + 1, len(lines)) if lines[i].strip()]


def mutate(fmt: str, kind: str, a: int, b: int, c: int) -> Mutation | None:
    """One mutation of the fixture of `fmt`, chosen by three integers (from hypothesis)."""
    fx = FIXTURES[fmt]
    raw = fx.path.read_bytes()
    suffix = fx.path.suffix
    if kind == "truncate":
        k = a % len(raw)
        return Mutation(kind, raw[:k], suffix, f"cut at byte {k} of {len(raw)}")
    if kind == "flip":
        k = a % len(raw)
        value = b % 256
        if raw[k] == value:
            return None
        return Mutation(kind, raw[:k] + bytes([value]) + raw[k + 1 :], suffix, f"byte {k}={value}")
    if kind == "extension":
        others = [f.path.suffix for f in FIXTURES.values() if f.path.suffix != suffix]
        other = others[a % len(others)]
        return Mutation(kind, raw, other, f"renamed to {other}")
    if fx.sep is None:
        return None  # field, name and row mutations are for text formats
    lines = raw.decode().split("\n")
    rows = _data_rows(lines, fx)
    if kind == "field":
        i = rows[a % len(rows)]
        fields = lines[i].split(fx.sep)
        numeric = [j for j, f in enumerate(fields) if f.strip()]
        j = numeric[b % len(numeric)]
        value = FIELD_VALUES[c % len(FIELD_VALUES)]
        fields[j] = value
        lines[i] = fx.sep.join(fields)
        note = f"line {i + 1} field {j}={value!r}"
        return Mutation(kind, "\n".join(lines).encode(), suffix, note, value)
    if kind == "short_row":
        i = rows[a % len(rows)]
        lines[i] = lines[i].rstrip().rsplit(fx.sep, 1)[0]
        return Mutation(
            kind, "\n".join(lines).encode(), suffix, f"line {i + 1} lost its last field"
        )
    if kind == "duplicate":
        return _duplicate(fmt, fx, lines, a, b, suffix)
    raise ValueError(kind)


def _duplicate(fmt, fx, lines, a, b, suffix) -> Mutation | None:
    if fmt == "bvh":
        joints = [i for i, ln in enumerate(lines) if ln.strip().startswith(("JOINT", "ROOT"))]
        i, j = joints[a % len(joints)], joints[b % len(joints)]
        if i == j:
            return None
        keyword, other = lines[i].split()[0], lines[j].split()[1]
        if keyword == "ROOT" or lines[i].split()[1] == other:
            return None
        indent = lines[i][: len(lines[i]) - len(lines[i].lstrip())]
        lines[i] = f"{indent}{keyword} {other}"
        return Mutation("duplicate", "\n".join(lines).encode(), suffix, f"joint line {i + 1}")
    if fmt == "qtm":
        # a second header key (FREQUENCY) or a duplicated body name
        if a % 2:
            k = next(i for i, ln in enumerate(lines) if ln.startswith("FREQUENCY"))
            lines.insert(k + 1, "FREQUENCY\t100")
            return Mutation("duplicate", "\n".join(lines).encode(), suffix, "second FREQUENCY")
    if fx.names_line is None:
        return None
    k = next(i for i, ln in enumerate(lines) if ln.startswith(fx.names_line))
    names = lines[k].split(fx.sep)
    start = 1  # keep the first field (time column or the BODY_NAMES key)
    i, j = start + a % (len(names) - start), start + b % (len(names) - start)
    if i == j or names[i] == names[j]:
        return None
    names[i] = names[j]
    lines[k] = fx.sep.join(names)
    return Mutation("duplicate", "\n".join(lines).encode(), suffix, f"name {names[j]!r} twice")


@dataclass
class Outcome:
    verdict: str  # "clean error", "accepted", "raw traceback", "silently wrong"
    detail: str


def judge(fmt: str, mutation: Mutation, workdir: Path) -> Outcome:
    """Read the mutated file and judge the outcome against the property."""
    original = read_trial(FIXTURES[fmt].path)
    path = workdir / f"mutated{mutation.suffix}"
    path.write_bytes(mutation.data)
    try:
        trial = read_trial(path)
    except GaitPredictError as exc:
        if str(path) in str(exc):
            return Outcome("clean error", f"{type(exc).__name__}: {exc}")
        return Outcome("raw traceback", f"error without the file name: {exc}")
    except Exception:  # noqa: BLE001 - what we are looking for
        return Outcome("raw traceback", traceback.format_exc(limit=3))
    return _compare(fmt, mutation, original, trial)


def _compare(fmt, mutation, original, trial) -> Outcome:
    if mutation.kind == "flip" and set(trial.channels) < set(original.channels):
        # a flipped byte in a column or joint name: that channel is no longer recognised
        original = original.select(list(trial.channels))
    if trial.channels != original.channels or trial.rate_hz != original.rate_hz:
        return Outcome(
            "silently wrong",
            f"channels/rate changed: {trial.channels} {trial.rate_hz} vs "
            f"{original.channels} {original.rate_hz}",
        )
    a, b = trial.angles_deg, original.angles_deg
    if a.shape[0] != b.shape[0]:
        prefix_ok = (
            mutation.kind == "truncate"
            and not FIXTURES[fmt].declared_count
            and a.shape[0] < b.shape[0]
            and _same(a, b[: a.shape[0]]).all()
        )
        if prefix_ok:
            return Outcome("accepted", f"{a.shape[0]} of {b.shape[0]} whole frames")
        return Outcome("silently wrong", f"{a.shape[0]} frames, expected {b.shape[0]}")
    differs = ~_same(a, b).all(axis=1)
    n = int(differs.sum())
    if n == 0:
        return Outcome("accepted", "identical")
    if mutation.kind == "flip" and n <= 1:
        return Outcome("accepted", "one frame changed by a flipped byte")
    if mutation.kind == "field" and n <= 1:
        changed = a[differs]
        if (
            mutation.touched_value in MISSING
            and np.isnan(changed[~_same(changed, b[differs])]).all()
        ):
            return Outcome("accepted", "the touched value became a gap")
    return Outcome("silently wrong", f"{n} frame(s) changed ({mutation.kind})")


def _same(a, b):
    return (a == b) | (np.isnan(a) & np.isnan(b)) | (np.abs(a - b) < 1e-9)
