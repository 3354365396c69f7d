"""The reproduce pipeline on real data: a tiny grid end to end, resumption, executors."""

import json
import os
import re

import pandas as pd
import pytest

from gaitpredict.cli import main
from gaitpredict.experiments import runner
from gaitpredict.experiments.grid import Grid
from gaitpredict.experiments.runner import TIMING_COLUMNS, RunFailedError, run_grid
from gaitpredict.report.tables import PAPER_TABLE1, PAPER_TABLE2

MODELS = ["cnn", "lstm", "cnn-lstm", "attn-cnn-lstm", "hold", "const-velocity", "ridge"]
TINY = {
    "name": "tiny",
    "folds": ["S08"],
    "seeds": [0],
    "train": {"max_epochs": 1, "patience": 1},
}


def tiny_grid(blocks, **extra) -> Grid:
    return Grid.from_dict({**TINY, **extra, "blocks": blocks})


def markdown_table(md: str, heading: str) -> list[list[str]]:
    section = md.split(heading, 1)[1].split("\n## ", 1)[0]
    lines = [ln for ln in section.splitlines() if ln.startswith("|")]
    return [[c.strip() for c in ln.strip("|").split("|")] for ln in lines[2:]]


NUMBER_CELL = re.compile(r"^\d+\.\d\d / \d+\.\d\d$")


def test_tiny_grid_fills_every_cell_of_tables_one_and_two(tiny_dir, tmp_path):
    grid_file = tmp_path / "grid.yaml"
    grid_file.write_text(
        "name: tiny\nfolds: [S08]\nseeds: [0]\ntrain: {max_epochs: 1, patience: 1}\n"
        "blocks:\n"
        f"  - {{name: table1, models: [{', '.join(MODELS)}], inputs: [right-leg, legs, arms+legs],"
        " windows_ms: [100]}\n"
        "  - {name: table2, models: [attn-cnn-lstm, ridge],"
        " inputs: [knee+ankle, knee+hip, knee+opposite-knee], windows_ms: [100]}\n"
    )
    out = tmp_path / "out"
    code = main(
        ["reproduce", "--grid", str(grid_file), "--workers", "1", "--data", str(tiny_dir),
         "--out", str(out)]
    )  # fmt: skip
    assert code == 0
    results = pd.read_csv(out / "results.csv")
    assert len(results) == 21 + 6 and results.run_id.is_unique
    md = (out / "report.md").read_text()
    table1 = markdown_table(md, "## Table I")
    assert [r[0] for r in table1] == MODELS
    for row in table1:
        for k, inputs in enumerate(["right-leg", "legs", "arms+legs"]):
            ours, paper = row[1 + 3 * k], row[2 + 3 * k]
            assert NUMBER_CELL.match(ours), (row[0], inputs, ours)
            expected = PAPER_TABLE1.get(row[0], {}).get(inputs)
            assert paper == (f"{expected[0]:.3f} / {expected[1]:.3f}" if expected else "–")
    # the report's hold cell is the results row it came from
    hold = results[(results.label == "hold") & (results.inputs == "legs")].iloc[0]
    assert table1[4][4] == f"{hold.rmse_deg:.2f} / {hold.mae_deg:.2f}"
    table2 = markdown_table(md, "## Table II")
    assert len(table2) == 6
    for inputs, model, ours, paper, _ in table2:
        assert NUMBER_CELL.match(ours)
        if model == "attn-cnn-lstm":
            assert paper == "{:.3f} / {:.3f}".format(*PAPER_TABLE2[inputs])
    html = (out / "report.html").read_text()
    assert html.count("data:image/png;base64,") >= 3 and "Table II" in html
    # 4 networks x 3 input sets + 1 network x 3 pairs, all stopped by max_epochs: 1
    assert "epoch cap: 15 of 15 trained runs stopped at the cap of 1 epochs" in md
    claims = markdown_table(md, "## The paper's claims on our data")
    assert len(claims) == 8  # every claim of Tables I and II; attention has no block here
    for row in claims:  # one test subject: no test can be made, and the report says so
        assert row[2] == "1" and "too few subjects to test (n=1" in row[-1]
    # one resolved config: config.json, the checkpoint, metrics.json and the row agree
    import torch

    for row in results.itertuples():
        folder = out / "runs" / row.run_dir
        config = json.loads((folder / "config.json").read_text())
        metrics = json.loads((folder / "metrics.json").read_text())
        payload = torch.load(folder / "model.pt", weights_only=False)
        assert payload["model_config"] == config["model_config"]
        assert (metrics["label"], metrics["attention"]) == (row.label, _none(row.attention))
        if row.model == "attn-cnn-lstm":
            assert config["model_config"]["attention"] == "after" == metrics["attention"]
        if row.model in ("hold", "ridge"):
            assert config["model_config"] == {}
    for png in ("fig6_loss.png", "fig7_models.png", "fig8_inputs.png"):
        assert (out / "figures" / png).stat().st_size > 10_000


