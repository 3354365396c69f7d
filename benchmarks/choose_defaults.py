"""Choose the networks' defaults by nested validation, never peeking at a test subject.

    python benchmarks/choose_defaults.py [--choice modes|window] [--data DIR]
                                         [--folds S35 S39 S16 S08] [--workers 2]

For each outer leave-one-subject-out fold, the outer test subject's trials are removed (and,
for S35, the unknown trials that may be S35); inside what remains, each other named subject
is left out in turn (inner folds) and attn-cnn-lstm is trained with each candidate. The
candidate with the lowest mean inner RMSE is the fold's choice; the outer test subject never
enters. Training: at most 10 epochs, patience 3, seed 0, arms+legs, right knee 100 ms ahead.

Choices: `modes` (relative inputs + delta target, our default, against absolute + absolute,
the paper's) and `window` (250, 500 and 1000 ms of history).
"""

from __future__ import annotations

import argparse
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

CHOICES = {  # candidate -> (model options, run settings)
    "modes": {
        "relative/delta (default)": ({"input_mode": "relative", "target_mode": "delta"}, {}),
        "absolute/absolute (paper)": ({"input_mode": "absolute", "target_mode": "absolute"}, {}),
    },
    "window": {
        "250 ms": ({}, {"window_ms": 250.0}),
        "500 ms (default)": ({}, {"window_ms": 500.0}),
        "1000 ms": ({}, {"window_ms": 1000.0}),
    },
}
ROOT = Path(__file__).resolve().parents[1]


def inner_rmse(data: str, outer: str, inner: str, options: dict, settings: dict) -> float:
    import torch

    from gaitpredict.data.datasets import Dataset, load_dataset
    from gaitpredict.experiments.run import RunConfig, run_experiment

    torch.set_num_threads(1)
    full = load_dataset(data)
    keep = [t for t in full.trials if t.subject != outer and not full.may_be(t, outer)]
    reduced = Dataset(full.name, keep, root=full.root)
    cfg = RunConfig.from_dict(
        {
            "model": "attn-cnn-lstm",
            "model_config": options,
            "test_subject": inner,
            **settings,
            "train": {"max_epochs": 10, "patience": 3, "seed": 0, "progress": False, "threads": 1},
        }
    )
    with tempfile.TemporaryDirectory() as tmp:
        return run_experiment(reduced, cfg, tmp)["rmse_deg"]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--choice", choices=sorted(CHOICES), default="modes")
    p.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "cmu_walking"))
    p.add_argument("--folds", nargs="+", default=["S35", "S39", "S16", "S08"])
    p.add_argument("--workers", type=int, default=2)
    args = p.parse_args()
    candidates = CHOICES[args.choice]
    jobs = {
        (outer, inner, name): (args.data, outer, inner, *setting)
        for outer in args.folds
        for inner in args.folds
        if inner != outer
        for name, setting in candidates.items()
    }
    with ProcessPoolExecutor(args.workers) as pool:
        futures = {key: pool.submit(inner_rmse, *job) for key, job in jobs.items()}
        results = {key: f.result() for key, f in futures.items()}
    print(f"{'outer fold':<11}" + "".join(f"{name:>28}" for name in candidates) + "   chosen")
    for outer in args.folds:
        means = {
            name: float(
                np.mean([v for (o, _, n), v in results.items() if o == outer and n == name])
            )
            for name in candidates
        }
        chosen = min(means, key=means.get)
        print(f"{outer:<11}" + "".join(f"{m:28.2f}" for m in means.values()) + f"   {chosen}")


if __name__ == "__main__":
    main()
