"""Run a grid: each run is a pure function of its config -> one results row + its run folder.

`<out>/results.csv` is rewritten atomically after every finished run and a run is recorded
only when it finished, so rerunning the same command resumes: finished runs are skipped,
unfinished ones redone, nothing duplicated. Executors: `local` (a process pool, one torch
thread per worker; one worker runs in-process) and `ray` (a cluster by address, or local).
"""

from __future__ import annotations

import json
import math
import os
import platform
import re
import time
import traceback
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import yaml
from tqdm import tqdm

from ..atomic import replacing, write_json, write_text
from ..errors import ConfigError, MissingExtraError, NotApplicableError, RunError
from ..models import COSTS, model_info
from ..windowing.splits import split_info
from .config import RunConfig, run_id, run_record
from .grid import Grid
from .lock import folder_lock

RESULTS = "results.csv"
# columns that depend on the machine, not on the run's config and seed
TIMING_COLUMNS = ("train_seconds", "run_seconds", "worker", "finished_at")
_DATASETS: dict = {}


class RunFailedError(RunError):
    """Some runs raised; the others are recorded, and rerunning retries only the failed."""


@dataclass
class GridSummary:
    total: int
    skipped: int
    executed: int = 0
    failed: list[str] = field(default_factory=list)
    wall_seconds: float = 0.0


def run_folder_name(cfg: RunConfig) -> str:
    fold_field = split_info(cfg.split).fold_field  # a subject by name, a lab as lolo-LAB
    fold = getattr(cfg, fold_field) if fold_field else None
    if isinstance(fold, list):  # two labs left out
        fold = "+".join(fold)
    if fold is None or fold_field != "test_subject":
        fold = cfg.split if fold is None else f"{cfg.split}-{fold}"
    if cfg.labs:
        fold = "+".join(cfg.labs) + "_" + fold
    name = (
        f"{cfg.label}_{cfg.inputs}_{cfg.target}"
        f"_h{cfg.horizon_ms:g}_w{cfg.window_ms:g}_{fold}_s{cfg.train.seed}_{run_id(cfg)}"
    )
    return re.sub(r"[^A-Za-z0-9_.+@-]", "-", name)


