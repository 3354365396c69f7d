"""ONNX export of a network checkpoint (normalisation included) and its parity check.

The graph maps a raw window (batch, window_frames, channels) in degrees to predictions
(batch, outputs) in degrees, with a dynamic batch dimension. A second output, `features`
(batch, hidden), is what the network's last linear layer reads: online adaptation
(`adaptation.online`) learns its correction on it. The window spec and model name
travel in the file's metadata, so a predictor can check an .onnx file against its checkpoint.
"""

from __future__ import annotations

import copy
import io
import json
import warnings

import numpy as np
import torch

from ..atomic import write_bytes
from ..errors import ConfigError, ExportError, MissingExtraError
from ..models import list_models, model_info
from ..models.features import FEATURES, WithFeatures

INPUT, OUTPUT = "window_deg", "prediction_deg"
# onnxruntime has no float64 Conv or LSTM, so the graph runs in float32. On knee angles of
# 60-80 deg one float32 step is 4-8e-6 deg, and every float32 path (PyTorch's own, any
# batch size, onnxruntime) lands 1.1-1.6e-5 deg from the float64 result; the check is
# therefore against float64 PyTorch at 1e-4 deg, which still catches any real export fault.
PARITY_TOLERANCE_DEG = 1e-4


def require_onnxruntime():
    try:
        import onnxruntime
    except ImportError:
        raise MissingExtraError(
            "ONNX needs onnxruntime: pip install 'gaitpredict[onnx]' (or use backend='torch')"
        ) from None
    return onnxruntime


def export_bytes(model, spec, model_name: str, example_batch: int = 4) -> bytes:
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
    return _with_metadata(buffer.getvalue(), spec, model_name)


def _with_metadata(data: bytes, spec, model_name: str) -> bytes:
    try:
        import onnx
    except ImportError:
        return data
    proto = onnx.load_from_string(data)
    for key, value in (("gaitpredict_spec", json.dumps(spec.to_dict())), ("model", model_name)):
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, value
    return proto.SerializeToString()


def session(source, threads: int = 1):
    """An onnxruntime session on bytes or a file; a corrupt file is an ExportError."""
    ort = require_onnxruntime()
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    name = "ONNX bytes" if isinstance(source, bytes) else str(source)
    try:
        return ort.InferenceSession(
            source if isinstance(source, bytes) else str(source),
            options,
            providers=["CPUExecutionProvider"],
        )
    except Exception as exc:  # onnxruntime raises its own Fail/InvalidProtobuf types
        raise ExportError(f"{name}: not a loadable ONNX model ({str(exc)[:200]})") from None


def check_matches(sess, spec, source: str) -> None:
    """Refuse an ONNX file exported from a different spec than the checkpoint's (the same
    spec read mirrored, left for right, is the same network)."""
    meta = sess.get_modelmeta().custom_metadata_map
    if "gaitpredict_spec" not in meta:
        raise ExportError(f"{source}: no gaitpredict metadata; export it with `gaitpredict export`")
    exported = json.loads(meta["gaitpredict_spec"])
    if all(exported != json.loads(json.dumps(s.to_dict())) for s in (spec, spec.mirrored())):
        raise ExportError(
            f"{source}: exported for {meta['gaitpredict_spec']}, but the checkpoint is "
            f"{json.dumps(spec.to_dict())}"
        )


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
    data = export_bytes(model, spec, payload["model_name"])
    sess = session(data)
    worst = onnx_parity(model, sess, windows_deg)
    if not worst <= PARITY_TOLERANCE_DEG:
        raise ExportError(
            f"{checkpoint}: ONNX and PyTorch differ by {worst:.3g} deg on real windows "
            f"(tolerance {PARITY_TOLERANCE_DEG:g}); not written"
        )
    write_bytes(path, data)
    return {"path": str(path), "max_diff_deg": worst, "windows": len(windows_deg)}
