"""The notebook harness must be able to fail: broken notebooks are caught, good ones pass."""

import nbformat
import pytest
from papermill.exceptions import PapermillExecutionError

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
