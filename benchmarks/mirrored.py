"""The left side by mirroring a right-side model, on labs it never saw (the knee by default;
`--target r_ankle_flex` or `r_hip_flex` for the other shipped joints).

A right-knee model read mirrored (`WindowSpec.mirrored`: left and right swapped in its inputs
and target) predicts the left knee; the shipped models serve `l_knee_flex` that way. For every
lab, the cross-lab grid's network and ridge that left the lab out (legs-sagittal) predict each
of its subjects' right knee as trained and left knee mirrored, 100 ms ahead. Subject-paired:
left minus right (does mirroring cost accuracy?) and, for the left knee, network minus ridge
(like for like), each with a 95 % bootstrap interval and Holm over the two.

    gaitpredict reproduce --grid benchmarks/grids/lolo-legs.yaml --data ../shared/data \\
        --out runs/cross-lab
    python benchmarks/mirrored.py --data ../shared/data --cross-lab runs/cross-lab \
        [--target r_ankle_flex --out runs/mirrored-ankle]

(the ankle's and hip's networks: benchmarks/grids/lolo-ankle.yaml, lolo-hip.yaml) writes
runs/mirrored/per_subject.csv and prints the tables.
"""

from __future__ import annotations

import argparse
import logging
import warnings
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from gaitpredict.adaptation.offline import windows_rmse
from gaitpredict.atomic import replacing
from gaitpredict.data.corpus import load_corpus
from gaitpredict.evaluation.stats import compare_by_subject, holm_family
from gaitpredict.experiments.grid import Grid
from gaitpredict.experiments.trials import only_labs
from gaitpredict.studies.bases import base_checkpoint, known_subjects
from gaitpredict.training.checkpoint import load_checkpoint
from gaitpredict.windowing.windows import Windows

LABS = tuple(sorted(Grid.load("cross-lab").datasets))  # the 8 shared labs
LEFT = "left, mirrored"
INPUTS = "legs-sagittal"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--cross-lab", type=Path, default=Path("runs/cross-lab"))
    parser.add_argument("--out", type=Path, default=Path("runs/mirrored"))
    parser.add_argument("--target", default="r_knee_flex", help="the right side's channel")
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)
    warnings.filterwarnings("ignore")
    corpus = load_corpus([args.data / lab for lab in LABS], labelled=True)
    rows = []
    for lab in tqdm(LABS, desc="labs"):
        subjects = known_subjects(corpus, lab)
        data = only_labs(corpus, [lab])
        for model_name in ("attn-cnn-lstm", "ridge"):
            path = base_checkpoint(args.cross_lab, "lolo", lab, subjects[0], INPUTS,
                                   args.target, model=model_name)  # fmt: skip
            model, spec, _ = load_checkpoint(path)
            for side, s in (("right", spec), (LEFT, spec.mirrored())):
                usable, _ = data.with_channels(list(dict.fromkeys(s.inputs + s.target)))
                for subject in subjects:
                    trials = usable.trials_of(subject)
                    w = Windows(trials, s) if trials else None
                    if w is None or len(w) == 0:
                        continue
                    rows.append({"lab": lab, "subject": subject, "model": model_name,
                                 "side": side, "rmse_deg": windows_rmse(model, w)})  # fmt: skip
    table = pd.DataFrame(rows)
    args.out.mkdir(parents=True, exist_ok=True)
    with replacing(args.out / "per_subject.csv") as tmp:
        table.to_csv(tmp, index=False)
    means = table.groupby(["lab", "model", "side"]).rmse_deg.mean().unstack(["model", "side"])
    print("mean RMSE over each lab's subjects (deg), each lab left out of training")
    print(means.round(2).to_string())
    wide = table.pivot_table(index="subject", columns=["model", "side"], values="rmse_deg")
    wide = wide.dropna()
    net, ridge = "attn-cnn-lstm", "ridge"
    claims = {
        "network: left (mirrored) minus right": wide[net, LEFT] - wide[net, "right"],
        "left side: network minus ridge": wide[net, LEFT] - wide[ridge, LEFT],
    }
    results = holm_family([compare_by_subject({s: [v] for s, v in d.items()})
                           for d in claims.values()])  # fmt: skip
    print(f"\nover {len(wide)} subjects of {table.lab.nunique()} labs, subject-paired:")
    for (label, d), r in zip(claims.items(), results, strict=True):
        print(f"{label}: mean {d.mean():+.2f} deg, median {r.median_diff:+.2f} "
              f"[{r.ci_low:+.2f}, {r.ci_high:+.2f}], negative for {r.wins} of {r.n}, Holm p "
              f"{r.p_holm:.3g} ({r.verdict})")  # fmt: skip
    m = wide.mean()
    print(f"\nmeans over all subjects: network right {m[net, 'right']:.2f}, left "
          f"{m[net, LEFT]:.2f}; ridge right {m[ridge, 'right']:.2f}, left "
          f"{m[ridge, LEFT]:.2f}")  # fmt: skip
    print(f"wrote {args.out}/per_subject.csv")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
