"""How rough the predicted knee is on labs left out: the roughness ratio (RMS of the
prediction's second difference over the true angle's; 1 = as smooth as the knee), per
recording, of each leave-one-lab-out network on the lab it never saw.

    python benchmarks/roughness.py --data ../shared/data --results runs/cross-lab-intervals

`--results`: a folder of `gaitpredict reproduce --grid benchmarks/grids/lolo.yaml`.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from gaitpredict.data.corpus import load_corpus  # noqa: E402
from gaitpredict.evaluation.predictor import load_predictor  # noqa: E402
from gaitpredict.evaluation.recordings import table_scores  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--results", type=Path, default=ROOT / "runs" / "cross-lab-intervals")
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    rows = pd.read_csv(args.results / "results.csv")
    for inputs in ("legs-sagittal", "arms+legs-shared"):
        sel = rows[(rows.label == "attn-cnn-lstm") & (rows.split == "lolo")
                   & (rows.inputs == inputs)]  # fmt: skip
        every, per_lab = [], {}
        for r in sel.sort_values("test_lab").itertuples():
            predictor = load_predictor(args.results / "runs" / r.run_dir / "model.pt")
            data = load_corpus([str(args.data / r.test_lab)])
            usable, _ = data.with_channels([*predictor.channels, "r_knee_flex"])
            ratios = []
            for trial in usable.trials:
                if trial.subject.endswith("unknown"):
                    continue
                scored = table_scores(predictor.predict_trial(trial), "r_knee_flex")
                if scored.get("roughness_ratio") is not None:
                    ratios.append(scored["roughness_ratio"])
            per_lab[r.test_lab] = ratios
            every += ratios
        print(f"{inputs}: {len(every)} recordings, median {np.median(every):.2f} "
              f"(range {min(every):.2f}-{max(every):.2f})")  # fmt: skip
        for lab, ratios in per_lab.items():
            if ratios:
                print(f"  {lab}: {len(ratios)} recordings, median {np.median(ratios):.2f}")


if __name__ == "__main__":
    main()
