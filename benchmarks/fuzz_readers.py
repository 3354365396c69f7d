"""Count how the readers meet damaged copies of real files (the mutation run of issue 10).

    python benchmarks/fuzz_readers.py [--per-kind 40] [--seed 0]

For each format fixture in tests/data/formats and each kind of damage (truncation, flipped
byte, a NaN/inf/1e30/garbage field, a duplicated name or header key, a short row, a wrong
extension), reads `--per-kind` random mutations and prints how many gave a clean error
(a GaitPredictError naming the file), were accepted correctly, gave a raw traceback, or were
silently wrong (see tests/fuzzing.py for the property). Exits 1 if any was raw or wrong.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import warnings
from collections import Counter
from pathlib import Path

import numpy as np
from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.fuzzing import FIXTURES, KINDS, judge, mutate  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-kind", type=int, default=40)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--show", type=int, default=3, help="bad outcomes to print per format")
    parser.add_argument("--formats", nargs="+", default=list(FIXTURES), choices=list(FIXTURES))
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    warnings.simplefilter("ignore")
    total, bad = Counter(), []
    jobs = [(fmt, kind) for fmt in args.formats for kind in KINDS for _ in range(args.per_kind)]
    with tempfile.TemporaryDirectory() as tmp:
        for fmt, kind in tqdm(jobs, desc="mutations", unit="file"):
            m = mutate(fmt, kind, *(int(v) for v in rng.integers(0, 2**31, 3)))
            if m is None:
                continue
            outcome = judge(fmt, m, Path(tmp))
            total[(fmt, outcome.verdict)] += 1
            total[("all", outcome.verdict)] += 1
            if outcome.verdict in ("raw traceback", "silently wrong"):
                bad.append((fmt, m.note, outcome))
    verdicts = ("clean error", "accepted", "raw traceback", "silently wrong")
    print(f"{'format':<8} {'tried':>6} " + " ".join(f"{v:>15}" for v in verdicts))
    for fmt in [*FIXTURES, "all"]:
        tried = sum(total[(fmt, v)] for v in verdicts)
        print(f"{fmt:<8} {tried:>6} " + " ".join(f"{total[(fmt, v)]:>15}" for v in verdicts))
    shown = Counter()
    for fmt, note, outcome in bad:
        if shown[fmt] < args.show:
            shown[fmt] += 1
            print(f"\n[{fmt}] {note}: {outcome.verdict}\n  {outcome.detail.strip()[:400]}")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
