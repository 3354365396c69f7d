"""Adding a model, a file format or a report section is one change in one place."""

import json
import re
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest

import gaitpredict.models
from gaitpredict.cli import build_parser
from gaitpredict.data.io import EXTENSIONS, FORMATS, detect_format
from gaitpredict.errors import ConfigError
from gaitpredict.experiments.grid import Grid, run_id
from gaitpredict.report import section_names

from .conftest import FIXTURES, ROOT


def readme_model_file(name: str) -> str:
    """docs/extending.md's `src/gaitpredict/models/flat.py` block, registered as `name`."""
    text = (ROOT / "docs" / "extending.md").read_text()
    block = re.search(r'```python title="src/gaitpredict/models/flat.py"\n(.*?)^\s*```', text,
                      re.S | re.M)  # fmt: skip
    assert block, "docs/extending.md lost its model example"
    code = textwrap.dedent(block.group(1))
    assert '@register_model("flat"' in code
    return code.replace('@register_model("flat"', f'@register_model("{name}"')


def _run(*args, cwd=ROOT):
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, capture_output=True, text=True, timeout=600
    )


@pytest.mark.slow
def test_a_model_file_dropped_into_models_is_picked_up_everywhere(tmp_path):
    name = f"throwaway-{uuid.uuid4().hex[:6]}"
    path = Path(gaitpredict.models.__file__).parent / f"zz_{name.replace('-', '_')}.py"
    path.write_text(readme_model_file(name))
    try:
        helped = _run("-m", "gaitpredict", "train", "--help")
        assert helped.returncode == 0 and name in helped.stdout
        out = tmp_path / "run"
        trained = _run(
            "-m", "gaitpredict", "train", "--model", name, "--inputs", "legs",
            "--window-ms", "250", "--test-subject", "S39", "--max-epochs", "2",
            "--data", str(FIXTURES / "tiny"), "--out", str(out),
        )  # fmt: skip
        assert trained.returncode == 0, trained.stderr
        metrics = json.loads((out / "metrics.json").read_text())
        assert metrics["model"] == name and metrics["epochs_run"] == 2
        exported = _run("-m", "gaitpredict", "export", str(out / "model.pt"), "--onnx",
                        str(tmp_path / "flat.onnx"), "--data", str(FIXTURES / "tiny"))  # fmt: skip
        assert exported.returncode == 0, exported.stderr
        assert "ONNX vs PyTorch (float64) max difference" in exported.stdout
        tests = _run("-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_models.py",
                     "-k", name)  # fmt: skip
        assert tests.returncode == 0, tests.stdout[-2000:]
        # forward, gradient + training, same seed, bfloat16 repeatability: each parametrised
        # over the registry
        assert "4 passed" in tests.stdout, tests.stdout[-2000:]
    finally:
        path.unlink()


def test_a_model_registered_at_run_time_joins_the_cli_and_grids():
    from gaitpredict.models import list_models, register_model, unregister_model
    from gaitpredict.models.config import NetConfig

    name = "throwaway-inline"
    register_model(name, kind="network", config=NetConfig)(lambda spec, cfg: None)
    try:
        assert name in list_models(kind="network")
        assert name in build_parser().format_help() or name in _train_help()
        grid = Grid.from_dict({"blocks": [{"name": "table1", "models": [name, "ridge"]}]})
        runs = grid.expand()
        assert [r.model for r in runs] == [name, "ridge"]
        assert runs[0].model_config["dropout"] == 0.1  # resolved from the model's config
    finally:
        unregister_model(name)
    assert name not in list_models()


def _train_help() -> str:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    return sub.choices["train"].format_help()


def test_stating_a_default_does_not_change_the_run_id():
    plain = Grid.from_dict({"blocks": [{"name": "table1", "models": ["attn-cnn-lstm", "cnn"]}]})
    stated = Grid.from_dict(
        {
            "model_config": {"dropout": 0.1, "attention": "after"},
            "blocks": [{"name": "table1", "models": ["attn-cnn-lstm", "cnn"]}],
        }
    )
    assert [run_id(c) for c in plain.expand()] == [run_id(c) for c in stated.expand()]
    before = Grid.from_dict({"blocks": [{"name": "table1", "models": ["attn-cnn-lstm@before"]}]})
    assert run_id(before.expand()[0]) != run_id(plain.expand()[0])
    assert before.expand()[0].label == "attn-cnn-lstm@before"
    # the attention option belongs to the attention network only
    assert "attention" not in stated.expand()[1].model_config


