"""Structure checks: pairing, table of contents, opening, both frameworks, distinct names."""

import ast
import filecmp
import shutil

import nbformat
import pytest
import yaml
from jupytext.cli import jupytext as jupytext_cli

from tests.nbtools import (
    FRAMEWORKS,
    NOTEBOOK_DIR,
    ROOT,
    framework_of,
    framework_only_reason,
    parse_cell,
    read,
    selected_sources,
    smoke_parameters,
    tab_sets,
    tags,
    top_level_bindings,
)

SOURCES = selected_sources()
IDS = [str(p.relative_to(NOTEBOOK_DIR).with_suffix("")) for p in SOURCES]


def test_there_are_notebooks():
    assert SOURCES, "no notebooks found under notebooks/"


@pytest.mark.parametrize("md", SOURCES, ids=IDS)
def test_pair_in_sync(md, tmp_path):
    """`jupytext --sync` on a copy of the pair changes neither file."""
    ipynb = md.with_suffix(".ipynb")
    assert ipynb.exists(), f"{ipynb.name} is missing: run `make sync`"
    shutil.copy2(ROOT / "pyproject.toml", tmp_path)  # the [tool.jupytext] settings
    copies = [shutil.copy2(p, tmp_path / p.name) for p in (md, ipynb)]
    jupytext_cli(["--sync", "--quiet", str(copies[0])])
    for original, copy in zip((md, ipynb), copies):
        assert filecmp.cmp(original, copy, shallow=False), (
            f"{original.name} changes on `jupytext --sync`: run `make sync` and commit both files"
        )


@pytest.mark.parametrize("md", SOURCES, ids=IDS)
def test_ipynb_has_no_outputs(md):
    nb = nbformat.read(md.with_suffix(".ipynb"), as_version=4)
    dirty = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and (c.outputs or c.execution_count)]
    assert not dirty, f"{md.with_suffix('.ipynb').name}: cells {dirty} carry outputs"


def _toc_files():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = {toc["root"]}

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                files.add(entry["file"])
            walk(entry.get("sections"))
            walk(entry.get("chapters"))

    for part in toc.get("parts", []):
        walk(part.get("chapters"))
    return files


def test_every_page_is_in_toc():
    listed = _toc_files()
    pages = [p for p in NOTEBOOK_DIR.rglob("*.md") if ".ipynb_checkpoints" not in p.parts]
    missing = [
        str(p.relative_to(ROOT).with_suffix(""))
        for p in pages
        if str(p.relative_to(ROOT).with_suffix("")) not in listed
    ]
    assert not missing, f"not in _toc.yml: {missing}"
    absent = [f for f in listed if not any((ROOT / f).with_suffix(s).exists() for s in (".md",))]
    assert not absent, f"_toc.yml lists files that do not exist: {absent}"


@pytest.mark.parametrize("md", SOURCES, ids=IDS)
def test_opening(md):
    """One H1 title and a 'What you will learn' list, then the shared setup cell."""
    nb = read(md)
    first = nb.cells[0]
    assert first.cell_type == "markdown" and first.source.startswith("# "), (
        "the first cell must be markdown starting with the H1 title"
    )
    h1 = [
        line
        for c in nb.cells
        if c.cell_type == "markdown"
        for line in c.source.splitlines()
        if line.startswith("# ")
    ]
    assert len(h1) == 1, f"exactly one H1 title expected, found {h1}"
    assert "What you will learn" in first.source, "the opening lacks 'What you will learn'"
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and framework_of(code[0]) is None and "import d2lutils" in code[0].source, (
        "the first code cell must be the shared setup cell importing d2lutils"
    )
    headings = [
        line
        for c in nb.cells
        if c.cell_type == "markdown"
        for line in c.source.splitlines()
        if line.startswith("## ")
    ]
    for needed in ("## Summary", "## Exercises"):
        assert needed in headings, f"missing section {needed!r}"


def _sections(nb):
    """Split cells into (heading, cells) at each '## ' heading (the opening is '(opening)')."""
    sections, heading, cells = [], "(opening)", []
    for cell in nb.cells:
        new = (
            [ln for ln in cell.source.splitlines() if ln.startswith("## ")]
            if cell.cell_type == "markdown"
            else []
        )
        if new:
            sections.append((heading, cells))
            heading, cells = new[-1], []
        cells.append(cell)
    sections.append((heading, cells))
    return sections


@pytest.mark.parametrize("md", SOURCES, ids=IDS)
def test_sections_have_both_frameworks(md):
    nb = read(md)
    assert any(framework_of(c) for c in nb.cells), "the notebook has no framework cells"
    for heading, cells in _sections(nb):
        present = {framework_of(c) for c in cells} - {None}
        if present:
            assert present == set(FRAMEWORKS), f"section {heading!r} has code for {sorted(present)} only"


