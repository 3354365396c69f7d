"""Choose the online predictors' settings without the labs they are scored on.

The comparisons (quick report, cross-lab section, `benchmarks/online_predictors.py`) score
the adaptive oscillator and the phase template on CMU, McGill and AddBiomechanics, so their
settings are chosen on the five other labs only (Qualisys, BTK, OpenCap walking, OpenCap's
examples, OpenSim). Each subject streams all of its recordings, in order, through one fresh
predictor per setting (what it learns carries from one recording to the next), predicting
the right knee 100 ms ahead at its own rate. The score is the mean over subjects of
log(RMSE / const-velocity RMSE) (the subject is the unit); lower is better.

    python benchmarks/choose_online.py --data ../shared/data

writes runs/choose-online/scores.csv (resumable: settings already scored are kept) and
choice.json, and prints the best settings beside the defaults the package ships.
"""

from __future__ import annotations

import argparse
import itertools
import logging
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm import tqdm

from gaitpredict.atomic import replacing, write_json
from gaitpredict.data.corpus import load_corpus
from gaitpredict.evaluation.predictor import Predictor
from gaitpredict.evaluation.untrained import untrained_model
from gaitpredict.models import model_info

TUNING_LABS = (
    "btk_pig_walking",
    "opencap_examples",
    "opencap_walking",
    "opensim_walking",
    "qualisys_cgm2_walking",
)
TARGET, HORIZON_MS = "r_knee_flex", 100.0
GRIDS = {  # widened where a first, narrower grid found its best at an edge
    "adaptive-oscillator": {
        "driver": ("target", "hip"),
        "harmonics": (2, 3, 4, 6),
        "nu_phase": (10.0, 20.0, 40.0),
        "nu_freq": (2.5, 5.0, 10.0),
        "eta": (1.0, 2.0, 5.0),
        "lock_ratio": (0.3, 0.5, 0.7),
        "gate_s": (0.5, 1.0),
    },
    "phase-template": {
        "driver": ("hip", "target"),
        "bins": (12, 25, 50),
        "memory": (5.0, 10.0, 20.0),
        "velocity_ms": (10.0, 20.0, 40.0),
        "range_s": (1.0, 2.0, 3.0, 4.0),
        "advance": ("learned", "rate"),
        "mode": ("delta", "absolute"),
    },
}


def subject_rmse(name: str, options: dict, trials) -> float:
    """RMSE over a subject's recordings streamed in order through one fresh predictor."""
    model, spec, payload = untrained_model(name, TARGET, HORIZON_MS, trials[0].rate_hz,
                                           options=options)  # fmt: skip
    predictor = Predictor(model, spec, payload)
    errors = []
    for trial in trials:
        table = predictor.predict_trial(trial)
        e = (table[f"{TARGET}_pred_deg"] - table[f"{TARGET}_true_deg"]).to_numpy()
        errors.append(e[np.isfinite(e)])
    e = np.concatenate(errors)
    return float(np.sqrt(np.mean(e**2))) if e.size else float("nan")


def settings(name: str) -> list[dict]:
    grid = GRIDS[name]
    return [dict(zip(grid, values, strict=True)) for values in itertools.product(*grid.values())]


def key(options: dict) -> str:
    return ";".join(f"{k}={v}" for k, v in sorted(options.items()))


def code_of(name: str) -> str:
    """A fingerprint of the model's source (and its base's): scores of other code are
    scored again."""
    import hashlib
    import inspect

    from gaitpredict.models import online

    cls = type(untrained_model(name)[0])
    text = inspect.getsource(inspect.getmodule(cls)) + inspect.getsource(online)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--out", type=Path, default=Path("runs/choose-online"))
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)
    warnings.filterwarnings("ignore")
    corpus = load_corpus([args.data / lab for lab in TUNING_LABS], labelled=True)
    corpus, _ = corpus.with_channels([TARGET, "r_hip_flex"])
    subjects = {s: corpus.trials_of(s) for s in corpus.subjects if not s.endswith("unknown")}
    args.out.mkdir(parents=True, exist_ok=True)
    table_path = args.out / "scores.csv"
    done = pd.read_csv(table_path) if table_path.is_file() else pd.DataFrame()
    codes = {n: code_of(n) for n in GRIDS}
    rows = [r for r in done.to_dict("records") if codes.get(r["model"]) == r.get("code")]
    have = {(r["model"], r["settings"]) for r in rows}
    cv = {s: subject_rmse("const-velocity", {}, t) for s, t in subjects.items()}
    todo = [(n, o) for n in GRIDS for o in settings(n) if (n, key(o)) not in have]
    for name, options in tqdm(todo, desc="settings"):
        scores = {s: subject_rmse(name, options, t) for s, t in subjects.items()}
        logs = [np.log(scores[s] / cv[s]) for s in subjects]
        rows.append({"model": name, "code": codes[name], "settings": key(options),
                     "score": float(np.mean(logs)),
                     "mean_rmse_deg": float(np.mean(list(scores.values()))),
                     **{f"rmse:{s}": v for s, v in scores.items()}})  # fmt: skip
        if len(rows) % 20 == 0:
            _save(rows, table_path)
    _save(rows, table_path)
    table = pd.DataFrame(rows)
    wanted = {(n, key(o)) for n in GRIDS for o in settings(n)}
    table = table[[(m, k) in wanted for m, k in zip(table.model, table.settings, strict=True)]]
    choice = {"labs": list(TUNING_LABS), "subjects": len(subjects), "target": TARGET,
              "horizon_ms": HORIZON_MS,
              "const_velocity_mean_rmse_deg": float(np.mean(list(cv.values())))}  # fmt: skip
    for name in GRIDS:
        mine = table[table.model == name].sort_values("score")
        defaults = model_info(name).resolve({})
        default_key = key({k: defaults[k] for k in GRIDS[name]})
        best = mine.iloc[0]
        at_default = mine[mine.settings == default_key]
        choice[name] = {
            "best": best.settings,
            "best_score": float(best.score),
            "best_mean_rmse_deg": float(best.mean_rmse_deg),
            "defaults": default_key,
            "defaults_are_best": bool(best.settings == default_key),
            "default_score": float(at_default.score.iloc[0]) if len(at_default) else None,
        }
        print(f"\n{name}: {len(mine)} settings on {len(subjects)} subjects of "
              f"{len(TUNING_LABS)} labs (score: mean log RMSE / const-velocity's)")  # fmt: skip
        show = mine.head(5)[["settings", "score", "mean_rmse_deg"]]
        print(show.to_string(index=False))
        print(f"shipped defaults: {default_key} -> score "
              f"{choice[name]['default_score']}; best: {best.settings}")  # fmt: skip
    write_json(args.out / "choice.json", choice)
    print(f"\nwrote {args.out}/choice.json and scores.csv")
    return 0


def _save(rows, path: Path) -> None:
    with replacing(path) as tmp:
        pd.DataFrame(rows).to_csv(tmp, index=False)


if __name__ == "__main__":
    raise SystemExit(main())
