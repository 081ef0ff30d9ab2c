"""Sphinx extension: show PyTorch and TensorFlow code cells as synced tabs.

A notebook code cell tagged ``pytorch`` or ``tensorflow`` holds one framework's code.
This extension finds every run of consecutive framework cells in a page and wraps it in a
sphinx-design tab set (one tab per framework, PyTorch first and selected), with the sync
group ``framework``. Clicking a tab therefore switches every framework block on the page,
sphinx-design remembers the choice across pages, and hand-written tab sets that use
``:sync-group: framework`` with ``:sync: pytorch`` / ``:sync: tensorflow`` follow along.
Each cell keeps its executed outputs inside its tab.
"""

from docutils import nodes
from sphinx_design.shared import create_component

SYNC_GROUP = "framework"
#: tag -> tab label, in tab order (the first is selected by default)
FRAMEWORKS = {"pytorch": "PyTorch", "tensorflow": "TensorFlow"}


def framework_of(node):
    """The framework tag of a myst-nb code cell node, or None."""
    if not isinstance(node, nodes.container) or node.get("nb_element") != "cell_code":
        return None
    tags = node.get("cell_metadata", {}).get("tags", [])
    found = [tag for tag in FRAMEWORKS if tag in tags]
    return found[0] if len(found) == 1 else None


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
    by_framework = {fw: [cell for cell in run if framework_of(cell) == fw] for fw in FRAMEWORKS}
    present = [fw for fw in FRAMEWORKS if by_framework[fw]]
    items = [_tab_item(fw, by_framework[fw], selected=(i == 0)) for i, fw in enumerate(present)]
    tab_set = create_component("tab-set", classes=["sd-tab-set", "framework-tabs"], children=items)
    tab_set.source, tab_set.line = run[0].source, run[0].line
    return tab_set


def wrap_framework_cells(app, doctree):
    """Replace each run of consecutive framework cells by one synced tab set."""
    parents = {cell.parent for cell in doctree.findall(nodes.container) if framework_of(cell)}
    for parent in parents:
        new_children, run = [], []
        for child in parent.children:
            if framework_of(child):
                run.append(child)
                continue
            if run:
                new_children.append(_tab_set(run))
                run = []
            new_children.append(child)
        if run:
            new_children.append(_tab_set(run))
        parent.children = []
        parent.extend(new_children)


def setup(app):
    app.setup_extension("sphinx_design")
    app.connect("doctree-read", wrap_framework_cells)
    app.add_css_file("framework_tabs.css")
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
