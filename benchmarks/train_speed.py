"""Training windows per second and peak memory per model on one CMU fold.

Batch 128, window 500 ms, arms+legs inputs, right knee 100 ms ahead, fold S39.
Usage: python benchmarks/train_speed.py [--data DIR] [--epochs N] [--threads N]
"""

import argparse
import resource
import time

import torch

from gaitpredict.data.datasets import load_dataset
from gaitpredict.experiments.run import RunConfig, build_windows
from gaitpredict.models import create_model
from gaitpredict.training.trainer import TrainConfig, fit_normalisation, seed_everything, train

NETWORKS = [
    ("cnn", {}),
    ("lstm", {}),
    ("cnn-lstm", {}),
    ("attn-cnn-lstm", {}),
    ("attn-cnn-lstm", {"attention": "before"}),
]


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--data", default="cmu-walking")
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--threads", type=int, default=torch.get_num_threads())
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    ds = load_dataset(args.data)
    cfg = RunConfig(test_subject="S39", window_ms=500, inputs="arms+legs")
    spec, _, train_w, val_w, _ = build_windows(ds, cfg)
    print(
        f"{len(train_w)} training windows of {spec.window_frames} frames x "
        f"{len(spec.inputs)} channels, batch 128, {args.threads} threads"
    )
    for name, extra in NETWORKS:
        seed_everything(0)
        model = create_model(name, spec, **extra)
        fit_normalisation(model, train_w, 20000, 0)
        start = time.perf_counter()
        history = train(
            model, train_w, val_w, TrainConfig(max_epochs=args.epochs, patience=99, progress=False)
        )
        seconds = time.perf_counter() - start
        rate = len(train_w) * history.epochs_run / seconds
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        label = name + (f" ({extra['attention']})" if extra else "")
        print(
            f"{label:26s} {rate:9.0f} windows/s  {seconds / history.epochs_run:6.2f} s/epoch"
            f"  (incl. validation)  peak RSS {peak_mb:.0f} MB"
        )


if __name__ == "__main__":
    main()
