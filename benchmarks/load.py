"""Time to load all 64 CMU walking trials (sha256 check + parse + angle conversion).

Usage: python benchmarks/load.py [--data DIR] [--repeats N]
"""

import argparse
import statistics
import time

from gaitpredict.data.datasets import load_dataset


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", default="cmu-walking")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    for verify in (True, False):
        times = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            ds = load_dataset(args.data) if verify else _no_verify(args.data)
            times.append(time.perf_counter() - start)
        frames = sum(t.n_frames for t in ds.trials)
        print(
            f"load {len(ds.trials)} trials, {frames} frames, sha256 check={verify}: "
            f"median {statistics.median(times):.3f} s, best {min(times):.3f} s "
            f"over {args.repeats} runs"
        )


def _no_verify(data):
    from gaitpredict.data.datasets import find_cmu_walking, load_cmu_walking

    folder = find_cmu_walking(None if data == "cmu-walking" else data)
    return load_cmu_walking(folder, verify=False)


if __name__ == "__main__":
    main()
