"""Registry-driven: every registered model must do what every model must do."""

import os

import numpy as np
import pytest
import torch

from gaitpredict.models import create_model, list_models, model_info
from gaitpredict.training.trainer import TrainConfig, fit_normalisation, seed_everything, train
from gaitpredict.windowing.spec import WindowSpec
from gaitpredict.windowing.windows import Windows

NETWORKS = list_models(kind="network")
# online models predict whole recordings: tests/test_online_models.py
WINDOWED = [m for m in list_models() if not model_info(m).online]
VARIANTS = [(m, {}) for m in WINDOWED] + [
    (m, {"attention": "before"}) for m in list_models() if model_info(m).attention
]


@pytest.fixture(scope="module")
def small(tiny):
    spec = WindowSpec.create("legs", "r_knee_flex", 250, 100, 120.0)
    return spec, Windows(tiny.trials[:4], spec), Windows(tiny.trials[4:], spec)


def test_registry_lists_the_paper_models_and_baselines():
    assert {"cnn", "lstm", "cnn-lstm", "attn-cnn-lstm"} <= set(NETWORKS)
    assert list_models(kind="baseline") == ["const-velocity", "hold", "memorise", "ridge"]
    assert list_models(kind="online") == ["adaptive-oscillator", "phase-template"]
    assert [m for m in list_models() if model_info(m).attention] == ["attn-cnn-lstm"]
    assert [m for m in list_models() if model_info(m).fits] == ["memorise", "ridge"]
    assert all(model_info(m).trainable and model_info(m).exportable for m in NETWORKS)


