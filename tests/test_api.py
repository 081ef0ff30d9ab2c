"""The package's public API: mirrored framework halves, a defining section per helper, no
redefinition of a package helper in a later notebook, no dead public names."""

import ast
import re
import subprocess
import sys

import pytest

import d2lutils
from d2lutils import tensorflow as d2l_tf
from d2lutils import torch as d2l_pt
from tests.nbtools import ROOT, notebook_sources, parse_cell, read

#: Names that exist in one framework half only, with the reason.
ONE_FRAMEWORK_ONLY = {
    "FashionMNIST": "a torch.utils.data.Dataset; TensorFlow's loader builds a tf.data pipeline directly",
    "TrainCallback": "a Keras callback for model.fit; PyTorch has no fit to call back from",
}

PACKAGES = {"d2l": d2lutils, "d2l_pt": d2l_pt, "d2l_tf": d2l_tf}


def _toc_order():
    """Notebook sources in the order of the table of contents."""
    toc = (ROOT / "_toc.yml").read_text()
    files = re.findall(r"file: (notebooks/\S+)", toc)
    by_name = {str(p.relative_to(ROOT).with_suffix("")): p for p in notebook_sources()}
    return [by_name[f] for f in files if f in by_name]


def _titles():
    """{H1 title: notebook} for every section."""
    titles = {"Conventions": ROOT / "book" / "conventions.md"}
    for md in _toc_order():
        first = read(md).cells[0].source.splitlines()[0]
        titles[first.removeprefix("# ").strip()] = md
    return titles


def defining_section(obj, module_doc, titles):
    """The first section title named in quotes in the object's docstring, else its module's."""
    for doc in (getattr(obj, "__doc__", None) or "", module_doc or ""):
        for quoted in re.findall(r'"([^"]+)"', doc):
            quoted = " ".join(quoted.split())  # a title may wrap across docstring lines
            if quoted in titles:
                return quoted
    return None


def _public():
    for prefix, package in PACKAGES.items():
        for name in package.__all__:
            yield prefix, name, getattr(package, name)


def test_framework_halves_mirror_each_other():
    only_pt = set(d2l_pt.__all__) - set(d2l_tf.__all__) - set(ONE_FRAMEWORK_ONLY)
    only_tf = set(d2l_tf.__all__) - set(d2l_pt.__all__) - set(ONE_FRAMEWORK_ONLY)
    assert not only_pt and not only_tf, (
        f"d2lutils.torch only: {sorted(only_pt)}; d2lutils.tensorflow only: {sorted(only_tf)}"
    )
    for name in ONE_FRAMEWORK_ONLY:
        assert (name in d2l_pt.__all__) != (name in d2l_tf.__all__), f"{name} is listed as one-framework only"


def test_every_public_name_names_its_section():
    titles = _titles()
    missing = []
    for prefix, name, obj in _public():
        module = getattr(obj, "__module__", None)
        module_doc = __import__(module, fromlist=["_"]).__doc__ if module else None
        if isinstance(obj, dict | tuple):  # constants: the module's docstring names the section
            module_doc = __import__(
                {
                    "DATASETS": "d2lutils.data",
                    "FASHION_MNIST_LABELS": "d2lutils.fashion_mnist",
                    "VOC_CLASSES": "d2lutils.segmentation",
                    "VOC_COLORMAP": "d2lutils.segmentation",
                }[name],
                fromlist=["_"],
            ).__doc__
            obj = None
        if defining_section(obj, module_doc, titles) is None:
            missing.append(f"{prefix}.{name}")
    assert not missing, f"docstrings that name no section of the book (by its title, in quotes): {missing}"


def _defined_names(source):
    tree = parse_cell(source)
    return {
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.ClassDef | ast.AsyncFunctionDef)
    }


def redefinitions():
    """[(notebook, defined name, package name, defining section)] for later sections."""
    titles = _titles()
    order = {md: i for i, md in enumerate(_toc_order())}
    helpers = {}
    for prefix, name, obj in _public():
        module = getattr(obj, "__module__", None)
        module_doc = __import__(module, fromlist=["_"]).__doc__ if module else None
        section = defining_section(obj, module_doc, titles)
        if section:
            helpers.setdefault(name, (f"{prefix}.{name}", section))
    found = []
    for md, index in order.items():
        for cell in read(md).cells:
            if cell.cell_type != "code":
                continue
            for defined in _defined_names(cell.source):
                base = re.sub(r"_(pt|tf)$", "", defined)
                if base in helpers:
                    qualified, section = helpers[base]
                    if defined.endswith(("_pt", "_tf")) and not qualified.startswith("d2l."):
                        qualified = f"d2l_{defined[-2:]}.{base}"
                    if index > order[titles[section]]:
                        found.append((str(md.relative_to(ROOT)), defined, qualified, section))
    return found


def test_later_sections_call_the_package_instead_of_redefining():
    found = redefinitions()
    assert not found, "notebooks after a helper's defining section define it again:\n" + "\n".join(
        f"  {md}: {defined} (use {qualified}; explained in {section!r})"
        for md, defined, qualified, section in found
    )


@pytest.mark.parametrize("prefix, name", [(p, n) for p, n, _ in _public()])
def test_public_name_is_used_by_the_book(prefix, name):
    """No dead public API: every public name is called by a notebook or by the package itself."""
    pattern = re.compile(rf"\b{prefix}\.{re.escape(name)}\b")
    if any(pattern.search(md.read_text()) for md in notebook_sources()):
        return
    package_source = "\n".join(p.read_text() for p in (ROOT / "d2lutils").rglob("*.py"))
    uses = len(re.findall(rf"\b{re.escape(name)}\b", package_source))
    assert uses > 2, f"{prefix}.{name} is public but no notebook uses it (and the package barely does)"


def test_the_torch_half_does_not_import_torchvision():
    """torchvision doubles `from d2lutils import torch` (5 s more under load): import it lazily."""
    code = "import sys; from d2lutils import torch; print('torchvision' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False", out.stdout + out.stderr
