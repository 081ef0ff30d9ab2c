"""The notebook harness must be able to fail: broken notebooks are caught, good ones pass."""

import nbformat
import pytest
from papermill.exceptions import PapermillExecutionError

from tests import golden
from tests.nbtools import execute, top_level_bindings, write_notebook

pytestmark = pytest.mark.notebooks


def test_broken_notebook_fails(tmp_path):
    nb = write_notebook(tmp_path / "broken.ipynb", ("x = 1", []), ("1 / 0", ["pytorch"]))
    with pytest.raises(PapermillExecutionError, match="ZeroDivisionError"):
        execute(nb, tmp_path / "out" / "broken.ipynb")


def test_silent_notebook_fails(tmp_path):
    nb = write_notebook(tmp_path / "silent.ipynb", ("x = 1", []))
    with pytest.raises(RuntimeError, match="produced no outputs"):
        execute(nb, tmp_path / "out" / "silent.ipynb")


def test_smoke_parameters_are_applied(tmp_path):
    nb = write_notebook(
        tmp_path / "p.ipynb", ("num_epochs = 10", ["parameters"]), ("print(f'epochs={num_epochs}')", [])
    )
    out = tmp_path / "out" / "p.ipynb"
    execute(nb, out, {"num_epochs": 1})
    printed = nbformat.read(out, as_version=4).cells[-1].outputs[0]["text"]
    assert printed.strip() == "epochs=1"


def test_smoke_parameters_need_a_parameters_cell(tmp_path):
    nb = write_notebook(tmp_path / "np.ipynb", ("print(1)", []))
    with pytest.raises(RuntimeError, match="no cell tagged 'parameters'"):
        execute(nb, tmp_path / "out" / "np.ipynb", {"num_epochs": 1})


def test_top_level_bindings():
    source = (
        "import torch\nfrom d2lutils import torch as d2l_pt\nx, (y, z) = 1, (2, 3)\n"
        "def f():\n    inner = 1\nfor i in range(3):\n    w = i\n_tmp = 4\n%timeit f()\n"
        "table[n, p] = 1\nobj.attr = 2\n"
    )
    assert top_level_bindings(source) == {"torch", "d2l_pt", "x", "y", "z", "f", "w"}


def _checked_notebook(path):
    return write_notebook(
        path,
        ("value = 1", ["parameters"]),
        ("print(f'value={value}', object())", ["nbval-check-output"]),
        ("print('not checked', value)", []),
    )


def test_golden_check_passes_on_the_same_output_and_fails_on_a_changed_one(tmp_path):
    nb = _checked_notebook(tmp_path / "g.ipynb")
    expected = tmp_path / "golden" / "g.json"
    execute(nb, tmp_path / "run1" / "g.ipynb")
    golden.write_golden(expected, nbformat.read(tmp_path / "run1" / "g.ipynb", as_version=4))
    # A second run prints another object address: sanitized, so still equal.
    execute(nb, tmp_path / "run2" / "g.ipynb")
    assert golden.compare(nbformat.read(tmp_path / "run2" / "g.ipynb", as_version=4), expected) == []
    # Same cell, different output: the check fails and names the cell.
    execute(nb, tmp_path / "run3" / "g.ipynb", {"value": 2})
    problems = golden.compare(nbformat.read(tmp_path / "run3" / "g.ipynb", as_version=4), expected)
    assert len(problems) == 1 and "value=2" in problems[0] and "value=1" in problems[0]


def test_golden_check_fails_without_an_expected_file(tmp_path):
    nb = _checked_notebook(tmp_path / "g.ipynb")
    execute(nb, tmp_path / "out" / "g.ipynb")
    executed = nbformat.read(tmp_path / "out" / "g.ipynb", as_version=4)
    problems = golden.compare(executed, tmp_path / "missing.json")
    assert problems and "make golden" in problems[0]


def test_sanitizers_hide_addresses_and_timings_only():
    assert golden.sanitize("<obj at 0x7f3a2b1c9d00>") == golden.sanitize("<obj at 0x55d0c0ffee11>")
    assert golden.sanitize("took 1.23 sec, 4567.8 examples/sec") == golden.sanitize(
        "took 9.9 sec, 12.0 examples/sec"
    )
    assert golden.sanitize("tensor([1., 2.])") != golden.sanitize("tensor([1., 3.])")


def test_split_stream_chunks_compare_equal():
    def nb(*texts):
        cell = nbformat.v4.new_code_cell("print('a b')")
        cell.metadata["tags"] = ["nbval-check-output"]
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=t) for t in texts]
        notebook = nbformat.v4.new_notebook()
        notebook.cells.append(cell)
        return notebook

    assert golden.checked_outputs(nb("a", " b\n")) == golden.checked_outputs(nb("a b\n"))
