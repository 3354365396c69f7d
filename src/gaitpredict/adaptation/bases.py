"""Base models for adaptation experiments: the cross-lab grid's networks that never saw a
given subject, found in its results folder (`gaitpredict reproduce --profile cross-lab`).

- `lolo`: the network trained on every other lab (a subject of a lab never seen);
- `loso`: the network trained on the lab's other subjects only (subject folds inside the
  lab: a new subject of a known lab).
Only runs of the current cross-lab grid count (not older versions in the same folder).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from ..errors import ConfigError
from ..experiments.grid import Grid, run_id

MODEL = "attn-cnn-lstm"


def _current_rows(results_dir: Path, inputs: str, target: str) -> pd.DataFrame:
    table = Path(results_dir) / "results.csv"
    if not table.is_file():
        raise ConfigError(
            f"{table}: no cross-lab results; run `make cross-lab` (or `gaitpredict reproduce "
            "--profile cross-lab --data ../shared/data --out runs/cross-lab`) first"
        )
    rows = pd.read_csv(table, dtype={"test_subject": str, "labs": str})
    current = {run_id(c) for c in Grid.load("cross-lab").expand()}
    return rows[
        rows.run_id.isin(current)
        & (rows.label == MODEL)
        & (rows.inputs == inputs)
        & (rows.target == target)
        & rows.not_applicable.isna()
    ]


def base_checkpoint(
    results_dir, kind: str, lab: str, subject: str, inputs: str, target: str = "r_knee_flex"
) -> Path:
    """The checkpoint of the cross-lab network that never saw `subject` (LAB/S)."""
    rows = _current_rows(results_dir, inputs, target)
    runs = Path(results_dir) / "runs"
    if kind == "lolo":
        sel = rows[(rows.split == "lolo") & (rows.test_lab == lab)]
        if sel.empty:
            raise ConfigError(f"no leave-{lab}-out network for {inputs} in {results_dir}")
        return runs / sel.iloc[-1].run_dir / "model.pt"
    if kind != "loso":
        raise ConfigError(f"kind must be lolo or loso, got {kind!r}")
    sel = rows[(rows.split == "subject-folds") & (rows.labs == lab)]
    for run_dir in sel.run_dir:
        for fold in sorted((runs / run_dir).glob("fold*")):
            config = json.loads((fold / "config.json").read_text())
            if subject in config.get("test_subjects", []):
                return fold / "model.pt"
    raise ConfigError(f"no in-lab network of {lab} that left {subject} out ({inputs})")


def fold_subjects(checkpoint: Path) -> list[str]:
    """The subjects a subject-fold network was tested on (none trained it)."""
    config = json.loads((Path(checkpoint).parent / "config.json").read_text())
    return list(config.get("test_subjects") or [])
