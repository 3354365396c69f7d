"""Three paths, one answer: `evaluate`, `predict` and `stream --replay` on a real walk with
short gaps inserted, through the command line a user runs.

    python benchmarks/gap_paths.py [--data ../shared/data/cmu_walking] [--out runs/gap-paths]

Writes CMU's walking_1 (S35, 120 Hz) as CSV with gaps of 3, 5 and 4 frames in every channel
(frames 80, 160 and 250), then prints each command's RMSE and scored predictions with the
shipped `knee-100ms-legs` (torch backend for the stream: float64 like the offline paths).
"""

import argparse
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from gaitpredict.data.io import read_trial
from gaitpredict.pretrained import pretrained_path

ROOT = Path(__file__).resolve().parents[1]
GAPS = ((80, 3), (160, 5), (250, 4))  # (first frame, frames)


def cli(*args) -> dict:
    done = subprocess.run([sys.executable, "-m", "gaitpredict", *args, "--json"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    return json.loads(done.stdout)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "cmu_walking"))
    p.add_argument("--out", type=Path, default=ROOT / "runs" / "gap-paths")
    args = p.parse_args()
    trial = read_trial(Path(args.data) / "test" / "walking" / "walking_1.txt")
    angles = trial.angles_deg.copy()
    for start, n in GAPS:
        angles[start : start + n] = np.nan
    args.out.mkdir(parents=True, exist_ok=True)
    csv = args.out / "gappy_walk.csv"
    table = pd.DataFrame(angles, columns=trial.channels)
    table.insert(0, "time_s", np.arange(len(angles)) / trial.rate_hz)
    table.to_csv(csv, index=False, float_format="%.6f", na_rep="NaN")
    ev = cli("evaluate", str(pretrained_path("knee-100ms-legs")), str(csv))
    pr = cli("predict", str(csv), "--model", "knee-100ms-legs")
    st = cli("stream", "knee-100ms-legs", "--replay", str(csv), "--backend", "torch",
             "--out", str(args.out / "stream"))  # fmt: skip
    print(f"{csv}: {len(angles)} frames at {trial.rate_hz:g} Hz, gaps {GAPS}")
    print(f"evaluate: RMSE {ev['rmse_deg']:.4f} deg over {ev['n_windows']} windows "
          f"({ev.get('n_bridged', 'n/a')} bridged)")  # fmt: skip
    print(f"predict:  RMSE {pr['rmse_deg']:.4f} deg over {pr['per_file'][0]['n']} predictions")
    print(f"stream:   RMSE {st['rmse_deg']:.4f} deg over {st['n']} predictions")


if __name__ == "__main__":
    main()
