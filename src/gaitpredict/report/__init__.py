"""`write_report(out)`: report.md and a self-contained report.html from a reproduce folder.

Tables I and II in the paper's layout with its numbers beside ours, the other blocks,
a paired test per claim of the paper, the figures, and how the numbers were produced.
"""

from __future__ import annotations

import json
import platform
from pathlib import Path

import pandas as pd
import yaml

from ..atomic import write_text
from ..errors import RunError
from ..experiments.grid import Grid
from ..experiments.runner import RESULTS, ResultsTable
from ..models import list_models
from ..plots import results as figures
from ..training.trainer import TrainConfig
from . import crosslab, sections  # noqa: F401 - each registers its sections
from .document import Document
from .registry import describe, render_section, section_names
from .tables import CLAIMS, block_rows, evaluate_claims, per_lab_effects


def load_grid(path_or_profile) -> Grid:
    """A grid file or profile, its block names checked against the report's sections."""
    return Grid.load(path_or_profile, sections=section_names())


def write_report(out) -> list[Path]:
    out = Path(out)
    if not (out / "grid.yaml").exists() or not (out / RESULTS).exists():
        raise RunError(f"{out}: no grid.yaml and results.csv; run `gaitpredict reproduce`")
    grid = Grid.from_dict(
        yaml.safe_load((out / "grid.yaml").read_text()), str(out / "grid.yaml"), section_names()
    )
    results = ResultsTable(out / RESULTS).frame()
    (out / "figures").mkdir(exist_ok=True)
    doc = Document(f"gaitpredict reproduction report: {grid.name}")
    _provenance(doc, out, grid, results)
    for block in grid.blocks:
        render_section(doc, grid, results, block, out)
    _claims(doc, grid, results)
    _figures(doc, grid, results, out)
    md, html = out / "report.md", out / "report.html"
    write_text(md, doc.markdown(out))
    write_text(html, doc.html())
    return [md, html]


def _provenance(doc: Document, out: Path, grid: Grid, results: pd.DataFrame) -> None:
    import numpy
    import torch

    from .. import __version__

    meta = json.loads((out / "grid.json").read_text())
    sessions = (
        json.loads((out / "sessions.json").read_text()) if (out / "sessions.json").exists() else []
    )
    wall = sum(s["wall_seconds"] for s in sessions)
    compute = float(results.run_seconds.sum()) if not results.empty else 0.0
    commands = sorted({s.get("command") or "" for s in sessions} - {""})
    if grid.description:
        doc.text(grid.description)
    doc.bullets(
        [
            "command: " + (" ; ".join(f"`{c}`" for c in commands) or "(not recorded)"),
            f"data: `{meta['data']}`",
            f"runs: {len(results)} finished of {len(grid.expand())} in the grid ("
            + (
                f"{len(grid.datasets)} labs: {', '.join(grid.datasets)}"
                if grid.datasets
                else f"{len(grid.folds)} leave-one-subject-out folds {', '.join(grid.folds)}"
            )
            + f"; seeds {grid.seeds[0]}..{grid.seeds[-1]}; training {grid.train})",
            _epoch_cap(grid, results),
            f"compute: {compute / 60:.1f} min summed over runs; {wall / 60:.1f} min wall over "
            f"{len(sessions)} invocation(s) "
            + ", ".join(f"{s['executor']} x{s['workers']} on {s['cpus']} cpus" for s in sessions),
            f"versions: gaitpredict {__version__}, torch {torch.__version__}, numpy "
            f"{numpy.__version__}, Python {platform.python_version()}",
            "errors are RMSE / MAE in degrees of the right knee (unless stated), mean ± sd over "
            "folds x repeats; the paper's numbers are means of 30 runs on its own private "
            "150 Hz data with an unstated split, for reference only",
        ]
    )


def _fold(row) -> str:
    return row.split if pd.isna(row.test_subject) else str(row.test_subject)


def _epoch_cap(grid: Grid, results: pd.DataFrame) -> str:
    """How many networks stopped at the epoch cap instead of by early stopping."""
    cap = TrainConfig(**grid.train).max_epochs
    if results.empty:
        return "epoch cap: no runs yet"
    trained = results[results.epochs_run > 0]
    leaky = trained.split == "random-windows"
    capped = trained[~leaky & (trained.epochs_run >= cap)]
    text = (
        f"epoch cap: {len(capped)} of {(~leaky).sum()} trained runs stopped at the cap of "
        f"{cap} epochs rather than by early stopping (a leave-one-subject-out run counts as "
        "capped if any of its networks was)"
    )
    if leaky.any():
        text += (
            f"; {(trained[leaky].epochs_run >= cap).sum()} of {leaky.sum()} random-windows "
            "(LEAKY) runs reached it, as expected: their validation windows neighbour "
            "training windows, so validation keeps improving while the network memorises"
        )
    if len(capped):
        text += (
            " (their errors may still have been falling: "
            + ", ".join(
                sorted({f"{r.label} {r.inputs} {_fold(r)}" for r in capped.itertuples()})[:6]
            )
            + (" ..." if len(capped) > 6 else "")
            + ")"
        )
    return text


