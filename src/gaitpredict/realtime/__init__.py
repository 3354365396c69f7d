"""Real-time prediction: a frame-by-frame streaming predictor on onnxruntime (`streaming`),
replay and LSL; ONNX export of a PyTorch checkpoint (`export`, the train extra)."""

from ..lazy import exports

# public name -> the module that defines it (imported on first use: the runtime imports this
# package without torch, which only some of these modules need)
_EXPORTS = {
    "Prediction": ".streaming",
    "StreamingPredictor": ".streaming",
    "export_onnx": ".export",
    "onnx_parity": ".export",
}
__all__ = sorted(_EXPORTS)

__getattr__ = exports(__name__, _EXPORTS)
