"""Validating a training configuration (explained in "Predicting COVID-19 cases").

A homework notebook keeps every setting in one ``config`` dict. :func:`check_config`
checks it against a schema before anything trains, so a typo or an impossible value stops
the run at once with a message that names the key, instead of failing (or silently doing
something else) hundreds of epochs later.
"""

import numbers

_KINDS = {int: numbers.Integral, float: numbers.Real, bool: bool, str: str}


def _is_kind(value, kind):
    """``float`` accepts any real number, ``int`` any integer; neither accepts a bool."""
    if kind in (int, float) and isinstance(value, bool):
        return False
    return isinstance(value, _KINDS.get(kind, kind))


def check_config(config, schema):
    """Check ``config`` (a dict) against ``schema``; return it unchanged when it is valid.

    Explained in "Predicting COVID-19 cases". ``schema`` maps every key to either a type,
    e.g. ``"seed": int``, or a triple ``(type, description, test)``, e.g.
    ``"valid_ratio": (float, "between 0 and 1", lambda r: 0 < r < 1)``. ``float`` accepts
    any real number, ``int`` any integer but not a bool.

    Raises :class:`KeyError` for a missing or unknown key (a typo such as ``"lr "``),
    :class:`TypeError` for a value of the wrong type and :class:`ValueError` for a value the
    test rejects. Each message names the key.
    """
    if not isinstance(config, dict):
        raise TypeError(f"config must be a dict, got {type(config).__name__}")
    missing = [key for key in schema if key not in config]
    if missing:
        raise KeyError(f"config is missing the key {missing[0]!r}")
    unknown = [key for key in config if key not in schema]
    if unknown:
        raise KeyError(f"config has an unknown key {unknown[0]!r} (known: {', '.join(schema)})")
    for key, rule in schema.items():
        kind, description, test = rule if isinstance(rule, tuple) else (rule, None, None)
        value = config[key]
        if not _is_kind(value, kind):
            raise TypeError(f"config[{key!r}] must be {kind.__name__}, got {type(value).__name__} {value!r}")
        if test is not None and not test(value):
            raise ValueError(f"config[{key!r}] must be {description}, got {value!r}")
    return config