@pytest.mark.parametrize("md", SOURCES, ids=IDS)
def test_names_not_shared(md):
    """No top-level name is bound by both a PyTorch cell and a TensorFlow cell."""
    nb = read(md)
    bound = {fw: set() for fw in FRAMEWORKS}
    for cell in nb.cells:
        fw = framework_of(cell)
        if fw and cell.cell_type == "code":
            bound[fw] |= top_level_bindings(cell.source)
    clash = bound["pytorch"] & bound["tensorflow"]
    assert not clash, f"bound in both frameworks (suffix them _pt/_tf): {sorted(clash)}"


@pytest.mark.parametrize("md", SOURCES, ids=IDS)
def test_cells_have_one_framework_at_most(md):
    nb = read(md)
    both = [i for i, c in enumerate(nb.cells) if set(FRAMEWORKS) <= set(tags(c))]
    assert not both, f"cells {both} are tagged with both frameworks"


@pytest.mark.parametrize("md", SOURCES, ids=IDS)
def test_no_cell_is_meant_to_raise(md):
    """'Run all' in Jupyter and Colab stops at an error: errors are caught and printed instead."""
    nb = read(md)
    raising = [i for i, c in enumerate(nb.cells) if "raises-exception" in tags(c)]
    assert not raising, f"cells {raising} are tagged raises-exception; catch and print the error"


def single_framework_tab_sets(nb):
    """Tab sets with one framework only and no ``framework_only`` reason: [(first cell, framework)]."""
    return [
        (start, next(iter(run)))
        for start, run in tab_sets(nb)
        if len(run) == 1 and not framework_only_reason(next(iter(run.values())))
    ]


@pytest.mark.parametrize("md", SOURCES, ids=IDS)
def test_every_tab_set_has_both_frameworks(md):
    """A reader who picks TensorFlow sees TensorFlow: each step is one tab set with both tabs.

    A step that exists in one framework only carries ``framework_only: <reason>`` in the
    metadata of one of its cells.
    """
    lonely = single_framework_tab_sets(read(md))
    assert not lonely, (
        f"{len(lonely)} tab sets hold one framework only (first cell index, framework): {lonely}; "
        "move the framework's prose into its tab (tag the Markdown cell) or add the other framework"
    )


@pytest.mark.parametrize("md", SOURCES, ids=IDS)
def test_framework_markdown_has_no_heading(md):
    """A heading inside a tab would cut the page's sections apart: headings are shared."""
    nb = read(md)
    bad = [
        i
        for i, c in enumerate(nb.cells)
        if c.cell_type == "markdown"
        and framework_of(c)
        and any(line.lstrip().startswith("#") for line in c.source.splitlines())
    ]
    assert not bad, f"framework Markdown cells {bad} contain a heading; put the heading in a shared cell"


def unchecked_error_demos(source):
    """Line numbers of ``try`` blocks whose ``else`` does not raise (the error could vanish unseen)."""
    found = []
    for node in ast.walk(parse_cell(source)):
        if isinstance(node, ast.Try) and node.handlers:
            raises = any(isinstance(n, ast.Raise) for stmt in node.orelse for n in ast.walk(stmt))
            if not raises:
                found.append(node.lineno)
    return found


@pytest.mark.parametrize("md", SOURCES, ids=IDS)
def test_error_demonstrations_fail_when_the_error_stops(md):
    """A cell that shows an error uses ``d2l.expect_error`` or a ``try/except/else: raise``."""
    nb = read(md)
    bad = {i: unchecked_error_demos(c.source) for i, c in enumerate(nb.cells) if c.cell_type == "code"}
    bad = {i: lines for i, lines in bad.items() if lines}
    assert not bad, f"cells {sorted(bad)} catch an error without checking it happened; use d2l.expect_error"


def _parameter_assignments(nb):
    cell = next((c for c in nb.cells if c.cell_type == "code" and "parameters" in tags(c)), None)
    if cell is None:
        return {}
    values = {}
    for stmt in ast.parse(cell.source).body:
        if isinstance(stmt, ast.Assign):
            for target in stmt.targets:
                if isinstance(target, ast.Name):
                    values[target.id] = ast.literal_eval(stmt.value)
    return values


@pytest.mark.parametrize("md", SOURCES, ids=IDS)
def test_smoke_keys_are_parameters_that_change_something(md):
    nb = read(md)
    smoke = smoke_parameters(nb)
    defaults = _parameter_assignments(nb)
    unknown = sorted(set(smoke) - set(defaults))
    assert not unknown, f"d2l.smoke sets {unknown}, which the parameters cell does not assign"
    same = sorted(key for key, value in smoke.items() if defaults[key] == value)
    assert not same, f"d2l.smoke sets {same} to their book-profile values: the entry changes nothing"
