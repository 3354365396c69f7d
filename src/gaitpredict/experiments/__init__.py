"""Many runs: the run config (`config`), one run end to end (`run`), subject folds (`folds`),
grids of runs and their profiles and recipes (`grid`, `profiles/`), the resumable runner
and its results table (`runner`)."""

from .config import RunConfig, run_id
from .grid import Block, Grid, list_profiles, list_recipes, load_recipe
from .run import run_experiment
from .runner import run_grid

__all__ = [
    "Block",
    "Grid",
    "RunConfig",
    "list_profiles",
    "list_recipes",
    "load_recipe",
    "run_experiment",
    "run_grid",
    "run_id",
]
