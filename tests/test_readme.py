"""The README's Python examples run as written, in order, in one namespace.

They use `../shared/data` relative to the repository root, so they run in a scratch copy of
that layout: `<tmp>/repo` as the working directory and `<tmp>/shared` pointing at the real
shared folder. Only blocks fenced exactly as ```python run (a block with a title, such as a
file to drop into the package, is shown, not run).
"""

import re

import pytest

from .conftest import ROOT, SHARED, need

BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def readme_blocks() -> list[str]:
    return BLOCK.findall((ROOT / "README.md").read_text())


def test_the_readme_has_python_examples():
    blocks = readme_blocks()
    assert len(blocks) >= 4
    assert any("StreamingPredictor" in b for b in blocks)


@pytest.mark.slow
def test_readme_python_examples_run(tmp_path, monkeypatch):
    need(SHARED / "cmu_walking")
    need(SHARED / "cmu_bvh_sample")
    (tmp_path / "shared").symlink_to(SHARED.parent, target_is_directory=True)
    work = tmp_path / "repo"
    work.mkdir()
    monkeypatch.chdir(work)
    namespace: dict = {}
    for k, block in enumerate(readme_blocks()):
        exec(compile(block, f"README.md python block {k + 1}", "exec"), namespace)
    assert (work / "runs" / "api-example" / "model.pt").is_file()
    assert (work / "runs" / "api-grid" / "report.md").is_file()
    assert namespace["pred"].shape == (namespace["walk"].n_frames, 1)
    assert len(namespace["sent"]) > 0
