"""Stage 5, a model -> numbers: errors in degrees, paired statistics, the offline
`Predictor`, evaluation of recordings and the streaming latency benchmark's logic."""

from .predictor import Predictor, load_predictor
from .recordings import evaluate_trials

__all__ = ["Predictor", "evaluate_trials", "load_predictor"]
