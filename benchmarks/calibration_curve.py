"""The calibration curve: RMSE on a new person's later walking against seconds of their
walking used, for the base network, offline calibration, online adaptation, a network
trained from scratch and ridge on those seconds (`gaitpredict.studies.curve`).

Cases: `loso:LAB` (the cross-lab grid's in-lab network that left the subject out: a new
person in a known lab) and `lolo:LAB` (its network that left the whole lab out). For every
`lolo` case the lab's subjects are also streamed one after another through one adapting
predictor, as a new lab meets its first patients (`lab-stream` rows).

    make calibration        # = python benchmarks/calibration_curve.py (after make cross-lab)

writes runs/calibration/curve.csv (resumable: finished subjects are kept), summary.json
(the goals) and curve.png.
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
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from tqdm import tqdm  # noqa: E402

from gaitpredict.adaptation.offline import windows_rmse  # noqa: E402
from gaitpredict.atomic import replacing, write_json  # noqa: E402
from gaitpredict.data.corpus import load_corpus  # noqa: E402
from gaitpredict.experiments.trials import only_labs  # noqa: E402
from gaitpredict.realtime.replay import replay_many, summary  # noqa: E402
from gaitpredict.studies import curve  # noqa: E402
from gaitpredict.studies.bases import BaseModels, known_subjects  # noqa: E402
from gaitpredict.training.trainer import TrainConfig  # noqa: E402
from gaitpredict.windowing.splits import leave_subjects_out  # noqa: E402
from gaitpredict.windowing.windows import Windows  # noqa: E402

CASES = ("loso:cmu_walking", "loso:mcgill_walking", "lolo:cmu_walking", "lolo:mcgill_walking",
         "lolo:addbio_walking")  # fmt: skip
WITHIN = TrainConfig(max_epochs=60, patience=10, progress=False)
LAB_STREAM_AFTER_S = 10.0
METHODS = {"base": "C7", "online": "C0", "offline": "C1", "scratch": "C2", "ridge": "C4"}


def run_case(case, corpus, bases, seconds, done, emit):
    kind, lab = case.split(":")
    lab_data = only_labs(corpus, [lab])
    subjects = known_subjects(corpus, lab)
    spec0 = None
    for subject in tqdm(subjects, desc=case, leave=False):
        base = bases.get(kind, lab, subject)
        spec = spec0 = base.spec
        usable, _ = lab_data.with_channels(list(dict.fromkeys(spec.inputs + spec.target)))
        trials = usable.trials_of(subject)
        if (case, subject) in done or not trials:
            continue
        others = leave_subjects_out(usable, [subject], "loso").train
        rows = curve.subject_curve(
            base.model, spec, base.payload, trials, base.predictor, seconds, others
        )
        emit(
            [
                {"case": case, "lab": lab, "subject": subject, "base": str(base.path), **r}
                for r in rows
            ]
        )
    if (case, "within-subject") not in done:
        emit(within_rows(case, lab, lab_data, subjects, spec0, bases, seconds))
    if kind == "lolo" and (case, "lab-stream") not in done:
        emit(lab_stream_rows(case, lab, lab_data, subjects, bases))


def within_rows(case, lab, lab_data, subjects, spec, bases, seconds):
    """One network on every subject's part before evaluation (and `unknown` trials)."""
    usable, _ = lab_data.with_channels(list(dict.fromkeys(spec.inputs + spec.target)))
    before, evaluations = [], {}
    for subject in usable.subjects:
        trials = usable.trials_of(subject)
        if subject.endswith("unknown"):
            before += trials
            continue
        _, part, evaluation = curve.plan(trials, seconds)
        before += part
        evaluations[subject] = evaluation
    payload = bases.get(case.split(":")[0], lab, subjects[0]).payload
    model = curve.within_subject_network(
        payload["model_name"], payload["model_config"], spec, before, WITHIN
    )
    return [
        {
            "case": case,
            "lab": lab,
            "subject": s,
            "method": "within-subject",
            "seconds": np.nan,
            "rmse_deg": windows_rmse(model, Windows(ev, spec)),
        }
        for s, ev in evaluations.items()
    ] + [
        {
            "case": case,
            "lab": lab,
            "subject": "within-subject",
            "method": "done",
            "seconds": np.nan,
            "rmse_deg": np.nan,
        }
    ]


