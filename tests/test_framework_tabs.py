"""The Sphinx extension groups framework cells, code and Markdown, into one tab set per step."""

import textwrap

import pytest
from bs4 import BeautifulSoup
from sphinx.cmd.build import build_main

from tests import site_tabs
from tests.nbtools import MYST_FRONT_MATTER, ROOT

PAGE = (
    MYST_FRONT_MATTER
    + """
# A page

Shared opening.

## One step

+++ {"tags": ["pytorch"]}

PyTorch prose first.

```{code-cell} ipython3
:tags: [pytorch]
x_pt = 1
```

+++ {"tags": ["pytorch"]}

PyTorch prose after its code.

+++ {"tags": ["tensorflow"]}

TensorFlow prose first.

```{code-cell} ipython3
:tags: [tensorflow]
x_tf = 1
```

+++

Shared prose between steps.

```{code-cell} ipython3
:tags: [pytorch]
y_pt = 2
```

```{code-cell} ipython3
:tags: [tensorflow]
y_tf = 2
```
"""
)


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    src = tmp_path_factory.mktemp("tabs")
    (src / "conf.py").write_text(
        textwrap.dedent(f"""\
        import sys
        sys.path.insert(0, {str(ROOT / "book" / "_ext")!r})
        extensions = ["myst_nb", "framework_tabs"]
        nb_execution_mode = "off"
        exclude_patterns = ["_build"]
        """)
    )
    (src / "index.md").write_text(PAGE)
    assert build_main(["-q", "-W", "-b", "html", str(src), str(src / "_build")]) == 0
    return BeautifulSoup((src / "_build" / "index.html").read_text(), "html.parser")


def test_site_check_counts_one_framework_tab_sets(page, tmp_path):
    good = tmp_path / "good"
    good.mkdir()
    (good / "index.html").write_text(str(page))
    assert site_tabs.main(good) == 0
    broken = BeautifulSoup(str(page), "html.parser")
    for label in broken.select_one("div.framework-tabs").find_all("label", recursive=False)[1:]:
        label.decompose()  # a tab set that lost its TensorFlow tab
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "index.html").write_text(str(broken))
    assert site_tabs.main(bad) == 1


def _tab_texts(tab_set):
    """{label: [text of each block in the tab, in order]}."""
    labels = [label.get_text(strip=True) for label in tab_set.find_all("label", recursive=False)]
    contents = tab_set.find_all("div", class_="sd-tab-content", recursive=False)
    return {
        label: [" ".join(el.get_text(" ", strip=True).split()) for el in content.find_all(recursive=False)]
        for label, content in zip(labels, contents)
    }


def test_tagged_markdown_joins_its_framework_tab(page):
    tab_sets = page.find_all("div", class_="framework-tabs")
    assert len(tab_sets) == 2
    first = _tab_texts(tab_sets[0])
    assert first == {
        "PyTorch": ["PyTorch prose first.", "x_pt = 1", "PyTorch prose after its code."],
        "TensorFlow": ["TensorFlow prose first.", "x_tf = 1"],
    }
    assert _tab_texts(tab_sets[1]) == {"PyTorch": ["y_pt = 2"], "TensorFlow": ["y_tf = 2"]}


def test_shared_prose_stays_outside_and_in_order(page):
    body = page.find("section", id="one-step")
    order = [
        "tabs" if "framework-tabs" in (el.get("class") or []) else el.get_text(strip=True)
        for el in body.find_all(recursive=False)
    ]
    assert order == ["One step¶", "tabs", "Shared prose between steps.", "tabs"]
    for tab_set in page.find_all("div", class_="framework-tabs"):
        assert "Shared" not in tab_set.get_text()


def test_tabs_sync_by_framework(page):
    labels = page.select("div.framework-tabs > label")
    assert {label["data-sync-group"] for label in labels} == {"framework"}
    assert [label["data-sync-id"] for label in labels] == ["pytorch", "tensorflow"] * 2
