"""Sphinx extension: link each section page to its PyTorch-only and TensorFlow-only notebooks.

``make single`` (``tests/single_framework.py``) writes, for every section notebook
``notebooks/<chapter>/NN-section.md``, the output-free notebooks
``notebooks/<chapter>/single/NN-section-pytorch.ipynb`` and ``...-tensorflow.ipynb``, which
are committed. On a page whose two single-framework notebooks exist, this extension adds a
small admonition under the title:

    This section for one framework: PyTorch (download, Open in Colab) ·
    TensorFlow (download, Open in Colab)

"download" points at the raw file on GitHub, "Open in Colab" at Colab's GitHub loader,
``https://colab.research.google.com/github/<owner>/<repo>/blob/<branch>/<path>``. Both are
built from ``_config.yml``'s ``repository`` (``url``, ``branch``, ``path_to_book``), which
Jupyter Book passes on as the theme options ``repository_url``, ``repository_branch`` and
``path_to_docs``. Without a GitHub repository URL no links are added. The ``single/``
notebooks are never pages themselves: ``_config.yml`` excludes ``**/*.ipynb`` and only
builds the files in ``_toc.yml``.
"""

from pathlib import Path, PurePosixPath
from urllib.parse import urlparse

from docutils import nodes

SINGLE_DIR = "single"
#: framework -> label, in link order
FRAMEWORKS = {"pytorch": "PyTorch", "tensorflow": "TensorFlow"}
COLAB = "https://colab.research.google.com/github"
RAW = "https://raw.githubusercontent.com"


def github_repository(url):
    """``owner/repo`` of a GitHub URL, or None."""
    parsed = urlparse(url or "")
    parts = [p for p in parsed.path.split("/") if p]
    if parsed.netloc not in ("github.com", "www.github.com") or len(parts) < 2:
        return None
    return f"{parts[0]}/{parts[1].removesuffix('.git')}"


def links(repository, branch, path):
    """``(download URL, Colab URL)`` of the file ``path`` (relative to the repository root)."""
    return f"{RAW}/{repository}/{branch}/{path}", f"{COLAB}/{repository}/blob/{branch}/{path}"


def single_notebooks(source):
    """``{framework: path}`` of the single-framework notebooks of the page source, if all exist."""
    source = Path(source)
    found = {fw: source.parent / SINGLE_DIR / f"{source.stem}-{fw}.ipynb" for fw in FRAMEWORKS}
    return found if all(p.exists() for p in found.values()) else {}


def _reference(text, uri):
    return nodes.reference(text, text, refuri=uri, internal=False)


def links_node(repository, branch, paths):
    """The admonition: one entry per framework, each with its download and Colab links."""
    para = nodes.paragraph()
    para += nodes.Text("This section for one framework: ")
    for n, (framework, path) in enumerate(paths.items()):
        download, colab = links(repository, branch, path)
        if n:
            para += nodes.Text(" · ")
        para += nodes.strong(FRAMEWORKS[framework], FRAMEWORKS[framework])
        para += nodes.Text(" (")
        para += _reference("download", download)
        para += nodes.Text(", ")
        para += _reference("Open in Colab", colab)
        para += nodes.Text(")")
    return nodes.container("", para, classes=["admonition", "tip", "single-framework"])


def add_links(app, doctree):
    options = app.config.html_theme_options or {}
    repository = github_repository(options.get("repository_url"))
    if repository is None:
        return
    source = Path(app.env.doc2path(app.env.docname))
    found = single_notebooks(source)
    if not found:
        return
    prefix = PurePosixPath(options.get("path_to_docs") or "")
    srcdir = Path(app.srcdir)
    paths = {fw: str(prefix / path.relative_to(srcdir).as_posix()) for fw, path in found.items()}
    node = links_node(repository, options.get("repository_branch") or "main", paths)
    section = next(iter(doctree.findall(nodes.section)), None)
    if section is None:
        doctree.insert(0, node)
        return
    titles = [i for i, child in enumerate(section.children) if isinstance(child, nodes.title)]
    section.insert(titles[0] + 1 if titles else 0, node)


def setup(app):
    app.connect("doctree-read", add_links)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
