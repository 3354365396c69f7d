"""Rebuild the shipped models from the shared data: `make pretrained`, or

    python -m gaitpredict.studies.pretrained --data ../shared/data --cross-lab runs/cross-lab

Each recipe (`experiments/profiles/recipes/<name>.yaml`, a run config) trains on every
subject of every shared lab (split `all`: validation is carved from the training trials;
nothing is tested), with the seed and epoch limits of the cross-lab grid, whose results
(`--cross-lab`, from `gaitpredict reproduce --profile cross-lab`) give the card its
leave-one-lab-out and leave-one-subject-out figures: they measure this very recipe on labs
and subjects it did not see. Writes `<name>.pt`, `<name>.onnx` (`--export`: only that),
`<name>.json` and `<name>.md` into the package folder (or `--out`).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
import warnings
from pathlib import Path

import numpy as np

from ..atomic import replacing, write_json, write_text
from ..data.channels import mirror_name, resolve_channels
from ..data.corpus import load_corpus
from ..data.labs import LABS
from ..data.rates import accepted_rates
from ..experiments.grid import Grid, list_recipes, load_recipe, run_id
from ..experiments.run import run_experiment
from ..pretrained import _folder

MAX_BYTES = 1_000_000
NOT_FOR = (
    "Not a medical device and not validated on patients: every training subject walked "
    "unimpaired. Not for running, stairs, turning on the spot or sit-to-stand (none in the "
    "training data). Not for other horizons or joints than the card's. Its inputs are joint "
    "angles in the catalog's conventions (flexion positive; see docs/data.md, Channels), "
    "not raw IMU or encoder counts."
)


def shared_labs(data_root: Path) -> list[str]:
    return [n for n, lab in LABS.items() if lab.duplicate_of is None and (data_root / n).is_dir()]


def manifest_sha256(folder: Path) -> str:
    return hashlib.sha256((folder / "MANIFEST.csv").read_bytes()).hexdigest()


def cross_lab_figures(
    results_dir: Path | None, inputs: str, target: str, horizon_ms: float = 100.0
) -> dict:
    """Per lab: mean over its subjects of RMSE for the recipe's network left out of the lab,
    tested by subject folds over all labs, and the lab's own LOSO ridge; from the grid's
    runs of the recipe's inputs, target and horizon."""
    if results_dir is None or not (results_dir / "results.csv").is_file():
        return {}
    import pandas as pd

    from ..report.crosslab import COLUMNS, table_for

    rows = pd.read_csv(results_dir / "results.csv", dtype={"test_subject": str})
    current = {run_id(c) for c in Grid.load("cross-lab").expand()}  # not older grid versions
    rows = rows[rows.run_id.isin(current) & (rows.inputs == inputs) & (rows.target == target)
                & (rows.horizon_ms == float(horizon_ms))]  # fmt: skip
    labs = sorted(rows.test_lab.dropna().unique())
    _, cells = table_for(rows, labs)
    out = {}
    for lab in labs:
        entry = {}
        for heading, *_ in COLUMNS:
            values = cells.get((lab, heading), {})
            if values:
                entry[heading] = {
                    "mean_rmse_deg": round(float(np.mean(list(values.values()))), 3),
                    "subjects": len(values),
                }
        out[lab] = entry
    return out


