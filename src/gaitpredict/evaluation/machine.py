"""The CPU a speed figure was measured on: printed beside every benchmark's figures, since
machines here differ in kind (AVX2 only, AVX512, bfloat16 instructions) and in speed; and
how fast it multiplies matrices on one thread (`matmul_gflops`), measured now: work divided
by that speed is a compute floor (for a push) or roof (for training)."""

from __future__ import annotations

import os
import platform
import time

import numpy as np

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
    except OSError:  # not Linux: the model name alone
        pass
    shown = " ".join(f for f in FLAGS if f in flags) or "none of " + "/".join(FLAGS)
    return f"{name}, {os.cpu_count()} cores, {shown}"


def matmul_gflops(m: int, k: int, n: int, seconds: float = 0.5, threads: int = 1) -> float:
    """Measured GFLOP/s of a float32 (m x k) @ (k x n) product on `threads` threads (numpy's
    BLAS, held to them with threadpoolctl), best of repeated runs."""
    from threadpoolctl import threadpool_limits

    rng = np.random.default_rng(0)
    a = rng.standard_normal((m, k), dtype=np.float32)
    b = rng.standard_normal((k, n), dtype=np.float32)
    out = np.empty((m, n), dtype=np.float32)
    with threadpool_limits(limits=threads, user_api="blas"):
        for _ in range(10):
            np.matmul(a, b, out=out)
        best, end = float("inf"), time.perf_counter() + seconds
        while time.perf_counter() < end:
            t0 = time.perf_counter()
            for _ in range(20):
                np.matmul(a, b, out=out)
            best = min(best, (time.perf_counter() - t0) / 20)
    return 2 * m * k * n / best / 1e9
