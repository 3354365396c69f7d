"""The one list of report sections: a grid block's name picks its section here.

`@register_section(name)` adds one (`sections.py`, `crosslab.py`); a grid naming a block
that no section renders is refused when the report loads it (`load_grid`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from ..windowing.splits import split_info
from .tables import block_rows, expected_runs

_SECTIONS: dict[str, Callable] = {}


def register_section(name: str):
    """Decorator for `render(doc, block, rows, expected, out)`: `rows` are the block's
    finished runs, `expected` the number of runs the grid asks of it."""

    def wrap(render):
        _SECTIONS[name] = render
        return render

    return wrap


def section_names() -> list[str]:
    return list(_SECTIONS)


def render_section(doc, grid, results: pd.DataFrame, block, out: Path) -> None:
    rows = block_rows(grid, results, block.name)
    _SECTIONS[block.name](doc, block, rows, expected_runs(grid, block.name), out)


def describe(block, *swept: str) -> str:
    """The settings a block holds fixed, in words: 'r_knee_flex, 100 ms ahead, 500 ms window'.
    `swept` names the settings that vary inside the section and are left out."""
    parts = []
    if "inputs" not in swept:
        parts.append(f"{', '.join(block.inputs)} inputs")
    if "targets" not in swept:
        parts.append(", ".join(block.targets))
    if "horizons_ms" not in swept:
        parts.append(" / ".join(f"{h:g}" for h in block.horizons_ms) + " ms ahead")
    if "windows_ms" not in swept:
        parts.append(" / ".join(f"{w:g}" for w in block.windows_ms) + " ms window")
    if "split" not in swept:
        parts.append(split_info(block.split).description)
    return ", ".join(parts)
