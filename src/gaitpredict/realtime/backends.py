"""Inference backends for one window at a time, on buffers allocated once.

Both read the same preallocated input array (1, window_frames, channels) and write a
preallocated output (and, for online adaptation, the network's last hidden features);
onnxruntime binds them once (IOBinding), so a push hands no new arrays to the runtime.
"""

from __future__ import annotations

import numpy as np

from ..errors import ExportError
from ..models import graph
from ..models.graph import FEATURES


class TorchBackend:
    """A PyTorch checkpoint's network, in float64 (the train extra)."""

    name = "torch"

    def __init__(self, model, x: np.ndarray, out: np.ndarray, features: np.ndarray | None = None):
        from ..extras import require_torch

        torch = require_torch("the torch backend")
        from ..models.features import WithFeatures

        self._torch = torch
        self.out, self.features = out, features
        self.model = model if features is None else WithFeatures(model)
        self.x = torch.from_numpy(x)  # shares memory with x

    def run(self) -> None:
        with self._torch.inference_mode():
            if self.features is None:
                self.out[:] = self.model(self.x)[0].numpy()
            else:
                y, f = self.model(self.x)
                self.out[:] = y[0].numpy()
                self.features[:] = f[0].numpy()


class OnnxBackend:
    name = "onnx"

    def __init__(self, sess, x: np.ndarray, out: np.ndarray, features: np.ndarray | None = None,
                 source: str = "the ONNX model"):  # fmt: skip
        ort = graph.require_onnxruntime()
        self.sess = sess
        self._y = out.reshape(1, -1)  # a view: onnxruntime writes straight into `out`
        self.binding = sess.io_binding()
        self.binding.bind_ortvalue_input(graph.INPUT, ort.OrtValue.ortvalue_from_numpy(x))
        self.binding.bind_ortvalue_output(graph.OUTPUT, ort.OrtValue.ortvalue_from_numpy(self._y))
        if features is not None:
            if FEATURES not in {o.name for o in sess.get_outputs()}:
                raise ExportError(
                    f"{source}: has no '{FEATURES}' output, which online adaptation needs; "
                    "export it again with this version (`gaitpredict export`)"
                )
            view = features.reshape(1, -1)
            self.binding.bind_ortvalue_output(FEATURES, ort.OrtValue.ortvalue_from_numpy(view))

    def run(self) -> None:
        self.sess.run_with_iobinding(self.binding)


class OnlineBackend:
    """A model that learns while it predicts (`models.online`): it observes every frame the
    stream writes (held ones flagged), restarts its phase at a reset, and predicts from the
    newest frame, as `OnlineModel.run` does offline."""

    name = "online"

    def __init__(self, model, x: np.ndarray, out: np.ndarray):
        self.model, self.x, self.out = model, x, out

    def observe(self, values: np.ndarray, held: bool) -> None:
        self.model.observe(values.tolist(), held)

    def interrupt(self) -> None:
        self.model.interrupt()

    def run(self) -> None:
        self.model.predict(self.x[0, -1].tolist(), self.out)