def _claims(doc: Document, grid: Grid, results: pd.DataFrame) -> None:
    tested = evaluate_claims(grid, results)
    if not any(grid.block(c.block) for c in CLAIMS):
        return  # a grid without the paper's blocks (e.g. cross-lab) tests none of its claims
    doc.heading("The paper's claims on our data")
    several = len(grid.datasets or []) > 1
    doc.text(
        "The test subject is the unit of replication: each subject's RMSE difference is "
        "averaged over its repeats (seeds) first, then the subjects are compared with an "
        "exact two-sided Wilcoxon signed-rank test and a sign test"
        + (", every lab's subjects pooled (each left out inside its own lab)" if several else "")
        + ". The effect is the median "
        "subject difference in degrees (negative: the claim's model has the lower error) "
        "with a 95 % bootstrap interval resampling subjects and their repeats. p-values are "
        f"Holm-corrected over the {len(tested)} claims tested here; the level is 5 %."
    )
    body = []
    for claim, t in tested:
        p = "–" if t.p_wilcoxon is None else f"{t.p_wilcoxon:.3g}"
        ps = "–" if t.p_sign is None else f"{t.p_sign:.3g}"
        ph = "–" if t.p_holm is None else f"{t.p_holm:.3g}"
        effect = f"{t.median_diff:+.2f} [{t.ci_low:+.2f}, {t.ci_high:+.2f}]"
        line = [claim.text, claim.paper, str(t.n), effect]
        if several:
            labs = per_lab_effects(grid, results, claim)
            line.append("; ".join(f"{lab} {d:+.2f} ({n})" for lab, (n, d) in labs.items()))
        body.append(line + [f"{t.wins}/{t.n}", p, ps, ph, f"**{t.verdict}**"])
    header = ["claim", "paper", "subjects", "median diff (deg) [95 % CI]"]
    header += ["per lab: median diff (subjects)"] if several else []
    header += ["subjects better", "p (Wilcoxon)", "p (sign)", "p (Holm)", "our data"]
    doc.table(header, body)


def _representative(grid: Grid, rows: pd.DataFrame, out: Path, key: str, values) -> dict:
    """One run folder per value of `key` from the first fold and seed that has them."""
    found = {}
    tested = list(rows.test_subject.dropna().unique()) if len(rows) else []
    for fold in [f for f in grid.folds if f in tested] + sorted(tested):
        sel = rows[(rows.test_subject == fold) & (rows.seed == grid.seeds[0])]
        for v in values:
            hit = sel[sel[key] == v]
            if v not in found and len(hit):
                found[v] = out / "runs" / hit.run_dir.iloc[0]
    return {v: found[v] for v in values if v in found}


def _figures(doc: Document, grid: Grid, results: pd.DataFrame, out: Path) -> None:
    doc.heading("Figures")
    fig_dir = out / "figures"
    t1 = grid.block("table1")
    if t1:
        rows = block_rows(grid, results, "table1")
        inputs = t1.inputs[-1]
        networks = set(list_models(kind="network"))
        nets = [m for m in t1.models if m.partition("@")[0] in networks]
        sel = rows[rows.inputs == inputs]
        runs = _representative(grid, sel, out, "label", nets)
        shown = sel[sel.run_dir.isin([str(p.relative_to(out / "runs")) for p in runs.values()])]
        subject = shown.test_subject.iloc[0] if len(shown) else grid.folds[0]
        title = f"{inputs}, test subject {subject}, seed {grid.seeds[0]}"
        fig = figures.loss_curves(runs, fig_dir / "fig6_loss.png", title)
        if fig:
            doc.image(fig, "Figure 6: training and validation loss (best weights restored).")
        runs = _representative(grid, sel, out, "label", t1.models)
        fig = figures.predicted_vs_true(
            runs, fig_dir / "fig7_models.png", describe(t1, "inputs") + f", {inputs} inputs"
        )
        if fig:
            doc.image(fig, "Figure 7: predicted vs true knee angle per model.")
        attn = rows[rows.label == grid.main_model]
        runs = _representative(grid, attn, out, "inputs", t1.inputs)
        fig = figures.predicted_vs_true(
            runs, fig_dir / "fig8_inputs.png", "attention CNN-LSTM per input set"
        )
        if fig and len(runs) > 1:
            doc.image(fig, "Figure 8: predicted vs true knee angle per limb-synergy input set.")
    if grid.block("attention"):
        rows = block_rows(grid, results, "attention")
        fig = figures.errors_by_fold(
            rows,
            grid.block("attention").models,
            fig_dir / "fig9_attention.png",
            "attention before vs after the LSTM",
        )
        if fig:
            doc.image(fig, "Figure 9: RMSE per test subject, attention before vs after the LSTM.")
    attn = grid.block("attention") or t1
    if attn is None:
        return
    fig = figures.attention_weights(
        _attention_files(results, out, grid, attn, "attn-cnn-lstm@before"),
        _attention_files(results, out, grid, attn, grid.main_model),
        fig_dir / "attention_weights.png",
    )
    if fig:
        doc.image(
            fig,
            "Learned attention weights, mean ± sd over runs: per joint channel (before the "
            f"LSTM) and over time (after it); {describe(attn)}.",
        )


def _attention_files(results: pd.DataFrame, out: Path, grid: Grid, block, label: str):
    rows = block_rows(grid, results, block.name)
    if rows.empty:
        return []
    sel = rows[
        (rows.label == label)
        & (rows.inputs == block.inputs[-1])
        & (rows.horizon_ms == block.horizons_ms[0])
    ]
    return [out / "runs" / d / "attention.json" for d in sel.run_dir]
