"""Showing an error in a notebook without stopping "Run all" (explained on the conventions
page and first used in "Data manipulation").
"""

import contextlib


@contextlib.contextmanager
def expect_error(*types):
    """Run the ``with`` block, expecting it to raise one of ``types``; print that error.

    The error is printed as ``TypeName: message`` and the notebook goes on. If the block
    raises nothing, :class:`AssertionError` stops the run: a cell that demonstrates an error
    must fail loudly when a library change makes the error go away. Any other exception
    propagates unchanged. Used as ``with d2l.expect_error(TypeError): x_tf[1, 2] = 9``.
    """
    if not types or not all(isinstance(t, type) and issubclass(t, BaseException) for t in types):
        raise TypeError(f"expect_error needs one or more exception classes, got {types!r}")
    try:
        yield
    except types as err:
        print(f"{type(err).__name__}: {err}")
    else:
        names = " or ".join(t.__name__ for t in types)
        raise AssertionError(f"expected {names}, but the code ran without an error")
