"""`gaitpredict adapt`: a trained or shipped network calibrated to one person."""

from __future__ import annotations

import json
from pathlib import Path

from .data import add_data_option, add_loading_options, loading_options


def add_parser(sub) -> None:
    from ..adaptation import MODES

    p = sub.add_parser(
        "adapt",
        help="calibrate a network to one person from their first seconds of walking",
        description="The person's recordings in time order: the first --calibration-s "
        "seconds calibrate (their last quarter stops early and picks the mode), the rest "
        "evaluates. Modes: auto (the best of the others on the held-out calibration seconds "
        "if it beats the unchanged model there by 5 %, else the unchanged model); "
        + "; ".join(f"{name}: {text}" for name, (_, text) in MODES.items()),
    )
    p.add_argument("checkpoint", help="a checkpoint file or a shipped model's name")
    add_data_option(p)
    p.add_argument("--subject", required=True, help="LAB/SUBJECT (a bare name in one lab)")
    p.add_argument(
        "--calibration-s",
        type=float,
        required=True,
        help="seconds of the person's walking to calibrate on",
    )
    p.add_argument("--mode", choices=["auto", *MODES], default="auto")
    p.add_argument("--max-epochs", type=int, default=100)
    p.add_argument("--seed", type=int, default=0)
    add_loading_options(p)
    p.add_argument("--out", type=Path, required=True, help="folder for model.pt, metrics.json")
    p.add_argument("--json", action="store_true", help="print only the JSON summary")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..adaptation.calibrate import calibrate, first_seconds, windows_rmse
    from ..atomic import write_json
    from ..data.corpus import load_corpus, resolve_subject
    from ..data.datasets import sha256_of
    from ..errors import ConfigError, GaitDataError
    from ..pretrained import resolve_model
    from ..training.checkpoint import load_checkpoint, save_checkpoint
    from ..training.trainer import TrainConfig
    from ..windowing.windows import Windows

    if not args.calibration_s > 0:
        raise ConfigError(f"--calibration-s must be > 0, got {args.calibration_s}")
    path = resolve_model(args.checkpoint)
    model, spec, payload = load_checkpoint(path)
    dataset = load_corpus(args.data or [], **loading_options(args))
    subject = resolve_subject(dataset, args.subject)
    if subject not in dataset.subjects:
        raise ConfigError(f"no subject {args.subject!r}; subjects: {', '.join(dataset.subjects)}")
    needed = list(dict.fromkeys(spec.inputs + spec.target))
    usable, left_out = dataset.with_channels(needed)
    trials = usable.trials_of(subject)
    if not trials:
        raise GaitDataError(
            f"{subject}: no recording holds every channel the model needs "
            f"({needed}); e.g. {left_out[0][0]} lacks {left_out[0][1]}"
        )
    calibration, rest = first_seconds(trials, args.calibration_s)
    walked = sum(t.duration_s for t in trials)
    if not rest:
        raise GaitDataError(
            f"{subject} walks {walked:.1f} s in all; nothing is left to evaluate after "
            f"{args.calibration_s:g} s of calibration"
        )
    cfg = TrainConfig(
        max_epochs=args.max_epochs,
        patience=10,
        batch_size=64,
        seed=args.seed,
        progress=not args.json,
    )
    result = calibrate(model, spec, calibration, args.mode, cfg=cfg)
    evaluation = Windows(rest, spec)
    base_rmse = windows_rmse(model.float(), evaluation)
    adapted_rmse = windows_rmse(result.model, evaluation)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    extra = {
        "adapted_from": {
            "checkpoint": str(path),
            "sha256": sha256_of(path),
            "model_name": payload["model_name"],
        },
        "calibration": {
            "subject": subject,
            "seconds": min(args.calibration_s, walked),
            "recordings": [
                {"trial": t.trial_id, "seconds": round(t.duration_s, 3)} for t in calibration
            ],
            **result.describe(),
        },
    }
    save_checkpoint(
        out / "model.pt",
        result.model,
        payload["model_name"],
        payload["model_config"],
        spec,
        payload.get("train_config"),
        extra,
    )
    metrics = {
        "subject": subject,
        "calibration_s": extra["calibration"]["seconds"],
        "evaluation_s": round(walked - extra["calibration"]["seconds"], 3),
        "mode": result.mode,
        "holdout_rmse_deg": result.holdout_rmse_deg,
        "rmse_deg_unadapted": base_rmse,
        "rmse_deg": adapted_rmse,
        "n_evaluation_windows": len(evaluation),
        "model": str(out / "model.pt"),
    }
    write_json(out / "metrics.json", metrics)
    print(json.dumps(metrics, indent=None if args.json else 2))
    return 0
