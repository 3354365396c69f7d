"""Models that need no training, by name where a checkpoint would go: `predict`, `evaluate`,
`stream` and `bench-latency` build them for a target, horizon and rate, and an online model
keeps what it learned about its wearer from one session to the next."""

from __future__ import annotations

import json

import numpy as np
import pytest

from gaitpredict.cli import main
from gaitpredict.errors import ConfigError
from gaitpredict.evaluation.untrained import untrained_model
from gaitpredict.realtime import StreamingPredictor

RATE_HZ = 100.0


def _walk_csv(path, seconds=30.0, stride_hz=1.0):
    """A steady synthetic stride as a gaitpredict CSV: right hip and knee, degrees."""
    t = np.arange(int(seconds * RATE_HZ)) / RATE_HZ
    w = 2 * np.pi * stride_hz * t
    hip = 10 + 20 * np.sin(w + 0.5)
    knee = 30 + 25 * np.sin(w) + 10 * np.sin(2 * w + 1.0)
    lines = ["time_s,r_hip_flex,r_knee_flex"]
    lines += [f"{a:.6f},{b:.6f},{c:.6f}" for a, b, c in zip(t, hip, knee, strict=True)]
    path.write_text("\n".join(lines) + "\n")
    return path, knee


def _json(capsys, argv):
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_a_model_by_name_takes_the_target_and_the_driver_of_its_side():
    hip = {"driver": "hip"}
    _, spec, payload = untrained_model("phase-template", "l_knee_flex", 150, RATE_HZ, options=hip)
    assert spec.inputs == ("l_knee_flex", "l_hip_flex") and spec.horizon_frames == 15
    assert payload["model_config"]["driver"] == "hip"
    _, spec, _ = untrained_model("adaptive-oscillator", "r_ankle_flex", 50, 200.0)
    assert spec.inputs == ("r_ankle_flex",) and spec.horizon_frames == 10
    _, spec, _ = untrained_model("hold")
    assert spec.target == ("r_knee_flex",) and spec.horizon_ms == 100


def test_evaluate_hold_by_name_gives_the_error_computed_by_hand(tmp_path, capsys):
    path, knee = _walk_csv(tmp_path / "walk.csv", seconds=5)
    result = _json(capsys, ["evaluate", "hold", str(path), "--horizon-ms", "100", "--json"])
    w, h = 50, 10  # 500 ms window, 100 ms ahead at 100 Hz
    ends = np.arange(w - 1, len(knee) - h)  # every full window whose truth was recorded
    expected = np.sqrt(np.mean((knee[ends + h] - knee[ends]) ** 2))
    assert result["n_windows"] == len(ends)
    assert result["rmse_deg"] == pytest.approx(expected, abs=1e-5)  # the CSV holds 6 decimals


def test_stream_by_name_learns_and_a_saved_state_starts_the_next_session_ahead(tmp_path, capsys):
    path, _ = _walk_csv(tmp_path / "walk.csv", seconds=20)
    saved = tmp_path / "learned.json"
    base = ["stream", "adaptive-oscillator", "--target", "r_knee_flex", "--horizon-ms",
            "100", "--replay", str(path), "--json", "--out", str(tmp_path / "out"),
            "--segment-s", "5"]  # fmt: skip
    first = _json(capsys, base + ["--save-adaptation", str(saved)])
    again = _json(capsys, base + ["--load-adaptation", str(saved)])
    assert first["backend"] == "online" and first["online"]["saved_to"] == str(saved)
    assert first["online"]["stride_hz"] == pytest.approx(1.0, abs=0.05)
    # the first 5 s: it starts from the shape and frequency it knows, not from nothing
    assert again["segments"][0]["rmse_deg"] < 0.8 * first["segments"][0]["rmse_deg"]


def test_a_saved_state_goes_back_exactly_and_only_into_the_same_model(tmp_path):
    path, _ = _walk_csv(tmp_path / "walk.csv", seconds=15)
    from gaitpredict.data.io import read_trial
    from gaitpredict.realtime.replay import replay_many

    sp = StreamingPredictor.from_checkpoint("phase-template", horizon_ms=100, rate_hz=RATE_HZ)
    replay_many(sp, [read_trial(path)])
    sp.save_adaptation(tmp_path / "s.json")
    other = StreamingPredictor.from_checkpoint("phase-template", horizon_ms=100,
                                               rate_hz=RATE_HZ)  # fmt: skip
    other.load_adaptation(tmp_path / "s.json")
    assert other.online_model.learned() == sp.online_model.learned()
    for kwargs in ({"horizon_ms": 50}, {"target": "l_knee_flex"}):
        wrong = StreamingPredictor.from_checkpoint("phase-template", rate_hz=RATE_HZ, **kwargs)
        with pytest.raises(ConfigError, match="saved for phase-template"):
            wrong.load_adaptation(tmp_path / "s.json")
    sp.forget_adaptation()
    assert (
        sp.online_model.learned()["visits"]
        == other.online_model.__class__(sp.spec, sp.online_model.cfg).learned()["visits"]
    )  # all zero again


@pytest.mark.parametrize(
    ("argv", "match"),
    [
        (["evaluate", "ridge"], "must be trained first"),
        (["evaluate", "knee-100ms-legs", "--target", "r_ankle_flex"], "not r_ankle_flex"),
        (["stream", "phase-template", "--adapt"], "learns its wearer by itself"),
        (["evaluate", "hold", "--target", "r_knee_flex,l_knee_flex"], "one joint angle"),
    ],
)
def test_what_a_model_by_name_cannot_do_is_refused_by_name(tmp_path, capsys, argv, match):
    path, _ = _walk_csv(tmp_path / "walk.csv", seconds=2)
    extra = ["--replay", str(path)] if argv[0] == "stream" else [str(path)]
    assert main(argv[:2] + extra + argv[2:]) == 2
    assert match in capsys.readouterr().err


def test_bench_latency_times_an_online_model_without_a_flop_floor(tmp_path, capsys):
    path, _ = _walk_csv(tmp_path / "walk.csv", seconds=20)
    result = _json(capsys, ["bench-latency", "adaptive-oscillator", "--data", str(path),
                            "--pushes", "10000", "--json"])  # fmt: skip
    assert result["backend"] == "online" and result["pushes"] == 10000
    assert result["floor_us"] is None and result["p50_us"] > 0
    call = result["model_call"]  # the bare call, timed in the same run
    assert 0 < call["p50_us"] <= call["p99_us"]
    assert result["around_call_p50_us"] == pytest.approx(result["p50_us"] - call["p50_us"])


def test_an_option_two_models_share_shows_each_models_default(capsys, monkeypatch):
    from gaitpredict.models.oscillator import OscillatorConfig
    from gaitpredict.models.phase_template import TemplateConfig

    monkeypatch.setenv("COLUMNS", "1000")  # no line wrapping inside the help
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    text = capsys.readouterr().out
    osc, tpl = OscillatorConfig().min_range_deg, TemplateConfig().min_range_deg
    assert osc != tpl
    assert f"(default: {osc} for adaptive-oscillator; {tpl} for phase-template)" in text
