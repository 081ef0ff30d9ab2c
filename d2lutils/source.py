"""Showing the code of a helper in the text (explained in "Documentation"; used wherever a
``d2lutils`` helper is introduced, so readers see what they call, not only its name).
"""

import inspect


class _Source:
    """The source of an object, shown as highlighted Python in Jupyter and as text elsewhere."""

    def __init__(self, text):
        self.text = text

    def __repr__(self):
        return self.text

    def _repr_markdown_(self):
        return f"```python\n{self.text}\n```"


def show_source(obj):
    """Return the source code of a function, class or module for display in a notebook.

    ``d2l.show_source(d2l.plot)`` as a cell's last line shows the code of
    :func:`d2lutils.plot` as a highlighted block (Markdown) in Jupyter and on the site, and as
    plain text in a terminal. Raises :class:`TypeError` for objects without Python source
    (built-ins, C extensions).
    """
    try:
        text = inspect.getsource(obj)
    except (TypeError, OSError) as err:
        raise TypeError(f"show_source: no Python source for {obj!r} ({err})") from None
    return _Source(text.rstrip("\n"))
