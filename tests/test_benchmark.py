"""d2lutils.Benchmark: times its block, prints the d2l line, keeps .seconds; and the
``make bench`` command line (bench/__main__.py)."""

import re
import time

import pytest

import d2lutils as d2l
from d2lutils.benchmark import Benchmark


def test_exported_at_the_top_level():
    assert d2l.Benchmark is Benchmark
    assert "Benchmark" in d2l.__all__


def test_times_the_block_and_prints_the_line(capsys):
    with Benchmark("sleeping") as bench:
        time.sleep(0.02)
    out = capsys.readouterr().out
    assert re.fullmatch(r"sleeping: \d+\.\d{4} sec\n", out)
    assert 0.02 <= bench.seconds < 1.0
    assert f"{bench.seconds:.4f}" in out


def test_default_description(capsys):
    with Benchmark():
        pass
    assert capsys.readouterr().out.startswith("Done: ")


def test_seconds_is_none_until_the_block_ends():
    bench = Benchmark("x")
    assert bench.seconds is None and "running" in repr(bench)
    with bench:
        assert bench.seconds is None
    assert bench.seconds is not None and "sec" in repr(bench)


def test_reusable(capsys):
    bench = Benchmark("twice")
    with bench:
        time.sleep(0.01)
    first = bench.seconds
    with bench:
        pass
    assert bench.seconds < first
    assert capsys.readouterr().out.count("twice: ") == 2


def test_error_propagates_and_prints_nothing(capsys):
    with pytest.raises(ZeroDivisionError):
        with Benchmark("failing") as bench:
            1 / 0  # noqa: B018
    assert capsys.readouterr().out == ""
    assert bench.seconds is not None


def test_description_must_be_a_string():
    with pytest.raises(TypeError, match="description must be a str"):
        Benchmark(3)


def test_bench_command_line_takes_tasks_and_a_repeat_count_and_reports_medians():
    """``python -m bench``: repeat count and tasks are checked; the table uses each side's median."""
    from bench.__main__ import _median, _parse
    from bench.tasks import TASKS

    assert _parse([]) == (list(TASKS), 3)
    assert _parse(["--repeat=5", "resnet", "gru"]) == (["resnet", "gru"], 5)
    for bad in (["--repeat=0"], ["--repeat=two"], ["resnt"]):
        with pytest.raises(SystemExit, match="repeat|unknown task"):
            _parse(bad)
    median = _median([{"examples_per_sec": r, "unit": "tokens"} for r in (3.0, 1.0, 10.0)])
    assert median == {"examples_per_sec": 3.0, "runs": [1.0, 3.0, 10.0], "unit": "tokens"}
    assert _median([{"examples_per_sec": 2.0}])["unit"] == "examples"
    assert "error" in _median([{"examples_per_sec": 1.0}, {"error": "boom"}])
