"""ONNX export of a network checkpoint (normalisation included) and its parity check (the
train extra: it runs PyTorch).

The graph and its metadata are described in `models.graph`, which the runtime reads them
with: the window spec, the model's name, the weights' fingerprint, the checkpoint's
calibration and the forward FLOPs travel in the file, so an .onnx file predicts, adapts and
gives intervals without its checkpoint.
"""

from __future__ import annotations

import copy
import hashlib
import io
import json
import warnings

import numpy as np
import torch

from ..atomic import write_bytes
from ..errors import ConfigError, ExportError
from ..models import list_models, model_info
from ..models.features import WithFeatures
from ..models.graph import (
    FEATURES,
    INPUT,
    META_CALIBRATION,
    META_FLOPS,
    META_MODEL,
    META_SPEC,
    META_WEIGHTS,
    OUTPUT,
    session,
)

# onnxruntime has no float64 Conv or LSTM, so the graph runs in float32. On knee angles of
# 60-80 deg one float32 step is 4-8e-6 deg, and every float32 path (PyTorch's own, any
# batch size, onnxruntime) lands 1.1-1.6e-5 deg from the float64 result; the check is
# therefore against float64 PyTorch at 1e-4 deg, which still catches any real export fault.
PARITY_TOLERANCE_DEG = 1e-4


def weights_sha256(model) -> str:
    """A fingerprint of a model's weights (names and float64 values)."""
    digest = hashlib.sha256()
    for name, tensor in model.state_dict().items():
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().double().numpy().tobytes())
    return digest.hexdigest()


def export_bytes(model, spec, model_name: str, example_batch: int = 4,
                 calibration: dict | None = None) -> bytes:  # fmt: skip
    """The ONNX model as bytes. The example batch is >= 2: exporting with a batch of 1 lets
    the exporter fold the batch size into the graph."""
    exportable = [m for m in list_models() if model_info(m).exportable]
    if model_name not in exportable:
        raise ExportError(
            f"{model_name}: does not export to ONNX; the models that do: {', '.join(exportable)}"
        )
    example = torch.zeros(max(example_batch, 2), spec.window_frames, len(spec.inputs))
    buffer = io.BytesIO()
    try:
        graph = WithFeatures(copy.deepcopy(model).eval())
    except ConfigError:
        raise ExportError(
            f"{model_name}: registered as exportable, but its network has no `head` ending "
            "in nn.Linear, whose input the export gives as `features`; give it one, or "
            "register it with exportable=False"
        ) from None
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation/trace notes
        torch.onnx.export(
            graph,
            (example,),
            buffer,
            input_names=[INPUT],
            output_names=[OUTPUT, FEATURES],
            dynamic_axes={INPUT: {0: "batch"}, OUTPUT: {0: "batch"}, FEATURES: {0: "batch"}},
            opset_version=17,
            dynamo=False,
        )
    from ..evaluation.flops import forward_flops

    meta = {
        META_SPEC: json.dumps(spec.to_dict()),
        META_MODEL: model_name,
        META_WEIGHTS: weights_sha256(model),
        META_FLOPS: str(forward_flops(copy.deepcopy(model), spec, batch=1)),
    }
    if calibration is not None:
        meta[META_CALIBRATION] = json.dumps(calibration)
    return _with_metadata(buffer.getvalue(), meta)


def _with_metadata(data: bytes, meta: dict) -> bytes:
    try:
        import onnx
    except ImportError:
        raise ExportError(
            "export writes the window spec and model name into the file with the onnx "
            "package: pip install 'gaitpredict[train]'"
        ) from None
    proto = onnx.load_from_string(data)
    for key, value in meta.items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, value
    return proto.SerializeToString()


def onnx_parity(model, sess, windows_deg: np.ndarray, chunk: int = 1024) -> float:
    """Largest |ONNX - PyTorch (float64)| in degrees over real windows (batch, W, C)."""
    reference = copy.deepcopy(model).double().eval()
    worst = 0.0
    with torch.no_grad():
        for s in range(0, len(windows_deg), chunk):
            x = np.array(windows_deg[s : s + chunk], dtype=np.float64)
            ref = reference(torch.from_numpy(x)).numpy()
            got = sess.run([OUTPUT], {INPUT: x.astype(np.float32)})[0]
            worst = max(worst, float(np.abs(got - ref).max()))
    return worst


def export_onnx(checkpoint, path, windows_deg: np.ndarray) -> dict:
    """Export a checkpoint to `path` (atomically) after checking parity on real windows."""
    from ..training.checkpoint import load_checkpoint

    model, spec, payload = load_checkpoint(checkpoint)
    calibration = (payload.get("extra") or {}).get("calibration")
    data = export_bytes(model, spec, payload["model_name"], calibration=calibration)
    sess = session(data)
    worst = onnx_parity(model, sess, windows_deg)
    if not worst <= PARITY_TOLERANCE_DEG:
        raise ExportError(
            f"{checkpoint}: ONNX and PyTorch differ by {worst:.3g} deg on real windows "
            f"(tolerance {PARITY_TOLERANCE_DEG:g}); not written"
        )
    write_bytes(path, data)
    return {"path": str(path), "max_diff_deg": worst, "windows": len(windows_deg)}
