"""The CPU a speed figure was measured on: printed beside every benchmark's figures, since
machines here differ in kind (AVX2 only, AVX512, bfloat16 instructions) and in speed."""

from __future__ import annotations

import os
import platform

import torch

FLAGS = ("avx2", "avx512f", "avx512_bf16", "amx_bf16", "amx_tile")  # /proc/cpuinfo names


def cpu_description() -> str:
    """'AMD EPYC, 2 cores, avx2 avx512f avx512_bf16': the model name (as `lscpu` gives it)
    and the flags that decide PyTorch's kernels and precision."""
    name, flags = platform.processor() or platform.machine(), set()
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                key, _, value = line.partition(":")
                if key.strip() == "model name" and name in ("", platform.machine()):
                    name = value.strip()
                elif key.strip() == "flags":
                    flags = set(value.split())
                    break
    except OSError:
        caps = torch.cpu.get_capabilities()
        flags = {k for k, v in caps.items() if v is True}
    shown = " ".join(f for f in FLAGS if f in flags) or "none of " + "/".join(FLAGS)
    return f"{name}, {os.cpu_count()} cores, {shown}"
