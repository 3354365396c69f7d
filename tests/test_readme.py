"""The Python examples of the README and the docs pages run as written, in order, in one
namespace.

They use `../shared/data` relative to the repository root, so they run in a scratch copy of
that layout: `<tmp>/repo` as the working directory and `<tmp>/shared` pointing at the real
shared folder. Only blocks fenced exactly as ```python run (a block with a title, such as a
file to drop into the package, is shown, not run).
"""

import re

import pytest

from .conftest import ROOT, SHARED, need

BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


# the pages in reading order: later examples use what earlier ones made
PAGES = ["README.md"] + [f"docs/{p}.md" for p in (
    "extending", "cli", "python-api", "pretrained", "reproducing", "realtime", "adaptation",
    "online-predictors", "data", "figures",
)]  # fmt: skip


def readme_blocks() -> list[str]:
    return [b for page in PAGES for b in BLOCK.findall((ROOT / page).read_text())]


def test_the_docs_have_python_examples_and_every_page_is_listed():
    blocks = readme_blocks()
    assert len(blocks) >= 4
    assert any("StreamingPredictor" in b for b in blocks)
    on_disk = {f"docs/{p.name}" for p in (ROOT / "docs").glob("*.md")}
    assert on_disk == set(PAGES[1:])
    readme = (ROOT / "README.md").read_text()
    assert all(f"({page})" in readme for page in PAGES[1:])  # the README links every page


@pytest.mark.slow
def test_readme_python_examples_run(tmp_path, monkeypatch):
    need(SHARED / "cmu_walking")
    need(SHARED / "cmu_bvh_sample")
    need(SHARED / "opencap_walking")
    (tmp_path / "shared").symlink_to(SHARED.parent, target_is_directory=True)
    work = tmp_path / "repo"
    work.mkdir()
    monkeypatch.chdir(work)
    namespace: dict = {}
    for k, block in enumerate(readme_blocks()):
        exec(compile(block, f"docs python block {k + 1}", "exec"), namespace)
    assert (work / "runs" / "api-example" / "model.pt").is_file()
    assert (work / "runs" / "api-grid" / "report.md").is_file()
    assert namespace["pred"].shape == (namespace["walk"].n_frames, 1)
    assert len(namespace["sent"]) > 0
