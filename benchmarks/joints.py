"""The table that decides, per joint and horizon: on every lab left out, legs-sagittal
inputs, the network and ridge trained on the other labs, the lab's own leave-one-subject-out
ridge and network (where the results hold it), hold and const-velocity; over all subjects,
the network against ridge trained on the same labs (like for like) and against each lab's own
ridge and network, paired by subject, Holm-corrected over every joint, horizon and
comparison; then a compact joint x horizon summary.

    python benchmarks/joints.py --cross-lab runs/cross-lab [--horizons-ms 50 100 150 200]
        [--out runs/joints]

after `gaitpredict reproduce --grid benchmarks/grids/lolo-{knee,ankle,hip}.yaml --data
../shared/data --out runs/cross-lab` (the cross-lab profile's legs-sagittal runs of each
joint at 100 ms), `lolo-joints-in-lab.yaml` (adds each lab's own network for the three
joints) and `lolo-knee-horizons.yaml` (the knee at 50, 150 and 200 ms). Without
`--horizons-ms`, every horizon the results hold. Prints Markdown tables and writes
`joints.json` (keyed `<target>@<horizon>ms`).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from gaitpredict.atomic import write_json  # noqa: E402
from gaitpredict.evaluation.stats import compare_by_subject, holm_family  # noqa: E402
from gaitpredict.report.crosslab import (  # noqa: E402
    NET_LOLO,
    NET_OWN,
    RIDGE_LOLO,
    RIDGE_OWN,
    _paired,
    table_for,
)

INPUTS = "legs-sagittal"
SHOWN = (NET_LOLO, RIDGE_LOLO, RIDGE_OWN, NET_OWN, "hold", "const-velocity")
GOAL = 1.15  # issue 22: at most this times the lab's own ridge (CMU and McGill)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cross-lab", type=Path, default=Path("runs/cross-lab"))
    ap.add_argument("--out", type=Path, default=Path("runs/joints"))
    ap.add_argument("--horizons-ms", type=float, nargs="*", default=None)
    args = ap.parse_args(argv)
    rows = pd.read_csv(args.cross_lab / "results.csv", dtype={"test_subject": str})
    rows = rows[(rows.inputs == INPUTS) & (rows.split.isin(["lolo", "subject-folds"]))]
    horizons = sorted(args.horizons_ms or rows.horizon_ms.unique())
    order = sorted(rows.target.unique(), key=lambda t: ("knee" not in t, "ankle" not in t, t))
    cases = [
        (t, h)
        for t in order
        for h in horizons
        if ((rows.target == t) & (rows.horizon_ms == h) & (rows.split == "lolo")).any()
    ]
    family, report = [], {}
    for target, horizon in cases:
        key = f"{target}@{horizon:g}ms"
        sel = rows[(rows.target == target) & (rows.horizon_ms == horizon)]
        labs = sorted(sel.test_lab.dropna().unique())
        _, cells = table_for(sel, labs)
        print(f"\n### {target}, {horizon:g} ms ahead, {INPUTS} inputs\n")
        own_net = any(cells[lab, NET_OWN] for lab in labs)
        shown = SHOWN if own_net else tuple(h for h in SHOWN if h != NET_OWN)
        print("| lab | subjects | " + " | ".join(shown) + " | network / own ridge |"
              + (" network / own network |" if own_net else ""))  # fmt: skip
        print("|---|---" + "|---" * (len(shown) + 1 + own_net) + "|")
        per_lab = {}
        for lab in labs:
            means = {h: np.mean(list(cells[lab, h].values())) if cells[lab, h] else np.nan
                     for h in SHOWN}  # fmt: skip
            ratio = means[NET_LOLO] / means[RIDGE_OWN]
            net_ratio = means[NET_LOLO] / means[NET_OWN]
            n = max(len(cells[lab, h]) for h in SHOWN)
            per_lab[lab] = {h: round(float(v), 3) for h, v in means.items()}
            per_lab[lab] |= {"subjects": n, "network_over_own_ridge": round(float(ratio), 3),
                             "network_over_own_network": round(float(net_ratio), 3)}  # fmt: skip
            print(f"| {lab} | {n} | " + " | ".join(_f(means[h]) for h in shown)
                  + f" | {_f(ratio)}x |" + (f" {_f(net_ratio)}x |" if own_net else ""))  # fmt: skip
        for against in (RIDGE_LOLO, RIDGE_OWN) + ((NET_OWN,) if own_net else ()):
            diffs, a, b = _paired(cells, labs, NET_LOLO, against)
            family.append((key, against, compare_by_subject(diffs), a, b))
        report[key] = {"target": target, "horizon_ms": horizon, "per_lab": per_lab}
    corrected = holm_family([c for *_, c, _, _ in family])
    print(f"\nOver all subjects, the network with the lab left out against (Holm over "
          f"{len(family)} comparisons):\n")  # fmt: skip
    print("| joint, horizon | against | subjects | network | against | median difference "
          "[95 % CI] | network lower for | Holm p |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|")
    for (key, against, _, a, b), c in zip(family, corrected, strict=True):
        case = key.replace("@", ", ").replace("ms", " ms")
        if not c.n:  # a grid still running
            print(f"| {case} | {against} | 0 | – | – | – | – | – |")
            continue
        ci = f"[{c.ci_low:+.2f}, {c.ci_high:+.2f}]"
        print(f"| {case} | {against} | {c.n} | {a:.2f} | {b:.2f} | "
              f"{c.median_diff:+.2f} {ci} | {c.wins} of {c.n} | {c.p_holm:.3g} |")  # fmt: skip
        report[key][against] = {
            "subjects": c.n, "network_mean_deg": round(a, 3), "other_mean_deg": round(b, 3),
            "median_diff_deg": round(c.median_diff, 3), "ci": [round(c.ci_low, 3),
            round(c.ci_high, 3)], "wins": c.wins, "p_holm": c.p_holm,
        }  # fmt: skip
    print("\nSummary (mean over all subjects of the labs left out, deg; like for like: the "
          "network against ridge on the same labs):\n")  # fmt: skip
    print("| joint | horizon | network | ridge | hold | const-velocity | network vs ridge "
          "(median [95 % CI], Holm p) | network / own ridge, CMU | McGill |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|")
    for entry in report.values():
        if RIDGE_LOLO not in entry:
            continue
        like = entry[RIDGE_LOLO]
        scale = {h: _over_subjects(entry["per_lab"], h) for h in ("hold", "const-velocity")}
        ratios = [entry["per_lab"].get(lab, {}).get("network_over_own_ridge", np.nan)
                  for lab in ("cmu_walking", "mcgill_walking")]  # fmt: skip
        print(f"| {entry['target']} | {entry['horizon_ms']:g} ms | "
              f"{like['network_mean_deg']:.2f} | {like['other_mean_deg']:.2f} | "
              f"{_f(scale['hold'])} | {_f(scale['const-velocity'])} | "
              f"{like['median_diff_deg']:+.2f} [{like['ci'][0]:+.2f}, {like['ci'][1]:+.2f}], "
              f"{like['p_holm']:.2g} | {_f(ratios[0])}x | {_f(ratios[1])}x |")  # fmt: skip
    for key, entry in report.items():
        for lab in ("cmu_walking", "mcgill_walking"):
            r = entry["per_lab"].get(lab, {}).get("network_over_own_ridge")
            if r is not None and np.isfinite(r):
                verdict = "meets" if r <= GOAL else "misses"
                print(f"{key}, {lab}: network left out {r:.2f}x its own ridge ({verdict} "
                      f"the {GOAL}x goal)")  # fmt: skip
    args.out.mkdir(parents=True, exist_ok=True)
    write_json(args.out / "joints.json", report)
    for target in order:
        entries = [e for e in report.values() if e["target"] == target and RIDGE_LOLO in e]
        if len(entries) > 1:
            png = args.out / f"{target}_horizons.png"
            _plot_horizons(target, entries, png)
            print(f"wrote {png}")
    return 0


def _plot_horizons(target: str, entries: list[dict], path: Path) -> None:
    """Mean RMSE over all subjects of the labs left out against the horizon, per model."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    h = [e["horizon_ms"] for e in entries]
    lines = {
        "network, lab left out": [e[RIDGE_LOLO]["network_mean_deg"] for e in entries],
        "ridge, lab left out": [e[RIDGE_LOLO]["other_mean_deg"] for e in entries],
        "hold": [_over_subjects(e["per_lab"], "hold") for e in entries],
        "const-velocity": [_over_subjects(e["per_lab"], "const-velocity") for e in entries],
    }
    styles = {"network, lab left out": ("tab:blue", "o-"), "ridge, lab left out":
              ("tab:orange", "s-"), "hold": ("tab:brown", "^--"),
              "const-velocity": ("tab:pink", "v--")}  # fmt: skip
    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    for name, ys in lines.items():
        color, style = styles[name]
        ax.plot(h, ys, style, color=color, label=name)
    n = entries[0][RIDGE_LOLO]["subjects"]
    ax.set_xlabel("horizon (ms ahead)")
    ax.set_ylabel("RMSE (deg), mean over subjects")
    ax.set_xticks(h)
    ax.set_title(f"{target} on labs left out ({INPUTS}, {n} subjects)", fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _over_subjects(per_lab: dict, heading: str) -> float:
    """The mean over all subjects of a column's per-lab means (weighted by subjects)."""
    pairs = [(v[heading], v["subjects"]) for v in per_lab.values() if np.isfinite(v[heading])]
    n = sum(k for _, k in pairs)
    return sum(m * k for m, k in pairs) / n if n else np.nan


def _f(value) -> str:
    return "–" if not np.isfinite(value) else f"{value:.2f}"


if __name__ == "__main__":
    raise SystemExit(main())
