"""What the structure checks and the notebook harness share: finding, reading and running notebooks."""

import ast
import contextlib
import os
import time
from pathlib import Path

import jupytext
import nbformat
import papermill

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
FRAMEWORKS = ("pytorch", "tensorflow")


def notebook_sources(root=NOTEBOOK_DIR):
    """Every notebook source (.md with a jupytext header) under ``root``, sorted."""
    found = []
    for md in sorted(root.rglob("*.md")):
        if ".ipynb_checkpoints" in md.parts:
            continue
        text = md.read_text(encoding="utf-8")
        front = text.split("\n---\n", 1)[0] if text.startswith("---\n") else ""
        if "\njupytext:" in front:  # jupytext sorts the front matter: `d2l:` may come first
            found.append(md)
    return found


def selected_sources(root=NOTEBOOK_DIR):
    """The notebooks under test: all, or only ``$D2L_NB`` (``make test NB=...``)."""
    chosen = os.environ.get("D2L_NB")
    if not chosen:
        return notebook_sources(root)
    path = (ROOT / chosen).resolve().with_suffix(".md")
    if not path.exists():
        raise FileNotFoundError(f"D2L_NB={chosen}: no notebook {path}")
    return [path]


def read(path):
    """Read a notebook (.md or .ipynb) with jupytext."""
    return jupytext.read(path)


def tags(cell):
    return cell.get("metadata", {}).get("tags", [])


def framework_of(cell):
    """'pytorch', 'tensorflow' or None (a shared cell: untagged code or Markdown)."""
    if cell.cell_type not in ("code", "markdown"):
        return None
    found = [fw for fw in FRAMEWORKS if fw in tags(cell)]
    return found[0] if len(found) == 1 else None


def tab_sets(nb):
    """The framework tab sets of a notebook, as the site shows them.

    Mirrors ``book/_ext/framework_tabs.py``: every run of consecutive framework cells (code
    or Markdown tagged ``pytorch`` / ``tensorflow``) becomes one tab set. Returns a list of
    ``(index of the first cell, {framework: [cells]})``, frameworks in order of appearance.
    """
    found, run, start = [], {}, None
    for i, cell in enumerate(list(nb.cells) + [None]):
        fw = framework_of(cell) if cell is not None else None
        if fw:
            if not run:
                start = i
            run.setdefault(fw, []).append(cell)
            continue
        if run:
            found.append((start, run))
            run = {}
    return found


def framework_only_reason(cells):
    """The reason given by a cell of a one-framework tab set (metadata ``framework_only``)."""
    for cell in cells:
        reason = cell.get("metadata", {}).get("framework_only")
        if isinstance(reason, str) and reason.strip():
            return reason.strip()
    return None


def smoke_parameters(nb):
    """The smoke profile's papermill parameters, from the notebook metadata ``d2l.smoke``."""
    return dict(nb.metadata.get("d2l", {}).get("smoke", {}) or {})


def has_parameters_cell(nb):
    return any(c.cell_type == "code" and "parameters" in tags(c) for c in nb.cells)


#: The front matter of a minimal MyST notebook, for tests that build a page from text.
MYST_FRONT_MATTER = """\
---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---
"""


def parse_cell(source):
    """The AST of a code cell's source, IPython magics and shell lines replaced by ``pass``."""
    lines = [
        line[: len(line) - len(line.lstrip())] + "pass" if line.lstrip().startswith(("%", "!")) else line
        for line in source.splitlines()
    ]
    return ast.parse("\n".join(lines))


