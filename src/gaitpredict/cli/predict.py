"""`gaitpredict models` (the shipped pretrained models) and `gaitpredict predict` (a model's
predictions for recordings, with their errors where the recording holds the target)."""

from __future__ import annotations

import json
from pathlib import Path

from .options import add_untrained_options, untrained_given


def add_coverage_option(parser) -> None:
    parser.add_argument(
        "--coverage", type=float, default=None,
        help="prediction intervals at this coverage (0.9: 90 %%); default 0.9 for a model "
        "with a calibration of its errors, none for one without (asking is then refused)",
    )  # fmt: skip


def add_parser(sub) -> None:
    m = sub.add_parser("models", help="list the pretrained models shipped in the package")
    m.add_argument("--json", action="store_true", help="a JSON list of model cards")
    m.set_defaults(func=run_models)

    p = sub.add_parser(
        "predict",
        help="predictions of a pretrained model or checkpoint for recordings (CSV + plot each)",
        description="Predict the model's target for every recording (files or folders, any "
        "supported format and any rate the model accepts). Writes <out>/<name>.csv and .png "
        "per recording; prints RMSE/MAE where a recording holds the target.",
    )
    p.add_argument("files", nargs="+", type=Path, metavar="FILE_OR_DIR")
    p.add_argument(
        "--model", default=None, help="a pretrained model's name (gaitpredict models), a "
        "checkpoint file, or a model that needs no training (with --target, --horizon-ms); "
        "default: the shipped model for --target and --horizon-ms that the recordings can "
        "feed (of several, the one most accurate on labs left out, by its card)",
    )  # fmt: skip
    p.add_argument("--out", type=Path, default=None, help="folder for CSVs and plots")
    p.add_argument("--json", action="store_true", help="print rmse_deg, mae_deg, per_file")
    add_coverage_option(p)
    add_untrained_options(p)
    p.set_defaults(func=run_predict)


def run_models(args) -> int:
    from ..data.channels import mirror_name
    from ..evaluation.untrained import untrained_names
    from ..extras import TRAIN, has_torch
    from ..pretrained import list_pretrained

    cards = list_pretrained()
    if args.json:
        print(json.dumps(cards, indent=2))
        return 0
    if not cards:
        print("no pretrained models in this installation (`make pretrained` builds them)")
    for c in cards:
        lolo = c.get("cross_lab", {})
        print(
            f"{c['name']:<22} {c['target']} (or {mirror_name(c['target'])}, mirrored) "
            f"{c['horizon_ms']:g} ms ahead from "
            f"{c['input_set']} ({len(c['inputs'])} channels), {c['rate_hz']:g} Hz "
            f"(accepts {c['accepted_rates_hz'][0]:g}-{c['accepted_rates_hz'][1]:g} Hz), "
            f"trained on {len(c['training']['labs'])} labs"
            + (f"; measured on {len(lolo)} labs left out" if lolo else "")
        )
    print(
        f"by name, with no training (--target, --horizon-ms): {', '.join(untrained_names())}"
        + ("" if has_torch() else f"; the baselines need PyTorch: {TRAIN}")
    )
    return 0


def run_predict(args) -> int:
    from ..errors import ChannelError
    from ..evaluation.predictor import load_predictor
    from ..evaluation.recordings import pooled_scores, read_recordings, table_scores

    trials = read_recordings(args.files)
    if args.model is None:  # the shipped model for the joint asked, if one serves it
        from ..pretrained import choose_shipped
        from ..windowing.spec import DEFAULT_TARGET

        args.model = choose_shipped(args.target or DEFAULT_TARGET, args.horizon_ms,
                                    trials[0].channels)  # fmt: skip
    predictor = load_predictor(args.model, "float32", **untrained_given(args, trials))
    target = predictor.spec.target[0]
    per_file, scores = [], []
    for trial in trials:
        try:
            table = predictor.predict_columns(trial, args.coverage)
        except ChannelError as exc:
            raise ChannelError(f"{exc}{_alternatives(trial)}") from None
        scored = table_scores(table, target)
        scores.append(scored)
        row = {"file": str(trial.source or trial.trial_id), "frames": len(table["time_s"])}
        row |= {k: v for k, v in scored.items() if not k.startswith("_")}
        if "coverage" in row:
            row["nominal_coverage"] = args.coverage or 0.9
        if args.out:
            row["csv"], row["png"] = _write(table, trial, target, predictor, args.out)
        per_file.append(row)
    result = {"model": str(args.model), "target": target, "per_file": per_file}
    result |= pooled_scores(scores)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    for row in per_file:
        errors = (
            f"RMSE {row['rmse_deg']:.2f} deg, MAE {row['mae_deg']:.2f} deg"
            if "rmse_deg" in row
            else "no truth (the recording lacks the target)"
        )
        print(f"{row['file']}: {row['frames']} predictions; {errors}")
    if "rmse_deg" in result:
        print(f"all: RMSE {result['rmse_deg']:.2f} deg, MAE {result['mae_deg']:.2f} deg")
    if args.out:
        print(f"wrote {len(per_file)} CSV and PNG files to {args.out}/")
    return 0


def _alternatives(trial) -> str:
    """A hint naming the shipped models whose inputs this recording has."""
    from ..pretrained import list_pretrained

    fits = [c["name"] for c in list_pretrained() if set(c["inputs"]) <= set(trial.channels)]
    return f"; shipped models this recording can feed: {', '.join(fits)}" if fits else ""


def _write(columns: dict, trial, target, predictor, out: Path) -> tuple[str, str]:
    import pandas as pd

    from ..atomic import replacing
    from ..plots import plot_predictions

    table = pd.DataFrame(columns)
    out.mkdir(parents=True, exist_ok=True)
    stem = Path(str(trial.source or trial.trial_id)).stem
    csv_path, png_path = out / f"{stem}.csv", out / f"{stem}.png"
    with replacing(csv_path) as tmp:
        table.to_csv(tmp, index=False)
    truth = table.get(f"{target}_true_deg")
    plot_predictions(
        table.target_time_s.to_numpy(),
        truth.to_numpy() if truth is not None else None,
        {"prediction": table[f"{target}_pred_deg"].to_numpy()},
        png_path,
        f"{target} {predictor.spec.horizon_ms:g} ms ahead, {stem} (at the target time)",
        seconds=10.0,
        band=(table[f"{target}_lo_deg"].to_numpy(), table[f"{target}_hi_deg"].to_numpy(),
              "prediction interval") if f"{target}_lo_deg" in table else None,
    )  # fmt: skip
    return str(csv_path), str(png_path)
