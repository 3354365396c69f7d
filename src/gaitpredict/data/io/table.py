"""Generic CSV of joint angles: a time (s) or frame column plus named columns and a mapping.

`read_csv_angles(path, mapping={"RKnee": "r_knee_flex", ...}, rate_hz=None)`; without
`mapping`, columns already named like catalog channels are taken. The rate comes from the
time column (which must be evenly spaced) or from `rate_hz` with a frame column.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np

from ...errors import ChannelError, FileFormatError
from ..channels import CHANNELS
from ..plausibility import refuse_duplicates
from ..trial import Trial
from ._text import first_non_number, read_text, refuse_unterminated

TIME_COLUMNS = ("time", "time_s", "t")
FRAME_COLUMNS = ("frame", "frames")


def rate_from_times(path, time_s: np.ndarray, first_line: int) -> float:
    """Sampling rate from a time column; uneven spacing is an error naming the line."""
    if time_s.size < 2:
        raise FileFormatError(f"{path}: need at least two frames to know the rate")
    dt = np.diff(time_s)
    period = float(np.median(dt))
    if not period > 0:
        raise FileFormatError(f"{path}: time column does not increase")
    off = np.flatnonzero(np.abs(dt - period) > 0.01 * period)
    if off.size:
        k = int(off[0]) + 1
        raise FileFormatError(
            f"{path}, line {first_line + k}: time {time_s[k]:.6g} s breaks the "
            f"even spacing of {period:.6g} s (a dropped or repeated frame?)"
        )
    rate = 1.0 / period
    return float(round(rate)) if abs(rate - round(rate)) < 1e-3 * rate else rate


class Table:
    """Columns of strings by name, in the file's order (no pandas: the runtime's `predict`
    reads a recording without importing it)."""

    def __init__(self, columns: list[str], rows: list[list[str]]):
        self.columns = columns
        self._fields = dict(zip(columns, map(list, zip(*rows, strict=True)), strict=True))
        self._n = len(rows)

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, column: str) -> list[str]:
        return self._fields[column]


def table_from_lines(path, lines: list[str], first_line: int, sep: str) -> Table:
    """A header line and data rows -> a table of strings. Every row must have exactly the
    header's number of fields (no padding of short or truncated rows) and every column name
    must be unique."""
    rows = [r for r in csv.reader(io.StringIO("\n".join(lines)), delimiter=sep) if any(r)]
    if not rows:
        raise FileFormatError(f"{path}, line {first_line}: expected a header row of column names")
    header = [c.strip() for c in rows[0]]
    while header and not header[-1]:  # a trailing separator on the header line
        header.pop()
    refuse_duplicates(header, path, "column names")
    if len(rows) < 2:
        raise FileFormatError(f"{path}: header row but no data rows")
    for k, row in enumerate(rows[1:], start=1):
        fields = row[: len(header)] if not any(f.strip() for f in row[len(header) :]) else row
        if len(fields) != len(header):
            last = " (truncated file?)" if k == len(rows) - 1 else ""
            raise FileFormatError(
                f"{path}, line {first_line + k}: {len(fields)} fields, expected "
                f"{len(header)} as in the header{last}"
            )
        rows[k] = fields
    return Table(header, rows[1:])


def numeric_column(path, frame: Table, col: str, first_line: int) -> np.ndarray:
    """A column as float64; a field that is not a number (nan is) names its line."""
    text = frame[col]
    try:
        return np.array(text, dtype=np.float64)  # Python's float(): spaces around are fine
    except ValueError:
        pass
    k = first_non_number(text)
    if k is not None:
        raise FileFormatError(
            f"{path}, line {first_line + k}, column {col!r}: non-numeric value "
            f"{text[k].strip()[:20]!r}"
        )
    raise FileFormatError(f"{path}, column {col!r}: not a column of numbers")  # pragma: no cover


def frame_from_columns(
    path,
    frame: Table,
    mapping: dict[str, str],
    first_line: int,
    rate_hz: float | None,
    signs: dict[str, float] | None = None,
):
    """(angles, channel names, rate) from a parsed table, a column->channel map and signs."""
    lower = {c.lower().strip(): c for c in frame.columns}
    time_col = next((lower[c] for c in TIME_COLUMNS if c in lower), None)
    if rate_hz is None:
        if time_col is None:
            raise FileFormatError(
                f"{path}: no time column ({', '.join(TIME_COLUMNS)}) and no rate_hz given"
            )
        time_s = numeric_column(path, frame, time_col, first_line)
        rate_hz = rate_from_times(path, time_s, first_line)
    unknown = sorted(set(mapping.values()) - set(CHANNELS))
    if unknown:
        raise ChannelError(f"{path}: mapping names unknown channels {unknown}")
    absent = [c for c in mapping if c not in frame.columns]
    if absent:
        raise ChannelError(
            f"{path}: mapped column(s) {absent} not in the file (it has "
            f"{list(frame.columns)[:12]}...)"
        )
    if not mapping:
        raise ChannelError(f"{path}: no column maps to a catalog channel; pass mapping={{...}}")
    cols, names = [], []
    for col, ch in mapping.items():
        values = numeric_column(path, frame, col, first_line)
        cols.append(values * (signs or {}).get(col, 1.0))
        names.append(ch)
    return np.stack(cols, axis=1), names, rate_hz


def read_csv_angles(
    path,
    mapping: dict[str, str] | None = None,
    rate_hz: float | None = None,
    subject: str = "unknown",
    trial_id: str | None = None,
) -> Trial:
    path = Path(path)
    text = read_text(path, "a CSV table with a header row")
    frame = table_from_lines(path, text.splitlines(), 1, ",")
    refuse_unterminated(path, text)
    if mapping is None:
        mapping = {c: c for c in frame.columns if c in CHANNELS}
    angles, names, rate = frame_from_columns(path, frame, mapping, 2, rate_hz)
    return Trial(
        angles, tuple(names), rate, subject=subject, trial_id=trial_id or path.stem, source=path
    ).catalog_order()
