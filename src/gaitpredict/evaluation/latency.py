"""The streaming latency benchmark: percentiles of `StreamingPredictor.push` on a real trial."""

from __future__ import annotations

import time

import numpy as np

from ..errors import ConfigError
from .machine import matmul_gflops

MIN_PUSHES = 10000  # fewer gives an unstable p99


def compute_floor(model, spec) -> dict:
    """The push's compute floor: its forward FLOPs (an ONNX file's, as export counted them;
    else counted on the PyTorch network) over the single-thread speed of a matrix product
    (128 x 96 x 256, float32) measured now, in microseconds. None where an ONNX file of an
    older export does not say."""
    from ..models.graph import OnnxModel

    gflops = matmul_gflops(128, 96, 256)
    if isinstance(model, OnnxModel):
        flops = model.flops
        if flops is None:
            return {"flops": None, "matmul_gflops": round(gflops, 1), "floor_us": None}
    else:
        from .flops import forward_flops

        flops = forward_flops(model, spec, batch=1)
    return {"flops": flops, "matmul_gflops": round(gflops, 1),
            "floor_us": round(flops / (gflops * 1e3), 1)}  # fmt: skip


def bench_pushes(predictors, trial, pushes: int = 20000, block: int = 500,
                 without_call=None) -> list[dict]:  # fmt: skip
    """Time `pushes` calls of each predictor's `push` replaying `trial` (after filling the
    window and 500 warm-up pushes), in microseconds. Several predictors take turns in blocks
    of `block` pushes, so that a machine that speeds up or slows down meanwhile affects all
    alike; the first predictor's bare model call (`backend.run()` on the window its last
    push left: the graph alone, no ring buffer, gap bridge or Python around it) takes a turn
    too (`model_call`), and so does `without_call`, a predictor like the first whose model
    call does nothing (`push_without_call`: what the push costs around the graph; the
    difference of the two p50s overstates it, as a call inside a push runs slower than the
    same call repeated alone, its caches colder), and so does `ReferenceWork` of about the
    bare call's length (`reference_work`: the machine's own tail)."""
    if pushes < MIN_PUSHES:
        raise ConfigError(f"--pushes {pushes}: at least {MIN_PUSHES} for a stable p99")
    frames = np.nan_to_num(trial.select(list(predictors[0].channels)).angles_deg)
    n = len(frames)
    if without_call is not None:
        without_call.backend.run = lambda: None
    timed = predictors + ([without_call] if without_call is not None else [])
    for predictor in timed:
        for i in range(predictor.spec.window_frames + 500):  # fill the window, warm caches
            predictor.push(frames[i % n])
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):  # the reference work's products
        return _bench(predictors, timed, frames, trial, pushes, block, without_call)


def _bench(predictors, timed, frames, trial, pushes, block, without_call) -> list[dict]:
    n = len(frames)
    times = np.empty((len(timed), pushes), dtype=np.int64)
    calls = np.empty(pushes, dtype=np.int64)  # the first predictor's bare model call
    clock = time.perf_counter_ns
    reference = ReferenceWork(_median_call_us(predictors[0].backend.run))
    reference_times = np.empty(pushes, dtype=np.int64)
    for start in range(0, pushes, block):
        for k, predictor in enumerate(timed):
            push, row = predictor.push, times[k]
            for i in range(start, min(start + block, pushes)):
                frame = frames[i % n]
                t0 = clock()
                push(frame)
                row[i] = clock() - t0
        run = predictors[0].backend.run  # on the window the last push left
        for i in range(start, min(start + block, pushes)):
            t0 = clock()
            run()
            calls[i] = clock() - t0
        for i in range(start, min(start + block, pushes)):
            t0 = clock()
            reference.run()
            reference_times[i] = clock() - t0
    figures = [_figures(p, times[k] / 1000.0, trial) for k, p in enumerate(predictors)]
    figures[0]["model_call"] = _percentiles(calls / 1000.0)
    figures[0]["reference_work"] = {**_percentiles(reference_times / 1000.0),
                                    "matmuls": reference.repeats}  # fmt: skip
    if without_call is not None:
        figures[0]["push_without_call"] = _percentiles(times[-1] / 1000.0)
    return figures


class ReferenceWork:
    """A fixed computation of about `target_us` on one thread: `repeats` float32 64 x 64
    matrix products (numpy's BLAS held to one thread). Its tail over its median is this
    machine's own for work of a model call's length (other tenants, frequency, caches),
    whatever the model: a push's p99 / p50 is read beside it. Run it under
    `threadpool_limits(1)`, as `bench_pushes` does."""

    SIZE = 64

    def __init__(self, target_us: float):
        rng = np.random.default_rng(0)
        self.a = rng.standard_normal((self.SIZE, self.SIZE), dtype=np.float32)
        self.out = np.empty_like(self.a)
        one = _median_call_us(self._one)
        self.repeats = max(1, round(target_us / one))

    def _one(self) -> None:
        np.matmul(self.a, self.a, out=self.out)

    def run(self) -> None:
        a, out = self.a, self.out
        for _ in range(self.repeats):
            np.matmul(a, a, out=out)


def _median_call_us(call, n: int = 1000) -> float:
    """The median of `n` timed calls after as many untimed (the first calls of a BLAS or a
    session run slower)."""
    clock = time.perf_counter_ns
    for _ in range(n):
        call()
    t = np.empty(n)
    for i in range(n):
        t0 = clock()
        call()
        t[i] = clock() - t0
    return float(np.median(t)) / 1000.0


def _percentiles(us: np.ndarray) -> dict:
    return {"p50_us": round(float(np.percentile(us, 50)), 1),
            "p99_us": round(float(np.percentile(us, 99)), 1)}  # fmt: skip


def _figures(predictor, us: np.ndarray, trial) -> dict:
    return {
        "backend": predictor.backend.name,
        "model": predictor.model_name,
        "adapt": predictor.adapter is not None,
        "pushes": len(us),
        "p50_us": round(float(np.percentile(us, 50)), 1),
        "p99_us": round(float(np.percentile(us, 99)), 1),
        "max_us": round(float(us.max()), 1),
        "mean_us": round(float(us.mean()), 1),
        "threads": 1,
        "trial": trial.trial_id,
    }
