"""Feed recordings to a `StreamingPredictor` frame by frame, as fast as possible or at their
true rate, and score the streamed predictions against what really happened.

Several recordings of one wearer play one after another (`replay_many`): the window starts
afresh with each (a gap), while an adapting predictor keeps what it learned. Their walking
time is counted end to end (`walk_s`), so scores can be given per segment of walking time.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd

from ..data.trial import Trial
from ..errors import ConfigError
from ..evaluation.intervals import hits_summary, interval_hits
from ..evaluation.metrics import mae, median_recording, rmse, roughness_ratio


def replay(
    predictor,
    trial: Trial,
    realtime: bool = False,
    walk_offset_s: float = 0.0,
) -> pd.DataFrame:
    """One row per prediction: times, predicted and true target (NaN past the end), flags;
    with an adapting predictor also the unadapted prediction (`<target>_unadapted_deg`);
    with intervals their bounds (`<target>_lo_deg`, `<target>_hi_deg`).

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
        row = {
            "recording": trial.trial_id,
            "frame": i,
            "time_s": p.time_s,
            "target_time_s": p.target_time_s,
            "walk_s": walk_offset_s + p.target_time_s,
        }
        for k, ch in enumerate(predictor.spec.target):
            row[f"{ch}_pred_deg"] = p.values_deg[-n_t + k]
            if p.unadapted_deg is not None:
                row[f"{ch}_unadapted_deg"] = p.unadapted_deg[-n_t + k]
            row[f"{ch}_true_deg"] = np.interp(
                p.target_time_s, trial.time_s, targets[:, k], right=np.nan
            )
            if p.lo_deg is not None:
                row[f"{ch}_lo_deg"] = p.lo_deg[-n_t + k]
                row[f"{ch}_hi_deg"] = p.hi_deg[-n_t + k]
        row["bridged"] = p.bridged
        rows.append(row)
    return pd.DataFrame(rows)


def replay_many(predictor, trials, realtime: bool = False) -> pd.DataFrame:
    """The recordings of one wearer in order; `walk_s` counts walking time across them."""
    tables, offset = [], 0.0
    for k, trial in enumerate(trials):
        if k:
            predictor.reset(f"next recording ({trial.trial_id})")
        tables.append(replay(predictor, trial, realtime, walk_offset_s=offset))
        offset += trial.duration_s
    return pd.concat(tables, ignore_index=True) if tables else pd.DataFrame()


def score(table: pd.DataFrame, targets) -> dict:
    out = {}
    for ch in targets:
        ok = table[f"{ch}_true_deg"].notna()
        p, t = table.loc[ok, f"{ch}_pred_deg"], table.loc[ok, f"{ch}_true_deg"]
        out[ch] = {"rmse_deg": rmse(p, t), "mae_deg": mae(p, t), "n": int(ok.sum())}
        out[ch] |= median_recording(
            roughness_ratio(r[f"{ch}_pred_deg"], r[f"{ch}_true_deg"], _model_frames(r))
            for _, r in table.groupby("recording", sort=False)
        )
        hits = interval_hits(table, [ch])
        if hits is not None:
            out[ch] |= hits_summary(*hits)
    return out


def _model_frames(rows: pd.DataFrame) -> np.ndarray:
    """Each prediction's model-grid frame, from its time (predictions are one model frame
    apart except across gaps)."""
    t = rows["time_s"].to_numpy()
    step = np.diff(t)
    step = float(np.median(step[step > 0])) if (step > 0).any() else 1.0
    return np.round((t - t[0]) / step).astype(int)


def _errors(table: pd.DataFrame, targets, column: str) -> np.ndarray:
    """(predictions, targets) errors in degrees; NaN where the truth is unknown."""
    return np.stack(
        [table[f"{ch}_{column}_deg"] - table[f"{ch}_true_deg"] for ch in targets], axis=1
    )


def _rmse(errors: np.ndarray) -> float:
    e = errors[np.isfinite(errors)]
    return float(np.sqrt(np.mean(e**2))) if e.size else float("nan")


def summary(table: pd.DataFrame, targets, segment_s: float = 10.0) -> dict:
    """RMSE and MAE over every target and prediction, and RMSE in consecutive segments of
    walking time (`segments`: start_s, end_s, rmse_deg and, when adapting,
    rmse_deg_unadapted); with an adapting predictor also the unadapted figures."""
    if not segment_s > 0:
        raise ConfigError(f"segment_s must be > 0 seconds, got {segment_s}")
    adapting = f"{targets[0]}_unadapted_deg" in table
    e = _errors(table, targets, "pred")
    e_un = _errors(table, targets, "unadapted") if adapting else None
    ok = np.isfinite(e)
    out = {
        "rmse_deg": _rmse(e),
        "mae_deg": float(np.mean(np.abs(e[ok]))) if ok.any() else None,
        "n": int(ok.sum()),
    }
    if adapting:
        out["rmse_deg_unadapted"] = _rmse(e_un)
        out["mae_deg_unadapted"] = float(np.mean(np.abs(e_un[np.isfinite(e_un)])))
    hits = interval_hits(table, targets)
    if hits is not None:
        out |= hits_summary(*hits)
    segments = []
    walk = table["walk_s"].to_numpy()
    end = float(walk.max()) if len(walk) else 0.0
    for start in np.arange(0.0, end, segment_s):
        rows = (walk >= start) & (walk < start + segment_s)
        seg = {
            "start_s": float(start),
            "end_s": float(min(start + segment_s, end)),
            "rmse_deg": _rmse(e[rows]),
        }
        if adapting:
            seg["rmse_deg_unadapted"] = _rmse(e_un[rows])
        if hits is not None:
            seg |= hits_summary(*hits, rows)
        segments.append(seg)
    out["segments"] = segments
    return out


def write_outputs(table: pd.DataFrame, targets, out_dir, title: str) -> list[Path]:
    from ..plots import plot_predictions

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    table.to_csv(out / "stream_predictions.csv", index=False)
    ch = targets[0]
    lines = {"streamed prediction": table[f"{ch}_pred_deg"].to_numpy()}
    if f"{ch}_unadapted_deg" in table:
        lines = {
            "adapted": lines["streamed prediction"],
            "unadapted": table[f"{ch}_unadapted_deg"].to_numpy(),
        }
    band = None
    if f"{ch}_lo_deg" in table:
        band = (table[f"{ch}_lo_deg"].to_numpy(), table[f"{ch}_hi_deg"].to_numpy(),
                "prediction interval")  # fmt: skip
    png = plot_predictions(
        table.walk_s.to_numpy(),
        table[f"{ch}_true_deg"].to_numpy(),
        lines,
        out / "stream_predictions.png",
        title,
        band=band,
    )
    return [out / "stream_predictions.csv", png]
