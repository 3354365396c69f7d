"""Inference backends for one window at a time, on buffers allocated once.

Both read the same preallocated input array (1, window_frames, channels) and write a
preallocated output; onnxruntime binds them once (IOBinding), so a push hands no new
arrays to the runtime.
"""

from __future__ import annotations

import numpy as np
import torch

from . import export


class TorchBackend:
    name = "torch"

    def __init__(self, model, x: np.ndarray, out: np.ndarray):
        self.model, self.out = model, out
        self.x = torch.from_numpy(x)  # shares memory with x

    def run(self) -> None:
        with torch.inference_mode():
            self.out[:] = self.model(self.x)[0].numpy()


class OnnxBackend:
    name = "onnx"

    def __init__(self, sess, x: np.ndarray, out: np.ndarray):
        ort = export.require_onnxruntime()
        self.sess, self.out = sess, out
        self._y = out.reshape(1, -1)  # a view: onnxruntime writes straight into `out`
        self.binding = sess.io_binding()
        self.binding.bind_ortvalue_input(export.INPUT, ort.OrtValue.ortvalue_from_numpy(x))
        self.binding.bind_ortvalue_output(export.OUTPUT, ort.OrtValue.ortvalue_from_numpy(self._y))

    def run(self) -> None:
        self.sess.run_with_iobinding(self.binding)
