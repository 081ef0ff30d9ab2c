"""Sphinx extension: show PyTorch and TensorFlow cells as synced tabs.

A notebook cell tagged ``pytorch`` or ``tensorflow`` belongs to one framework: a code cell
(with its outputs) or a Markdown cell (the prose that explains that framework's code; in a
MyST notebook it is written after ``+++ {"tags": ["pytorch"]}``). This extension finds
every run of consecutive framework cells in a page and wraps it in one sphinx-design tab
set, one tab per framework (PyTorch first and selected), each cell in its framework's tab
in notebook order. Untagged cells are shared: they stay outside the tabs and end a run.

The tab sets use the sync group ``framework``: clicking a tab switches every framework block
on the page, sphinx-design remembers the choice across pages, and hand-written tab sets that
use ``:sync-group: framework`` with ``:sync: pytorch`` / ``:sync: tensorflow`` follow along.

myst-nb 1.x renders a Markdown cell's content straight into the page and drops the cell's
metadata. So the extension wraps myst-nb's Markdown-cell renderer: a tagged cell's content is
put between two invisible marker nodes, which ``doctree-read`` uses to move that content
into its tab and then removes. The ``.ipynb`` and ``.md`` stay plain notebooks. A framework
Markdown cell holds no heading (the structure test checks it): a heading inside a tab would
cut the page's sections apart.
"""

from docutils import nodes
from myst_nb.core.render import MditRenderMixin
from sphinx_design.shared import create_component

SYNC_GROUP = "framework"
#: tag -> tab label, in tab order (the first is selected by default)
FRAMEWORKS = {"pytorch": "PyTorch", "tensorflow": "TensorFlow"}


class framework_marker(nodes.Element, nodes.Invisible):  # noqa: N801 (docutils node naming)
    """Marks where a framework Markdown cell's content starts (``edge="start"``) or ends."""


def _framework_of_tags(tags):
    found = [tag for tag in FRAMEWORKS if tag in (tags or [])]
    return found[0] if len(found) == 1 else None


def framework_of(node):
    """The framework tag of a myst-nb code cell node, or None."""
    if not isinstance(node, nodes.container) or node.get("nb_element") != "cell_code":
        return None
    return _framework_of_tags(node.get("cell_metadata", {}).get("tags", []))


_render_markdown_cell = MditRenderMixin.render_nb_cell_markdown


def render_nb_cell_markdown(self, token):
    """myst-nb's Markdown-cell renderer, with markers around a framework cell's content."""
    framework = _framework_of_tags(token.meta.get("metadata", {}).get("tags", []))
    if framework is None:
        return _render_markdown_cell(self, token)
    self.current_node.append(framework_marker(framework=framework, edge="start"))
    _render_markdown_cell(self, token)
    self.current_node.append(framework_marker(framework=framework, edge="end"))
    return None


def _tab_item(framework, cells, selected):
    label = nodes.rubric(
        FRAMEWORKS[framework],
        nodes.Text(FRAMEWORKS[framework]),
        classes=["sd-tab-label"],
        sync_group=SYNC_GROUP,
        sync_id=framework,
    )
    content = create_component("tab-content", classes=["sd-tab-content"], children=cells)
    return create_component("tab-item", classes=["sd-tab-item"], selected=selected, children=[label, content])


def _tab_set(run):
    """One tab set from a run of ``(framework, [nodes])`` pieces, in order within each tab."""
    by_framework = {fw: [] for fw in FRAMEWORKS}
    for framework, pieces in run:
        by_framework[framework].extend(pieces)
    present = [fw for fw in FRAMEWORKS if by_framework[fw]]
    items = [_tab_item(fw, by_framework[fw], selected=(i == 0)) for i, fw in enumerate(present)]
    tab_set = create_component("tab-set", classes=["sd-tab-set", "framework-tabs"], children=items)
    first = run[0][1][0]
    tab_set.source, tab_set.line = first.source, first.line
    return tab_set


def _pieces(children):
    """Split a node's children into ``(framework or None, [nodes])`` pieces, markers removed."""
    pieces, open_markdown = [], None
    for child in children:
        if isinstance(child, framework_marker):
            if child["edge"] == "start":
                open_markdown = (child["framework"], [])
            else:
                if open_markdown and open_markdown[1]:
                    pieces.append(open_markdown)
                open_markdown = None
        elif open_markdown is not None:
            open_markdown[1].append(child)
        else:
            pieces.append((framework_of(child), [child]))
    return pieces


def wrap_framework_cells(app, doctree):
    """Replace each run of consecutive framework cells by one synced tab set."""
    parents = {cell.parent for cell in doctree.findall(nodes.container) if framework_of(cell)}
    parents |= {marker.parent for marker in doctree.findall(framework_marker)}
    for parent in parents:
        new_children, run = [], []
        for framework, piece in _pieces(parent.children):
            if framework:
                run.append((framework, piece))
                continue
            if run:
                new_children.append(_tab_set(run))
                run = []
            new_children.extend(piece)
        if run:
            new_children.append(_tab_set(run))
        parent.children = []
        parent.extend(new_children)


def _skip(self, node):
    raise nodes.SkipNode


def setup(app):
    app.setup_extension("sphinx_design")
    app.add_node(framework_marker, html=(_skip, None), latex=(_skip, None), text=(_skip, None))
    MditRenderMixin.render_nb_cell_markdown = render_nb_cell_markdown
    app.connect("doctree-read", wrap_framework_cells)
    app.add_css_file("framework_tabs.css")
    app.add_js_file("framework_tabs.js")
    return {"version": "2.0", "parallel_read_safe": True, "parallel_write_safe": True}
