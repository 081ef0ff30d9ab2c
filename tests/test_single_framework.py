"""The single-framework notebooks (tests/single_framework.py): up to date, clean, runnable alone."""

import importlib.util
import os
import textwrap

import nbformat
import pytest

from tests.nbtools import FRAMEWORKS, NOTEBOOK_DIR, ROOT, execute, read, smoke_parameters, tab_sets, tags
from tests.single_framework import (
    EXCLUDED_CHAPTERS,
    FRAMEWORK_MODULES,
    foreign_uses,
    generate,
    section_sources,
    single_path,
    split,
    stale,
    undefined_names,
)

SOURCES = section_sources()
CASES = [(md, fw) for md in SOURCES for fw in FRAMEWORKS]
IDS = [f"{md.relative_to(NOTEBOOK_DIR).with_suffix('')}-{fw}" for md, fw in CASES]
#: quick notebooks whose single-framework versions really run, each without the other framework
RUN = ["06-convolutional-neural-networks/05-pooling.md", "05-deep-learning-computation/04-custom-layer.md"]


def test_every_section_has_both_versions():
    assert SOURCES, "no section notebooks found"
    assert all(md.parent.name not in EXCLUDED_CHAPTERS for md in SOURCES)
    missing = [
        str(single_path(md, fw).relative_to(ROOT)) for md, fw in CASES if not single_path(md, fw).exists()
    ]
    assert not missing, f"missing single-framework notebooks {missing}: run `make single`"
    assert not stale(), f"single-framework notebooks without a source: {stale()}; run `make single`"


def test_committed_versions_are_up_to_date(tmp_path):
    written = generate(SOURCES, out_root=tmp_path)
    outdated = [
        str(path.relative_to(tmp_path))
        for path in written
        if not (ROOT / path.relative_to(tmp_path)).exists()
        or (ROOT / path.relative_to(tmp_path)).read_bytes() != path.read_bytes()
    ]
    assert not outdated, f"{outdated} differ from their sources: run `make single` and commit them"


@pytest.mark.parametrize(("md", "framework"), CASES, ids=IDS)
def test_version_is_output_free_and_one_framework(md, framework):
    nb = nbformat.read(single_path(md, framework), as_version=4)
    assert nb.metadata["d2l"]["framework"] == framework
    assert "jupytext" not in nb.metadata, "a single-framework notebook is paired with nothing"
    other = next(fw for fw in FRAMEWORKS if fw != framework)
    assert not [i for i, c in enumerate(nb.cells) if other in tags(c)], f"{other} cells left in"
    assert not tab_sets(nb), "framework tags left in: the cells would group into one-framework tab sets"
    dirty = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and (c.outputs or c.execution_count)]
    assert not dirty, f"cells {dirty} carry outputs"
    foreign = {i: foreign_uses(c.source, framework) for i, c in enumerate(nb.cells) if c.cell_type == "code"}
    foreign = {i: uses for i, uses in foreign.items() if uses}
    assert not foreign, f"cells of the {framework} version use the other framework: {foreign}"
    setup = [c for c in nb.cells if c.cell_type == "code"][0]
    assert "import d2lutils as d2l" in setup.source, "the setup cell comes first"


@pytest.mark.parametrize(("md", "framework"), CASES, ids=IDS)
def test_every_name_is_bound_before_use(md, framework):
    """Static: each name a kept cell reads is bound by an earlier kept cell, or a builtin."""
    nb = nbformat.read(single_path(md, framework), as_version=4)
    assert not undefined_names(nb), f"names used before any kept cell binds them: {undefined_names(nb)}"


def test_shared_comparison_cells_are_dropped():
    nb = nbformat.v4.new_notebook()
    new = nbformat.v4.new_code_cell
    nb.cells = [
        new("import numpy as np"),
        new("x_pt = 1", metadata={"tags": ["pytorch"]}),
        new("x_tf = 1", metadata={"tags": ["tensorflow"]}),
        new("print(x_pt == x_tf)\ny = 2"),  # compares: dropped from both versions
        new("print(y)"),  # uses a name bound only by the dropped cell: dropped too
        new("z = np.zeros(x_pt)\nprint(z, x_tf)", metadata={"tags": ["nbval-check-output"]}),
        new("print(z)", metadata={"tags": ["pytorch"]}),  # needs z: the binding is rescued
        new("print(np.ones(2))"),
    ]
    kept, dropped = split(nb, "pytorch")
    assert [i for i, _ in dropped] == [3, 4, 5]
    assert [c.source for _, c in kept] == [
        "import numpy as np",
        "x_pt = 1",
        "z = np.zeros(x_pt)",
        "print(z)",
        "print(np.ones(2))",
    ]
    assert "tags" not in kept[2][1].metadata
    kept_tf, _ = split(nb, "tensorflow")
    assert [i for i, _ in kept_tf] == [0, 2, 7]  # z needs x_pt: nothing to rescue


