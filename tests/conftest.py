"""Shared fixtures: small files in tests/data (made by tests/data/make_fixtures.py from the real
data, always present) and the real data sets in ../shared/data, skipped with a reason when
absent."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# GAITPREDICT_SHARED_DATA: where the real data sets are (a missing folder runs the suite as
# CI would without ../shared)
SHARED = Path(os.environ.get("GAITPREDICT_SHARED_DATA", ROOT.parent / "shared" / "data"))
CMU_DIR = SHARED / "cmu_walking"
MCGILL_DIR = SHARED / "mcgill_walking"
OPENCAP_DIR = SHARED / "opencap_walking"
C3D_DIR = SHARED / "c3d_samples"
FIXTURES = ROOT / "tests" / "data"


def need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"real data not found at {path} (the ../shared checkout is absent)")
    return path


@pytest.fixture(scope="session")
def cmu_dir() -> Path:
    return need(CMU_DIR)


@pytest.fixture(scope="session")
def cmu(cmu_dir):
    from gaitpredict.data.datasets import load_dataset

    return load_dataset(cmu_dir)


@pytest.fixture(scope="session")
def walking_1(cmu_dir):
    from gaitpredict.data.io import read_trial

    return read_trial(cmu_dir / "test/walking/walking_1.txt")


@pytest.fixture(scope="session")
def walking_head():
    """80 frames of CMU walking_1 (S35), read from the fixture copy of its first lines."""
    from gaitpredict.data.io import read_trial

    return read_trial(FIXTURES / "walking_1_head.txt", subject="S35")


@pytest.fixture(scope="session")
def tiny():
    """Three CMU subjects (S08, S16, S39), two gap-free trials of 150 frames each, 120 Hz."""
    from gaitpredict.data.datasets import load_dataset

    return load_dataset(FIXTURES / "tiny")


@pytest.fixture(scope="session")
def tiny_dir() -> Path:
    """The folder of the `tiny` dataset (three CMU subjects, always present)."""
    return FIXTURES / "tiny"


@pytest.fixture(scope="session")
def walk(tiny):
    """S16's first `tiny` trial: 150 frames (1.25 s) of gap-free CMU walking at 120 Hz."""
    return tiny.trials_of("S16")[0]
