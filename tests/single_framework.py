"""Single-framework notebooks: a PyTorch-only and a TensorFlow-only version of every section.

For a reader who wants one framework, every section notebook (``notebooks/<chapter>/NN-*.md``)
gets two output-free notebooks, ``notebooks/<chapter>/single/<section>-pytorch.ipynb`` and
``...-tensorflow.ipynb``, committed so that Colab opens them from GitHub. A version keeps the
shared cells (untagged code and Markdown, the setup cell among them) and its own framework's
cells, and drops the other framework's cells, code and Markdown.

A shared code cell that uses a name bound only by the dropped framework's cells (a comparison
such as ``np.testing.assert_allclose(y_pt.numpy(), y_tf.numpy())``) is dropped too, and so,
in turn, is a shared cell that uses a name bound only by such a dropped cell. The analysis is
static (the AST of every cell; IPython ``%``/``!`` lines count as ``pass``).

``notebooks/00-concordance`` is left out: its shared cells compare the two frameworks on
purpose, so there is no one-framework reading of it.

(Re)generate with ``make single`` (also part of ``make sync``)::

    python -m tests.single_framework
"""

import ast
import builtins
import copy
import hashlib
import sys
from pathlib import Path

import jupytext
from nbformat.v4 import new_markdown_cell

from tests.nbtools import FRAMEWORKS, NOTEBOOK_DIR, ROOT, framework_of, notebook_sources, parse_cell, tags

#: chapters whose notebooks get no single-framework versions (see the module docstring)
EXCLUDED_CHAPTERS = ("00-concordance",)
SINGLE_DIR = "single"
LABELS = {"pytorch": "PyTorch", "tensorflow": "TensorFlow"}
#: names every IPython kernel provides without an import
IPYTHON_NAMES = {"display", "get_ipython", "In", "Out", "exit", "quit"}
#: modules (top-level names) and helper aliases that belong to one framework
FRAMEWORK_MODULES = {
    "pytorch": {"torch", "torchvision", "d2lutils.torch"},
    "tensorflow": {"tensorflow", "keras", "d2lutils.tensorflow"},
}
FRAMEWORK_HELPERS = {"pytorch": "d2l_pt", "tensorflow": "d2l_tf"}


def other(framework):
    return next(fw for fw in FRAMEWORKS if fw != framework)


def section_sources(root=NOTEBOOK_DIR):
    """The section notebooks that get single-framework versions, sorted."""
    return [
        md
        for md in notebook_sources(root)
        if md.name[:2].isdigit() and md.parent.name not in EXCLUDED_CHAPTERS and SINGLE_DIR not in md.parts
    ]


def single_path(md, framework):
    """Where the ``framework`` version of the notebook ``md`` lives."""
    md = Path(md)
    return md.parent / SINGLE_DIR / f"{md.stem}-{framework}.ipynb"


parse = parse_cell  # the AST of a cell's source, IPython magics and shell lines as ``pass``


_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def bound_names(tree):
    """Names a cell binds in the notebook's namespace (its module scope), ``_`` names included.

    Assignments, loop and ``with`` targets, imports, ``def``/``class``, ``except ... as``,
    walrus, and names a function declares ``global``. Function, class and lambda bodies and
    comprehensions have scopes of their own and are not entered (except for ``global``).
    """
    names = set()

    def visit(node):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                names.add(child.name)
                for inner in ast.walk(child):
                    if isinstance(inner, ast.Global):
                        names.update(inner.names)
                continue
            if isinstance(child, (ast.Lambda, *_COMPREHENSIONS)):
                continue
            if isinstance(child, ast.Name) and isinstance(child.ctx, ast.Store):
                names.add(child.id)
            elif isinstance(child, ast.Import | ast.ImportFrom):
                for alias in child.names:
                    if alias.name != "*":
                        names.add((alias.asname or alias.name).split(".")[0])
            elif isinstance(child, ast.ExceptHandler) and child.name:
                names.add(child.name)
            visit(child)

    visit(tree)
    return names


