"""The field's online predictors against the network, on labs left out: RMSE on a new
wearer's later walking against the seconds of their walking streamed before it.

For every subject of CMU, McGill and AddBiomechanics (labs whose data chose none of the
online predictors' settings: `benchmarks/choose_online.py`), the evaluation part is their
walking after the largest length of `SECONDS` that leaves at least half to evaluate
(`studies.curve.plan`); every point is scored on that same part, right knee 100 ms ahead.
With c seconds walked before it, streamed first (each recording restarting the phase, as a
wearer's sessions do):
- `adaptive-oscillator`, `phase-template`: learn from the c seconds, then on through the
  evaluation part (they never stop learning);
- `network+adaptation`: the cross-lab network that left the subject's lab out, adapting
  online from the c seconds on; `network`: the same, never adapting (constant in c);
- `ridge`: ridge regression trained on the same other labs (constant in c);
- `const-velocity`, `hold`: no learning (constant in c).
The network and ridge are the cross-lab grid's legs-sagittal runs (benchmarks/grids/
lolo-legs.yaml trains just those). Every comparison is subject-paired, network+adaptation
minus each online predictor at each c, per lab and over all subjects, Holm over the family.

    gaitpredict reproduce --grid benchmarks/grids/lolo-legs.yaml --data ../shared/data \
        --out runs/cross-lab
    python benchmarks/online_predictors.py --data ../shared/data --cross-lab runs/cross-lab

writes runs/online-predictors/curve.csv (resumable by subject), summary.json,
comparisons.csv, table.md and curve.png, and prints the tables. `--oracle` adds each online
predictor at the best of a few settings chosen on these very labs (optimistic for them: a
check that no setting closes the gap, never a default) to oracle.csv.
"""

from __future__ import annotations

import argparse
import json
import logging
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from tqdm import tqdm  # noqa: E402

from gaitpredict.adaptation.offline import first_seconds, windows_rmse  # noqa: E402
from gaitpredict.atomic import replacing, write_json  # noqa: E402
from gaitpredict.data.corpus import load_corpus  # noqa: E402
from gaitpredict.evaluation.machine import cpu_description  # noqa: E402
from gaitpredict.evaluation.stats import compare_by_subject, holm_family  # noqa: E402
from gaitpredict.evaluation.untrained import untrained_model  # noqa: E402
from gaitpredict.experiments.trials import only_labs  # noqa: E402
from gaitpredict.realtime import StreamingPredictor  # noqa: E402
from gaitpredict.realtime.replay import replay_many, summary  # noqa: E402
from gaitpredict.studies import curve  # noqa: E402
from gaitpredict.studies.bases import BaseModels, base_checkpoint, known_subjects  # noqa: E402
from gaitpredict.training.checkpoint import load_checkpoint  # noqa: E402
from gaitpredict.windowing.windows import Windows  # noqa: E402

LABS = ("cmu_walking", "mcgill_walking", "addbio_walking")
SECONDS = (0.0, 2.5, 5.0, 10.0, 20.0, 30.0, 60.0)
INPUTS, TARGET, HORIZON_MS = "legs-sagittal", "r_knee_flex", 100.0
ONLINE = ("adaptive-oscillator", "phase-template")
LEARNS = (*ONLINE, "network+adaptation")
FIXED = ("network", "ridge", "const-velocity", "hold")
STYLE = {"network+adaptation": "C0", "network": "C7", "ridge": "C4",
         "adaptive-oscillator": "C3", "phase-template": "C2", "const-velocity": "C8",
         "hold": "C5"}  # fmt: skip


def streamed_rmse(sp, calibration, evaluation) -> dict:
    """RMSE on the evaluation part after streaming the calibration part (the predictor
    restarts its window between them, as at every new recording)."""
    if calibration:
        replay_many(sp, calibration)
        sp.reset("evaluation starts")
    return summary(replay_many(sp, evaluation), sp.spec.target)


