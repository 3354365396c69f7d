"""Stage 5, a model -> numbers: errors in degrees, paired statistics, the offline
`Predictor`, evaluation of recordings and the streaming latency benchmark's logic."""

from ..lazy import exports

# public name -> the module that defines it (imported on first use: the runtime imports this
# package without torch, which only some of these modules need)
_EXPORTS = {
    "Predictor": ".predictor",
    "load_predictor": ".predictor",
    "evaluate_trials": ".windowed",
}
__all__ = sorted(_EXPORTS)

__getattr__ = exports(__name__, _EXPORTS)
