"""TensorFlow's oneDNN kernels on, their start-up notice out of notebook outputs."""

import os

import nbformat
import pytest

from d2lutils import quiet_import
from tests.nbtools import execute, write_notebook


def test_filtered_stderr_drops_only_the_notices(capfd):
    with quiet_import.filtered_stderr():
        os.write(2, b"I0000 port.cc:153] oneDNN custom operations are on. You may see...\n")
        os.write(2, b"a real warning\n")
    err = capfd.readouterr().err
    assert "a real warning" in err
    assert "oneDNN" not in err


def test_filtered_stderr_restores_fd2_after_an_error(capfd):
    with pytest.raises(RuntimeError), quiet_import.filtered_stderr():
        raise RuntimeError("boom")
    os.write(2, b"after\n")
    assert "after" in capfd.readouterr().err


@pytest.mark.notebooks
def test_tensorflow_import_in_a_notebook_is_quiet(tmp_path):
    """Without the hook the kernel's first output is the notice (checked by hand: two lines)."""
    source = tmp_path / "t.ipynb"
    write_notebook(
        source,
        # torch._dynamo (imported with torchvision) asks importlib.util.find_spec("tensorflow")
        # first: that lookup alone must not use up the one-shot hook.
        "import importlib.util, os, time\nimport d2lutils\nimportlib.util.find_spec('tensorflow')\n"
        "import tensorflow as tf\n"
        # ipykernel forwards fd 2 from a thread: give it time to deliver anything written
        "time.sleep(2)\nprint(os.environ['TF_ENABLE_ONEDNN_OPTS'], tf.__version__)",
    )
    execute(source, tmp_path / "out.ipynb")
    outputs = nbformat.read(tmp_path / "out.ipynb", as_version=4).cells[0].outputs
    text = "".join(out.get("text", "") for out in outputs)
    assert text.startswith("1 "), text
    assert "oneDNN" not in text and "absl" not in text, text
