"""`gaitpredict reproduce`: run a grid of experiments (a profile or a YAML file), then report."""

from __future__ import annotations

from pathlib import Path


def add_parser(sub) -> None:
    from ..experiments.grid import list_profiles

    p = sub.add_parser(
        "reproduce",
        help="run the paper's experiments (profile quick|standard|paper or a grid file)",
        description="Run a grid of experiments and write results.csv, run folders and "
        "report.md/report.html into --out. Rerunning the same command resumes.",
    )
    which = p.add_mutually_exclusive_group()
    which.add_argument(
        "--profile",
        choices=list_profiles(),
        default="quick",
        help="quick: Table I column, one fold, minutes; standard: Tables I-II, attention, "
        "horizons and the protocol on CMU and McGill (--data ../shared/data), every subject "
        "left out in its lab; paper: CMU, 30 repeats x 300 epochs, for a cluster; "
        "cross-lab: every shared lab",
    )
    which.add_argument("--grid", type=Path, help="a YAML grid file instead of a profile")
    p.add_argument("--executor", choices=["local", "ray"], default="local")
    p.add_argument("--workers", type=int, default=None, help="parallel runs (default: cores)")
    p.add_argument(
        "--threads",
        type=int,
        default=None,
        help="torch threads per run (default: cores / workers, at least 1)",
    )
    p.add_argument(
        "--ray-address", default=None, help="a running Ray cluster (default: start one locally)"
    )
    p.add_argument("--data", default=None, help="dataset folder (default: cmu-walking)")
    p.add_argument("--out", type=Path, required=True, help="output folder (resumed if it exists)")
    p.add_argument("--no-report", action="store_true", help="run only; `gaitpredict report` later")
    p.set_defaults(func=run)

    r = sub.add_parser("report", help="(re)write report.md/report.html from a reproduce folder")
    r.add_argument("out", type=Path, help="the folder `reproduce` wrote")
    r.set_defaults(func=report)


def data_root(data: str | None, datasets=None):
    """Absolute path for a folder, so every worker (and a resumed run) sees the same data.
    A grid with `datasets:` gets the list of those folders under `data` (a folder holding
    the labs' datasets, default $GAITPREDICT_DATA)."""
    if datasets:
        import os

        from ..errors import DatasetNotFoundError

        base = data or os.environ.get("GAITPREDICT_DATA")
        if not base:
            raise DatasetNotFoundError(
                f"this grid trains on the labs {datasets}: pass --data DIR, the folder that "
                "holds their dataset folders (or set $GAITPREDICT_DATA)"
            )
        missing = [n for n in datasets if not (Path(base) / n).is_dir()]
        if missing:
            raise DatasetNotFoundError(f"{base}: no dataset folder(s) {missing} (the grid's labs)")
        return [str((Path(base) / n).resolve()) for n in datasets]
    if data and Path(data).is_dir():
        return str(Path(data).resolve())
    return data or "cmu-walking"


def run(args) -> int:
    import sys

    from ..experiments.runner import run_grid
    from ..report import load_grid

    grid = load_grid(args.grid or args.profile)
    root = data_root(args.data, grid.datasets)
    try:
        summary = run_grid(
            grid,
            root,
            args.out,
            args.executor,
            args.workers,
            args.ray_address,
            command="gaitpredict " + " ".join(sys.argv[1:]),
            threads=args.threads,
        )
    except KeyboardInterrupt:
        print(
            f"gaitpredict: interrupted; finished runs are in {args.out}/results.csv: "
            "rerun the same command to resume",
            file=sys.stderr,
        )
        return 130
    seconds = summary.wall_seconds  # the same figure sessions.json records
    per_hour = (
        f" ({3600 * summary.executed / seconds:.0f} runs per hour)" if summary.executed else ""
    )
    print(
        f"{summary.executed} runs executed, {summary.skipped} already done, {seconds:.0f} s"
        + per_hour
    )
    if not args.no_report:
        return report(args)
    return 0


def report(args) -> int:
    from ..report import write_report

    paths = write_report(args.out)
    print("wrote " + ", ".join(str(p) for p in paths))
    return 0