def subject_rows(lab, subject, trials, base, ridge) -> list[dict]:
    spec = base.spec
    lengths, _, evaluation = curve.plan(trials, SECONDS)
    rate = evaluation[0].rate_hz
    rows = []

    def named(name):
        return StreamingPredictor.from_checkpoint(
            name, target=TARGET, horizon_ms=spec.horizon_ms, rate_hz=rate
        )

    for c in lengths:
        calibration = first_seconds(trials, c)[0] if c else []
        s = streamed_rmse(base.predictor(), calibration, evaluation)
        rows.append({"method": "network+adaptation", "seconds": c, "rmse_deg": s["rmse_deg"]})
        rows.append({"method": "network", "seconds": c, "rmse_deg": s["rmse_deg_unadapted"]})
        for name in ONLINE:
            s = streamed_rmse(named(name), calibration, evaluation)
            rows.append({"method": name, "seconds": c, "rmse_deg": s["rmse_deg"]})
    for name in ("const-velocity", "hold"):
        s = streamed_rmse(named(name), [], evaluation)
        rows += [{"method": name, "seconds": c, "rmse_deg": s["rmse_deg"]} for c in lengths]
    r = windows_rmse(ridge, Windows(evaluation, spec))
    rows += [{"method": "ridge", "seconds": c, "rmse_deg": r} for c in lengths]
    eval_s = round(sum(t.duration_s for t in evaluation), 2)
    return [{"lab": lab, "subject": subject, "evaluation_s": eval_s, **r} for r in rows]


# --oracle: a few settings of each online predictor, the best chosen ON THE LABS SCORED here
# (optimistic for them, so never their defaults): does any setting close the gap?
ORACLE = {
    "adaptive-oscillator": [{"harmonics": k, "eta": e, "nu_phase": nu}
                            for k in (2, 4, 6) for e in (2.0, 5.0) for nu in (10.0, 40.0)],
    "phase-template": [{"driver": d, "bins": b, "mode": m} for d in ("hip", "target")
                       for b in (25, 50) for m in ("absolute", "delta")],
}  # fmt: skip


def oracle_rows(lab, subject, trials, spec) -> list[dict]:
    lengths, _, evaluation = curve.plan(trials, SECONDS)
    rate, rows = evaluation[0].rate_hz, []
    for name, variants in ORACLE.items():
        for options in variants:
            for c in lengths:
                model, sp_spec, _ = untrained_model(name, TARGET, spec.horizon_ms, rate,
                                                    options=options)  # fmt: skip
                sp = StreamingPredictor(model, sp_spec, name)
                calibration = first_seconds(trials, c)[0] if c else []
                s = streamed_rmse(sp, calibration, evaluation)
                rows.append({"lab": lab, "subject": subject, "method": name, "seconds": c,
                             "settings": json.dumps(options, sort_keys=True),
                             "rmse_deg": s["rmse_deg"]})  # fmt: skip
    return rows


def oracle_table(rows: pd.DataFrame, table: pd.DataFrame) -> str:
    """Each online predictor at its best setting on these labs (mean over every subject and
    length), beside its default and network+adaptation, per lab and length."""
    lines = []
    for name in ORACLE:
        mine = rows[rows.method == name]
        best = mine.groupby("settings").rmse_deg.mean().idxmin()
        lines.append(f"{name}: best on the scored labs {best}")
        at = mine[mine.settings == best].groupby(["lab", "seconds"]).rmse_deg.mean()
        ref = table.groupby(["lab", "method", "seconds"]).rmse_deg.mean()
        for (lab, c), v in at.items():
            net = ref[lab, "network+adaptation", c]
            lines.append(f"  {lab} {c:>5g} s: best {v:6.2f}  default {ref[lab, name, c]:6.2f}  "
                         f"network+adaptation {net:6.2f}")  # fmt: skip
    return "\n".join(lines)


