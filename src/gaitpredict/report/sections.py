"""The one list of report sections: a grid block's name picks its section here.

`@register_section(name)` adds one; a grid naming a block that no section renders is refused
when the grid is loaded (`Grid.check`). Titles and captions are built from the block's own
settings (targets, horizons, windows, inputs), never assumed.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from . import figures
from .document import Document
from .tables import (
    PAPER_TABLE1,
    PAPER_TABLE2,
    block_rows,
    cell,
    expected_runs,
    paper_text,
    skill_text,
)

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


def render_section(doc: Document, grid, results: pd.DataFrame, block, out: Path) -> None:
    rows = block_rows(grid, results, block.name)
    _SECTIONS[block.name](doc, block, rows, expected_runs(grid, block.name), out)


SPLIT_WORDS = {
    "loso": "leave-one-subject-out",
    "random-windows": "random-windows split, LEAKY: overlapping windows of one walk train and test",
}


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
        parts.append(SPLIT_WORDS.get(block.split, f"{block.split} split"))
    return ", ".join(parts)


@register_section("table1")
def table1(doc: Document, block, rows: pd.DataFrame, expected: int, out: Path) -> None:
    doc.heading(f"Table I: models x limb-synergy input sets ({describe(block, 'inputs')})")
    doc.text(f"{len(rows)} of {expected} runs finished.")
    header = ["model"]
    for inputs in block.inputs:
        header += [f"{inputs}: ours", "paper", "skill vs ridge"]
    body = []
    for label in block.models:
        line = [label]
        for inputs in block.inputs:
            sel = rows[rows.inputs == inputs]
            here = cell(sel[sel.label == label])
            ridge = cell(sel[sel.label == "ridge"])
            line += [
                str(here),
                paper_text(PAPER_TABLE1.get(label, {}).get(inputs)),
                "reference" if label == "ridge" else skill_text(here, ridge),
            ]
        body.append(line)
    doc.table(header, body)


@register_section("table2")
def table2(doc: Document, block, rows: pd.DataFrame, expected: int, out: Path) -> None:
    doc.heading(f"Table II: the target plus one partner joint ({describe(block, 'inputs')})")
    doc.text(f"{len(rows)} of {expected} runs finished.")
    body = []
    for inputs in block.inputs:
        sel = rows[rows.inputs == inputs]
        ridge = cell(sel[sel.label == "ridge"])
        for label in block.models:
            here = cell(sel[sel.label == label])
            paper = PAPER_TABLE2.get(inputs) if label == "attn-cnn-lstm" else None
            skill = "reference" if label == "ridge" else skill_text(here, ridge)
            body.append([inputs, label, str(here), paper_text(paper), skill])
    doc.table(["inputs", "model", "ours", "paper", "skill vs ridge"], body)


@register_section("attention")
def attention(doc: Document, block, rows: pd.DataFrame, expected: int, out: Path) -> None:
    doc.heading(f"Attention before vs after the LSTM, Figure 9 ({describe(block)})")
    doc.text(f"{len(rows)} of {expected} runs finished.")
    doc.table(
        ["placement", "ours"],
        [[label, str(cell(rows[rows.label == label]))] for label in block.models],
    )


@register_section("horizon")
def horizon(doc: Document, block, rows: pd.DataFrame, expected: int, out: Path) -> None:
    doc.heading(f"Error vs horizon ({describe(block, 'horizons_ms')})")
    doc.text(f"{len(rows)} of {expected} runs finished.")
    header = ["model"] + [f"{h:g} ms" for h in block.horizons_ms]
    body = [
        [label]
        + [
            str(cell(rows[(rows.label == label) & (rows.horizon_ms == h)]))
            for h in block.horizons_ms
        ]
        for label in block.models
    ]
    doc.table(header, body)
    fig = figures.error_vs_horizon(
        rows,
        out / "figures" / "error_vs_horizon.png",
        f"RMSE vs horizon, {describe(block, 'horizons_ms', 'windows_ms')}",
    )
    if fig:
        doc.image(fig, "Error vs horizon: mean ± sd over folds and repeats.")


@register_section("within-subject")
def within_subject(doc: Document, block, rows: pd.DataFrame, expected: int, out: Path) -> None:
    doc.heading(
        "Within-subject split (first 75 % of each subject's frames train, the rest test; "
        f"{describe(block)})"
    )
    doc.text(
        f"{len(rows)} of {expected} runs finished. Not a cross-subject result: the test "
        "subjects were seen in training. Spread is over repeats only."
    )
    doc.table(["model", "ours"], [[m, str(cell(rows[rows.label == m]))] for m in block.models])


PROTOCOL_LABELS = {
    "random-windows": "random windows (LEAKY)",
    "within-subject": "within subject, chronological",
    "loso": "leave one subject out",
}


@register_section("protocol")
def protocol(doc: Document, block, rows: pd.DataFrame, expected: int, out: Path) -> None:
    doc.heading(f"The paper's protocol: one model under each split ({describe(block, 'split')})")
    doc.text(
        f"{len(rows)} of {expected} runs finished. The paper does not state its split. Under "
        "random windows every window of every subject is shuffled into train and test, so "
        "each test window's neighbours (sharing all but one frame) were trained on; memorise "
        "(1-nearest neighbour of the training windows) can only score well that way. Leave-"
        "one-lab-out needs several labs' data: the cross-lab profile runs it."
    )
    splits = block.all_splits
    header = ["model"] + [PROTOCOL_LABELS.get(s, s) for s in splits] + ["paper (Table I)"]
    body, cells = [], {}
    for label in block.models:
        line = [label]
        for split in splits:
            cells[label, split] = cell(rows[(rows.label == label) & (rows.split == split)])
            line.append(str(cells[label, split]))
        line.append(paper_text(PAPER_TABLE1.get(label, {}).get(block.inputs[-1])))
        body.append(line)
    doc.table(header, body)
    doc.text(_protocol_verdict(block, cells, splits))


def _protocol_verdict(block, cells, splits) -> str:
    if not {"random-windows", "loso"} <= set(splits):
        return "Verdict: needs both the random-windows and the leave-one-subject-out split."
    lines = []
    for label in block.models:
        leaky, honest = cells[label, "random-windows"], cells[label, "loso"]
        if leaky.n and honest.n:
            lines.append(
                f"{label}: {leaky.rmse:.2f} deg with random windows, {honest.rmse:.2f} leaving "
                f"the subject out ({honest.rmse / leaky.rmse:.1f}x)"
            )
    paper = PAPER_TABLE1.get("attn-cnn-lstm", {}).get(block.inputs[-1])
    verdict = "Verdict: " + "; ".join(lines) + "."
    if paper and ("attn-cnn-lstm", "random-windows") in cells:
        ours = cells["attn-cnn-lstm", "random-windows"]
        honest = cells.get(("attn-cnn-lstm", "loso"))
        if ours.n and honest is not None and honest.n:
            explained = (honest.rmse - ours.rmse) / (honest.rmse - paper[0])
            verdict += (
                f" The split alone takes attn-cnn-lstm from {honest.rmse:.2f} to {ours.rmse:.2f} "
                f"deg: {explained:.0%} of the way to the paper's {paper[0]:.3f}; the rest is "
                "not explained by leakage on our data (a different lab, rate, subjects and "
                "training length may contribute)."
            )
    return verdict


from . import crosslab  # noqa: E402, F401  (registers the cross-lab section)