def test_grids_refuse_unknown_blocks_models_and_options_when_loaded():
    with pytest.raises(ConfigError, match="unknown block 'tabel1'; the report knows .*table1"):
        Grid.from_dict(
            {"blocks": [{"name": "tabel1", "models": ["ridge"]}]}, "g.yaml", section_names()
        )
    with pytest.raises(ConfigError, match="unknown model 'gru'"):
        Grid.from_dict({"blocks": [{"name": "table1", "models": ["gru"]}]}, "g.yaml")
    with pytest.raises(ConfigError, match=r"\['filters'\] belong to no model"):
        Grid.from_dict(
            {"model_config": {"filters": 3}, "blocks": [{"name": "table1", "models": ["cnn"]}]}
        )
    with pytest.raises(ConfigError, match="unknown split 'random'; expected one of loso"):
        Grid.from_dict({"blocks": [{"name": "protocol", "models": ["ridge"],
                                    "splits": ["loso", "random"]}]})  # fmt: skip
    with pytest.raises(ConfigError, match="cnn has no attention placement"):
        Grid.from_dict({"blocks": [{"name": "table1", "models": ["cnn@before"]}]})
    with pytest.raises(ConfigError, match="dropout must be|attention must be one of"):
        Grid.from_dict(
            {"model_config": {"attention": "middle"},
             "blocks": [{"name": "table1", "models": ["attn-cnn-lstm"]}]}
        )  # fmt: skip


def test_the_report_knows_each_block_the_profiles_use():
    for profile in ("quick", "standard", "paper"):
        for block in Grid.load(profile).blocks:
            assert block.name in section_names()


def test_one_table_maps_extensions_to_readers(tmp_path):
    assert EXTENSIONS == {
        ".txt": "cmu", ".bvh": "bvh", ".c3d": "c3d", ".tsv": "qtm",
        ".mot": "opensim", ".sto": "opensim", ".csv": "csv",
    }  # fmt: skip
    assert FORMATS["c3d"].extra == "c3d"
    assert all(callable(f.load_reader()) for f in FORMATS.values() if f.extra is None)
    osim = tmp_path / "ik.csv"
    osim.write_text("name\nendheader\ntime,knee_angle_r\n0,1\n")
    assert detect_format(osim) == "opensim"


def test_train_with_explicit_test_files(tmp_path, capsys):
    from gaitpredict.cli import main
    from gaitpredict.data.datasets import load_dataset

    tiny = load_dataset(FIXTURES / "tiny")
    test_ids = [t.trial_id for t in tiny.trials_of("S39")]
    args = ["train", "--model", "ridge", "--inputs", "legs", "--window-ms", "250",
            "--data", str(FIXTURES / "tiny"), "--out", str(tmp_path / "r")]  # fmt: skip
    assert main([*args, "--test-files", *test_ids]) == 0
    metrics = json.loads((tmp_path / "r" / "metrics.json").read_text())
    config = json.loads((tmp_path / "r" / "config.json").read_text())
    assert metrics["split"] == "files" and config["test_files"] == test_ids
    # 150 frames per trial, 30-frame window, 12-frame horizon: 150 - 30 - 12 + 1 windows each
    assert metrics["n_test_windows"] == 2 * 109
    assert list(metrics["per_subject"]) == ["S39"]
    capsys.readouterr()
    assert main([*args, "--test-files", "S39/nope.csv"]) == 2
    assert "trials not in the dataset: ['S39/nope.csv']" in capsys.readouterr().err