def lab_stream_rows(case, lab, lab_data, subjects, bases):
    """The lab's subjects one after another through one adapting predictor."""
    base = bases.get("lolo", lab, subjects[0])
    spec = base.spec
    usable, _ = lab_data.with_channels(list(dict.fromkeys(spec.inputs + spec.target)))
    sp, rows, walked = base.predictor(), [], 0.0
    for subject in subjects:
        trials = usable.trials_of(subject)
        if not trials:
            continue
        if walked:
            sp.reset(f"next subject ({subject})")
        scores = summary(replay_many(sp, trials), spec.target)
        split = leave_subjects_out(usable, [subject], "loso")
        ridge = curve.loso_ridge_rmse(spec, split.train, Windows(trials, spec))
        rows.append({"method": "lab-stream-online", "rmse_deg": scores["rmse_deg"]})
        rows.append({"method": "lab-stream-base", "rmse_deg": scores["rmse_deg_unadapted"]})
        rows.append({"method": "lab-stream-loso-ridge", "rmse_deg": ridge})
        for r in rows[-3:]:
            r.update(subject=subject, seconds=walked)  # lab walking before this subject
        walked += sum(t.duration_s for t in trials)
    return [{"case": case, "lab": lab, **r} for r in rows] + [
        {
            "case": case,
            "lab": lab,
            "subject": "lab-stream",
            "method": "done",
            "seconds": np.nan,
            "rmse_deg": np.nan,
        }
    ]


def goals(rows: pd.DataFrame) -> dict:
    out = {}
    per = rows[~rows.method.isin(["done"])]

    def at(case, method, c):
        sel = per[(per.case == case) & (per.method == method) & (per.seconds == c)]
        return sel.set_index("subject").rmse_deg

    def ref(case, method):
        return per[(per.case == case) & (per.method == method)].set_index("subject").rmse_deg

    for case in sorted(per.case.unique()):
        entry = {}
        online10, base10 = at(case, "online", 10.0), at(case, "base", 10.0)
        offline10 = at(case, "offline", 10.0)
        ridge, within = ref(case, "loso-ridge"), ref(case, "within-subject")
        if len(online10):
            s = online10.index
            entry["subjects_with_10s"] = len(s)
            entry["online_10s_mean_rmse_deg"] = float(online10.mean())
            entry["base_mean_rmse_deg"] = float(base10.mean())
            entry["online_10s_vs_base_pct"] = float(100 * (online10 / base10[s] - 1).mean())
            entry["offline_10s_mean_rmse_deg"] = float(offline10.reindex(s).mean())
            entry["loso_ridge_mean_rmse_deg"] = float(ridge.reindex(s).mean())
            entry["within_subject_mean_rmse_deg"] = float(within.reindex(s).mean())
            entry["online_10s_at_or_below_loso_ridge"] = int((online10 <= ridge[s]).sum())
        # never worse: each subject's largest calibration length
        last = per[per.method.isin(["online", "offline", "base"])].copy()
        last = last[last.case == case]
        if len(last):
            top = last.groupby("subject").seconds.transform("max")
            last = last[last.seconds == top].pivot_table(
                index="subject", columns="method", values="rmse_deg"
            )
            ratio_on = last["online"] / last["base"]
            ratio_off = last["offline"] / last["base"]
            entry["worst_online_vs_base"] = float(ratio_on.max())
            entry["worst_offline_vs_base"] = float(ratio_off.max())
            entry["subjects"] = len(last)
        stream = per[(per.case == case) & per.method.str.startswith("lab-stream")]
        if len(stream):
            later = stream[stream.seconds >= LAB_STREAM_AFTER_S]
            table = later.pivot_table(index="subject", columns="method", values="rmse_deg")
            entry["lab_stream"] = {
                "subjects_after_10s": len(table),
                "online_mean_rmse_deg": float(table["lab-stream-online"].mean()),
                "base_mean_rmse_deg": float(table["lab-stream-base"].mean()),
                "loso_ridge_mean_rmse_deg": float(table["lab-stream-loso-ridge"].mean()),
            }
        out[case] = entry
    return out