def build_one(
    name: str, data_root: Path, out: Path, work: Path, cross_lab: Path | None, reuse=False,
    previous_build: Path | None = None,
) -> dict:  # fmt: skip
    cfg = load_recipe(name)
    recipe = {k: getattr(cfg, k) for k in ("model", "inputs", "target", "horizon_ms",
                                           "window_ms", "rate_hz")}  # fmt: skip
    labs = shared_labs(data_root)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        corpus = load_corpus([str(data_root / lab) for lab in labs])
        done = work / name / "metrics.json"
        reused = reuse and done.is_file()
        if reused:  # rewrite the card from a finished training
            metrics = json.loads(done.read_text())
        else:
            metrics = run_experiment(corpus, cfg, work / name)
    out.mkdir(parents=True, exist_ok=True)
    checkpoint = out / f"{name}.pt"
    old_card = _card_of(out / f"{name}.json")
    same_recipe = old_card is not None and _recipe_of(old_card) == _recipe_of(
        {**recipe, "training": {"settings": _settings(cfg)}}
    )
    previous = None
    if previous_build is not None:  # an earlier build of this recipe, kept elsewhere
        previous = _predictions(previous_build, corpus)
    elif checkpoint.is_file() and same_recipe and not reused:
        previous = _predictions(checkpoint, corpus)  # a rebuild: how close does it come?
    with replacing(checkpoint) as tmp:
        shutil.copyfile(work / name / "model.pt", tmp)
    size = checkpoint.stat().st_size
    if size > MAX_BYTES:
        raise SystemExit(f"{checkpoint}: {size} bytes, over the {MAX_BYTES} limit")
    rebuild = None
    if reused and same_recipe and old_card.get("rebuild_checked"):
        rebuild = old_card["rebuild_max_abs_diff_deg"]
    if previous is not None:
        now = _predictions(checkpoint, corpus)
        rebuild = float(np.nanmax(np.abs(now - previous)))
    config = json.loads((work / name / "config.json").read_text())
    lo, hi = accepted_rates(recipe["rate_hz"])
    card = {
        "name": name,
        "model": recipe["model"],
        "target": recipe["target"],
        "horizon_ms": recipe["horizon_ms"],
        "window_ms": recipe["window_ms"],
        "input_set": recipe["inputs"],
        "inputs": resolve_channels(recipe["inputs"]),
        "units": "degrees",
        "rate_hz": recipe["rate_hz"],
        "accepted_rates_hz": [lo, hi],
        "training": {
            "labs": {
                lab: {
                    "manifest_sha256": manifest_sha256(data_root / lab),
                    "licence": LABS[lab].licence,
                    "acknowledgement": LABS[lab].acknowledgement,
                    "caveats": list(LABS[lab].caveats),
                }
                for lab in labs
            },
            "subjects": len([s for s in corpus.subjects if not s.endswith("/unknown")]),
            "trials_used": len(corpus.trials) - len(config["left_out"]),
            "trials_left_out": config["left_out"],
            "train_windows": metrics["n_train_windows"],
            "validation_windows": metrics["n_val_windows"],
            "validation_rmse_deg": round(metrics["val_rmse_deg"], 3),
            "epochs_run": metrics["epochs_run"],
            "best_epoch": metrics["best_epoch"],
            "settings": _settings(cfg),
        },
        "rebuild": "python -m gaitpredict.studies.pretrained --data ../shared/data "
        "--cross-lab runs/cross-lab (make pretrained)",
        "rebuild_max_abs_diff_deg": rebuild,
        "rebuild_checked": rebuild is not None,
        "cross_lab": cross_lab_figures(
            cross_lab, recipe["inputs"], recipe["target"], recipe["horizon_ms"]
        ),
        "not_for": NOT_FOR,
        "bytes": size,
    }
    write_json(out / f"{name}.json", card)
    write_text(out / f"{name}.md", card_markdown(card))
    return card


def calibrate_one(name: str, data_root: Path, out: Path, intervals=None) -> dict:
    """Add the split-conformal calibration to a shipped checkpoint without retraining it: the
    recipe's own validation windows (the same seeded whole trials its training carved) are
    predicted, and their errors stored (`evaluation.intervals`). The card records it, with
    the coverage `benchmarks/intervals.py` measured for this recipe on labs left out."""
    from ..evaluation.intervals import DEFAULT_COVERAGE, Calibration
    from ..evaluation.windowed import predict_all
    from ..experiments.run import build_windows
    from ..training.checkpoint import load_checkpoint, resave_checkpoint

    cfg = load_recipe(name)
    labs = shared_labs(data_root)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        corpus = load_corpus([str(data_root / lab) for lab in labs])
        _, _, _, val_w, _ = build_windows(corpus, cfg)
    checkpoint = out / f"{name}.pt"
    model, _, payload = load_checkpoint(checkpoint)
    calibration = Calibration.from_predictions(*predict_all(model, val_w), cfg.train.seed)
    card = json.loads((out / f"{name}.json").read_text())
    card["intervals"] = {
        "coverage": DEFAULT_COVERAGE,
        "half_width_deg_offline": round(float(calibration.half_width(DEFAULT_COVERAGE)[0]), 3),
        "calibration_errors": calibration.n,
        "measured_on_labs_left_out": _measured(intervals, cfg.inputs, cfg.target, cfg.horizon_ms),
    }
    with replacing(checkpoint) as tmp:  # the card is complete before anything is written
        resave_checkpoint(tmp, model, payload, {"calibration": calibration.to_dict()})
    card["bytes"] = checkpoint.stat().st_size
    write_json(out / f"{name}.json", card)
    write_text(out / f"{name}.md", card_markdown(card))
    return card


