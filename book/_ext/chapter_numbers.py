"""Number each chapter as its folder is numbered (``notebooks/12-...`` is chapter 12).

Sphinx numbers the chapters of a numbered table of contents 1, 2, 3, ... in order. This
book follows the reference book's chapter numbers, and some of its chapters are not in this
book (yet); without this extension, the chapter after a gap would take the gap's number, and
"12.6" on our site would not be "12.6" in the reference book. After Sphinx has assigned the
section numbers (``env-get-updated``), the first number of every page under
``notebooks/NN-<name>/`` becomes ``NN``; nothing else changes.
"""

import re

_CHAPTER = re.compile(r"^notebooks/(\d+)-[^/]+/")


def renumber(env):
    """Set the chapter part of every section number to its folder's number; return changed pages."""
    changed = []
    for docname, numbers in env.toc_secnumbers.items():
        match = _CHAPTER.match(docname)
        if not match:
            continue
        chapter = int(match.group(1))
        fixed = {anchor: (chapter, *n[1:]) if n else n for anchor, n in numbers.items()}
        if fixed != numbers:
            env.toc_secnumbers[docname] = fixed
            changed.append(docname)
    return changed


def _on_env_get_updated(app, env):
    return renumber(env)


def setup(app):
    # after Sphinx's own TocTreeCollector (priority 500) has assigned the numbers
    app.connect("env-get-updated", _on_env_get_updated, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