def top_level_bindings(source):
    """Names bound at the top level of a cell (assignments, defs, classes, imports).

    Loop targets and names starting with '_' are left out: they are scratch names.
    IPython magics become ``pass`` before parsing.
    """
    tree = parse_cell(source)
    names = set()

    def add_target(target):
        # x = …, (a, b) = …, *rest = … bind names; x[i] = … and x.attr = … only mutate x.
        if isinstance(target, ast.Name):
            names.add(target.id)
        elif isinstance(target, ast.Tuple | ast.List):
            for element in target.elts:
                add_target(element)
        elif isinstance(target, ast.Starred):
            add_target(target.value)

    def visit(body):
        for stmt in body:
            if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                names.add(stmt.name)
            elif isinstance(stmt, ast.Assign):
                for target in stmt.targets:
                    add_target(target)
            elif isinstance(stmt, ast.AugAssign | ast.AnnAssign):
                add_target(stmt.target)
            elif isinstance(stmt, ast.Import | ast.ImportFrom):
                for alias in stmt.names:
                    names.add((alias.asname or alias.name).split(".")[0])
            elif isinstance(stmt, ast.With):
                for item in stmt.items:
                    if item.optional_vars is not None:
                        add_target(item.optional_vars)
            # Bodies of top-level blocks bind top-level names too (loop targets do not count).
            for field in ("body", "orelse", "finalbody"):
                if not isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                    visit(getattr(stmt, field, []))
            for handler in getattr(stmt, "handlers", []):
                visit(handler.body)

    visit(tree.body)
    return {n for n in names if not n.startswith("_")}


#: Thread counts of every kernel the harness starts. The smoke run executes two notebooks
#: at once on a 2-core machine; one thread per framework and kernel keeps them from fighting
#: over the cores (oversubscribed, PyTorch and TensorFlow slowed each other 2-4x). Set for
#: every harness run, parallel or not, so a notebook computes the same way every time.
KERNEL_THREADS = {
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "TF_NUM_INTRAOP_THREADS": "1",
    "TF_NUM_INTEROP_THREADS": "1",
}


@contextlib.contextmanager
def _kernel_environment():
    # Under pytest, ipykernel stops copying what C code writes to fd 2 into the notebook
    # (it checks PYTEST_CURRENT_TEST); the kernel must show what a reader's kernel shows.
    saved = {name: os.environ.get(name) for name in (*KERNEL_THREADS, "PYTEST_CURRENT_TEST")}
    os.environ.update(KERNEL_THREADS)
    os.environ.pop("PYTEST_CURRENT_TEST", None)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def execution_seconds(nb):
    """Seconds spent running the cells of a papermill-executed notebook (no kernel start)."""
    return sum(float(c.get("metadata", {}).get("papermill", {}).get("duration") or 0) for c in nb.cells)


def execute(notebook, output, parameters=None, cwd=None, timeout=900):
    """Run ``notebook`` with papermill into ``output``; return the wall time in seconds.

    The kernel runs with :data:`KERNEL_THREADS`. Raises papermill's
    PapermillExecutionError (naming the failing cell) when a cell fails, and RuntimeError
    when the notebook ran but produced no output at all.
    """
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    nb = nbformat.read(notebook, as_version=4)
    if parameters and not has_parameters_cell(nb):
        raise RuntimeError(
            f"{notebook}: has smoke parameters {sorted(parameters)} in its metadata "
            "but no cell tagged 'parameters' to override"
        )
    start = time.perf_counter()
    with _kernel_environment():
        papermill.execute_notebook(
            str(notebook),
            str(output),
            parameters=parameters or {},
            cwd=str(cwd or output.parent),
            kernel_name="python3",
            progress_bar=False,
            execution_timeout=timeout,
        )
    seconds = time.perf_counter() - start
    executed = nbformat.read(output, as_version=4)
    code = [c for c in executed.cells if c.cell_type == "code" and c.source.strip()]
    if code and not any(c.get("outputs") for c in code):
        raise RuntimeError(f"{notebook}: ran in {seconds:.1f}s but produced no outputs")
    return seconds


def write_notebook(path, *cells):
    """Write a small python3 notebook for tests; each cell is a source or (source, tags)."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    for cell in cells:
        source, cell_tags = (cell, []) if isinstance(cell, str) else cell
        code = nbformat.v4.new_code_cell(source)
        code.metadata["tags"] = list(cell_tags)
        nb.cells.append(code)
    nbformat.write(nb, path)
    return path