def used_names(tree):
    """Free names of a cell: names it reads that it does not bind anywhere itself.

    Conservative in one direction: a name the cell binds anywhere (module scope, a function's
    parameters or locals, a comprehension target) counts as its own, even where the read
    comes first. So the result never holds a name the cell defines, and every name it holds
    must come from an earlier cell, an import or the builtins.
    """
    loads, local = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (loads if isinstance(node.ctx, ast.Load) else local).add(node.id)
        elif isinstance(node, ast.arg):
            local.add(node.arg)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            local.add(node.name)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            local.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            local.add(node.name)
        elif isinstance(node, ast.Global | ast.Nonlocal):
            local.update(node.names)
    return loads - local


def imported_modules(tree):
    """Top-level module names a cell imports (``import a.b`` and ``from a.b import c`` give ``a``)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
            if node.module == "d2lutils":  # from d2lutils import torch as d2l_pt
                found.update(f"d2lutils.{alias.name}" for alias in node.names)
    return found


def foreign_uses(source, framework):
    """What a code cell of the ``framework`` version uses of the other framework, as strings."""
    gone = other(framework)
    tree = parse(source)
    found = []
    modules = imported_modules(tree)
    for module in sorted(modules):
        if (
            module in FRAMEWORK_MODULES[gone]
            or module == f"d2lutils.{'torch' if gone == 'pytorch' else gone}"
        ):
            found.append(f"imports {module}")
    helper = FRAMEWORK_HELPERS[gone]
    if helper in used_names(tree) | bound_names(tree):
        found.append(f"uses {helper}")
    return found


def split(nb, framework):
    """The cells of the ``framework`` version of ``nb``, and the shared code cells dropped.

    Returns ``(kept, dropped_shared)``: lists of ``(index in nb, cell)``. Where a kept cell
    needs a name that only a dropped shared cell binds (a comparison cell that also makes the
    input a later cell uses), the kept list holds, in that cell's place, a copy reduced to the
    statements that bind the name (see :func:`_rescue`).
    """
    gone = other(framework)
    cells = list(enumerate(nb.cells))
    trees = {i: parse(c.source) for i, c in cells if c.cell_type == "code"}
    dropped = {i for i, c in cells if framework_of(c) == gone}
    while True:  # a shared cell dropped can make a later shared cell lose its names in turn
        kept_bound = set().union(*(bound_names(trees[i]) for i in trees if i not in dropped))
        lost = set().union(*(bound_names(trees[i]) for i in trees if i in dropped)) - kept_bound
        more = {
            i
            for i, c in cells
            if i in trees and i not in dropped and framework_of(c) is None and used_names(trees[i]) & lost
        }
        if not more:
            break
        dropped |= more
    kept = [(i, c) for i, c in cells if i not in dropped]
    for d in sorted(i for i in dropped if framework_of(nb.cells[i]) is None):
        before = set().union(*(bound_names(trees[i]) for i, _ in kept if i < d and i in trees))
        after = set().union(*(used_names(trees[i]) for i, _ in kept if i > d and i in trees))
        needed = (bound_names(trees[d]) & after) - before
        rescued = _rescue(nb.cells[d], trees[d], needed, lost) if needed else None
        if rescued is not None:
            kept = sorted([*kept, (d, rescued)], key=lambda pair: pair[0])
    shared_dropped = [(i, c) for i, c in cells if i in dropped and framework_of(c) is None]
    return kept, shared_dropped


def _rescue(cell, tree, needed, lost):
    """A copy of a dropped shared code cell with only the statements that bind ``needed``.

    Takes the top-level statements that bind a needed name, and those they depend on within
    the cell; returns None when one of them uses a ``lost`` name (nothing can be rescued).
    The copy loses the ``nbval-check-output`` tag: its output is not the original's.
    """
    lines = cell.source.splitlines()
    want, chosen = set(needed), []
    for stmt in reversed(tree.body):
        single = ast.Module(body=[stmt], type_ignores=[])
        if bound_names(single) & want:
            if used_names(single) & lost:
                return None
            chosen.append(stmt)
            want |= used_names(single)
    if not chosen:
        return None
    source = "\n".join("\n".join(lines[s.lineno - 1 : s.end_lineno]) for s in reversed(chosen))
    rescued = copy.deepcopy(cell)
    rescued.source = source
    cell_tags = [t for t in tags(cell) if t != "nbval-check-output"]
    if cell_tags:
        rescued.metadata["tags"] = cell_tags
    else:
        rescued.metadata.pop("tags", None)
    return rescued


def _cell_id(framework, index, cell):
    digest = hashlib.sha1(f"{framework}\0{index}\0{cell.cell_type}\0{cell.source}".encode()).hexdigest()
    return digest[:8]


def _note(md, framework):
    relative = Path(md).relative_to(ROOT).with_suffix(".ipynb").as_posix()
    return (
        f"*The {LABELS[framework]}-only version of this section: the {LABELS[other(framework)]} "
        f"cells are left out. Generated from `{relative}` (both frameworks side by side) by "
        "`make single`; edit that notebook, not this one.*"
    )


def build(md, framework):
    """The ``framework`` version of the notebook ``md``, as a jupytext/nbformat notebook."""
    nb = jupytext.read(md)
    kept, _ = split(nb, framework)
    out = copy.deepcopy(nb)
    out.metadata.pop("jupytext", None)  # a plain notebook, paired with nothing
    out.metadata.setdefault("d2l", {})["framework"] = framework
    cells = []
    for n, (_, cell) in enumerate(kept):
        cell = copy.deepcopy(cell)
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        # One framework throughout (``d2l.framework``): its cells are plain cells here, so
        # nothing groups them into one-framework tab sets.
        kept_tags = [t for t in tags(cell) if t not in FRAMEWORKS]
        if kept_tags:
            cell.metadata["tags"] = kept_tags
        else:
            cell.metadata.pop("tags", None)
        cells.append(cell)
        if n == 0 and cell.cell_type == "markdown":  # after the title and the opening
            cells.append(new_markdown_cell(_note(md, framework)))
    for n, cell in enumerate(cells):
        cell["id"] = _cell_id(framework, n, cell)
    out.cells = cells
    return out


def write(md, framework, path=None):
    """Write the ``framework`` version of ``md`` (default: :func:`single_path`); return the path."""
    path = Path(path or single_path(md, framework))
    path.parent.mkdir(parents=True, exist_ok=True)
    text = jupytext.writes(build(md, framework), fmt="ipynb")
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")
    return path


def generate(sources=None, out_root=None):
    """Write both versions of every section notebook; return the paths written.

    ``out_root`` replaces the repository root in the destination paths (for the up-to-date
    check, which writes into a temporary folder).
    """
    written = []
    for md in sources if sources is not None else section_sources():
        for framework in FRAMEWORKS:
            path = single_path(md, framework)
            if out_root is not None:
                path = Path(out_root) / path.relative_to(ROOT)
            written.append(write(md, framework, path))
    return written


def undefined_names(nb):
    """Names a code cell uses before any earlier cell (or the cell itself) binds them.

    Returns ``[(index, sorted names)]``. A name counts as available once an earlier code cell
    binds it (the ``parameters`` cell included), or when it is a builtin or one of
    :data:`IPYTHON_NAMES`.
    """
    available = set(dir(builtins)) | IPYTHON_NAMES
    problems = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        tree = parse(cell.source)
        missing = used_names(tree) - available
        if missing:
            problems.append((i, sorted(missing)))
        available |= bound_names(tree)
    return problems


def stale(root=NOTEBOOK_DIR):
    """Single-framework notebooks whose source is gone (removed by :func:`main`)."""
    expected = {single_path(md, fw) for md in section_sources(root) for fw in FRAMEWORKS}
    return sorted(p for p in root.glob(f"*/{SINGLE_DIR}/*.ipynb") if p not in expected)


def main(argv=None):
    written = generate()
    for path in stale():
        path.unlink()
        print(f"removed {path.relative_to(ROOT)}")
    total = {fw: sum(p.stat().st_size for p in written if p.stem.endswith(fw)) for fw in FRAMEWORKS}
    print(
        f"{len(written)} single-framework notebooks in notebooks/*/{SINGLE_DIR}/ "
        + ", ".join(f"{LABELS[fw]} {total[fw]} bytes" for fw in FRAMEWORKS)
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
