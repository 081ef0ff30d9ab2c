"""Sphinx extension: every notebook page ends with the versions it was executed with, and when.

The versions are those of the build environment (the kernel runs in the same virtual
environment), read with ``importlib.metadata``; the date is myst-nb's execution record for
the page (the jupyter-cache record's creation time when the outputs come from the cache,
the run's time when it executed now). A build that does not execute (``make site``) says so.
Plain pages (no kernel) get no line.
"""

import importlib.metadata
import platform
from datetime import datetime, timezone

from docutils import nodes

#: label -> distribution names to try, first installed wins (TensorFlow ships under several)
PACKAGES = {
    "PyTorch": ("torch",),
    "TensorFlow": ("tensorflow", "tensorflow-cpu", "tensorflow-macos", "tf-nightly"),
    "Keras": ("keras",),
    "d2lutils": ("d2lutils",),
}

CSS_CLASS = "page-versions"


def _version(distributions):
    for name in distributions:
        try:
            return importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return None


def environment_versions():
    """[(label, version)] for Python and each of PACKAGES that is installed, in order."""
    found = [("Python", platform.python_version())]
    for label, distributions in PACKAGES.items():
        version = _version(distributions)
        if version is not None:
            found.append((label, version))
    return found


def versions_line(versions, exec_data):
    """The sentence for one page, from environment_versions() and myst-nb's execution data."""
    listed = ", ".join(f"{label} {version}" for label, version in versions)
    mtime = (exec_data or {}).get("mtime")
    if mtime is None:
        return f"Built with {listed}; not executed in this build."
    day = datetime.fromtimestamp(mtime, tz=timezone.utc).strftime("%Y-%m-%d")
    return f"Executed with {listed} on {day}."


def _is_notebook(env, docname):
    # myst-nb stores the kernelspec of every page it parses as a notebook (plain pages have none)
    return "kernelspec" in env.metadata.get(docname, {})


def _exec_data(env, docname):
    return getattr(env, "nb_metadata", {}).get(docname, {}).get("exec_data")


def add_versions_line(app, doctree):
    env = app.env
    if not _is_notebook(env, env.docname):
        return
    text = versions_line(app.config.page_versions, _exec_data(env, env.docname))
    doctree.append(nodes.paragraph(text, text, classes=[CSS_CLASS]))


def setup(app):
    # computed once per build; a config value so that a test can pin it
    app.add_config_value("page_versions", environment_versions(), "env")
    # doctree-read runs right after myst-nb parsed (and possibly executed) the page
    app.connect("doctree-read", add_versions_line)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
