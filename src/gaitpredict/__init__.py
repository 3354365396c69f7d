"""gaitpredict: predict knee and ankle angles 50-200 ms ahead from limb motion."""

from .lazy import exports

__version__ = "0.10.0"

# public name -> the module that defines it (imported on first use: `import gaitpredict`
# stays fast and does not load torch)
_EXPORTS = {
    "Trial": "gaitpredict.data.trial",
    "load_dataset": "gaitpredict.data.datasets",
    "load_corpus": "gaitpredict.data.corpus",
    "read_trial": "gaitpredict.data.io",
    "load_predictor": "gaitpredict.evaluation.predictor",
    "StreamingPredictor": "gaitpredict.realtime.streaming",
    "list_pretrained": "gaitpredict.pretrained",
}
__all__ = [*_EXPORTS, "__version__"]

__getattr__ = exports(__name__, _EXPORTS)
