"""Streaming-native (recurrent, state carried frame to frame) vs windowed attn-cnn-lstm.

Usage: python benchmarks/recurrent.py [--data DIR] [--folds S39 ...] [--max-epochs N]
Per leave-one-subject-out fold: RMSE of both on the same test frames (right knee 100 ms,
arms+legs, 500 ms window), and push latency (p50/p99 us, one thread) of each live path.
"""

import argparse
import time

import numpy as np
import torch

from gaitpredict.data.datasets import load_dataset
from gaitpredict.evaluation.predictor import load_predictor
from gaitpredict.experiments.run import RunConfig, run_experiment
from gaitpredict.realtime import StreamingPredictor
from gaitpredict.realtime.experimental.recurrent import (
    RecurrentStreamer,
    predict_trial,
    train_recurrent,
)
from gaitpredict.windowing.spec import WindowSpec
from gaitpredict.windowing.splits import carve_validation, leave_one_subject_out


def latency_us(push, frames, n=10000):
    for i in range(500):
        push(frames[i % len(frames)])
    t = np.empty(n)
    clock = time.perf_counter_ns
    for i in range(n):
        f = frames[i % len(frames)]
        t0 = clock()
        push(f)
        t[i] = clock() - t0
    return np.percentile(t, 50) / 1000, np.percentile(t, 99) / 1000


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--data", default="cmu-walking")
    p.add_argument("--folds", nargs="+", default=["S39"])
    p.add_argument("--max-epochs", type=int, default=40)
    p.add_argument("--out", default="runs/recurrent")
    args = p.parse_args()
    torch.set_num_threads(1)
    ds = load_dataset(args.data)
    spec = WindowSpec.create("arms+legs", "r_knee_flex", 500, 100, ds.rate_hz)
    h = spec.horizon_frames
    for fold in args.folds:
        cfg = RunConfig.from_dict(
            {"test_subject": fold, "train": {"max_epochs": args.max_epochs, "patience": 8,
                                             "progress": False, "threads": 1}}
        )  # fmt: skip
        start = time.perf_counter()
        run_experiment(ds, cfg, f"{args.out}/windowed-{fold}")
        t_windowed = time.perf_counter() - start
        split = leave_one_subject_out(ds, fold)
        fit, val = carve_validation(split.train, cfg.train.val_fraction, cfg.train.seed)
        start = time.perf_counter()
        model, history = train_recurrent(spec, fit, val, max_epochs=args.max_epochs, patience=8)
        t_recurrent = time.perf_counter() - start
        windowed = load_predictor(f"{args.out}/windowed-{fold}/model.pt")
        err_w, err_r = [], []
        for trial in split.test:
            x = trial.select(list(spec.inputs)).angles_deg
            pw = windowed.predict(trial)[:-h, 0]
            pr = predict_trial(model, x)[:-h, 0]
            truth = x[h:, spec.target_in_inputs[0]]
            ok = np.isfinite(pw) & np.isfinite(pr) & np.isfinite(truth)
            err_w.append(pw[ok] - truth[ok])
            err_r.append(pr[ok] - truth[ok])
        rmse_w = float(np.sqrt(np.mean(np.concatenate(err_w) ** 2)))
        rmse_r = float(np.sqrt(np.mean(np.concatenate(err_r) ** 2)))
        frames = np.nan_to_num(max(split.test, key=lambda t: t.n_frames)
                               .select(list(spec.inputs)).angles_deg)  # fmt: skip
        sp = StreamingPredictor.from_checkpoint(f"{args.out}/windowed-{fold}/model.pt", "onnx")
        w50, w99 = latency_us(sp.push, frames)
        streamer = RecurrentStreamer(model)
        r50, r99 = latency_us(streamer.push, frames)
        print(
            f"{fold}: windowed attn-cnn-lstm RMSE {rmse_w:.2f} deg ({t_windowed:.0f} s), "
            f"recurrent RMSE {rmse_r:.2f} deg ({t_recurrent:.0f} s, {len(history)} epochs, "
            f"{rmse_r / rmse_w - 1:+.1%}); push p50/p99: windowed onnx {w50:.0f}/{w99:.0f} us, "
            f"recurrent numpy {r50:.1f}/{r99:.1f} us"
        )


if __name__ == "__main__":
    main()
