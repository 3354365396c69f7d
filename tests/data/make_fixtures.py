"""Make the small fixture files in this folder from the real data in ../shared/data.

    python tests/data/make_fixtures.py [--shared ../shared/data]

Origin of every file (CMU Graphics Lab Motion Capture Database, mocap.cs.cmu.edu; "The data
used in this project was obtained from mocap.cs.cmu.edu. The database was created with
funding from NSF EIA-0196217."):
- `walking_1_head.txt`: the first 81 lines (reference pose + 80 frames, 120 Hz) of
  `cmu_walking/test/walking/walking_1.txt`, verbatim: the exp-map reader's fixture.
- `tiny/<subject>/<trial>.csv`: the first 150 frames of two gap-free trials of each of
  three CMU subjects (S08, S16, S39), read by gaitpredict's CMU reader and written as
  catalog angles in degrees (3 decimals) with a time column: a dataset for model, window
  and training tests.
- `formats/`: one small file per reader, for the reader and fuzz tests:
  `walking.bvh` (the cgspeed BVH `cmu_bvh_sample/07_01.bvh`: its hierarchy and first 30
  motion lines, `Frames:` set to 30), `ik.mot` (`opensim_walking/subject01/
  subject01_walk1_ik.mot`: header and first 30 rows, `nRows` set to 30), `walking.txt`
  (CMU exp-map: the first 31 lines of walking_1.txt), `walking.csv` (30 frames of a `tiny`
  file), and `walking.c3d` / `walking.tsv` (30 frames of walking_1 written by
  gaitpredict's own C3D and QTM writers; needs the c3d extra).
Rerunning writes the same bytes (except the C3D writer's, which ezc3d controls).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
SUBJECTS = {"S08": 2, "S16": 2, "S39": 2}
FRAMES = 150


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=HERE.parents[2] / "shared" / "data")
    args = parser.parse_args()
    from gaitpredict.data.datasets import load_dataset

    cmu_dir = args.shared / "cmu_walking"
    lines = (cmu_dir / "test/walking/walking_1.txt").read_text().splitlines(keepends=True)
    (HERE / "walking_1_head.txt").write_text("".join(lines[:81]))
    ds = load_dataset(cmu_dir)
    for subject, n in SUBJECTS.items():
        folder = HERE / "tiny" / subject
        folder.mkdir(parents=True, exist_ok=True)
        whole = [t for t in ds.trials_of(subject) if np.isfinite(t.angles_deg[:FRAMES]).all()]
        for trial in whole[:n]:
            t = trial.slice_frames(0, FRAMES)
            rows = ["time_s," + ",".join(t.channels)]
            for k in range(t.n_frames):
                values = ",".join(f"{v:.3f}" for v in t.angles_deg[k])
                rows.append(f"{k / t.rate_hz:.9f},{values}")
            name = trial.trial_id.replace("/", "_") + ".csv"
            (folder / name).write_text("\n".join(rows) + "\n")
    formats = HERE / "formats"
    formats.mkdir(exist_ok=True)
    bvh = (args.shared / "cmu_bvh_sample" / "07_01.bvh").read_text().splitlines()
    motion = bvh.index("MOTION")
    head = [ln if not ln.startswith("Frames:") else "Frames: 30" for ln in bvh[: motion + 3]]
    (formats / "walking.bvh").write_text("\n".join(head + bvh[motion + 3 : motion + 33]) + "\n")
    mot = (args.shared / "opensim_walking/subject01/subject01_walk1_ik.mot").read_text()
    mot_lines = mot.splitlines()
    end = mot_lines.index("endheader")
    mot_head = [ln if not ln.startswith("nRows=") else "nRows=30" for ln in mot_lines[: end + 2]]
    (formats / "ik.mot").write_text("\n".join(mot_head + mot_lines[end + 2 : end + 32]) + "\n")
    (formats / "walking.txt").write_text("".join(lines[:31]))
    csv_lines = next((HERE / "tiny" / "S08").glob("*.csv")).read_text().splitlines()
    (formats / "walking.csv").write_text("\n".join(csv_lines[:31]) + "\n")
    from gaitpredict.data.io import read_trial
    from gaitpredict.data.io.c3d import write_c3d_angles
    from gaitpredict.data.io.qtm import write_qtm_6d

    walk = read_trial(formats / "walking.txt")
    write_c3d_angles(walk, formats / "walking.c3d")
    write_qtm_6d(walk, formats / "walking.tsv")
    print(f"wrote fixtures into {HERE}")


if __name__ == "__main__":
    main()
