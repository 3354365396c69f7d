"""Training windows per second (validation included), the machine's roof, and the Keras peer.

    python benchmarks/train_speed.py [--data DIR] [--epochs N] [--threads N] [--fold S]
    python benchmarks/train_speed.py --compare-keras [--keras-python .venv-keras/bin/python]

Batch 128, window 500 ms, arms+legs inputs (20 channels), right knee 100 ms ahead. Our figure
is the one `metrics.json` gives: training windows x epochs / training seconds, validation
passes and checkpoint writes included. The roof is what this machine's matrix products
allow: a training step costs about three forward passes (`evaluation.flops`), timed against
a float32 matrix product of the step's sizes in the same thread setting, measured here.

`--compare-keras` runs the same model in Keras/TensorFlow (`../shared/peers/
keras_attn_cnn_lstm.py`, training only, no validation) on the same fold, alternating with
ours (each of `--precisions`) for `--rounds` rounds in this invocation, and prints the
medians and the ratio to the peer as the median of the paired per-round ratios, with their
range (the peer's speed varies a lot from run to run; a ratio of medians would pair rounds
that did not run side by side). Make its virtualenv once:
    python3 -m venv .venv-keras && .venv-keras/bin/pip install tensorflow-cpu
(`make bench-keras` does both.)
"""

import argparse
import resource
import subprocess
import time
from pathlib import Path

import numpy as np
import torch

from gaitpredict.data.datasets import load_dataset
from gaitpredict.evaluation.flops import forward_flops
from gaitpredict.evaluation.machine import cpu_description, matmul_gflops
from gaitpredict.experiments.run import RunConfig, build_windows
from gaitpredict.models import create_model, list_models, model_info
from gaitpredict.training.trainer import (
    fit_normalisation,
    resolve_precision,
    seed_everything,
    train,
)

ROOT = Path(__file__).resolve().parents[1]
PEER = ROOT.parent / "shared" / "peers" / "keras_attn_cnn_lstm.py"
BATCH = 128


def ours(ds, name, options, fold, epochs, threads, precision="float32"):
    """(windows/s with validation, seconds per epoch, spec, model) of one training."""
    seed_everything(0, threads=threads)
    cfg = RunConfig.from_dict(
        {"model": name, "test_subject": fold, "window_ms": 500, "inputs": "arms+legs",
         "train": {"max_epochs": epochs, "patience": epochs + 1, "progress": False,
                   "precision": precision}}
    )  # fmt: skip
    spec, _, train_w, val_w, _ = build_windows(ds, cfg)
    model = create_model(name, spec, **options)
    fit_normalisation(model, train_w, 20000, 0)
    start = time.perf_counter()
    history = train(
        model,
        train_w,
        val_w,
        cfg.train,
    )
    seconds = time.perf_counter() - start
    return len(train_w) * history.epochs_run / seconds, seconds / history.epochs_run, spec, model


def roof(model, spec, threads):
    """(GFLOP/s of the step-sized matrix product, windows/s the roof allows)."""
    flops_per_window = 3 * forward_flops(model, spec, batch=BATCH) / BATCH
    gflops = matmul_gflops(BATCH, 96, 256, threads=threads)
    return gflops, gflops * 1e9 / flops_per_window


def keras(python, data, fold, epochs):
    out = subprocess.run(
        [python, str(PEER), str(data), fold, str(epochs)], capture_output=True, text=True
    )
    last = out.stdout.strip().splitlines()[-1] if out.stdout.strip() else ""
    if out.returncode or not last.startswith("keras "):
        raise SystemExit(f"the Keras peer failed:\n{out.stderr[-2000:]}")
    fields = last.split()
    return float(fields[fields.index("windows_per_s") + 1]), last


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "cmu_walking"))
    p.add_argument("--epochs", type=int, default=4)
    p.add_argument("--threads", type=int, default=torch.get_num_threads())
    p.add_argument("--fold", default="S08", help="test subject (the peer's default is S08)")
    p.add_argument("--compare-keras", action="store_true")
    p.add_argument("--rounds", type=int, default=2, help="--compare-keras: alternated rounds")
    p.add_argument(
        "--precisions",
        nargs="+",
        default=["float32", resolve_precision("auto")],  # bfloat16 where the CPU has it
        choices=["float32", "bfloat16"],
        help="our training precisions to time beside the peer (default: float32, and "
        "bfloat16 on a CPU with bfloat16 instructions)",
    )
    p.add_argument("--keras-python", default=str(ROOT / ".venv-keras" / "bin" / "python"))
    args = p.parse_args()
    args.precisions = list(dict.fromkeys(args.precisions))
    ds = load_dataset(args.data)
    if args.compare_keras:
        if not Path(args.keras_python).exists():
            raise SystemExit(f"no {args.keras_python}: make it with `make bench-keras`")
        rates: dict[str, list[float]] = {k: [] for k in [*args.precisions, "keras"]}
        for r in range(1, args.rounds + 1):  # alternated, so drifts of the machine hit all
            for precision in args.precisions:
                rate, epoch_s, spec, model = ours(ds, "attn-cnn-lstm", {}, args.fold,
                                                  args.epochs, args.threads, precision)  # fmt: skip
                rates[precision].append(rate)
                peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
                print(f"round {r}: ours, {precision}: {rate:.0f} windows/s (validation "
                      f"included), {epoch_s:.2f} s/epoch, {args.threads} threads, fold "
                      f"{args.fold}, peak RSS so far {peak_mb:.0f} MB", flush=True)  # fmt: skip
            peer_rate, line = keras(args.keras_python, args.data, args.fold, args.epochs)
            rates["keras"].append(peer_rate)
            print(f"round {r}: keras peer: {peer_rate:.0f} windows/s (training only)  [{line}]",
                  flush=True)  # fmt: skip
        gflops, roof_rate = roof(model, spec, args.threads)
        peer = np.array(rates["keras"])
        print(f"CPU: {cpu_description()}")
        print(f"over {args.rounds} round(s): keras median {np.median(peer):.0f} windows/s")
        for precision in args.precisions:
            mine = np.array(rates[precision])
            ratios = mine / peer  # paired: ours and the peer of the same round
            print(f"  {precision}: median {np.median(mine):.0f} windows/s; against the Keras "
                  f"peer {np.median(ratios):.2f}x (median of the paired per-round ratios; "
                  f"range {ratios.min():.2f}-{ratios.max():.2f}: "
                  f"{', '.join(f'{r:.2f}' for r in ratios)}), "
                  f"{np.median(mine) / roof_rate:.0%} of the float32 roof")  # fmt: skip
        print(f"roof: float32 matrix product {gflops:.0f} GFLOP/s -> {roof_rate:.0f} windows/s")
        return
    print(f"CPU: {cpu_description()}")
    print(f"fold {args.fold}, batch {BATCH}, {args.threads} threads, {args.epochs} epochs")
    variants = [(m, {}) for m in list_models(kind="network")] + [
        (m, {"attention": "before"}) for m in list_models(kind="network") if model_info(m).attention
    ]
    for name, options in variants:
        rate, epoch_s, spec, model = ours(ds, name, options, args.fold, args.epochs, args.threads)
        _, roof_rate = roof(model, spec, args.threads)
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        label = name + (f" ({options['attention']})" if options else "")
        print(f"{label:26s} {rate:7.0f} windows/s  {epoch_s:5.2f} s/epoch  "
              f"roof {rate / roof_rate:4.0%}  peak RSS {peak_mb:.0f} MB")  # fmt: skip


if __name__ == "__main__":
    main()
