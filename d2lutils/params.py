"""Checking a notebook's parameters (explained on the book's page "Conventions").

Papermill injects new values after a notebook's ``parameters`` cell. The cell right after
calls :func:`check_parameters`, so a value of the wrong type stops the run there, with a
message that names the parameter, instead of failing somewhere deep inside training.
"""

import inspect
import numbers

_KINDS = {int: numbers.Integral, float: numbers.Real, bool: bool, str: str}


def check_parameters(**expected):
    """Check the caller's global parameters against types, e.g. ``check_parameters(lr=float)``.

    ``float`` accepts any real number (``1`` is a fine learning rate), ``int`` any integer
    but not a bool. Raises :class:`TypeError` naming the first wrong parameter.
    """
    caller = inspect.currentframe().f_back.f_globals
    for name, kind in expected.items():
        if name not in caller:
            raise NameError(f"parameter {name!r} is not defined in the parameters cell")
        value = caller[name]
        wanted = _KINDS.get(kind, kind)
        if not isinstance(value, wanted) or (kind in (int, float) and isinstance(value, bool)):
            raise TypeError(
                f"parameter {name!r} must be {kind.__name__}, got {type(value).__name__} {value!r}"
            )


def check_positive_int(name, value):
    """Return ``value`` as an int, or raise naming ``name``: TypeError unless it is an integer
    (``True`` is not), ValueError unless it is at least 1. Used by the package's helpers."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be a positive int, got {type(value).__name__} {value!r}")
    if value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}")
    return int(value)


def check_positive_number(name, value):
    """Return ``value``, or raise naming ``name``: TypeError unless it is a real number,
    ValueError unless it is greater than 0. Used by the package's helpers."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a positive number, got {type(value).__name__} {value!r}")
    if not value > 0:
        raise ValueError(f"{name} must be a positive number, got {value!r}")
    return value