def figure(rows: pd.DataFrame, out: Path) -> Path:
    """One panel per case: mean RMSE over the subjects whose walking reaches each length
    (n under each point; the base model's line moves where that set changes)."""
    cases = sorted(rows.case.unique())
    ncols = 3
    nrows = (len(cases) + 1 + ncols - 1) // ncols  # one more panel for the legend
    fig, axes = plt.subplots(nrows, ncols, figsize=(5.2 * ncols, 4 * nrows), squeeze=False)
    flat = axes.ravel()
    for ax, case in zip(flat, cases, strict=False):
        sel = rows[rows.case == case]
        top = 8.0
        for method, color in METHODS.items():
            m = sel[sel.method == method].groupby("seconds").rmse_deg.mean()
            if len(m):
                ax.plot(m.index, m.values, "o-", color=color, label=method)
                top = max(top, float(m.max()) * 1.1)
        n = sel[sel.method == "base"].groupby("seconds").subject.nunique()
        for c, k in n.items():
            ax.annotate(f"n={k}", (c, 0.4), ha="center", fontsize=7, color="0.4")
        for method, style in (("loso-ridge", ":"), ("within-subject", "--")):
            v = sel[sel.method == method].rmse_deg
            if len(v):
                ax.axhline(v.mean(), color="k", ls=style, lw=1, label=f"{method} (reference)")
        kind, lab = case.split(":")
        where = "a lab never seen" if kind == "lolo" else "a new subject of a known lab"
        ax.set_title(f"{lab}: {where}", fontsize=9)
        ax.set_xlabel("seconds of the subject's walking used")
        ax.set_ylabel("RMSE on later walking (deg)")
        ax.set_ylim(0, top)
        ax.grid(alpha=0.3)
    handles, labels = flat[0].get_legend_handles_labels()
    for ax in flat[len(cases) :]:
        ax.axis("off")
    flat[len(cases)].legend(handles, labels, loc="center", fontsize=9, frameon=False)
    fig.suptitle(
        "knee 100 ms ahead: error on a person's later walking against seconds of "
        "their walking used (mean over subjects)",
        fontsize=10,
    )
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--cross-lab", type=Path, default=Path("runs/cross-lab"))
    parser.add_argument("--inputs", default="legs-sagittal")
    parser.add_argument("--cases", nargs="+", default=list(CASES))
    parser.add_argument("--seconds", type=float, nargs="+", default=list(curve.SECONDS))
    parser.add_argument("--out", type=Path, default=Path("runs/calibration"))
    parser.add_argument("--figure-only", action="store_true", help="redraw from curve.csv")
    args = parser.parse_args(argv)
    if args.figure_only:
        table = pd.read_csv(args.out / "curve.csv")
        print(figure(table[table.method != "done"], args.out / "curve.png"))
        return 0
    logging.getLogger("gaitpredict").setLevel(logging.ERROR)
    warnings.simplefilter("ignore")
    labs = sorted({c.split(":")[1] for c in args.cases})
    corpus = load_corpus([args.data / lab for lab in labs], labelled=True)
    args.out.mkdir(parents=True, exist_ok=True)
    table_path = args.out / "curve.csv"
    rows = pd.read_csv(table_path).to_dict("records") if table_path.is_file() else []
    done = {(r["case"], r["subject"]) for r in rows}

    def emit(new_rows):
        rows.extend(new_rows)
        with replacing(table_path) as tmp:
            pd.DataFrame(rows).to_csv(tmp, index=False)

    bases = BaseModels(args.cross_lab, args.inputs)
    for case in tqdm(args.cases, desc="cases"):
        run_case(case, corpus, bases, args.seconds, done, emit)
    table = pd.DataFrame(rows)
    summary = goals(table)
    write_json(args.out / "summary.json", summary)
    png = figure(table[~table.method.isin(["done"])], args.out / "curve.png")
    print(json.dumps(summary, indent=2))
    print(f"wrote {table_path}, {args.out / 'summary.json'}, {png}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