def export_one(name: str, data_root: Path, out: Path) -> dict:
    """Ship the model as ONNX too (`<name>.onnx`, with the features output online adaptation
    reads), parity-checked against the checkpoint on real windows of the shared labs, so a
    stream starts without exporting; the card records its size and the parity."""
    from ..errors import GaitDataError
    from ..evaluation.windowed import real_windows
    from ..realtime.export import export_onnx
    from ..training.checkpoint import load_checkpoint

    checkpoint = out / f"{name}.pt"
    _, spec, _ = load_checkpoint(checkpoint)
    found = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for lab in shared_labs(data_root):  # labs with recordings at the model's rate
            try:
                found.append(real_windows(spec, str(data_root / lab), 512))
            except GaitDataError:
                continue
    windows = np.concatenate(found)
    result = export_onnx(checkpoint, out / f"{name}.onnx", windows)
    card = json.loads((out / f"{name}.json").read_text())
    card["onnx"] = {"file": f"{name}.onnx", "bytes": (out / f"{name}.onnx").stat().st_size,
                    "parity_max_diff_deg": float(f"{result['max_diff_deg']:.3g}"),
                    "parity_windows": result["windows"]}  # fmt: skip
    write_json(out / f"{name}.json", card)
    write_text(out / f"{name}.md", card_markdown(card))
    return card


def _measured(intervals, inputs: str, target: str, horizon_ms: float = 100.0) -> dict:
    """Per lab left out: the online and offline intervals' coverage after each wearer's
    first 10 s, from the `benchmarks/intervals.py` output (among the folders `intervals`)
    that scored networks of this recipe's inputs, target and horizon (the right knee 100 ms
    ahead where it does not say)."""
    for folder in intervals or []:
        report = Path(folder) / "intervals.json"
        if not report.is_file():
            continue
        found = json.loads(report.read_text())
        scored = (found.get("inputs", "legs-sagittal"), found.get("target", "r_knee_flex"),
                  float(found.get("horizon_ms", 100.0)))  # fmt: skip
        if scored != (inputs, target, float(horizon_ms)):
            continue
        return {lab: {"online_coverage": round(e["later"]["online"]["coverage"], 3),
                      "offline_coverage": round(e["later"]["offline"]["coverage"], 3),
                      "predictions": e["later"]["n"]}
                for lab, e in found["labs"].items() if e.get("later")}  # fmt: skip
    return {}


def _settings(cfg) -> dict:
    return _comparable(cfg.train.to_dict())


def _comparable(settings: dict) -> dict:
    """Training settings less those that do not change the weights."""
    return {k: v for k, v in settings.items() if k not in ("progress", "threads")}


def _card_of(path: Path) -> dict | None:
    return json.loads(path.read_text()) if path.is_file() else None


def _recipe_of(card: dict) -> tuple:
    """What must be equal for a new build to count as a rebuild of an old one (a card, or a
    recipe with its training settings)."""
    return (
        card.get("model"),
        card.get("input_set", card.get("inputs")),
        card.get("target"),
        card.get("horizon_ms"),
        card.get("window_ms"),
        card.get("rate_hz"),
        json.dumps(_comparable(card["training"]["settings"]), sort_keys=True),
    )


def _predictions(checkpoint: Path, corpus) -> np.ndarray:
    """Predictions on the first usable trial of each lab: to compare two builds."""
    from ..evaluation.predictor import load_predictor

    predictor = load_predictor(checkpoint)
    need = set(predictor.channels)
    seen, parts = set(), []
    for t in corpus.trials:
        lab = t.meta.get("lab")
        if lab not in seen and need <= set(t.channels):
            seen.add(lab)
            parts.append(predictor.predict(t)[:, -1])
    return np.concatenate(parts)


