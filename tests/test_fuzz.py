"""Property-based fuzzing of every reader with damaged copies of real fixture files.

For each format, hypothesis draws mutations (truncation at any byte, a flipped byte, a
NaN/inf/1e30/garbage field, a duplicated name or header key, a short row, a wrong
extension) of the fixture in tests/data/formats, and the property of tests/fuzzing.py must
hold: a GaitPredictError naming the file, or a trial equal to the original wherever the
mutation did not touch it. Derandomised with a fixed budget per reader, so CI sees the same
examples every run; `HYPOTHESIS_PROFILE=deep` explores more.
"""

import os
import warnings

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .fuzzing import FIXTURES, KINDS, judge, mutate

settings.register_profile(
    "ci", max_examples=200, derandomize=True, deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.filter_too_much],
)  # fmt: skip
settings.register_profile(
    "deep", max_examples=2000, deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.filter_too_much],
)  # fmt: skip
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

NUMBERS = st.integers(min_value=0, max_value=2**31 - 1)


@pytest.mark.parametrize("fmt", list(FIXTURES))
def test_damaged_files_fail_cleanly_or_read_faithfully(fmt, tmp_path):
    if fmt == "c3d":
        pytest.importorskip("c3d", reason="the c3d extra is not installed")

    @given(kind=st.sampled_from(KINDS), a=NUMBERS, b=NUMBERS, c=NUMBERS)
    def check(kind, a, b, c):
        mutation = mutate(fmt, kind, a, b, c)
        if mutation is None:
            return
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            outcome = judge(fmt, mutation, tmp_path)
        assert outcome.verdict in ("clean error", "accepted"), (
            f"{mutation.note}: {outcome.verdict}: {outcome.detail}"
        )

    check()


def test_the_fuzzer_can_fail(tmp_path):
    """The property is not vacuous: a reader that returned shifted values would fail it."""
    from gaitpredict.data.io import read_trial
    from tests.fuzzing import Mutation, _compare

    original = read_trial(FIXTURES["csv"].path)
    shifted = type(original)(
        original.angles_deg + 1.0, original.channels, original.rate_hz, source=original.source
    )
    m = Mutation("field", b"", ".csv", "test", "1e30")
    assert _compare("csv", m, original, shifted).verdict == "silently wrong"
    assert _compare("csv", m, original, original).verdict == "accepted"
