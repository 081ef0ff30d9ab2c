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


def _with_chapter(number, chapter):
    return [chapter, *number[1:]] if number else number


def renumber(env):
    """Set the chapter part of every section number to its folder's number; return changed pages.

    Sphinx keeps the numbers in three places: ``env.toc_secnumbers`` (headings of the page),
    the page title in ``env.titles`` (previous/next links) and the references of
    ``env.tocs`` (the navigation bar); all three are changed.
    """
    from docutils import nodes

    changed = []
    for docname, numbers in env.toc_secnumbers.items():
        match = _CHAPTER.match(docname)
        if not match:
            continue
        chapter = int(match.group(1))
        fixed = {anchor: (chapter, *n[1:]) if n else n for anchor, n in numbers.items()}
        title = env.titles.get(docname)
        if title is not None and title.get("secnumber"):
            title["secnumber"] = _with_chapter(title["secnumber"], chapter)
        if docname in env.tocs:
            for ref in env.tocs[docname].findall(nodes.reference):
                if ref.get("secnumber"):
                    ref["secnumber"] = _with_chapter(ref["secnumber"], chapter)
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
