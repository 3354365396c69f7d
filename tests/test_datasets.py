import shutil

import numpy as np
import pytest

from gaitpredict.data import datasets
from gaitpredict.data.trial import Trial
from gaitpredict.errors import ChecksumError, DatasetNotFoundError


def test_unknown_trials_that_may_be_s35(cmu):
    maybe = [t.trial_id for t in cmu.trials if cmu.may_be(t, "S35")]
    assert len(maybe) == 6 and all(t.startswith("train/") for t in maybe)
    assert not any(cmu.may_be(t, "S39") for t in cmu.trials)


def test_download_verifies_and_writes_atomically(cmu_dir, tmp_path, monkeypatch):
    manifest = datasets._manifest()[:3]
    dest = tmp_path / "cache"
    datasets.download_cmu_walking(dest, manifest, base_url=cmu_dir.as_uri())
    for row in manifest:
        assert datasets.sha256_of(dest / row["file"]) == row["sha256"]
    bad_src = tmp_path / "bad"
    shutil.copytree(cmu_dir / "test", bad_src / "test")
    target = bad_src / manifest[0]["file"]
    target.write_text(target.read_text().replace("4", "5", 1))
    dest2 = tmp_path / "cache2"
    with pytest.raises(ChecksumError, match="expected " + manifest[0]["sha256"]):
        datasets.download_cmu_walking(dest2, manifest, base_url=bad_src.as_uri())
    assert not any(p.is_file() for p in dest2.rglob("*"))  # no half or bad file kept


def test_offline_message_names_the_environment_variable(tmp_path, monkeypatch):
    monkeypatch.delenv(datasets.ENV_DATA, raising=False)
    monkeypatch.setattr(datasets, "cache_dir", lambda: tmp_path / "empty-cache")
    monkeypatch.setenv(datasets.ENV_URL, (tmp_path / "nowhere").as_uri())
    with pytest.raises(DatasetNotFoundError, match="GAITPREDICT_DATA"):
        datasets.load_dataset("cmu-walking")


def test_environment_variable_is_used(cmu_dir, monkeypatch):
    monkeypatch.setenv(datasets.ENV_DATA, str(cmu_dir.parent))  # a cmu_walking/ inside
    assert datasets.find_cmu_walking(download=False) == cmu_dir.parent / "cmu_walking"


def test_user_folder_with_subject_folders_and_table(walk, tmp_path):
    from gaitpredict.data.io.bvh import write_bvh

    for subject in ("A", "B"):
        (tmp_path / "by_folder" / subject).mkdir(parents=True)
        write_bvh(walk, tmp_path / "by_folder" / subject / "w1.bvh")
    ds = datasets.load_dataset(tmp_path / "by_folder")
    assert ds.subjects == {"A": 1, "B": 1} and ds.rate_hz == 120.0
    (tmp_path / "by_folder" / "subjects.csv").write_text("file,subject\nA/w1.bvh,P7\n")
    assert datasets.load_dataset(tmp_path / "by_folder").subjects == {"P7": 1}


def test_mixed_rates_are_kept_and_the_rate_with_most_frames_is_the_default():
    a = Trial(np.zeros((5, 1)), ("r_knee_flex",), 100.0, trial_id="a")
    b = Trial(np.zeros((7, 1)), ("r_knee_flex",), 120.0, trial_id="b")
    ds = datasets.Dataset("x", [a, b])
    assert ds.rates == {120.0: 7, 100.0: 5} and ds.rate_hz == 120.0


def test_checksum_mismatch_on_load(cmu_dir, tmp_path):
    copy = tmp_path / "cmu"
    shutil.copytree(cmu_dir, copy)
    f = copy / "test/walking/walking_1.txt"
    f.write_text(f.read_text()[:-10])
    with pytest.raises(ChecksumError, match="walking_1.txt: sha256"):
        datasets.load_dataset(copy)