def comparisons(table: pd.DataFrame) -> pd.DataFrame:
    """network+adaptation minus each online predictor, per lab and c, and over all labs."""
    wide = table.pivot_table(index=["lab", "subject", "seconds"], columns="method",
                             values="rmse_deg").reset_index()  # fmt: skip
    found = []
    for c in sorted(wide.seconds.unique()):
        at = wide[wide.seconds == c]
        for lab in [*LABS, "all"]:
            sel = at if lab == "all" else at[at.lab == lab]
            for other in ONLINE:
                d = (sel["network+adaptation"] - sel[other]).dropna()
                if len(d) == 0:
                    continue
                diffs = {s: [v] for s, v in zip(sel.loc[d.index, "subject"], d, strict=True)}
                found.append(({"seconds": c, "lab": lab, "vs": other}, compare_by_subject(diffs)))
    results = holm_family([r for _, r in found])
    return pd.DataFrame(
        [
            {
                **k,
                "n": r.n,
                "median_diff_deg": r.median_diff,
                "ci_low": r.ci_low,
                "ci_high": r.ci_high,
                "network_wins": r.wins,
                "p_holm": r.p_holm,
                "verdict": r.verdict,
            }
            for (k, _), r in zip(found, results, strict=True)
        ]  # fmt: skip
    )


def markdown(table: pd.DataFrame) -> str:
    """Per lab: mean RMSE of each method at each length, and how many subjects walked it."""
    order = [*LEARNS, *FIXED]
    lines = []
    for lab in [lab for lab in LABS if lab in set(table.lab)]:
        sel = table[table.lab == lab]
        cs = sorted(sel.seconds.unique())
        n = sel[sel.method == "network"].groupby("seconds").subject.nunique()
        lines += [f"**{lab}** (mean over the subjects who walked at least twice each length)",
                  "", "| seconds walked first | " + " | ".join(f"{c:g}" for c in cs) + " |",
                  "|---|" + "---|" * len(cs),
                  "| subjects | " + " | ".join(str(n.get(c, 0)) for c in cs) + " |"]  # fmt: skip
        for method in order:
            m = sel[sel.method == method].groupby("seconds").rmse_deg.mean()
            lines.append(f"| {method} | " + " | ".join(f"{m.get(c, float('nan')):.2f}"
                                                     for c in cs) + " |")  # fmt: skip
        lines.append("")
    return "\n".join(lines)


def panel_subjects(sel: pd.DataFrame) -> tuple[list, float]:
    """The subjects a lab's panel shows, the same at every point up to the length returned:
    those who walked long enough for the largest length that at least two of them reach (in
    a lab of two subjects, one: AddBiomechanics' treadmill walker)."""
    reach = sel.groupby("subject").seconds.max()
    need = 2 if len(reach) >= 3 else 1
    top = max(c for c in reach.unique() if (reach >= c).sum() >= need)
    return sorted(reach[reach >= top].index), top


