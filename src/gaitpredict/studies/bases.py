"""Base models for adaptation experiments: the cross-lab grid's networks that never saw a
given subject, found in its results folder (`gaitpredict reproduce --profile cross-lab`).

- `lolo`: the network trained on every other lab (a subject of a lab never seen);
- `loso`: the network trained on the lab's other subjects only (subject folds inside the
  lab: a new subject of a known lab).
Only runs of the current cross-lab grid count (not older versions in the same folder).
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..errors import ConfigError
from ..experiments.grid import Grid, run_id
from ..models import MAIN_MODEL

MODEL = MAIN_MODEL


def _current_rows(results_dir: Path, inputs: str, target: str, model: str = MODEL) -> pd.DataFrame:
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
        & (rows.label == model)
        & (rows.inputs == inputs)
        & (rows.target == target)
        & rows.not_applicable.isna()
    ]


def base_checkpoint(
    results_dir,
    kind: str,
    lab: str,
    subject: str,
    inputs: str,
    target: str = "r_knee_flex",
    model: str = MODEL,
) -> Path:
    """The checkpoint of the cross-lab network (or another of its grid's models, `model`)
    that never saw `subject` (LAB/S)."""
    rows = _current_rows(results_dir, inputs, target, model)
    runs = Path(results_dir) / "runs"
    if kind == "lolo":
        sel = rows[(rows.split == "lolo") & (rows.test_lab == lab)]
        if sel.empty:
            raise ConfigError(f"no leave-{lab}-out {model} for {inputs} in {results_dir}")
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


def lolo_rows(results_dir, inputs: str, target: str = "r_knee_flex", model: str = MODEL,
              horizon_ms: float = 100.0, ids: set | None = None) -> pd.DataFrame:  # fmt: skip
    """Any results folder's finished leave-one-lab-out rows of one model, inputs, target and
    horizon (of these run ids, when given), each with `checkpoint` (its model.pt)."""
    table = Path(results_dir) / "results.csv"
    if not table.is_file():
        raise ConfigError(f"{table}: no results; run the grid that writes it first")
    rows = pd.read_csv(table, dtype={"test_subject": str, "labs": str})
    sel = rows[(rows.label == model) & (rows.split == "lolo") & (rows.inputs == inputs)
               & (rows.target == target) & (rows.horizon_ms == horizon_ms)]  # fmt: skip
    if ids is not None:
        sel = sel[sel.run_id.isin(ids)]
    runs = Path(results_dir) / "runs"
    return sel.assign(checkpoint=[runs / d / "model.pt" for d in sel.run_dir])


def lolo_checkpoints(results_dir, inputs: str, target: str = "r_knee_flex",
                     model: str = MODEL, horizon_ms: float = 100.0,
                     ids: set | None = None) -> dict:  # fmt: skip
    """test lab -> the checkpoint of `lolo_rows`' network that left the lab out."""
    rows = lolo_rows(results_dir, inputs, target, model, horizon_ms, ids)
    return dict(zip(rows.test_lab, rows.checkpoint, strict=True))


def fold_subjects(checkpoint: Path) -> list[str]:
    """The subjects a subject-fold network was tested on (none trained it)."""
    config = json.loads((Path(checkpoint).parent / "config.json").read_text())
    return list(config.get("test_subjects") or [])


def known_subjects(dataset, lab: str) -> list[str]:
    """The lab's named subjects in a labelled corpus (`unknown` trials only train)."""
    return sorted(
        s for s in dataset.subjects if s.startswith(lab + "/") and not s.endswith("/unknown")
    )


@dataclass
class Base:
    """One base network: its checkpoint, loaded, and an ONNX file for streaming it."""

    path: Path
    model: object
    spec: object
    payload: dict
    onnx: Path

    def predictor(self, adapt=True):
        """A fresh streaming predictor on onnxruntime (`adapt`: True or an AdaptConfig)."""
        from ..realtime import StreamingPredictor

        return StreamingPredictor.from_checkpoint(
            self.path, backend="onnx", onnx_path=self.onnx, adapt=adapt
        )


class BaseModels:
    """`base_checkpoint`s, each loaded and exported to ONNX once."""

    def __init__(self, results_dir, inputs: str, target: str = "r_knee_flex"):
        self.results_dir, self.inputs, self.target = Path(results_dir), inputs, target
        self._cache: dict[Path, Base] = {}
        self._tmp = Path(tempfile.mkdtemp(prefix="gaitpredict-bases-"))

    def get(self, kind: str, lab: str, subject: str) -> Base:
        from ..realtime.export import export_bytes
        from ..training.checkpoint import load_checkpoint

        path = base_checkpoint(self.results_dir, kind, lab, subject, self.inputs, self.target)
        if path not in self._cache:
            model, spec, payload = load_checkpoint(path)
            onnx = self._tmp / f"{len(self._cache)}.onnx"
            onnx.write_bytes(export_bytes(model, spec, payload["model_name"]))
            self._cache[path] = Base(path, model, spec, payload, onnx)
        return self._cache[path]
