"""Stage 3, windows -> predictions: the paper's networks and the baselines, one file each.

Every windowed model is a `torch.nn.Module` mapping raw windows `(batch, time, channels)` in
degrees to predictions `(batch, outputs)` in degrees (the train extra). Networks are wrapped
in `GaitNet`, which holds the normalisation fitted on training windows and the input/target
modes; baselines work on degrees directly. The online models (`online`) are plain Python,
and a network's exported ONNX file (`graph.OnnxModel`) predicts without torch: the runtime.
A file in this folder that calls `register_model` is found by itself.
"""

from .registry import (
    COSTS,
    MAIN_MODEL,
    ModelInfo,
    create_model,
    list_models,
    model_info,
    register_model,
    resolve_options,
    unregister_model,
)

__all__ = [
    "COSTS",
    "MAIN_MODEL",
    "ModelInfo",
    "create_model",
    "list_models",
    "model_info",
    "register_model",
    "resolve_options",
    "unregister_model",
]