def execute_run(data_root, cfg_dict: dict, run_dir: str, threads: int = 1) -> dict:
    """Train and evaluate one run in this process (`threads` torch threads) -> its results
    row. `data_root`: a dataset (folder or name), or a list of them (a corpus of labs)."""
    import warnings

    from ..data.corpus import load_corpus
    from .run import run_experiment

    start = time.perf_counter()
    key = json.dumps(data_root)
    if key not in _DATASETS:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # reader notes were shown by `data info`
            roots = data_root if isinstance(data_root, list) else [data_root]
            _DATASETS[key] = load_corpus(roots)
    cfg = RunConfig.from_dict(cfg_dict).resolved()
    cfg.train.progress, cfg.train.threads = False, threads
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # left-out trials are counted in the row
            metrics = run_experiment(_DATASETS[key], cfg, run_dir)
    except NotApplicableError as exc:
        metrics = {"not_applicable": str(exc), "leaky": False, "test_subject": None}
        metrics |= {k: float("nan") for k in ("rmse_deg", "mae_deg", "val_rmse_deg")}
        metrics |= dict.fromkeys(("n_train_windows", "n_test_windows", "epochs_run"), 0)
        metrics |= {"best_epoch": 0, "interrupted": False, "train_seconds": 0.0}
    per_subject = metrics.get("per_subject", {})
    return {
        **run_record(cfg),
        "leaky": metrics["leaky"],
        "test_subject": metrics["test_subject"],
        "rate_hz": metrics.get("rate_hz"),  # the model rate this run decided on
        "n_left_out": metrics.get("n_left_out", 0),
        "per_subject": json.dumps({s: round(v["rmse_deg"], 4) for s, v in per_subject.items()}),
        "per_subject_mae": json.dumps({s: round(v["mae_deg"], 4) for s, v in per_subject.items()}),
        **{k: metrics[k] for k in MEASURED},
        "run_dir": Path(run_dir).name,
        "not_applicable": metrics.get("not_applicable"),
        "train_seconds": metrics["train_seconds"],
        "precision": metrics.get("precision"),  # what "auto" became on this machine
        # the 90 % split-conformal interval on the test windows (validation-calibrated)
        "interval_coverage": metrics.get("interval_coverage"),
        "interval_mean_width_deg": metrics.get("interval_mean_width_deg"),
        "roughness_ratio": metrics.get("roughness_ratio"),  # the median test recording's
        "run_seconds": round(time.perf_counter() - start, 3),
        "worker": f"{platform.node()}:{os.getpid()}",
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


MEASURED = ("rmse_deg", "mae_deg", "val_rmse_deg", "n_train_windows", "n_test_windows",
            "epochs_run", "best_epoch", "interrupted")  # fmt: skip


class ResultsTable:
    """The results CSV: one row per finished run, rewritten atomically on every add."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.rows: list[dict] = []
        if self.path.exists():
            try:
                frame = pd.read_csv(self.path, dtype={"test_subject": str})
            except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
                raise RunError(
                    f"{self.path}: not a readable results table ({exc}); move it away to start "
                    "afresh"
                ) from None
            if "run_id" not in frame.columns:
                raise RunError(f"{self.path}: no run_id column; not a results table")
            self.rows = frame.astype(object).where(frame.notna(), None).to_dict("records")

    REQUIRED = ("run_id", "rmse_deg", "mae_deg", "n_test_windows")

    def done(self) -> set[str]:
        """Run ids whose rows are complete; a damaged row (a metric missing or not a number)
        does not count, so its run is trained again and the row replaced."""
        return {r["run_id"] for r in self.rows if self._complete(r)}

    def _complete(self, row: dict) -> bool:
        if row.get("not_applicable"):  # recorded with its reason: nothing to rerun
            return bool(row["run_id"])
        try:
            return bool(row["run_id"]) and all(
                math.isfinite(float(row[k])) for k in self.REQUIRED[1:]
            )
        except (KeyError, TypeError, ValueError):
            return False

    def add(self, row: dict) -> None:
        self.rows = [r for r in self.rows if r["run_id"] != row["run_id"]] + [row]
        with replacing(self.path) as tmp:
            pd.DataFrame(self.rows).to_csv(tmp, index=False)

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows)


def run_grid(
    grid: Grid,
    data_root: str,
    out,
    executor: str = "local",
    workers: int | None = None,
    ray_address: str | None = None,
    progress: bool = True,
    command: str | None = None,
    threads: int | None = None,
) -> GridSummary:
    """Run every run of `grid` not yet in `<out>/results.csv`; returns what happened.

    `workers` runs at a time (default: one per core), each with `threads` torch threads
    (default: the cores shared out among the workers, at least 1).

    Raises `RunFailedError` after the others finished if some runs raised (their tracebacks
    are in their folders' error.txt), KeyboardInterrupt after recording the finished ones.
    """
    out = Path(out)
    workers = (os.cpu_count() or 1) if workers is None else workers
    if workers < 1:
        raise ConfigError(f"--workers {workers}: at least 1")
    threads = max(1, (os.cpu_count() or 1) // workers) if threads is None else threads
    if threads < 1:
        raise ConfigError(f"--threads {threads}: at least 1")
    if executor not in ("local", "ray"):
        raise ConfigError(f"unknown executor {executor!r}; expected local or ray")
    ensure_writable(out)
    with folder_lock(out, command):
        return _run_locked(grid, data_root, out, executor, (workers, threads), ray_address,
                           progress, command)  # fmt: skip


def expected_cost(cfg: RunConfig) -> tuple:
    """A rank of how long a run takes, for starting the longest first (so that a long run
    does not start last and leave the other workers idle): networks of splits that train
    several networks or on a whole corpus (`SplitInfo.cost`), then networks of splits that
    train to the epoch cap, then by the model's declared `cost` (recurrent networks, other
    networks, nearest-neighbour lookups, the rest). The order never changes a result."""
    info = model_info(cfg.model)
    split = split_info(cfg.split)
    rank = len(COSTS) - COSTS.index(info.cost)
    return (info.trainable and split.cost == "several", info.trainable and split.cost == "long",
            rank)  # fmt: skip


def ensure_writable(out: Path) -> None:
    """Create `out/runs` and prove a file can be written there, before any work starts."""
    try:
        (out / "runs").mkdir(parents=True, exist_ok=True)
        probe = out / f".write-test-{os.getpid()}"
        probe.write_text("ok")
        probe.unlink()
    except OSError as exc:
        raise RunError(f"{out}: cannot write the results folder ({exc.strerror})") from None


def _run_locked(grid, data_root, out, executor, parallel, ray_address, progress, command):
    workers, threads = parallel
    _remember_grid(grid, data_root, out)
    table = ResultsTable(out / RESULTS)
    configs = grid.expand()
    done = table.done()
    todo = sorted((c for c in configs if run_id(c) not in done), key=expected_cost, reverse=True)
    summary = GridSummary(total=len(configs), skipped=len(configs) - len(todo))
    root = data_root if isinstance(data_root, list) else str(data_root)
    jobs = [(root, c.to_dict(), str(out / "runs" / run_folder_name(c)), threads) for c in todo]
    bar = tqdm(
        total=len(configs), initial=summary.skipped, desc="runs", unit="run", disable=not progress
    )
    start = time.perf_counter()
    try:
        if executor == "ray":
            results = _ray_results(jobs, workers, ray_address)
        else:
            results = _local_results(jobs, workers)
        for job, row, error in results:
            if error is not None:
                summary.failed.append(f"{Path(job[2]).name}: {type(error).__name__}: {error}")
                _write_error(Path(job[2]), error)
            elif row["interrupted"]:
                raise KeyboardInterrupt
            else:
                table.add(row)
                summary.executed += 1
                fold = (
                    row["test_subject"]
                    or row.get("test_lab")
                    or row.get("test_labs")
                    or row.get("labs")
                    or row["split"]
                )
                bar.set_postfix_str(f"{row['label']} {fold} {row['rmse_deg']:.2f}")
            bar.update()
    finally:
        bar.close()
        summary.wall_seconds = time.perf_counter() - start
        _log_session(out, executor, parallel, summary, command)
    if summary.failed:
        raise RunFailedError(
            f"{len(summary.failed)} of {len(todo)} runs failed (tracebacks in their run "
            f"folders' error.txt); the rest are recorded. First: {summary.failed[0]}. Rerun "
            "the same command to retry only the missing runs."
        )
    return summary


def _local_results(jobs, workers):
    """Yields (job, row, error) as runs finish; `workers == 1` runs in this process."""
    if workers == 1 or len(jobs) <= 1:
        for job in jobs:
            try:
                yield job, execute_run(*job), None
            except Exception as exc:  # noqa: BLE001 - recorded per run, the grid goes on
                yield job, None, exc
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from concurrent.futures.process import BrokenProcessPool

    pool = ProcessPoolExecutor(
        max_workers=min(workers, len(jobs)),
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_init_worker,
    )
    try:
        futures = {pool.submit(execute_run, *job): job for job in jobs}
        for future in as_completed(futures):
            try:
                yield futures[future], future.result(), None
            except BrokenProcessPool:
                raise RunError(
                    "a worker process died (killed, or out of memory); the finished runs are "
                    "recorded: rerun the same command to resume"
                ) from None
            except Exception as exc:  # noqa: BLE001
                yield futures[future], None, exc
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _write_error(run_dir: Path, error: BaseException) -> None:
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "error.txt").write_text("".join(traceback.format_exception(error)))


def _init_worker():
    import torch

    torch.set_num_threads(1)


def _ray_results(jobs, workers, address):
    try:
        import ray
    except ImportError:
        raise MissingExtraError(
            "the ray executor needs Ray: pip install 'gaitpredict[ray]' (or use --executor local)"
        ) from None
    if not ray.is_initialized():
        kwargs = {"address": address} if address else {"num_cpus": workers}
        ray.init(include_dashboard=False, logging_level="ERROR", log_to_driver=False, **kwargs)
    remote = ray.remote(num_cpus=1)(execute_run)
    refs = {remote.remote(*job): job for job in jobs}
    pending = list(refs)
    try:
        while pending:
            ready, pending = ray.wait(pending, num_returns=1)
            for ref in ready:
                try:
                    yield refs[ref], ray.get(ref), None
                except ray.exceptions.RayTaskError as exc:
                    yield refs[ref], None, exc
    finally:
        for ref in pending:
            ray.cancel(ref, force=True)


def _remember_grid(grid: Grid, data_root: str, out: Path) -> None:
    """Keep the grid and data beside the results; refuse to mix datasets in one table."""
    meta_path = out / "grid.json"
    data_root = data_root if isinstance(data_root, list) else str(data_root)
    if meta_path.exists():
        old = json.loads(meta_path.read_text())
        if old["data"] != data_root:
            raise RunError(
                f"{out} holds results on {old['data']}, not {data_root}; use another --out"
            )
    write_json(meta_path, {"data": data_root, "grid": grid.name})
    write_text(out / "grid.yaml", yaml.safe_dump(grid.to_dict(), sort_keys=False))


def _log_session(out: Path, executor, parallel, summary: GridSummary, command=None) -> None:
    path = out / "sessions.json"
    sessions = json.loads(path.read_text()) if path.exists() else []
    sessions.append(
        {
            "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "command": command,
            "executor": executor,
            "workers": parallel[0],
            "threads_per_run": parallel[1],
            "executed": summary.executed,
            "runs_per_hour": round(3600 * summary.executed / max(summary.wall_seconds, 1e-9), 1),
            "skipped": summary.skipped,
            "failed": len(summary.failed),
            "wall_seconds": round(summary.wall_seconds, 1),
            "host": platform.node(),
            "cpus": os.cpu_count(),
        }
    )
    write_json(path, sessions)