def test_a_failed_or_interrupted_grid_resumes_without_duplicates(tiny_dir, tmp_path, monkeypatch):
    grid = tiny_grid([{"name": "table1", "models": ["hold", "const-velocity", "ridge"]}])
    real = runner.execute_run
    calls, fail_once = [], {"const-velocity"}

    def flaky(data_root, cfg, run_dir, threads):
        calls.append(cfg["model"])
        if cfg["model"] in fail_once:
            fail_once.discard(cfg["model"])
            raise RuntimeError("disk full")
        return real(data_root, cfg, run_dir, threads)

    monkeypatch.setattr(runner, "execute_run", flaky)
    with pytest.raises(RunFailedError, match="1 of 3 runs failed.*const-velocity"):
        run_grid(grid, str(tiny_dir), tmp_path, workers=1, progress=False)
    assert sorted(pd.read_csv(tmp_path / "results.csv").label) == ["hold", "ridge"]
    assert "disk full" in next((tmp_path / "runs").glob("const-velocity*/error.txt")).read_text()
    calls.clear()
    summary = run_grid(grid, str(tiny_dir), tmp_path, workers=1, progress=False)
    assert calls == ["const-velocity"] and summary.skipped == 2 and summary.executed == 1
    session = json.loads((tmp_path / "sessions.json").read_text())[-1]
    assert session["workers"] == 1 and session["threads_per_run"] == max(1, os.cpu_count())
    runs = session["runs_per_hour"] * session["wall_seconds"] / 3600  # wall_seconds: 0.1 s
    assert session["executed"] == 1 and runs == pytest.approx(1, abs=0.5)
    results = pd.read_csv(tmp_path / "results.csv")
    assert sorted(results.label) == ["const-velocity", "hold", "ridge"]
    assert results.run_id.is_unique


def test_ctrl_c_keeps_finished_runs(tiny_dir, tmp_path, monkeypatch):
    grid = tiny_grid([{"name": "table1", "models": ["hold", "const-velocity"]}])
    real = runner.execute_run

    def interrupted(data_root, cfg, run_dir, threads):
        if cfg["model"] == "const-velocity":
            raise KeyboardInterrupt
        return real(data_root, cfg, run_dir, threads)

    monkeypatch.setattr(runner, "execute_run", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run_grid(grid, str(tiny_dir), tmp_path, workers=1, progress=False)
    assert list(pd.read_csv(tmp_path / "results.csv").label) == ["hold"]


def test_results_on_other_data_are_refused(tiny_dir, tmp_path):
    grid = tiny_grid([{"name": "table1", "models": ["hold"]}])
    run_grid(grid, str(tiny_dir), tmp_path, workers=1, progress=False)
    with pytest.raises(Exception, match="holds results on"):
        run_grid(grid, str(tmp_path), tmp_path, workers=1, progress=False)


def deterministic(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.drop(columns=list(TIMING_COLUMNS)).sort_values("run_id").reset_index(drop=True)


def test_local_and_ray_executors_give_identical_rows(tiny_dir, tmp_path):
    ray = pytest.importorskip("ray", reason="Ray is not installed (pip install 'gaitpredict[ray]')")
    grid = tiny_grid(
        [{"name": "table1", "models": ["attn-cnn-lstm", "ridge"], "windows_ms": [100]}],
        seeds=[0, 1],
    )
    local = run_grid(grid, str(tiny_dir), tmp_path / "local", workers=2, progress=False)
    try:
        run_grid(grid, str(tiny_dir), tmp_path / "ray", "ray", workers=2, progress=False)
    finally:
        ray.shutdown()
    assert local.executed == 4
    a = deterministic(pd.read_csv(tmp_path / "local" / "results.csv"))
    b = deterministic(pd.read_csv(tmp_path / "ray" / "results.csv"))
    pd.testing.assert_frame_equal(a, b)
    assert a.rmse_deg.nunique() == 4  # different models and seeds really differ


def _none(value):
    return None if pd.isna(value) else value


def test_one_reproduce_at_a_time_per_folder(tiny_dir, tmp_path, capsys):
    import json
    import os
    import platform
    import subprocess
    import sys

    from gaitpredict.errors import RunError

    grid = tiny_grid([{"name": "table1", "models": ["hold"]}])
    host = platform.node()
    (tmp_path / ".lock").write_text(json.dumps({"pid": os.getpid(), "host": host,
                                                "command": "other"}))  # fmt: skip
    with pytest.raises(RunError, match=rf"in use by process {os.getpid()} .*\(other\)"):
        run_grid(grid, str(tiny_dir), tmp_path, workers=1, progress=False)
    assert not (tmp_path / "results.csv").exists()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (tmp_path / ".lock").write_text(json.dumps({"pid": dead.pid, "host": host,
                                                "command": "killed"}))  # fmt: skip
    summary = run_grid(grid, str(tiny_dir), tmp_path, workers=1, progress=False)
    assert summary.executed == 1 and "stale lock" in capsys.readouterr().err
    assert not (tmp_path / ".lock").exists()  # released after the run


def test_damaged_rows_rerun_and_bad_settings_are_refused_before_work(tiny_dir, tmp_path):
    from gaitpredict.errors import ConfigError, RunError

    grid = tiny_grid([{"name": "table1", "models": ["hold", "const-velocity"]}])
    run_grid(grid, str(tiny_dir), tmp_path, workers=1, progress=False)
    table = pd.read_csv(tmp_path / "results.csv")
    table.loc[0, "rmse_deg"] = None  # a damaged row
    table.to_csv(tmp_path / "results.csv", index=False)
    summary = run_grid(grid, str(tiny_dir), tmp_path, workers=1, progress=False)
    assert (summary.executed, summary.skipped) == (1, 1)
    after = pd.read_csv(tmp_path / "results.csv")
    assert len(after) == 2 and after.rmse_deg.notna().all()
    with pytest.raises(ConfigError, match="--workers -1: at least 1"):
        run_grid(grid, str(tiny_dir), tmp_path / "w", workers=-1, progress=False)
    (tmp_path / "file").write_text("x")
    with pytest.raises(RunError, match="file/out: cannot write the results folder"):
        run_grid(grid, str(tiny_dir), tmp_path / "file" / "out", workers=1, progress=False)
    assert main(["reproduce", "--grid", "quick", "--workers", "0", "--out", str(tmp_path)]) == 2
    assert main(["train", "--model", "hold", "--test-subject", "S08", "--data", str(tiny_dir),
                 "--out", str(tmp_path / "file" / "run")]) == 2  # fmt: skip
