"""Import TensorFlow with its fast oneDNN CPU kernels, without its start-up notice.

TensorFlow's oneDNN kernels run this book's convolutions 2-3x faster and its GRUs 1.6x
faster on a CPU (measured in "Modern convolutional neural networks" and "Recurrent neural
networks"), but with them on, ``import tensorflow`` writes a notice to the process's
standard error from C++ (``I0000 ... oneDNN custom operations are on ...``), below
every log level that ``TF_CPP_MIN_LOG_LEVEL`` hides. Jupyter copies that file descriptor
into the notebook, so the notice would open every TensorFlow notebook's output.

:func:`install` (called by ``import d2lutils``) registers a one-shot import hook: the next
``import tensorflow``, wherever it happens, runs with file descriptor 2 pointed at a
temporary file; afterwards every line of it except the known notices is written back to
standard error, so real warnings and errors still reach the reader. Nothing changes once
TensorFlow is imported, and a reader who sets ``TF_ENABLE_ONEDNN_OPTS=0`` gets the plain
kernels (explained in "Modern convolutional neural networks").

The same hook keeps PyTorch and TensorFlow safe in one process. PyTorch's Linux wheels
bring Triton (its GPU compiler), which PyTorch imports lazily, e.g. at the first optimizer
step. Importing Triton *after* TensorFlow crashes the process with a segmentation fault
(measured with torch 2.14.1, triton 3.8.0, tensorflow-cpu 2.21: ``import tensorflow,
triton`` dies; ``import triton, tensorflow`` works), and every notebook of this book holds
both frameworks. So the hook imports Triton, when it is installed, just before TensorFlow
(0.3 s). If TensorFlow was imported before ``d2lutils``, :func:`install` marks Triton as
unavailable instead, so PyTorch never tries to load it (it then compiles for the CPU only).
"""

import contextlib
import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
import tempfile

#: Lines TensorFlow writes to fd 2 at import that carry no information for a reader.
NOTICES = (
    "oneDNN custom operations are on",
    "All log messages before absl::InitializeLog() is called are written to STDERR",
)


@contextlib.contextmanager
def filtered_stderr(notices=NOTICES):
    """Send fd 2 to a temporary file inside the block, then re-emit it minus ``notices``."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    try:
        saved = os.dup(2)
    except OSError:  # no standard error to filter (a daemon, say)
        yield
        return
    with tempfile.TemporaryFile() as capture:
        os.dup2(capture.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            capture.seek(0)
            text = capture.read().decode("utf-8", "replace")
            kept = [line for line in text.splitlines(keepends=True) if not any(n in line for n in notices)]
            if kept:
                sys.stderr.write("".join(kept))
                sys.stderr.flush()


def _triton_installed():
    return "triton" not in sys.modules and importlib.util.find_spec("triton") is not None


def _import_triton_first():
    """Import Triton (if installed) while TensorFlow is not loaded yet (see the module doc)."""
    if _triton_installed():
        with contextlib.suppress(Exception):
            importlib.import_module("triton")


class _QuietLoader(importlib.abc.Loader):
    """Runs the wrapped loader's ``exec_module`` inside :func:`filtered_stderr`."""

    def __init__(self, inner):
        self._inner = inner

    def create_module(self, spec):
        return self._inner.create_module(spec)

    def exec_module(self, module):
        uninstall()  # here, not in find_spec: importlib.util.find_spec() alone must not end it
        _import_triton_first()
        with filtered_stderr():
            self._inner.exec_module(module)

    def __getattr__(self, name):  # resource readers, get_filename, ...
        return getattr(self._inner, name)


class _TensorFlowFinder(importlib.abc.MetaPathFinder):
    """Finds ``tensorflow`` with the other finders, once, and wraps its loader."""

    def find_spec(self, fullname, path, target=None):
        if fullname != "tensorflow":
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None:
            return None  # not installed: Python raises the usual ModuleNotFoundError
        spec.loader = _QuietLoader(spec.loader)
        return spec


_FINDER = _TensorFlowFinder()


def install():
    """Filter the next ``import tensorflow`` (no-op if TensorFlow is already imported).

    With TensorFlow already imported, Triton can no longer be loaded safely: it is marked
    as unavailable so that PyTorch does not try (see the module docstring).
    """
    if "tensorflow" in sys.modules:
        if _triton_installed():
            sys.modules["triton"] = None  # `import triton` now raises ImportError
        return
    if _FINDER not in sys.meta_path:
        sys.meta_path.insert(0, _FINDER)


def uninstall():
    """Remove the hook (it removes itself at the first ``import tensorflow``)."""
    with contextlib.suppress(ValueError):
        sys.meta_path.remove(_FINDER)