def test_foreign_uses():
    assert foreign_uses("import keras\nfrom tensorflow import nn", "pytorch") == [
        "imports keras",
        "imports tensorflow",
    ]
    assert foreign_uses("from d2lutils import tensorflow as d2l_tf", "pytorch")
    assert foreign_uses("d2l_pt.train(net)", "tensorflow") == ["uses d2l_pt"]
    assert not foreign_uses("import torch\nimport d2lutils as d2l\n%pip install x", "pytorch")
    assert "d2lutils.torch" in FRAMEWORK_MODULES["pytorch"]


def _extension():
    spec = importlib.util.spec_from_file_location(
        "single_framework_ext", ROOT / "book/_ext/single_framework.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_site_links():
    ext = _extension()
    assert (
        ext.github_repository("https://github.com/d2l-paired/d2l-paired-book") == "d2l-paired/d2l-paired-book"
    )
    assert ext.github_repository("https://github.com/o/r.git/") == "o/r"
    assert ext.github_repository("https://gitlab.com/o/r") is None
    path = "notebooks/06-convolutional-neural-networks/single/05-pooling-pytorch.ipynb"
    assert ext.links("o/r", "main", path) == (
        f"https://raw.githubusercontent.com/o/r/main/{path}",
        f"https://colab.research.google.com/github/o/r/blob/main/{path}",
    )
    md = NOTEBOOK_DIR / "06-convolutional-neural-networks/05-pooling.md"
    assert ext.single_notebooks(md) == {fw: single_path(md, fw) for fw in FRAMEWORKS}
    assert ext.single_notebooks(NOTEBOOK_DIR / "00-concordance/01-concordance.md") == {}
    assert ext.SINGLE_DIR == "single" and list(ext.FRAMEWORKS) == list(FRAMEWORKS)


#: sitecustomize for the kernel of a real run: the other framework cannot be imported
BLOCKER = textwrap.dedent(
    """
    import sys

    BLOCKED = {blocked!r}


    class _Blocker:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in BLOCKED:
                raise ImportError(f"{{name}} is not installed in this kernel (single-framework test)")
            return None


    sys.meta_path.insert(0, _Blocker())
    """
)


@pytest.mark.notebooks
@pytest.mark.parametrize("framework", FRAMEWORKS)
@pytest.mark.parametrize("relative", RUN)
def test_version_runs_without_the_other_framework(relative, framework, tmp_path, monkeypatch):
    md = NOTEBOOK_DIR / relative
    other = next(fw for fw in FRAMEWORKS if fw != framework)
    blocked = sorted(m for m in FRAMEWORK_MODULES[other] if "." not in m)
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(BLOCKER.format(blocked=blocked))
    probe = tmp_path / "probe.ipynb"
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        nbformat.v4.new_code_cell(
            "import importlib\n"
            f"for name in {blocked!r}:\n"
            "    try:\n"
            "        importlib.import_module(name)\n"
            "    except ImportError:\n"
            "        pass\n"
            "    else:\n"
            "        raise AssertionError(f'{name} imported')\n"
            "print('blocked')"
        ),
    ]
    nbformat.write(nb, probe)
    pythonpath = os.pathsep.join(p for p in (str(site), os.environ.get("PYTHONPATH", "")) if p)
    monkeypatch.setenv("PYTHONPATH", pythonpath)
    execute(probe, tmp_path / "probe-out.ipynb", cwd=tmp_path)  # the blocker is in effect
    output = tmp_path / "out" / single_path(md, framework).name
    execute(single_path(md, framework), output, smoke_parameters(read(md)), cwd=tmp_path)
    ran = nbformat.read(output, as_version=4)
    probe_out = nbformat.read(tmp_path / "probe-out.ipynb", as_version=4)
    assert "blocked" in probe_out.cells[0].outputs[0]["text"]
    assert sum(1 for c in ran.cells if c.cell_type == "code" and c.outputs) > 3
