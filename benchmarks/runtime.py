"""The runtime without PyTorch against the full install: installed size, and the wall time of
`gaitpredict predict` for one recording, side by side in alternating rounds.

    python benchmarks/runtime.py --runtime /tmp/rt --full /tmp/full \\
        [--previous /tmp/old/src] [--recording FILE] [--rounds 3]

`--runtime` and `--full` are virtual environments with `pip install gaitpredict` and
`pip install 'gaitpredict[train]'` (this checkout: `pip install .`); `--previous` is the
`src/` of an earlier version's checkout (a git worktree), run by the full environment's
Python. Each round runs every command once, in turn; a ratio is the median of the paired
per-round ratios, with their range. `import torch` is timed too: what a runtime with
PyTorch would pay before its first prediction; and so is a stream's first prediction from a
fresh process (import, load the shipped ONNX file, push one window of frames), in the
runtime. The shipped files' total size is printed.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from gaitpredict.evaluation.machine import cpu_description  # noqa: E402

RECORDING = "../shared/data/opencap_walking/opencap_walking1.csv"  # 61.8 s of walking


def size_mb(venv: Path) -> float:
    files = (p for p in venv.rglob("*") if p.is_file() and not p.is_symlink())
    return sum(p.stat().st_size for p in files) / 2**20


def wall_s(command: list[str], env: dict | None = None) -> float:
    t0 = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    elapsed = time.perf_counter() - t0
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed: {done.stderr[-2000:]}")
    return elapsed


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runtime", type=Path, required=True)
    ap.add_argument("--full", type=Path, required=True)
    ap.add_argument("--previous", type=Path, default=None, help="an earlier version's src/")
    ap.add_argument("--recording", default=RECORDING)
    ap.add_argument("--model", default="knee-100ms-legs")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args(argv)
    predict = ["predict", args.recording, "--model", args.model]
    first = (
        "import numpy as np\n"
        "from gaitpredict import StreamingPredictor\n"
        f"sp = StreamingPredictor.from_pretrained({args.model!r})\n"
        "x = np.full(len(sp.channels), 20.0)\n"
        "assert [sp.push(x) for _ in range(sp.spec.window_frames)][-1] is not None\n"
    )
    commands = {
        "runtime": ([str(args.runtime / "bin" / "gaitpredict"), *predict], None),
        "first push": ([str(args.runtime / "bin" / "python"), "-c", first], None),
        "full": ([str(args.full / "bin" / "gaitpredict"), *predict], None),
        "import torch": ([str(args.full / "bin" / "python"), "-c", "import torch"], None),
    }
    if args.previous is not None:
        env = {**os.environ, "PYTHONPATH": str(args.previous)}
        python = str(args.full / "bin" / "python")
        commands["previous"] = ([python, "-m", "gaitpredict", *predict], env)
    times = {name: [] for name in commands}
    for _ in range(args.rounds):
        for name, (command, env) in commands.items():
            times[name].append(wall_s(command, env))
    print(f"CPU: {cpu_description()}")
    print(f"installed: runtime {size_mb(args.runtime):,.0f} MB, full {size_mb(args.full):,.0f} MB")
    shipped = Path(__file__).resolve().parents[1] / "src" / "gaitpredict" / "pretrained"
    weights = sum(p.stat().st_size for p in shipped.iterdir() if p.suffix in (".pt", ".onnx"))
    print(f"shipped weights (.pt and .onnx, {len(list(shipped.glob('*.onnx')))} models): "
          f"{weights:,} bytes")  # fmt: skip
    print(f"`gaitpredict {' '.join(predict)}` (first push: a stream's first prediction from a "
          "fresh runtime process), wall time per round (s):")  # fmt: skip
    for name, values in times.items():
        print(f"  {name:<13} {', '.join(f'{v:.2f}' for v in values)}")
    for other in [n for n in ("full", "previous") if n in times]:
        ratios = np.array(times[other]) / np.array(times["runtime"])
        spread = f"[{ratios.min():.2f}, {ratios.max():.2f}]"
        print(f"  {other} / runtime: median {np.median(ratios):.2f}x {spread} over "
              f"{args.rounds} paired rounds")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
