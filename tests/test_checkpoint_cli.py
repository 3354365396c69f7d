"""Checkpoints reload identically in a fresh process; the train/evaluate commands work."""

import json
import subprocess
import sys

import numpy as np
import pytest
import torch

from gaitpredict.cli import main
from gaitpredict.data.trial import Trial
from gaitpredict.errors import ChannelError, CheckpointError, LeakageError, RateMismatchError
from gaitpredict.evaluation.predictor import Predictor, load_predictor
from gaitpredict.models import create_model
from gaitpredict.training.checkpoint import load_checkpoint, save_checkpoint
from gaitpredict.windowing.spec import WindowSpec


@pytest.fixture(scope="module")
def trained_run(tiny_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    code = main(
        [
            "train",
            "--model",
            "attn-cnn-lstm",
            "--inputs",
            "legs",
            "--test-subject",
            "S08",
            "--max-epochs",
            "2",
            "--window-ms",
            "250",
            "--data",
            str(tiny_dir),
            "--out",
            str(out),
        ]
    )
    assert code == 0
    return out


def test_train_writes_the_run_folder(trained_run):
    for name in (
        "config.json",
        "model.pt",
        "metrics.json",
        "loss.csv",
        "loss.png",
        "predictions.csv",
        "predictions.png",
    ):
        assert (trained_run / name).is_file(), name
    metrics = json.loads((trained_run / "metrics.json").read_text())
    assert metrics["test_subject"] == "S08" and metrics["epochs_run"] == 2
    # S08's two trials of 150 frames, 30-frame windows, 12 frames ahead: 109 windows each
    assert 0 < metrics["rmse_deg"] < 30 and metrics["n_test_windows"] == 2 * 109
    config = json.loads((trained_run / "config.json").read_text())
    assert config["spec"]["inputs"][0] == "l_hip_flex" and config["horizon_ms"] == 100


def test_checkpoint_predicts_the_same_in_a_fresh_process(trained_run, walk):
    predictor = load_predictor(trained_run / "model.pt")
    angles, fresh_out = trained_run / "angles.npy", trained_run / "fresh.npy"
    np.save(angles, walk.select(predictor.channels).angles_deg)
    pred = predictor.predict(np.load(angles))
    script = (  # with this process's thread count: sums then add up in the same order
        f"import torch; torch.set_num_threads({torch.get_num_threads()}); "
        "import numpy as np; from gaitpredict import load_predictor; "
        f"p = load_predictor(r'{trained_run / 'model.pt'}'); "
        f"np.save(r'{fresh_out}', p.predict(np.load(r'{angles}')))"
    )
    subprocess.run([sys.executable, "-c", script], check=True)
    fresh = np.load(trained_run / "fresh.npy")
    assert np.isnan(pred[:29]).all() and np.isfinite(pred[29:]).all()
    # equal to float64 rounding: the math library may round a product's last bit differently
    # with the arrays at another memory alignment (seen here: 3 of 150 values, 7e-15 deg)
    np.testing.assert_allclose(pred, fresh, rtol=0, atol=1e-12)


def test_evaluate_matches_training_metrics(trained_run, tiny_dir, capsys):
    assert (
        main(
            [
                "evaluate",
                str(trained_run / "model.pt"),
                "--data",
                str(tiny_dir),
                "--subject",
                "S08",
                "--json",
            ]
        )
        == 0
    )
    result = json.loads(capsys.readouterr().out)
    metrics = json.loads((trained_run / "metrics.json").read_text())
    assert result["rmse_deg"] == pytest.approx(metrics["rmse_deg"], rel=1e-5)
    assert result["n_windows"] == metrics["n_test_windows"]


def test_predictor_refuses_missing_channels_filtered_input_and_rates_out_of_range(
    trained_run, walk
):
    predictor = load_predictor(trained_run / "model.pt")
    with pytest.raises(ChannelError, match="r_knee_flex"):
        predictor.predict(walk.select(["l_hip_flex"]))
    with pytest.raises(LeakageError, match="sees the future"):
        predictor.predict(walk.resample(60))
    x = walk.select(list(predictor.channels)).angles_deg
    with pytest.raises(RateMismatchError, match="data: 40 Hz.*model at 120 Hz accepts 60-1200"):
        predictor.predict(x[::3], rate_hz=40.0)


def test_other_rates_are_converted_causally(trained_run, tmp_path, walk, capsys):
    from gaitpredict.data.io.bvh import write_bvh

    predictor = load_predictor(trained_run / "model.pt")
    x = walk.select(list(predictor.channels)).angles_deg
    at_60 = predictor.predict(x[::2], rate_hz=60.0)  # every other frame: a 60 Hz recording
    assert at_60.shape[0] == 2 * (len(x[::2]) - 1) + 1  # the 120 Hz grid over the same span
    changed = x[::2].copy()
    changed[40:] += 30.0  # frames after 40 / 60 s
    after = predictor.predict(changed, rate_hz=60.0)
    t = np.arange(len(at_60)) / 120.0
    before = t < 40 / 60.0 - 1e-9
    np.testing.assert_array_equal(after[before], at_60[before])
    assert not np.allclose(after[~before][-50:], at_60[~before][-50:])
    slow = Trial(walk.angles_deg[::2], walk.channels, 60.0, trial_id="slow")
    write_bvh(slow, tmp_path / "slow.bvh")
    assert main(["evaluate", str(trained_run / "model.pt"), str(tmp_path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["n_trials"] == 1


def test_baseline_checkpoints_have_the_same_format(tmp_path):
    spec = WindowSpec.create("r_knee_flex", "r_knee_flex", 50, 30, 100.0)
    save_checkpoint(tmp_path / "h.pt", create_model("hold", spec), "hold", {}, spec)
    model, spec2, payload = load_checkpoint(tmp_path / "h.pt")
    assert payload["model_name"] == "hold" and spec2 == spec
    x = torch.arange(5.0).reshape(1, 5, 1)
    assert Predictor(model, spec2).predict_windows(x.numpy())[0, 0] == 4.0


def test_corrupt_and_foreign_checkpoints(tmp_path):
    (tmp_path / "bad.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(CheckpointError, match="not a gaitpredict checkpoint"):
        load_checkpoint(tmp_path / "bad.pt")
    torch.save({"format_version": 99}, tmp_path / "future.pt")
    with pytest.raises(CheckpointError, match="format 99"):
        load_checkpoint(tmp_path / "future.pt")


@pytest.fixture()
def small_checkpoint(tmp_path):
    from gaitpredict.models import create_model
    from gaitpredict.training.checkpoint import save_checkpoint
    from gaitpredict.windowing.spec import WindowSpec

    spec = WindowSpec.create("legs", "r_knee_flex", 250, 100, 120.0)
    model = create_model("cnn", spec)
    path = save_checkpoint(tmp_path / "ok.pt", model, "cnn", {}, spec)
    return path, torch.load(path, weights_only=True)


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda p: p["state_dict"]["net.conv.weight"].fill_(float("nan")),
         r"non-finite weights in \['net.conv.weight'\]"),
        (lambda p: p.update(model_name="lstm"), "weights do not fit a lstm"),
        (lambda p: p.update(model_name="gru"), "unknown model 'gru'"),
        (lambda p: p["spec"].pop("inputs"), r"missing or malformed \['spec.inputs'\]"),
        (lambda p: p["spec"].update(inputs=["r_kne"]),
         "r_kne"),
        (lambda p: p["spec"].update(rate_hz=float("nan")), "must be finite"),
        (lambda p: p.update(model_config={"bogus": 1}), r"unknown model option\(s\) \['bogus'\]"),
        (lambda p: p.update(state_dict="weights"), "not a mapping of tensors"),
        (lambda p: p.pop("model_name"), r"missing or malformed \['model_name'\]"),
    ],
)  # fmt: skip
def test_every_damaged_checkpoint_is_a_checkpoint_error(small_checkpoint, tmp_path, damage,
                                                        message):  # fmt: skip
    path, payload = small_checkpoint
    damage(payload)
    torch.save(payload, tmp_path / "bad.pt")
    with pytest.raises(CheckpointError, match=message) as info:
        load_checkpoint(tmp_path / "bad.pt")
    assert "bad.pt" in str(info.value)
    load_checkpoint(path)  # the undamaged one still loads


def test_checkpoints_cannot_run_code_and_old_ones_load(small_checkpoint, tmp_path):
    import os

    path, payload = small_checkpoint

    class Evil:
        def __reduce__(self):
            return (os.system, ("touch " + str(tmp_path / "pwned"),))

    torch.save({**payload, "extra": Evil()}, tmp_path / "evil.pt")
    with pytest.raises(CheckpointError, match="not a gaitpredict checkpoint"):
        load_checkpoint(tmp_path / "evil.pt")
    assert not (tmp_path / "pwned").exists()
    old = {**payload, "versions": {"torch": torch.__version__}}  # a TorchVersion, as 0.1 wrote
    torch.save(old, tmp_path / "old.pt")
    load_checkpoint(tmp_path / "old.pt")
