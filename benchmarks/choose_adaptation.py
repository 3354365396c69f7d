"""Choose online adaptation's forgetting factor and prior without CMU or McGill.

The goals are measured on CMU and McGill subjects, so the settings are chosen on the six
small labs only: each of their subjects streams all of its recordings, in order, through the
cross-lab network that left the subject's lab out, once per setting; the score is the mean
over subjects of log(RMSE adapted / RMSE unadapted) (the subject is the unit).

    python benchmarks/choose_adaptation.py --data ../shared/data --cross-lab runs/cross-lab

writes runs/choose-adaptation/choice.json and prints the table.
"""

from __future__ import annotations

import argparse
import itertools
import logging
import tempfile
import warnings
from pathlib import Path

import numpy as np
from tqdm import tqdm

from gaitpredict.adaptation.bases import base_checkpoint
from gaitpredict.adaptation.online import AdaptConfig
from gaitpredict.atomic import write_json
from gaitpredict.data.corpus import load_corpus
from gaitpredict.realtime import StreamingPredictor
from gaitpredict.realtime.export import export_bytes
from gaitpredict.realtime.replay import replay_many, summary
from gaitpredict.training.checkpoint import load_checkpoint

SMALL_LABS = (
    "addbio_walking",
    "btk_pig_walking",
    "opencap_examples",
    "opencap_walking",
    "opensim_walking",
    "qualisys_cgm2_walking",
)
FORGETTING = (0.998, 0.9995)
PRIOR_VAR = (0.05, 0.2, 0.5, 1.0, 2.0, 5.0)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--cross-lab", type=Path, default=Path("runs/cross-lab"))
    parser.add_argument("--inputs", default="legs-sagittal")
    parser.add_argument("--out", type=Path, default=Path("runs/choose-adaptation"))
    args = parser.parse_args(argv)
    logging.getLogger("gaitpredict").setLevel(logging.ERROR)
    warnings.simplefilter("ignore")
    corpus = load_corpus([args.data / lab for lab in SMALL_LABS])
    settings = list(itertools.product(FORGETTING, PRIOR_VAR))
    scores = {s: [] for s in settings}
    rows = []
    tmp = Path(tempfile.mkdtemp())
    for lab in SMALL_LABS:
        subjects = [
            s for s in corpus.subjects if s.startswith(lab + "/") and not s.endswith("/unknown")
        ]
        if not subjects:
            continue
        ckpt = base_checkpoint(args.cross_lab, "lolo", lab, subjects[0], args.inputs)
        model, spec, payload = load_checkpoint(ckpt)
        onnx = tmp / f"{lab}.onnx"
        onnx.write_bytes(export_bytes(model, spec, payload["model_name"]))
        usable, _ = corpus.with_channels(list(spec.inputs))
        for subject in tqdm(subjects, desc=lab, leave=False):
            trials = usable.trials_of(subject)
            if not trials:
                continue
            for f, p in settings:
                sp = StreamingPredictor.from_checkpoint(
                    ckpt,
                    backend="onnx",
                    onnx_path=onnx,
                    adapt=AdaptConfig(forgetting=f, prior_var=p),
                )
                table = replay_many(sp, trials)
                if table.empty:
                    break
                s = summary(table, spec.target)
                scores[(f, p)].append(np.log(s["rmse_deg"] / s["rmse_deg_unadapted"]))
                rows.append(
                    {
                        "lab": lab,
                        "subject": subject,
                        "forgetting": f,
                        "prior_var": p,
                        "seconds": round(sum(t.duration_s for t in trials), 2),
                        "rmse_deg": s["rmse_deg"],
                        "rmse_deg_unadapted": s["rmse_deg_unadapted"],
                    }
                )
    table = [
        {
            "forgetting": f,
            "prior_var": p,
            "subjects": len(v),
            "mean_log_ratio": float(np.mean(v)),
            "geo_mean_ratio": float(np.exp(np.mean(v))),
            "worst_ratio": float(np.exp(np.max(v))),
        }
        for (f, p), v in scores.items()
        if v
    ]
    best = min(table, key=lambda r: r["mean_log_ratio"])
    print(f"{'forgetting':>10} {'prior_var':>9} {'subjects':>8} {'RMSE ratio':>10} {'worst':>6}")
    for r in table:
        mark = "  <- chosen" if r is best else ""
        print(
            f"{r['forgetting']:>10} {r['prior_var']:>9} {r['subjects']:>8} "
            f"{r['geo_mean_ratio']:>10.3f} {r['worst_ratio']:>6.3f}{mark}"
        )
    args.out.mkdir(parents=True, exist_ok=True)
    write_json(
        args.out / "choice.json",
        {"labs": SMALL_LABS, "inputs": args.inputs, "table": table, "chosen": best, "rows": rows},
    )
    print(f"wrote {args.out / 'choice.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
