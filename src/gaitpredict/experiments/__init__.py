"""Stage 6, many runs: one run end to end (`run`), grids of runs (`grid`, `profiles/`), the
resumable runner and its results table."""