def _linear_as_good(cross_lab: dict) -> str:
    """Where ridge trained on the same other labs is as good as the network, in words."""
    net, ridge = "network, lab left out", "ridge, lab left out"
    both = {lab: (e[net]["mean_rmse_deg"], e[ridge]["mean_rmse_deg"])
            for lab, e in cross_lab.items() if net in e and ridge in e}  # fmt: skip
    if not both:
        return "Ridge with the lab left out was not measured."
    as_good = [f"{lab} ({r:.2f} vs {n:.2f})" for lab, (n, r) in both.items() if r <= n]
    if not as_good:
        return f"The network beats ridge trained on the same labs on all {len(both)} labs."
    return (
        f"Ridge trained on the same labs is as good or better on {len(as_good)} of "
        f"{len(both)} labs: {', '.join(as_good)} (ridge vs network); the paired test over "
        "all subjects is in docs/pretrained.md."
    )


def card_markdown(card: dict) -> str:
    lines = [
        f"# Model card: {card['name']}",
        "",
        f"Predicts **{card['target']}** (degrees, flexion positive) **{card['horizon_ms']:g} ms "
        f"ahead** from the last {card['window_ms']:g} ms of {len(card['inputs'])} joint angles. "
        f"Network: {card['model']}. Model rate {card['rate_hz']:g} Hz; recordings and streams "
        f"at {card['accepted_rates_hz'][0]:g}-{card['accepted_rates_hz'][1]:g} Hz are converted "
        "to it causally (each model frame uses only frames at or before its time).",
        "",
        f"The other side (`{mirror_name(card['target'])}`) is served by the same network read "
        f"mirrored, left for right (`--target {mirror_name(card['target'])}`, "
        "`WindowSpec.mirrored`); "
        + (
            "on labs left out its accuracy is within a few tenths of a degree of this side's "
            "(docs/pretrained.md)."
            if card["input_set"] == "legs-sagittal" and card["horizon_ms"] == 100
            else "its accuracy on labs left out was measured for the legs-sagittal models "
            "100 ms ahead only (within a few tenths of a degree of the right side's; "
            "docs/pretrained.md)."
        ),
        "",
        "## Inputs, in order (degrees)",
        "",
        ", ".join(f"`{c}`" for c in card["inputs"]),
        "",
        "Signs: flexion, dorsiflexion, abduction and internal rotation positive (docs/data.md's "
        "channel catalog); the readers map CMU, Plug-in Gait/CGM2 C3D and OpenSim files onto it.",
        "",
        "## Training data",
        "",
        f"{card['training']['subjects']} subjects (plus CMU's unknown walkers), "
        f"{card['training']['trials_used']} trials, {card['training']['train_windows']} training "
        f"windows; validation RMSE {card['training']['validation_rmse_deg']} deg (whole trials "
        f"carved from training); best epoch {card['training']['best_epoch']} of "
        f"{card['training']['epochs_run']}.",
        "",
        "| lab | MANIFEST.csv sha256 | licence | acknowledgement |",
        "|---|---|---|---|",
    ]
    for lab, info in card["training"]["labs"].items():
        lines.append(
            f"| {lab} | `{info['manifest_sha256'][:16]}...` | {info['licence']} | "
            f"{info['acknowledgement']} |"
        )
    lines += ["", "## How well it predicts people and labs it has not seen", ""]
    if card["cross_lab"]:
        heads = [
            "network, lab left out",
            "ridge, lab left out",
            "network, all labs (subject folds)",
            "ridge, this lab only (LOSO)",
            "hold",
        ]
        lines += [
            "Mean over each lab's subjects of the per-subject RMSE (deg), from "
            "`gaitpredict reproduce --profile cross-lab --data ../shared/data --out "
            "runs/cross-lab` (the same recipe, trained without the lab / without the subject):",
            "",
            "| lab | " + " | ".join(heads) + " |",
            "|---|" + "---|" * len(heads),
        ]
        for lab, entry in card["cross_lab"].items():
            cells = [
                f"{entry[h]['mean_rmse_deg']:.2f} (n={entry[h]['subjects']})" if h in entry else "–"
                for h in heads
            ]
            lines.append(f"| {lab} | " + " | ".join(cells) + " |")
        lines += ["", _linear_as_good(card["cross_lab"])]
    else:
        lines.append("Not measured: build with `--cross-lab` pointing at the cross-lab results.")
    if "intervals" in card:
        iv = card["intervals"]
        lines += ["", "## Prediction intervals", "",
                  f"Calibrated on {iv['calibration_errors']} validation errors (training "
                  f"subjects' whole trials): a {iv['coverage']:.0%} interval is the prediction "
                  f"+- {iv['half_width_deg_offline']:g} deg offline; streaming adapts it to the "
                  "wearer's own errors as their truth arrives (docs/realtime.md)."]  # fmt: skip
        if iv["measured_on_labs_left_out"]:
            lines += ["", "Coverage of the 90 % interval measured on labs left out (this recipe "
                      "trained without the lab), after each wearer's first 10 s "
                      "(`python benchmarks/intervals.py`):", "",
                      "| lab | streamed (online) | offline only | predictions |",
                      "|---|---|---|---|"]  # fmt: skip
            for lab, e in iv["measured_on_labs_left_out"].items():
                lines.append(f"| {lab} | {e['online_coverage']:.3f} | "
                             f"{e['offline_coverage']:.3f} | {e['predictions']} |")  # fmt: skip
    onnx = card.get("onnx")
    if onnx:
        lines += [
            "",
            "## Files",
            "",
            f"`{card['name']}.pt` ({card['bytes']:,} bytes: the checkpoint, with its interval "
            f"calibration) and `{onnx['file']}` ({onnx['bytes']:,} bytes: the same network as "
            "ONNX, with the features output online adaptation reads; streams run it without "
            f"exporting). They agree within {onnx['parity_max_diff_deg']:.2g} deg on "
            f"{onnx['parity_windows']:,} real windows of the shared labs.",
        ]
    rebuild = card["rebuild_max_abs_diff_deg"]
    lines += [
        "",
        "## Rebuild",
        "",
        f"`{card['rebuild']}`. "
        + (
            f"The last rebuild's predictions differed from the previous build's by at most "
            f"{rebuild:.2g} deg (deterministic training, same seed, same machine)."
            if rebuild is not None
            else "Training is deterministic (seeded, deterministic kernels); on another "
            "machine or library version expect small differences."
        ),
        "",
        "## Not for",
        "",
        card["not_for"],
        "",
    ]
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path("../shared/data"))
    ap.add_argument("--cross-lab", type=Path, default=Path("runs/cross-lab"))
    ap.add_argument("--out", type=Path, default=_folder())
    ap.add_argument("--work", type=Path, default=Path("runs/pretrained"))
    ap.add_argument("--only", nargs="*", default=list_recipes(), choices=list_recipes())
    ap.add_argument(
        "--reuse", action="store_true", help="keep a finished training in --work; rewrite the "
        "checkpoint and card (e.g. after the cross-lab grid has more results)",
    )  # fmt: skip
    ap.add_argument(
        "--previous-build", type=Path, default=None,
        help="an earlier build's checkpoint of the same recipe (one model with --only): the "
        "card records how far the two builds' predictions differ",
    )  # fmt: skip
    ap.add_argument(
        "--calibrate", action="store_true", help="only add the interval calibration to the "
        "shipped checkpoints (no training) and record it in their cards",
    )  # fmt: skip
    ap.add_argument(
        "--export", action="store_true", help="only (re)write the shipped ONNX files of the "
        "shipped checkpoints (no training), parity-checked on the shared labs",
    )  # fmt: skip
    ap.add_argument(
        "--intervals",
        type=Path,
        nargs="*",
        default=[Path("runs/intervals"), Path("runs/intervals-arms-legs")],
        help="benchmarks/intervals.py's outputs, for the cards' measured coverage",
    )
    args = ap.parse_args(argv)
    if args.calibrate or args.export:
        for name in args.only:
            if args.calibrate:
                card = calibrate_one(name, args.data, args.out, args.intervals)
                print(f"{name}: {card['intervals']}", file=sys.stderr)
            card = export_one(name, args.data, args.out)
            print(f"{name}: {card['onnx']}", file=sys.stderr)
        return 0
    for name in args.only:
        build_one(
            name, args.data, args.out, args.work, args.cross_lab, args.reuse, args.previous_build
        )
        calibrate_one(name, args.data, args.out, args.intervals)
        card = export_one(name, args.data, args.out)
        print(
            f"{name}: {card['bytes']} bytes, validation RMSE "
            f"{card['training']['validation_rmse_deg']} deg -> {args.out}/{name}.pt",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
