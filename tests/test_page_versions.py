"""The Sphinx extension ends every notebook page with its versions and execution date."""

import importlib.util
import re
import textwrap
from datetime import datetime, timezone

import pytest
from bs4 import BeautifulSoup
from sphinx.cmd.build import build_main

from tests.nbtools import MYST_FRONT_MATTER, ROOT

EXT = ROOT / "book" / "_ext"
_spec = importlib.util.spec_from_file_location("page_versions_under_test", EXT / "page_versions.py")
page_versions = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(page_versions)

NOTEBOOK = (
    MYST_FRONT_MATTER
    + """
# A notebook

```{code-cell} ipython3
x = 1
```
"""
)

PLAIN = """\
# A plain page

No code here.
"""

INDEX = """\
# Index

```{toctree}
notebook
plain
```
"""


def _build(src, execution_mode):
    (src / "conf.py").write_text(
        textwrap.dedent(f"""\
        import sys
        sys.path.insert(0, {str(EXT)!r})
        extensions = ["myst_nb", "page_versions"]
        nb_execution_mode = {execution_mode!r}
        exclude_patterns = ["_build"]
        """)
    )
    (src / "index.md").write_text(INDEX)
    (src / "notebook.md").write_text(NOTEBOOK)
    (src / "plain.md").write_text(PLAIN)
    assert build_main(["-q", "-W", "-b", "html", str(src), str(src / "_build")]) == 0

    def page(name):
        return BeautifulSoup((src / "_build" / f"{name}.html").read_text(), "html.parser")

    return page


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return _build(tmp_path_factory.mktemp("versions"), "off")


def test_notebook_page_ends_with_its_versions(site):
    body = site("notebook").select_one("div[role=main]") or site("notebook").body
    lines = body.select("p.page-versions")
    assert len(lines) == 1
    text = lines[0].get_text()
    assert re.fullmatch(
        r"Built with Python 3\.\d+\.\d+, PyTorch \S+, TensorFlow \S+, Keras \S+, d2lutils \S+;"
        r" not executed in this build\.",
        text,
    ), text
    # last in the page body, after the notebook's content
    last = [p for p in body.find_all("p") if p.get_text(strip=True)][-1]
    assert last is lines[0]


def test_plain_page_has_no_versions(site):
    assert site("plain").select("p.page-versions") == []
    assert site("index").select("p.page-versions") == []


def test_executed_page_gives_the_execution_date(tmp_path):
    page = _build(tmp_path, "force")  # runs the one-cell notebook in a kernel (a few seconds)
    today = datetime.now(timezone.utc).strftime("%Y-%m-%d")
    (line,) = page("notebook").select("p.page-versions")
    assert re.fullmatch(rf"Executed with Python 3\.\d+\.\d+, PyTorch .+ on {today}\.", line.get_text())


def test_versions_line_formats_the_date():
    versions = [("Python", "3.11.7"), ("PyTorch", "2.13.0"), ("d2lutils", "0.1.0")]
    mtime = datetime(2026, 12, 1, 9, 30, tzinfo=timezone.utc).timestamp()
    assert page_versions.versions_line(versions, {"mtime": mtime, "method": "cache"}) == (
        "Executed with Python 3.11.7, PyTorch 2.13.0, d2lutils 0.1.0 on 2026-12-01."
    )
    assert page_versions.versions_line(versions, None).endswith("; not executed in this build.")


def test_missing_package_is_left_out(monkeypatch):
    monkeypatch.setattr(page_versions, "PACKAGES", {"Nothing": ("no-such-distribution-xyz",)})
    assert [label for label, _ in page_versions.environment_versions()] == ["Python"]
