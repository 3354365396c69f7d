"""The cross-lab section: for each lab, models trained without it, with its other subjects,
and inside it alone, side by side; the subject is the unit (mean over a lab's subjects)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from ..data.corpus import split_subject
from ..evaluation.stats import compare_by_subject, holm_family
from ..models import MAIN_MODEL
from .document import Document
from .registry import describe, register_section

MAIN = None  # the grid's main model (`Grid.main_model`)
COLUMNS = (  # (heading, model label, split, inside the lab alone); like for like first
    ("network, lab left out", MAIN, "lolo", False),
    ("ridge, lab left out", "ridge", "lolo", False),
    ("network, all labs (subject folds)", MAIN, "subject-folds", False),
    ("network, this lab only (LOSO)", MAIN, "subject-folds", True),
    ("ridge, this lab only (LOSO)", "ridge", "subject-folds", True),
    ("hold", "hold", "lolo", False),
    ("const-velocity", "const-velocity", "lolo", False),
    ("adaptive oscillator", "adaptive-oscillator", "lolo", False),  # no training data at all
    ("phase template", "phase-template", "lolo", False),
)
NET_LOLO, RIDGE_LOLO, NET_ALL, NET_OWN, RIDGE_OWN = (c[0] for c in COLUMNS[:5])


def _vs(cells, lab, a: str, b: str) -> str:
    """Mean of column a over mean of column b, as a change in per cent ('–' without both)."""
    x, y = cells[lab, a], cells[lab, b]
    if not (x and y):
        return "–"
    return f"{np.mean(list(x.values())) / np.mean(list(y.values())) - 1:+.0%}"


def per_subject(rows: pd.DataFrame, lab: str, label: str, split: str, in_lab: bool) -> dict:
    """subject -> RMSE (deg) of this lab's subjects under one column's runs."""
    sel = rows[(rows.label == label) & (rows.split == split)]
    if split == "lolo":
        sel = sel[sel.test_lab == lab]
    elif in_lab:
        sel = sel[sel.labs == lab]
    else:
        sel = sel[sel.labs.isna()]
    out = {}
    for text in sel.per_subject:
        for subject, value in json.loads(text).items():
            if split_subject(subject)[0] == lab:
                out.setdefault(subject, []).append(value)
    return {s: float(np.mean(v)) for s, v in out.items()}


def table_for(rows: pd.DataFrame, labs, main_model: str = MAIN_MODEL) -> tuple[list, dict]:
    body, cells = [], {}
    for lab in labs:
        line = [lab]
        for heading, label, split, in_lab in COLUMNS:
            values = per_subject(rows, lab, label or main_model, split, in_lab)
            cells[lab, heading] = values
            line.append(f"{np.mean(list(values.values())):.2f}" if values else "–")
        n = max((len(cells[lab, h]) for h, *_ in COLUMNS), default=0)
        ratios = [_vs(cells, lab, NET_LOLO, RIDGE_LOLO), _vs(cells, lab, NET_LOLO, RIDGE_OWN)]
        body.append(line[:1] + [str(n)] + line[1:] + ratios)
    return body, cells


@register_section("cross-lab")
def cross_lab(doc: Document, block, rows: pd.DataFrame, expected: int, out: Path) -> None:
    from ..plots import results as figures

    labs = sorted({t for t in rows.test_lab.dropna()}, key=str) if len(rows) else []
    doc.heading(f"Across labs ({describe(block, 'inputs', 'split')})")
    doc.text(
        f"{len(rows)} of {expected} runs finished. Each cell is the mean over the lab's "
        "subjects of each subject's RMSE (deg). 'Lab left out': trained on every other lab. "
        "'All labs (subject folds)': one population model per fold of subjects, so each "
        "subject is predicted by a model that saw the other subjects of its lab but never "
        "them. 'This lab only': leave-one-subject-out inside the lab. The last two columns "
        "compare the lab-left-out network first with ridge trained on the same other labs "
        "(like for like), then with the lab's own LOSO ridge (the goal: within +25 %)."
    )
    header = (
        ["lab", "subjects"]
        + [h for h, *_ in COLUMNS]
        + ["left out: network vs ridge", "left out vs lab ridge"]
    )
    pooled, like = [], []
    target = ", ".join(block.targets)
    named = "" if block.targets == ["r_knee_flex"] else "_" + "_".join(block.targets)
    for inputs in block.inputs:
        of_inputs = rows[rows.inputs == inputs]
        for horizon_ms in block.horizons_ms:  # never mix horizons in one cell
            sel = of_inputs
            if "horizon_ms" in sel:
                sel = sel[sel.horizon_ms == float(horizon_ms)]
            body, cells = table_for(sel, labs, block.main_model)
            left = int(sel.n_left_out.max()) if "n_left_out" in sel and len(sel) else 0
            ahead = f", {horizon_ms:g} ms ahead" if len(block.horizons_ms) > 1 else ""
            doc.text(
                f"**{inputs} inputs{ahead}** ({left} trial(s) of the corpus left out for "
                "lacking one of these channels; the run folders' config.json list them)"
            )
            doc.table(header, body)
            what = f"{inputs}, {horizon_ms:g} ms" if ahead else inputs
            pooled.append((what, *_paired(cells, labs, NET_ALL, NET_OWN)))
            like.append((what, *_paired(cells, labs, NET_LOLO, RIDGE_LOLO)))
            suffix = named + (f"_{horizon_ms:g}ms" if ahead else "")
            fig = figures.cross_lab_bars(
                cells, labs, [h for h, *_ in COLUMNS],
                out / "figures" / f"cross_lab_{inputs}{suffix}.png",
                f"{target} {horizon_ms:g} ms ahead, RMSE per lab ({inputs} inputs): "
                "mean over subjects",
            )  # fmt: skip
            if fig:
                doc.image(fig, f"Cross-lab errors, {inputs} inputs{ahead} (dots: subjects).")
    _interval_table(doc, rows, block.main_model)
    doc.text(
        _verdict(
            like,
            "Like for like, the lab left out: the network against ridge trained on the same "
            "other labs, paired by subject",
        )
    )
    doc.text(
        _verdict(
            pooled,
            "Population network (all labs, subject folds) vs a network of the subject's own "
            "lab (LOSO inside it), paired by subject",
        )
    )


def _interval_table(doc: Document, rows: pd.DataFrame, main_model: str) -> None:
    """The main network on each lab left out: its 90 % offline interval (split-conformal,
    from the training labs' validation errors) and how rough its predictions are."""
    wanted = ["interval_coverage", "interval_mean_width_deg", "roughness_ratio"]
    have = [c for c in wanted if c in rows]
    if not have:
        return
    sel = rows[(rows.label == main_model) & (rows.split == "lolo")].dropna(subset=have, how="all")
    if sel.empty:
        return
    doc.text(
        "The network, lab left out: its 90 % prediction interval calibrated offline on the "
        "other labs' validation subjects (each prediction +- a fixed half-width; on a lab it "
        "never saw this covers less than 90 %, and streaming adapts it to the wearer: "
        "docs/realtime.md, `make bench-intervals`), and the roughness of its predictions "
        "(RMS second difference over the true knee's, the median recording's; 1 = as smooth "
        "as the knee)."
    )
    body = [[r.test_lab, r.inputs] + [_cell(getattr(r, c, None)) for c in wanted]
            for r in sel.sort_values(["inputs", "test_lab"]).itertuples()]  # fmt: skip
    doc.table(["lab left out", "inputs", "coverage", "mean width (deg)", "roughness"], body)


def _cell(value) -> str:
    return "–" if value is None or not np.isfinite(value) else f"{value:.3g}"


def _paired(cells, labs, col_a: str, col_b: str) -> tuple[dict, float, float]:
    """All labs' subjects together: column a against column b, paired by subject."""
    diffs, a_all, b_all = {}, [], []
    for lab in labs:
        a, b = cells.get((lab, col_a), {}), cells.get((lab, col_b), {})
        for s in sorted(set(a) & set(b)):
            diffs[s] = [a[s] - b[s]]
            a_all.append(a[s])
            b_all.append(b[s])
    return (
        diffs,
        float(np.mean(a_all)) if a_all else np.nan,
        float(np.mean(b_all)) if b_all else np.nan,
    )


def _verdict(pooled, what: str) -> str:
    tested = [(inputs, compare_by_subject(d), a, b) for inputs, d, a, b in pooled if d]
    if not tested:
        return f"{what}: no subject has both yet."
    corrected = holm_family([t for _, t, _, _ in tested])
    lines = [
        f"{inputs}: {c.n} subjects, mean RMSE {a:.2f} vs {b:.2f} deg; median difference "
        f"{c.median_diff:+.2f} deg (95 % CI {c.ci_low:+.2f} to {c.ci_high:+.2f}); lower for "
        f"{c.wins} of {c.n}; Wilcoxon p = {c.p_wilcoxon:.3g}, Holm-corrected over the "
        f"{len(tested)} input sets p = {c.p_holm:.3g}"
        for (inputs, _, a, b), c in zip(tested, corrected, strict=True)
    ]
    return f"{what}: " + "; ".join(lines) + "."
