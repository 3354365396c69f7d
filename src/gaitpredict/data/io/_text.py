"""Shared helpers for text readers: safe reading and numeric parsing with located errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ...errors import FileFormatError
from ..plausibility import impossible


def read_text(path: Path, what: str) -> str:
    """A file's text; empty or binary files raise FileFormatError naming the file."""
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise FileFormatError(f"{path}: no such file") from None
    if not raw.strip():
        raise FileFormatError(f"{path}: file is empty; expected {what}")
    if b"\x00" in raw[:4096]:
        raise FileFormatError(f"{path}: binary data where {what} was expected")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        try:
            return raw.decode("latin-1")
        except UnicodeDecodeError:  # pragma: no cover - latin-1 decodes any byte
            raise FileFormatError(f"{path}: not a text file; expected {what}") from None


def parse_table(
    path: Path, lines: list[str], first_line_no: int, n_cols: int | None, sep: str | None
) -> np.ndarray:
    """Parse numeric rows in one vectorised call; on failure, locate the bad line and value.

    `first_line_no` is the 1-based file line of lines[0]; `sep=None` means whitespace.
    """
    lines = [ln for ln in lines if ln.strip()]
    if not lines:
        raise FileFormatError(f"{path}: no data rows after line {first_line_no - 1}")
    try:  # numpy's C parser: no padding of short rows, no comment characters
        arr = np.loadtxt(lines, delimiter=sep, dtype=np.float64, comments=None, ndmin=2)
        if n_cols is None or arr.shape[1] == n_cols:
            return arr
    except ValueError:
        pass
    _locate_bad_row(path, lines, first_line_no, n_cols, sep)
    raise FileFormatError(f"{path}: could not parse the numeric table")  # pragma: no cover


def _locate_bad_row(path, lines, first_line_no, n_cols, sep) -> None:
    """Raise FileFormatError at the first malformed row."""
    expected = n_cols if n_cols is not None else len(lines[0].split(sep))
    for i, ln in enumerate(lines):
        fields = ln.strip().split(sep)
        if len(fields) != expected:
            raise FileFormatError(
                f"{path}, line {first_line_no + i}: {len(fields)} values, expected {expected}"
                + (" (truncated file?)" if i == len(lines) - 1 else "")
            )
        j = first_non_number(fields)
        if j is not None:
            raise FileFormatError(
                f"{path}, line {first_line_no + i}, column {j + 1}: non-numeric value "
                f"{fields[j].strip()[:20]!r}"
            )


def first_non_number(fields) -> int | None:
    """The index of the first field that Python's float() refuses (None: all are numbers;
    nan and spaces around a number are fine)."""
    for k, field in enumerate(fields):
        try:
            float(field)
        except ValueError:
            return k
    return None


def refuse_impossible(path, values: np.ndarray, first_line_no: int, max_abs, what: str) -> None:
    """Refuse inf, and values beyond `max_abs` (a scalar or one bound per column), naming the
    line and column of the first; NaN is a missing value and passes. Rows of `values` are
    consecutive file lines starting at `first_line_no`."""
    bound = np.broadcast_to(np.asarray(max_abs, dtype=float), values.shape[1:])
    bad = impossible(values, bound)
    if bad.any():
        row, col = (int(i) for i in np.argwhere(bad)[0])
        raise FileFormatError(
            f"{path}, line {first_line_no + row}, column {col + 1}: {values[row, col]:g} is not "
            f"a possible {what} (expected finite values within +-{bound[col]:g}, or nan for a "
            f"missing value); {int(bad.sum())} such value(s)"
        )


def refuse_unterminated(path, text: str) -> None:
    """For formats that declare no frame count, the only sign of a file cut short is a last
    line without its line end (a cut number such as '16.' still parses): refuse it."""
    if text and not text.endswith(("\n", "\r")):
        n = text.count("\n") + 1
        raise FileFormatError(
            f"{path}, line {n}: the last line has no line end, as in a truncated file; this "
            "format declares no frame count to check against (if the file is complete, end "
            "it with a newline)"
        )