def plot(table: pd.DataFrame, path: Path) -> None:
    labs = [lab for lab in LABS if lab in set(table.lab)]
    fig, axes = plt.subplots(1, len(labs), figsize=(4.8 * len(labs), 4.4), squeeze=False)
    for ax, lab in zip(axes[0], labs, strict=True):
        sel = table[table.lab == lab]
        subjects, top = panel_subjects(sel)
        sel = sel[sel.subject.isin(subjects) & (sel.seconds <= top)]
        for method in (*LEARNS, *FIXED):
            mean = sel[sel.method == method].groupby("seconds").rmse_deg.mean()
            style = "-o" if method in LEARNS else "--"
            ax.plot(mean.index, mean.values, style, color=STYLE[method], ms=4, label=method,
                    lw=2.2 if method == "network+adaptation" else 1.3)  # fmt: skip
        names = ", ".join(s.split("/")[-1] for s in subjects) if len(subjects) <= 4 else ""
        ax.set_title(f"{lab} left out: {len(subjects)} subject(s)"
                     + (f" ({names})" if names else ""), fontsize=9)  # fmt: skip
        ax.set_xlabel("seconds of the wearer's walking streamed first")
        ax.set_ylabel("RMSE on their later walking (deg)")
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=len(labels), fontsize=8,
               frameon=False)  # fmt: skip
    fig.suptitle(f"{TARGET} {HORIZON_MS:g} ms ahead on labs never seen (legs-sagittal "
                 "network): mean over the subjects who walked longest in each lab",
                 fontsize=10)  # fmt: skip
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    with replacing(path) as tmp:
        fig.savefig(tmp, dpi=110, format="png")
    plt.close(fig)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--cross-lab", type=Path, default=Path("runs/cross-lab"))
    parser.add_argument("--out", type=Path, default=Path("runs/online-predictors"))
    parser.add_argument("--oracle", action="store_true", help="also the online predictors "
                        "at their best of a few settings on these labs (optimistic)")  # fmt: skip
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)
    warnings.filterwarnings("ignore")
    corpus = load_corpus([args.data / lab for lab in LABS], labelled=True)
    bases = BaseModels(args.cross_lab, INPUTS, TARGET)
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "curve.csv"
    rows = pd.read_csv(path).to_dict("records") if path.is_file() else []
    done = {(r["lab"], r["subject"]) for r in rows}
    for lab in LABS:
        subjects = known_subjects(corpus, lab)
        ridge, _, _ = load_checkpoint(base_checkpoint(args.cross_lab, "lolo", lab, subjects[0],
                                                      INPUTS, TARGET, model="ridge"))  # fmt: skip
        data = only_labs(corpus, [lab])
        for subject in tqdm(subjects, desc=lab):
            base = bases.get("lolo", lab, subject)
            usable, _ = data.with_channels(list(dict.fromkeys(base.spec.inputs)))
            trials = usable.trials_of(subject)
            if (lab, subject) in done or not trials:
                continue
            rows += subject_rows(lab, subject, trials, base, ridge)
            with replacing(path) as tmp:
                pd.DataFrame(rows).to_csv(tmp, index=False)
    table = pd.DataFrame(rows)
    tests = comparisons(table)
    with replacing(args.out / "comparisons.csv") as tmp:
        tests.to_csv(tmp, index=False)
    plot(table, args.out / "curve.png")
    means = table.groupby(["lab", "method", "seconds"]).rmse_deg.agg(["mean", "count"])
    pivot = means["mean"].unstack("seconds").round(2)
    write_json(args.out / "summary.json", {
        "cpu": cpu_description(), "target": TARGET, "inputs": INPUTS,
        "mean_rmse_deg": {f"{lab}|{m}": {str(c): v for c, v in row.dropna().items()}
                          for (lab, m), row in pivot.iterrows()},
        "subjects_per_seconds": {f"{lab}|{c:g}": int(k) for (lab, m, c), k
                                 in means["count"].items() if m == "network"},
    })  # fmt: skip
    with replacing(args.out / "table.md") as tmp:
        tmp.write_text(markdown(table))
    print(f"mean RMSE (deg) on the later walking, by seconds walked before ({TARGET}, 100 ms)")
    print(pivot.to_string())
    print(markdown(table))
    print("\nnetwork+adaptation minus each online predictor (negative: the network is better)")
    print(tests.round(3).to_string(index=False))
    if args.oracle:
        found = []
        for lab in LABS:
            data = only_labs(corpus, [lab])
            for subject in tqdm(known_subjects(corpus, lab), desc=f"oracle {lab}"):
                spec = bases.get("lolo", lab, subject).spec
                usable, _ = data.with_channels(list(dict.fromkeys(spec.inputs)))
                if usable.trials_of(subject):
                    found += oracle_rows(lab, subject, usable.trials_of(subject), spec)
        oracle = pd.DataFrame(found)
        with replacing(args.out / "oracle.csv") as tmp:
            oracle.to_csv(tmp, index=False)
        print("\n" + oracle_table(oracle, table))
    print(f"\nwrote {args.out}/curve.csv, comparisons.csv, summary.json, curve.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