@pytest.mark.parametrize("name, cfg", VARIANTS, ids=lambda v: str(v))
def test_forward_shape_no_nan_and_attention(small, name, cfg):
    spec, train_w, val_w = small
    model = create_model(name, spec, **cfg)
    if model_info(name).fits:
        model.fit(*train_w.all(), *val_w.all())
    x, _ = train_w.batch(torch.arange(16))
    y, weights = model(x, return_attention=True)
    assert y.shape == (16, 1) and torch.isfinite(y).all()
    if model_info(name).attention:
        expected = (16, len(spec.inputs)) if cfg else (16, spec.window_frames // 2)
        assert weights.shape == expected
        torch.testing.assert_close(weights.sum(1), torch.ones(16))


@pytest.mark.parametrize("name, cfg", [v for v in VARIANTS if v[0] in NETWORKS], ids=str)
def test_gradient_reaches_every_parameter_and_training_lowers_loss(small, name, cfg):
    spec, train_w, val_w = small
    seed_everything(0)
    model = create_model(name, spec, **cfg)
    fit_normalisation(model, train_w, 5000, 0)
    x, y = train_w.batch(torch.arange(64))
    loss = ((model(x) - y) ** 2).mean()
    loss.backward()
    for pname, p in model.named_parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0, pname
    with torch.no_grad():
        before = float(((model(x) - y) ** 2).mean())
    train(model, train_w, val_w, TrainConfig(max_epochs=3, progress=False, patience=10))
    with torch.no_grad():
        after = float(((model(x) - y) ** 2).mean())
    assert after < before


@pytest.mark.parametrize("name", NETWORKS)
def test_same_seed_same_weights(small, name):
    spec = small[0]
    states = []
    for _ in range(2):
        seed_everything(7)
        states.append(create_model(name, spec).state_dict())
    for k in states[0]:
        torch.testing.assert_close(states[0][k], states[1][k])


def _ramp_spec(window_ms=50, horizon_ms=30, multi=False):
    return WindowSpec.create("r_knee_flex", "r_knee_flex", window_ms, horizon_ms, 100.0, multi)


def test_hold_on_a_ramp():
    spec = _ramp_spec()
    x = torch.arange(5.0).reshape(1, 5, 1) * 2 + 10  # 10, 12, ..., 18
    assert create_model("hold", spec)(x).item() == 18.0


def test_const_velocity_is_exact_on_a_straight_line():
    spec = _ramp_spec(multi=True)
    x = torch.arange(5.0).reshape(1, 5, 1) * 2 + 10
    np.testing.assert_allclose(create_model("const-velocity", spec)(x).numpy(), [[20, 22, 24]])


def test_ridge_is_exact_on_linear_data():
    spec = WindowSpec.create("r_knee_flex,l_knee_flex", "r_knee_flex", 30, 10, 100.0)
    g = torch.Generator().manual_seed(0)
    x = torch.randn(400, 3, 2, generator=g)
    w = torch.randn(6, generator=g)
    y = (x.reshape(400, -1) @ w + 3.0)[:, None]
    model = create_model("ridge", spec)
    model.fit(x[:300], y[:300], x[300:], y[300:])
    torch.testing.assert_close(model(x[300:]), y[300:], atol=1e-3, rtol=1e-3)


def test_unknown_model_and_option():
    from gaitpredict.errors import ConfigError

    spec = _ramp_spec()
    with pytest.raises(ConfigError, match="unknown model 'gru'"):
        create_model("gru", spec)
    with pytest.raises(ConfigError, match=r"unknown model option\(s\) \['filters'\]"):
        create_model("cnn", spec, filters=3)


def test_forward_flops_known_answers():
    from gaitpredict.evaluation.flops import forward_flops

    spec = WindowSpec.create("r_knee_flex,l_knee_flex", "r_knee_flex", 300, 100, 100.0)  # 30 x 2
    ridge = create_model("ridge", spec)
    assert forward_flops(ridge, spec) == 2 * 60 * 1  # one (60 -> 1) linear layer
    lstm = create_model("lstm", spec, lstm_hidden=8)
    # gates: 4 x (input 2 + hidden 8) x 8 multiply-adds per step, 30 steps; head 8 -> 1
    assert forward_flops(lstm, spec) == 2 * 4 * (2 + 8) * 8 * 30 + 2 * 8 * 1
    assert forward_flops(lstm, spec, batch=5) == 5 * forward_flops(lstm, spec)


def test_memorise_recalls_its_training_windows_exactly(small):
    spec, train_w, val_w = small
    model = create_model("memorise", spec)
    x, y = train_w.all()
    model.fit(x, y)
    torch.testing.assert_close(model(x), y)  # each window's nearest neighbour is itself
    # a window it never saw gets the target of the closest one it did
    xv, _ = val_w.batch(torch.arange(3))
    d = torch.cdist(model._z(xv), model._z(x))
    torch.testing.assert_close(model(xv), y[d.argmin(1)])


def test_amplitude_jitter_scales_each_window_about_its_last_frame():
    from gaitpredict.training.trainer import jitter_amplitude

    g = torch.Generator().manual_seed(0)
    x = torch.randn(64, 5, 3, dtype=torch.float64)
    y = torch.randn(64, 2, dtype=torch.float64)  # two horizon steps of target channel 1
    x2, y2 = jitter_amplitude(x, y, [1], 0.2, g)
    assert torch.equal(x2[:, -1], x[:, -1])
    s = (x2[:, 0] - x[:, -1]) / (x[:, 0] - x[:, -1])  # (64, 3): one factor per window
    assert torch.allclose(s, s[:, :1].expand_as(s))
    base = x[:, -1, 1:2]
    assert torch.allclose((y2 - base) / (y - base), s[:, :1].expand(-1, 2))
    assert 0.8 <= float(s.min()) and float(s.max()) <= 1.2 and float(s.std()) > 0.05


def test_input_noise_adds_independent_gaussian_noise_of_the_asked_deviation():
    from gaitpredict.errors import ConfigError
    from gaitpredict.training.trainer import add_input_noise

    x = torch.full((200, 60, 6), 30.0)  # a window of constant angles, in degrees
    noisy = add_input_noise(x, 0.5, torch.Generator().manual_seed(0))
    n = noisy - x
    assert abs(float(n.std()) - 0.5) < 0.005 and abs(float(n.mean())) < 0.005
    # independent across frames: neighbouring frames' noise is uncorrelated
    r = np.corrcoef(n[:, 1:].flatten(), n[:, :-1].flatten())[0, 1]
    assert abs(r) < 0.01
    # the same generator seed gives the same noise (reproducible runs)
    assert torch.equal(noisy, add_input_noise(x, 0.5, torch.Generator().manual_seed(0)))
    with pytest.raises(ConfigError, match="input_noise_deg must be 0 or more"):
        TrainConfig(input_noise_deg=-0.1)


def test_pooled_tanh_equals_tanh_then_max_pooling():
    from gaitpredict.models.layers import pooled_tanh

    h = torch.randn(3, 8, 61, generator=torch.Generator().manual_seed(0)) * 3
    for pool in (1, 2, 3):  # a remainder of 1 frame is dropped, as MaxPool1d drops it
        expected = torch.nn.MaxPool1d(pool)(h.tanh())
        assert torch.equal(pooled_tanh(h, pool), expected)


def _native_bfloat16() -> bool:
    from gaitpredict.training.trainer import bfloat16_failure

    return bfloat16_failure() is None


@pytest.mark.parametrize("name", NETWORKS)
def test_bfloat16_training_repeats_exactly_and_differs_from_float32(small, name):
    """Where the CPU has bfloat16 instructions: exact repeats, and not float32's weights.
    Elsewhere: the request is refused before any training (not a oneDNN error)."""
    from gaitpredict.errors import ConfigError

    spec, train_w, val_w = small
    if not _native_bfloat16():
        model = create_model(name, spec)
        cfg = TrainConfig(max_epochs=1, progress=False, precision="bfloat16")
        with pytest.raises(ConfigError, match="needs a CPU with bfloat16 instructions"):
            train(model, train_w, val_w, cfg)
        return
    weights = {}
    for precision, repeat in [("bfloat16", 0), ("bfloat16", 1), ("float32", 0)]:
        seed_everything(3)
        model = create_model(name, spec)
        fit_normalisation(model, train_w, 5000, 0)
        cfg = TrainConfig(max_epochs=1, progress=False, precision=precision)
        train(model, train_w, val_w, cfg)
        weights[precision, repeat] = torch.cat([p.detach().flatten() for p in model.parameters()])
        assert all(p.dtype == torch.float32 for p in model.parameters())
    assert torch.equal(weights["bfloat16", 0], weights["bfloat16", 1])
    assert not torch.equal(weights["bfloat16", 0], weights["float32", 0])


def test_unknown_precision_is_refused():
    from gaitpredict.errors import ConfigError

    with pytest.raises(ConfigError, match="precision must be one of float32, bfloat16, auto"):
        TrainConfig(precision="float16")


def test_auto_precision_is_bfloat16_only_with_bfloat16_instructions(monkeypatch):
    from types import MappingProxyType

    from gaitpredict.training.trainer import bfloat16_failure, resolve_precision

    native = bfloat16_failure() is None  # the probe's verdict on this CPU
    for caps, expected in [
        ({"avx512_f": True}, "float32"),
        ({"avx512_f": True, "avx512_bf16": True}, "bfloat16" if native else "float32"),
        ({"amx_bf16": True}, "bfloat16" if native else "float32"),
    ]:
        bfloat16_failure.cache_clear()
        monkeypatch.setattr(torch.cpu, "get_capabilities", lambda c=caps: MappingProxyType(c))
        assert resolve_precision("auto") == expected
        assert resolve_precision("float32") == "float32"
    bfloat16_failure.cache_clear()


def test_explicit_bfloat16_is_refused_on_a_cpu_without_bfloat16_instructions(monkeypatch):
    """An AVX2-only CPU, simulated: the refusal names what the CPU has."""
    from types import MappingProxyType

    from gaitpredict.errors import ConfigError
    from gaitpredict.training.trainer import bfloat16_failure, resolve_precision

    avx2 = MappingProxyType({"avx": True, "avx2": True, "avx512_bf16": False, "fma3": True})
    monkeypatch.setattr(torch.cpu, "get_capabilities", lambda: avx2)
    bfloat16_failure.cache_clear()
    try:
        with pytest.raises(ConfigError, match=r"it has avx, avx2 \(torch.cpu"):
            resolve_precision("bfloat16")
        assert resolve_precision("auto") == "float32"
    finally:
        bfloat16_failure.cache_clear()


def test_bfloat16_where_onednn_has_no_bfloat16_lstm_is_refused_not_crashed():
    """oneDNN capped at AVX2 (ONEDNN_MAX_CPU_ISA, read when the process starts): what an
    AVX2-only machine does. The LSTM's bfloat16 step fails there; training refuses first."""
    import subprocess
    import sys

    code = (
        "from gaitpredict.training.trainer import resolve_precision as r\n"
        "from gaitpredict.errors import ConfigError\n"
        "print(r('auto'))\n"
        "try:\n    r('bfloat16')\nexcept ConfigError as e:\n    print(e)\n"
    )
    env = {**os.environ, "ONEDNN_MAX_CPU_ISA": "AVX2"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, timeout=120)  # fmt: skip
    assert out.returncode == 0, out.stderr
    auto, refusal = out.stdout.splitlines()[:2]
    assert auto == "float32"
    assert refusal.startswith("precision bfloat16 needs a CPU with bfloat16 instructions: ")


def test_a_smoothness_term_trains_on_runs_of_consecutive_windows_of_one_trial(tiny):
    """Under `smoothness`, each batch holds runs of 3 windows whose last frames follow one
    another in one trial (never across two trials), without overlap; each trial of n
    windows gives n // 3 runs. A training with it runs, and is refused below zero."""
    from gaitpredict.errors import ConfigError
    from gaitpredict.training.trainer import RUN, consecutive_runs

    spec = WindowSpec.create("legs-sagittal", "r_knee_flex", 250, 100, 120.0)
    w = Windows(tiny.trials_of("S08"), spec)  # two trials of 150 frames
    runs = consecutive_runs(w)
    ends, owners = w.end[runs], w.owner[runs.numpy()]
    assert RUN == 3 and bool(((ends[:, 1:] - ends[:, :-1]) == 1).all())
    assert (owners == owners[:, :1]).all()
    assert len(set(runs.flatten().tolist())) == runs.numel()
    per_trial = np.bincount(w.owner)
    assert len(runs) == sum(n // RUN for n in per_trial) and len(per_trial) == 2
    model = create_model("attn-cnn-lstm", spec)
    fit_normalisation(model, w, 1000, 0)
    cfg = TrainConfig(max_epochs=1, smoothness=10.0, progress=False)
    history = train(model, w, Windows(tiny.trials_of("S16"), spec), cfg)
    assert history.epochs_run == 1 and np.isfinite(history.train_loss[0])
    with pytest.raises(ConfigError, match="smoothness must be 0 or more"):
        TrainConfig(smoothness=-1.0)
