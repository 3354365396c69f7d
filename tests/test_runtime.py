"""The runtime without PyTorch: `pip install gaitpredict` (no extras) into a fresh virtual
environment predicts, streams with online adaptation, times a push and runs an online model
on the shipped ONNX files, and refuses what needs the train extra by naming it.

The environment is built once for this module (about a minute: the runtime's wheels come
from the package index, as a user's would) from a copy of the package's sources, installed
as a wheel, so the test also finds a shipped file the wheel leaves out."""

from __future__ import annotations

import json
import shutil
import subprocess
import venv
from pathlib import Path

import numpy as np
import pytest

from .conftest import FIXTURES, ROOT

S16 = sorted((FIXTURES / "tiny" / "S16").glob("*.csv"))  # 2 x 150 frames of CMU walking
LEGS = "knee-100ms-legs"


@pytest.fixture(scope="module")
def runtime(tmp_path_factory) -> Path:
    """The bin folder of a virtual environment holding gaitpredict and its dependencies
    only."""
    root = tmp_path_factory.mktemp("runtime")
    source = root / "source"  # a copy: building the wheel writes nothing into the checkout
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "src", source / "src",
                    ignore=shutil.ignore_patterns("*.egg-info", "__pycache__"))  # fmt: skip
    venv.create(root / "venv", with_pip=True)
    bin_dir = root / "venv" / "bin"
    done = subprocess.run(
        [bin_dir / "python", "-m", "pip", "install", "-q", str(source)],
        capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return bin_dir


def _run(bin_dir: Path, *args, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([bin_dir / "gaitpredict", *map(str, args)], capture_output=True,
                          text=True, timeout=300, cwd=cwd)  # fmt: skip


def test_the_runtime_has_no_torch(runtime):
    probe = "import importlib.util as u; print(u.find_spec('torch') is None)"
    out = subprocess.run([runtime / "python", "-c", probe], capture_output=True, text=True)
    assert out.stdout.strip() == "True", out.stderr


def test_predict_without_torch_is_the_checkpoint_within_the_export_tolerance(runtime):
    from gaitpredict.data.io import read_trial
    from gaitpredict.evaluation.predictor import load_predictor
    from gaitpredict.realtime.export import PARITY_TOLERANCE_DEG

    done = _run(runtime, "predict", S16[0], "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["model"] == LEGS  # chosen for the recording's channels, by its card
    assert result["per_file"][0]["frames"] > 100 and result["rmse_deg"] > 0
    # the same recording through the shipped PyTorch checkpoint in float64, here
    reference = load_predictor(LEGS, backend="torch").predict_trial(read_trial(S16[0]))
    truth = reference["r_knee_flex_true_deg"].to_numpy()
    pred = reference["r_knee_flex_pred_deg"].to_numpy()
    ok = np.isfinite(truth) & np.isfinite(pred)
    rmse = float(np.sqrt(np.mean((pred[ok] - truth[ok]) ** 2)))
    assert abs(result["rmse_deg"] - rmse) <= PARITY_TOLERANCE_DEG


def test_stream_adapts_without_torch_and_its_state_loads_on_the_checkpoint(runtime, tmp_path):
    from gaitpredict.realtime.streaming import StreamingPredictor

    saved = tmp_path / "wearer.json"
    done = _run(runtime, "stream", LEGS, "--replay", *S16, "--adapt", "--save-adaptation",
                saved, cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["backend"] == "onnx" and result["predictions"] > 150
    assert result["adaptation"]["updates"] > 0
    # the calibration travels in the ONNX file: 90 % intervals by default
    assert 0.5 < result["coverage"] <= 1.0 and result["mean_width_deg"] > 0
    # what it learned belongs to the same network whether it ran from ONNX or the checkpoint
    sp = StreamingPredictor.from_pretrained(LEGS, backend="torch", adapt=True)
    sp.load_adaptation(saved)
    assert sp.adapter.updates == result["adaptation"]["updates"]


def test_an_online_model_and_the_latency_benchmark_run_without_torch(runtime, tmp_path):
    import pandas as pd

    done = _run(runtime, "stream", "adaptive-oscillator", "--replay", *S16, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["predictions"] > 150
    # the benchmark replays a recording at the model's rate: S16's walk at 100 Hz
    table = pd.read_csv(S16[0])
    time_s = np.arange(0, table.time_s.iloc[-1], 0.01)
    at_100 = pd.DataFrame({c: np.interp(time_s, table.time_s, table[c]) for c in table})
    at_100.to_csv(tmp_path / "walk_100hz.csv", index=False)
    done = _run(runtime, "bench-latency", LEGS, "--data", tmp_path / "walk_100hz.csv",
                "--pushes", "10000", "--json")  # fmt: skip
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout)
    assert figures["backend"] == "onnx" and figures["floor_us"] > 0  # FLOPs from the file
    assert figures["model_call"]["p50_us"] <= figures["p50_us"]


def test_what_needs_torch_is_refused_naming_the_extra(runtime, tmp_path):
    for args in (["train", "--data", FIXTURES / "tiny"], ["export", "m.pt", "m.onnx"],
                 ["reproduce", "--profile", "quick"]):  # fmt: skip
        done = _run(runtime, *args)
        assert done.returncode == 2
        assert "pip install 'gaitpredict[train]'" in done.stderr and "Traceback" not in done.stderr
    done = _run(runtime, "predict", S16[0], "--model", "ridge")  # a baseline by name
    assert done.returncode == 2 and "gaitpredict[train]" in done.stderr, done.stderr
    checkpoint = tmp_path / "model.pt"
    checkpoint.write_bytes(b"not read")
    done = _run(runtime, "predict", S16[0], "--model", checkpoint)
    assert done.returncode == 2 and "a PyTorch checkpoint" in done.stderr, done.stderr
    assert "gaitpredict[train]" in done.stderr and "Traceback" not in done.stderr


def test_the_python_api_without_torch(runtime):
    code = (
        "from gaitpredict import StreamingPredictor, load_predictor, read_trial\n"
        f"t = read_trial({str(S16[0])!r})\n"
        f"p = load_predictor({LEGS!r}).predict(t)\n"
        f"sp = StreamingPredictor.from_pretrained({LEGS!r}, adapt=True)\n"
        "x = t.select(list(sp.channels)).angles_deg\n"
        "got = [sp.push(f, i / 120) for i, f in enumerate(x)]\n"
        "import sys; print(sum(g is not None for g in got), int((p == p).all(1).sum()),"
        " 'torch' in sys.modules)\n"
    )  # fmt: skip
    out = subprocess.run([runtime / "python", "-c", code], capture_output=True, text=True,
                         timeout=120)  # fmt: skip
    assert out.returncode == 0, out.stderr
    streamed, offline, imported = out.stdout.split()
    assert int(streamed) > 50 and int(offline) > 60 and imported == "False"


def test_predict_imports_neither_torch_nor_pandas(runtime):
    """What `predict` costs to start is what it imports: the runtime's reads a recording
    and scores it with numpy alone (pandas costs about half a second to import)."""
    code = (
        "import sys\nfrom gaitpredict.cli import main\n"
        f"code = main(['predict', {str(S16[0])!r}, '--json'])\n"
        "print(code, 'torch' in sys.modules, 'pandas' in sys.modules, file=sys.stderr)\n"
    )
    out = subprocess.run([runtime / "python", "-c", code], capture_output=True, text=True,
                         timeout=120)  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["per_file"][0]["frames"] > 100
    assert out.stderr.split()[-3:] == ["0", "False", "False"], out.stderr
