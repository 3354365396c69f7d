"""A network as its ONNX graph: what the runtime predicts with, on onnxruntime and numpy.

The graph (`realtime.export` writes it from a PyTorch checkpoint) maps a raw window
(batch, window_frames, channels) in degrees to predictions (batch, outputs) in degrees, with
a dynamic batch dimension, and gives as a second output (`features`) what the network's last
linear layer reads, on which online adaptation learns. Its metadata makes the file
self-describing, so the runtime needs nothing else: the window spec, the model's name, a
fingerprint of the weights (an adaptation saved for one model is refused by another, whether
it was learned on the checkpoint or its ONNX file), the split-conformal calibration of its
errors (intervals) and its forward FLOPs (the latency benchmark's floor).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np

from ..errors import ExportError, MissingExtraError

INPUT, OUTPUT, FEATURES = "window_deg", "prediction_deg", "features"
META_SPEC, META_MODEL = "gaitpredict_spec", "model"
META_WEIGHTS, META_CALIBRATION, META_FLOPS = "weights_sha256", "calibration", "flops_per_window"


def require_onnxruntime():
    try:
        import onnxruntime
    except ImportError:
        raise MissingExtraError(
            "ONNX needs onnxruntime: pip install onnxruntime (a dependency of gaitpredict: "
            "reinstall it), or use backend='torch' with gaitpredict[train]"
        ) from None
    return onnxruntime


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


def metadata(sess) -> dict:
    return dict(sess.get_modelmeta().custom_metadata_map)


def check_matches(sess, spec, source: str) -> None:
    """Refuse an ONNX file exported from a different spec than the checkpoint's (the same
    spec read mirrored, left for right, is the same network)."""
    meta = metadata(sess)
    if META_SPEC not in meta:
        raise ExportError(f"{source}: no gaitpredict metadata; export it with `gaitpredict export`")
    exported = json.loads(meta[META_SPEC])
    if all(exported != json.loads(json.dumps(s.to_dict())) for s in (spec, spec.mirrored())):
        raise ExportError(
            f"{source}: exported for {meta[META_SPEC]}, but the checkpoint is "
            f"{json.dumps(spec.to_dict())}"
        )


def adaptation_id(weights_sha256: str, spec) -> str:
    """What an adaptation belongs to: these weights read with this spec (mirrored or not)."""
    text = repr(spec.to_dict()) + weights_sha256
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class OnnxModel:
    """A network's ONNX file, loaded: `spec`, `model_name`, `payload` (as a checkpoint's, for
    the callers that read one), `n_features` and `predict_windows`. Float32, as onnxruntime
    runs these graphs; within `export.PARITY_TOLERANCE_DEG` of the float64 PyTorch path."""

    def __init__(self, path):
        from ..windowing.spec import WindowSpec

        self.path = Path(path)
        self.session = session(self.path)
        meta = metadata(self.session)
        if META_SPEC not in meta or META_MODEL not in meta:
            raise ExportError(
                f"{self.path}: no gaitpredict metadata (a window spec and a model name); "
                "export it with `gaitpredict export`"
            )
        try:
            self.spec = WindowSpec.from_dict(json.loads(meta[META_SPEC]))
            calibration = json.loads(meta[META_CALIBRATION]) if META_CALIBRATION in meta else None
        except (ValueError, KeyError, TypeError) as exc:
            raise ExportError(f"{self.path}: unreadable gaitpredict metadata ({exc})") from None
        self.model_name = meta[META_MODEL]
        self.flops = int(meta[META_FLOPS]) if META_FLOPS in meta else None
        # an older export has no fingerprint: the file's own bytes stand for its weights
        self.weights_sha256 = meta.get(META_WEIGHTS) or _file_sha256(self.path)
        extra = {} if calibration is None else {"calibration": calibration}
        self.payload = {
            "model_name": self.model_name,
            "model_config": {},
            "spec": self.spec.to_dict(),
            "extra": extra,
        }
        outputs = {o.name: o.shape for o in self.session.get_outputs()}
        self.n_features = int(outputs[FEATURES][-1]) if FEATURES in outputs else None
        self._outputs = [OUTPUT]
        self._batch_session = None

    def predict_windows(self, x_deg: np.ndarray, chunk: int = 1024) -> np.ndarray:
        """(batch, window_frames, channels) in degrees -> (batch, outputs), float64. Offline,
        on a session of its own that uses every core (`session` runs one window at a time
        on one thread, as a control loop does)."""
        if self._batch_session is None:
            self._batch_session = session(self.path, threads=os.cpu_count() or 1)
        x = np.ascontiguousarray(x_deg, dtype=np.float32)
        out = np.empty((len(x), self.spec.n_outputs), dtype=np.float64)
        for s in range(0, len(x), chunk):
            batch = x[s : s + chunk]
            out[s : s + chunk] = self._batch_session.run(self._outputs, {INPUT: batch})[0]
        return out


def _file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
