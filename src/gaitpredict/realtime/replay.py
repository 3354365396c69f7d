"""Feed a recording to a `StreamingPredictor` frame by frame, as fast as possible or at its
true rate, and score the streamed predictions against what really happened."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd

from ..data.trial import Trial
from ..evaluation.metrics import mae, rmse


def replay(predictor, trial: Trial, realtime: bool = False) -> pd.DataFrame:
    """One row per prediction: times, predicted and true target (NaN past the end), flags.

    A recording at another rate than the model's is streamed at its own rate and converted
    causally by the predictor; the truth is the recording interpolated at the target time."""
    predictor.set_stream_rate(trial.rate_hz, str(trial.source or trial.trial_id))
    frames = trial.select(list(predictor.channels)).angles_deg
    targets = trial.select(list(predictor.spec.target)).angles_deg
    n_t = len(predictor.spec.target)
    rows = []
    start = time.perf_counter()
    for i, frame in enumerate(frames):
        t = i / trial.rate_hz
        if realtime:
            time.sleep(max(0.0, start + t - time.perf_counter()))
        p = predictor.push(frame, t)
        if p is None:
            continue
        row = {"frame": i, "time_s": p.time_s, "target_time_s": p.target_time_s}
        for k, ch in enumerate(predictor.spec.target):
            row[f"{ch}_pred_deg"] = p.values_deg[-n_t + k]
            row[f"{ch}_true_deg"] = np.interp(
                p.target_time_s, trial.time_s, targets[:, k], right=np.nan
            )
        row["bridged"] = p.bridged
        rows.append(row)
    return pd.DataFrame(rows)


def score(table: pd.DataFrame, targets) -> dict:
    out = {}
    for ch in targets:
        ok = table[f"{ch}_true_deg"].notna()
        p, t = table.loc[ok, f"{ch}_pred_deg"], table.loc[ok, f"{ch}_true_deg"]
        out[ch] = {"rmse_deg": rmse(p, t), "mae_deg": mae(p, t), "n": int(ok.sum())}
    return out


def write_outputs(table: pd.DataFrame, targets, out_dir, title: str) -> list[Path]:
    from ..plots import plot_predictions

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    table.to_csv(out / "stream_predictions.csv", index=False)
    ch = targets[0]
    png = plot_predictions(
        table.target_time_s.to_numpy(),
        table[f"{ch}_true_deg"].to_numpy(),
        {"streamed prediction": table[f"{ch}_pred_deg"].to_numpy()},
        out / "stream_predictions.png",
        title,
    )
    return [out / "stream_predictions.csv", png]