def test_random_windows_split_is_flagged_leaky_and_memorise_exposes_it(tmp_path, capsys):
    from gaitpredict.cli import main
    from gaitpredict.evaluation.predictor import load_predictor

    args = ["train", "--model", "memorise", "--inputs", "legs", "--window-ms", "250",
            "--data", str(FIXTURES / "tiny")]  # fmt: skip
    assert main([*args, "--split", "random-windows", "--out", str(tmp_path / "rw")]) == 0
    assert "LEAKY" in capsys.readouterr().err
    assert main([*args, "--test-subject", "S39", "--out", str(tmp_path / "loso")]) == 0
    leaky = json.loads((tmp_path / "rw" / "metrics.json").read_text())
    honest = json.loads((tmp_path / "loso" / "metrics.json").read_text())
    config = json.loads((tmp_path / "rw" / "config.json").read_text())
    assert leaky["leaky"] is True and config["leaky"] is True and honest["leaky"] is False
    assert leaky["split"] == "random-windows" and leaky["split_name"] == "random-windows (LEAKY)"
    # 6 trials x 109 windows; 20 % test; every subject is in both train and test
    assert leaky["n_test_windows"] == round(6 * 109 * 0.2) and len(leaky["per_subject"]) == 3
    # near-copies of every test window were in training: the lookup looks several times
    # better than on a subject it never saw
    assert leaky["rmse_deg"] < honest["rmse_deg"] / 3
    predictor = load_predictor(tmp_path / "rw" / "model.pt")  # the stored windows reload
    assert predictor.model.starts.shape[0] == leaky["n_train_windows"]
    # it stores frames, not windows: a fraction of the 30 frames of every window
    assert predictor.model.frames.shape[0] < 0.5 * 30 * leaky["n_train_windows"]


def test_an_exportable_network_without_a_head_is_refused_by_name():
    import torch
    from torch import nn

    from gaitpredict.errors import ExportError
    from gaitpredict.models import create_model, register_model, unregister_model
    from gaitpredict.models.config import NetConfig
    from gaitpredict.models.gaitnet import GaitNet
    from gaitpredict.realtime.export import export_bytes
    from gaitpredict.windowing.spec import WindowSpec

    class Headless(nn.Module):
        def __init__(self, n_in, n_out, window):
            super().__init__()
            self.linear = nn.Linear(n_in * window, n_out)

        def forward(self, x, return_attention=False):
            out = self.linear(x.flatten(1))
            return (out, None) if return_attention else out

    name = "throwaway-headless"
    register_model(name, kind="network", config=NetConfig)(
        lambda spec, cfg: GaitNet(Headless(len(spec.inputs), spec.n_outputs,
                                           spec.window_frames), spec, cfg)
    )  # fmt: skip
    try:
        spec = WindowSpec.create("legs", "r_knee_flex", 100, 50, 100.0)
        model = create_model(name, spec)
        assert model(torch.zeros(2, spec.window_frames, len(spec.inputs))).shape == (2, 1)
        with pytest.raises(ExportError, match=f"{name}: registered as exportable, but its "
                           "network has no `head`"):  # fmt: skip
            export_bytes(model, spec, name)
    finally:
        unregister_model(name)


@pytest.fixture
def warmup_field(monkeypatch):
    """`TrainConfig` with one more field, `warmup_epochs`, as if typed into its class body:
    the class is re-made a dataclass in place (and restored after the test)."""
    import dataclasses

    from gaitpredict.options import setting
    from gaitpredict.training.trainer import TrainConfig

    for name in ("__init__", "__repr__", "__eq__"):
        monkeypatch.delattr(TrainConfig, name)
    monkeypatch.setattr(TrainConfig, "__dataclass_fields__", dict(TrainConfig.__dataclass_fields__))
    monkeypatch.setattr(
        TrainConfig, "__annotations__", {**TrainConfig.__annotations__, "warmup_epochs": "int"}
    )
    monkeypatch.setattr(
        TrainConfig, "warmup_epochs", setting(0, "epochs at a lower learning rate"), raising=False
    )
    dataclasses.dataclass(TrainConfig)
    assert "warmup_epochs" in {f.name for f in dataclasses.fields(TrainConfig)}
    return "warmup_epochs"


