"""d2l.expect_error and d2l.show_source: the helpers notebooks use to show errors and code."""

import pytest

import d2lutils as d2l


def test_expect_error_prints_the_expected_error(capsys):
    with d2l.expect_error(ZeroDivisionError):
        _ = 1 / 0
    assert capsys.readouterr().out == "ZeroDivisionError: division by zero\n"


def test_expect_error_fails_when_nothing_is_raised():
    with pytest.raises(AssertionError, match="expected KeyError or IndexError, but the code ran"):
        with d2l.expect_error(KeyError, IndexError):
            pass


def test_expect_error_lets_other_errors_through():
    with pytest.raises(ValueError, match="other"):
        with d2l.expect_error(KeyError):
            raise ValueError("other")


def test_expect_error_needs_exception_classes():
    with pytest.raises(TypeError, match="exception classes"):
        with d2l.expect_error("KeyError"):
            pass


def test_show_source_returns_the_real_code_as_markdown_and_text():
    shown = d2l.show_source(d2l.expect_error)
    assert repr(shown).startswith("@contextlib.contextmanager\ndef expect_error(*types):")
    assert shown._repr_markdown_().startswith("```python\n@contextlib") and shown._repr_markdown_().endswith(
        "```"
    )
    with pytest.raises(TypeError, match="no Python source"):
        d2l.show_source(len)
