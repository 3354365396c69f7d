"""Stage 6, many runs: one run end to end (`run`), grids of runs (`grid`, `profiles/`), the
resumable runner and its results table."""

from .grid import Block, Grid, run_id
from .run import RunConfig, run_experiment
from .runner import run_grid

__all__ = ["Block", "Grid", "RunConfig", "run_experiment", "run_grid", "run_id"]
