"""Real-time prediction: ONNX export, a frame-by-frame streaming predictor, replay and LSL."""

from .export import export_onnx, onnx_parity
from .streaming import Prediction, StreamingPredictor

__all__ = ["Prediction", "StreamingPredictor", "export_onnx", "onnx_parity"]
