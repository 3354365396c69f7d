"""Stage 1, files -> trials: `Trial` (named joint angles in degrees at `rate_hz`), the channel
catalog and its rotations, readers of motion-capture formats (`io/`), preprocessing (gaps,
causal filtering) and datasets (trials grouped by subject)."""
