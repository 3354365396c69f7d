"""`gaitpredict data info|plot`: what a dataset holds, and a trial's joint angles drawn."""

from __future__ import annotations

import json
from pathlib import Path


def add_parser(sub) -> None:
    p = sub.add_parser("data", help="inspect datasets and recordings")
    dsub = p.add_subparsers(dest="data_command", required=True)
    info = dsub.add_parser("info", help="subjects, trials, frames, rate and channels")
    add_data_option(info)
    info.add_argument("--json", action="store_true", help="print a JSON object")
    add_loading_options(info)
    info.set_defaults(func=run_info)
    plot = dsub.add_parser("plot", help="draw a recording's joint angles over time")
    plot.add_argument("file", type=Path)
    plot.add_argument("--format", default=None, help="file format (default: by extension)")
    plot.add_argument("--out", type=Path, default=None, help="PNG path (default: FILE.png)")
    plot.set_defaults(func=run_plot)


def run_info(args) -> int:
    from ..data.corpus import load_corpus

    summary = load_corpus(args.data or [], **loading_options(args)).summary()
    if args.json:
        print(json.dumps(summary, indent=2))
        return 0
    print(f"dataset  {summary['name']}  ({summary['root']})")
    print(f"trials   {summary['trials']}")
    rates = ", ".join(f"{n} at {r} Hz" for r, n in summary["rates_hz"].items())
    print(f"frames   {summary['frames']}  ({summary['seconds']} s; {rates})")
    if len(summary["labs"]) > 1:
        print("labs     " + ", ".join(summary["labs"]))
    print("subjects " + ", ".join(f"{s} {n}" for s, n in summary["subjects"].items()))
    print(f"channels ({len(summary['channels'])}) " + " ".join(summary["channels"]))
    glitches = summary["glitch_frames"]
    print(
        f"gaps     {summary['missing_samples']} missing samples (NaN); glitches "
        f"{sum(glitches.values())} jumps faster than the joint's speed bound in "
        f"{len(glitches)} trials" + (" (--glitches gap turns them into gaps)" if glitches else "")
    )
    for f in summary["skipped_files"]:
        print(f"skipped  {f['file']}: {f['why']}")
    return 0


def add_data_option(parser) -> None:
    parser.add_argument(
        "--data",
        action="append",
        metavar="DIR",
        help="dataset folder; repeat for a corpus of several labs, whose subjects are then "
        "named LAB/SUBJECT (default: cmu-walking via $GAITPREDICT_DATA or the user cache)",
    )


def add_loading_options(parser) -> None:
    """How recordings are loaded: shared by every command that reads a dataset."""
    parser.add_argument(
        "--glitches",
        choices=["keep", "gap"],
        default="keep",
        help="frame-to-frame jumps faster than a joint can move: keep them (default) or "
        "treat them as gaps",
    )
    parser.add_argument(
        "--skip-bad", action="store_true", help="leave out unreadable files and list them"
    )


def loading_options(args) -> dict:
    options = {"glitches": args.glitches}
    if args.skip_bad:
        options["skip_bad"] = True
    return options


def run_plot(args) -> int:
    from ..data.io import read_trial
    from ..plots import plot_trial

    trial = read_trial(args.file, format=args.format)
    out = args.out or args.file.with_suffix(".png")
    plot_trial(trial, out)
    print(f"wrote {out}")
    return 0
