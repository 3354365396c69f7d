"""Stage 2, trials -> windows: what a model sees (`spec`), subject/time splits made before
windowing (`splits`), then causal input windows and their targets `horizon_ms` ahead
(`windows`, which needs the train extra's torch; the runtime reads only `spec` and `gaps`)."""
