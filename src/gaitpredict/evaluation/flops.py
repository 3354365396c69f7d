"""What the CPU could do: a model's floating-point work per window, and the machine's speed.

`forward_flops` counts one window's forward pass (PyTorch's FlopCounterMode for matrix
products and convolutions, plus the LSTM's gate products, which it does not see). Export
stores the count in the ONNX file (`models.graph`), so the runtime knows it without torch;
`machine.matmul_gflops` gives the speed it is divided by.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode


def forward_flops(model, spec, batch: int = 1) -> int:
    """Floating-point operations of one forward pass over `batch` windows."""
    x = torch.zeros(batch, spec.window_frames, len(spec.inputs))
    steps = {}

    def note(module, args, output):
        seq = args[0]
        steps[module] = seq.shape[1] if module.batch_first else seq.shape[0]

    hooks = [m.register_forward_hook(note) for m in model.modules() if isinstance(m, nn.LSTM)]
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad(), FlopCounterMode(display=False) as counter:
            model(x)
    finally:
        model.train(was_training)
        for h in hooks:
            h.remove()
    lstm = 0
    for m, t in steps.items():
        inputs = m.input_size
        for _ in range(m.num_layers):
            lstm += 2 * 4 * (inputs + m.hidden_size) * m.hidden_size * t * batch
            inputs = m.hidden_size
    return int(counter.get_total_flops()) + lstm