def test_a_new_train_field_is_an_option_a_grid_key_and_in_config_json(warmup_field, tmp_path):
    from gaitpredict.cli import main
    from gaitpredict.cli.options import run_config_from_args

    assert "--warmup-epochs" in _train_help() and "epochs at a lower learning rate" in _train_help()
    args = build_parser().parse_args(
        ["train", "--model", "ridge", "--test-subject", "S39", "--warmup-epochs", "3",
         "--out", str(tmp_path / "x")]
    )  # fmt: skip
    assert run_config_from_args(args).train.warmup_epochs == 3
    blocks = [{"name": "table1", "models": ["ridge"]}]
    grid = Grid.from_dict({"train": {"warmup_epochs": 3}, "blocks": blocks})
    plain = Grid.from_dict({"blocks": blocks})
    assert grid.expand()[0].train.warmup_epochs == 3
    assert run_id(grid.expand()[0]) != run_id(plain.expand()[0])  # it identifies the run
    out = tmp_path / "run"
    assert main(["train", "--model", "ridge", "--inputs", "legs", "--window-ms", "250",
                 "--test-subject", "S39", "--warmup-epochs", "3", "--data",
                 str(FIXTURES / "tiny"), "--out", str(out)]) == 0  # fmt: skip
    assert json.loads((out / "config.json").read_text())["train"]["warmup_epochs"] == 3


def test_a_new_split_is_one_entry(tmp_path, capsys):
    """A split registered at run time is a `--split` choice, a grid split, a runnable run
    and a report label, with no other edit."""
    from gaitpredict.cli import main
    from gaitpredict.windowing.splits import (
        Split,
        list_splits,
        register_split,
        unregister_split,
    )

    def first_subject_tests(dataset, run):
        first = sorted(dataset.subjects)[0]
        return Split("first-subject", [t for t in dataset.trials if t.subject != first],
                     dataset.trials_of(first), test_subject=first)  # fmt: skip

    register_split("first-subject", first_subject_tests, label="the first subject tests",
                   description="the first subject by name tests")  # fmt: skip
    try:
        assert "first-subject" in list_splits() and "first-subject" in _train_help()
        grid = Grid.from_dict(
            {"blocks": [{"name": "protocol", "models": ["ridge"],
                         "splits": ["loso", "first-subject"]}]}, "g.yaml", section_names(),
        )  # fmt: skip
        assert [r.split for r in grid.expand()] == ["loso", "first-subject"]
        out = tmp_path / "run"
        assert main(["train", "--model", "ridge", "--inputs", "legs", "--window-ms", "250",
                     "--split", "first-subject", "--data", str(FIXTURES / "tiny"),
                     "--out", str(out)]) == 0  # fmt: skip
        metrics = json.loads((out / "metrics.json").read_text())
        assert metrics["split"] == "first-subject" and list(metrics["per_subject"]) == ["S08"]
        from gaitpredict.report.registry import describe

        block = grid.blocks[0]
        block.split = "first-subject"
        assert "the first subject by name tests" in describe(block)
    finally:
        unregister_split("first-subject")
    assert "first-subject" not in list_splits()


def test_a_new_format_is_one_entry(monkeypatch, tmp_path):
    """A `Format` added to FORMATS (with the extension table derived from it, as at import)
    is detected, read by its reader with the package's checks, and found in folders."""
    from gaitpredict.data import io
    from gaitpredict.data.datasets import load_dataset
    from gaitpredict.errors import GaitDataError

    new = io.Format("angles", (".ang",), "table:read_csv_angles", None, "CSV angles, .ang")
    monkeypatch.setitem(io.FORMATS, "angles", new)
    monkeypatch.setattr(io, "EXTENSIONS", {e: f.name for f in io.FORMATS.values()
                                           for e in f.extensions})  # fmt: skip
    text = (FIXTURES / "formats" / "walking.csv").read_text()
    (tmp_path / "S1").mkdir()
    (tmp_path / "S1" / "w.ang").write_text(text)
    assert io.detect_format(tmp_path / "S1" / "w.ang") == "angles"
    trial = io.read_trial(tmp_path / "S1" / "w.ang")
    assert trial.n_frames == 30 and "r_knee_flex" in trial.channels
    assert load_dataset(tmp_path).subjects == {"S1": 1}
    lines = text.splitlines()
    time_s, *angles = lines[5].split(",")  # frame 4: its angles impossible, its time kept
    lines[5] = ",".join([time_s] + ["4044"] * len(angles))
    (tmp_path / "bad.ang").write_text("\n".join(lines) + "\n")
    with pytest.raises(GaitDataError, match="bad.ang, frame 4"):  # the package's checks hold
        io.read_trial(tmp_path / "bad.ang")
