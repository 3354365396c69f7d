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
    from ..data.corpus import load_corpus
    from ..studies.calibration import calibrate_person

    dataset = load_corpus(args.data or [], **loading_options(args))
    metrics = calibrate_person(
        args.checkpoint,
        dataset,
        args.subject,
        args.calibration_s,
        args.out,
        args.mode,
        args.max_epochs,
        args.seed,
        progress=not args.json,
    )
    print(json.dumps(metrics, indent=None if args.json else 2))
    return 0
