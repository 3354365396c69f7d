"""onnxruntime's LSTM node alone, at the shipped knee network's sizes (25 steps, 32 inputs,
64 hidden units, batch 1, one thread): its p50 and p99 over 20,000 calls, the share of the
push that the recurrence alone costs (docs/realtime.md).

    python benchmarks/lstm_alone.py
"""

import time

import numpy as np
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

from gaitpredict.evaluation.machine import cpu_description

T, IN, H = 25, 32, 64


def main() -> int:
    rng = np.random.default_rng(0)
    weights = [
        numpy_helper.from_array((rng.normal(size=(1, 4 * H, IN)) * 0.1).astype(np.float32), "W"),
        numpy_helper.from_array((rng.normal(size=(1, 4 * H, H)) * 0.1).astype(np.float32), "R"),
        numpy_helper.from_array(np.zeros((1, 8 * H), np.float32), "B"),
    ]
    node = helper.make_node("LSTM", ["x", "W", "R", "B"], ["y", "yh"], hidden_size=H)
    graph = helper.make_graph(
        [node], "lstm", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [T, 1, IN])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [T, 1, 1, H]),
         helper.make_tensor_value_info("yh", TensorProto.FLOAT, [1, 1, H])], weights,
    )  # fmt: skip
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    sess = ort.InferenceSession(model.SerializeToString(), options,
                                providers=["CPUExecutionProvider"])  # fmt: skip
    x = rng.normal(size=(T, 1, IN)).astype(np.float32)
    binding = sess.io_binding()
    binding.bind_ortvalue_input("x", ort.OrtValue.ortvalue_from_numpy(x))
    for name, shape in (("y", (T, 1, 1, H)), ("yh", (1, 1, H))):
        out = np.zeros(shape, np.float32)
        binding.bind_ortvalue_output(name, ort.OrtValue.ortvalue_from_numpy(out))
    for _ in range(1000):
        sess.run_with_iobinding(binding)
    us = np.empty(20000)
    for i in range(len(us)):
        t0 = time.perf_counter_ns()
        sess.run_with_iobinding(binding)
        us[i] = (time.perf_counter_ns() - t0) / 1000
    print(f"LSTM node alone ({T} steps, {IN} in, {H} hidden, batch 1, 1 thread): p50 "
          f"{np.median(us):.1f} us, p99 {np.percentile(us, 99):.1f} us; "
          f"{2 * T * 4 * H * (IN + H) / 1e6:.2f} MFLOP; CPU: {cpu_description()}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
