"""Stage 2, trials -> windows: subject/time splits made before windowing (`splits`), then
causal input windows and their targets `horizon_ms` ahead (`windows`)."""

from .windows import Windows, WindowSpec

__all__ = ["WindowSpec", "Windows"]
