"""Colab installs the helpers that match the book: one setting, every setup cell agrees."""

import shutil

import pytest
from jupytext.cli import jupytext as jupytext_cli

import d2lutils
from tests import setup_cells
from tests.nbtools import NOTEBOOK_DIR, ROOT, notebook_sources

SOURCES = notebook_sources(NOTEBOOK_DIR)
IDS = [str(p.relative_to(NOTEBOOK_DIR).with_suffix("")) for p in SOURCES]
LINE = setup_cells.expected_line()


def test_package_version_is_one_setting():
    """``pyproject.toml`` and ``d2lutils.__version__`` name the same version (the tag's name)."""
    assert d2lutils.__version__ == setup_cells.package_version(), (
        "pyproject.toml [project] version and d2lutils.__version__ differ: set both, then `make setup-cells`"
    )


def test_expected_line_comes_from_the_settings():
    url = setup_cells.repository_url()
    assert url.startswith("https://") and not url.endswith("/")
    assert LINE == f'%pip install --quiet "d2lutils @ git+{url}@v{d2lutils.__version__}"'


@pytest.mark.parametrize("md", SOURCES, ids=IDS)
def test_setup_cell_installs_the_pinned_helpers(md):
    problems = setup_cells.disagreements([md], LINE)
    assert not problems, f"{problems}; expected {LINE!r}: run `make setup-cells`"


def _pair_copy(tmp_path, name="01-ndarray"):
    """A copy of a real notebook pair (and the jupytext settings) in ``tmp_path``."""
    md = NOTEBOOK_DIR / "02-preliminaries" / f"{name}.md"
    shutil.copy2(ROOT / "pyproject.toml", tmp_path)
    for suffix in (".md", ".ipynb"):
        shutil.copy2(md.with_suffix(suffix), tmp_path / f"{name}{suffix}")
    return tmp_path / f"{name}.md"


def test_an_unpinned_setup_cell_fails(tmp_path):
    md = _pair_copy(tmp_path)
    text = md.read_text(encoding="utf-8")
    unpinned = LINE.rsplit("@v", 1)[0] + '"'
    md.write_text(text.replace(LINE, unpinned), encoding="utf-8")
    problems = setup_cells.disagreements([md], LINE)
    assert [p for p, _ in problems] == [md], problems  # the .md disagrees; its stale .ipynb does not


def test_a_stale_ipynb_fails(tmp_path):
    md = _pair_copy(tmp_path)
    other = LINE.replace(f"@v{d2lutils.__version__}", "@v0.0.0")
    setup_cells.rewrite(md, other)
    jupytext_cli(["--sync", "--quiet", str(md)])  # both files now pin v0.0.0
    md.write_text(md.read_text(encoding="utf-8").replace(other, LINE), encoding="utf-8")
    problems = setup_cells.disagreements([md], LINE)
    assert [p for p, _ in problems] == [md.with_suffix(".ipynb")], problems


def test_a_missing_install_line_fails(tmp_path):
    md = _pair_copy(tmp_path)
    md.write_text(md.read_text(encoding="utf-8").replace(LINE, "pass"), encoding="utf-8")
    assert "0 install lines" in setup_cells.disagreements([md], LINE)[0][1]


def test_rewrite_pins_and_keeps_everything_else(tmp_path):
    md = _pair_copy(tmp_path)
    original = md.read_text(encoding="utf-8")
    old = '%pip install --quiet "d2lutils @ git+https://example.org/old"'
    md.write_text(original.replace(LINE, old), encoding="utf-8")
    assert setup_cells.rewrite(md, LINE)
    assert md.read_text(encoding="utf-8") == original  # only the install line changed, indentation kept
    assert not setup_cells.rewrite(md, LINE)  # a second run changes nothing
