"""Notebook selection and order, and the smoke run's time report (also under pytest-xdist).

- ``D2L_NB=notebooks/<chapter>/<section>.md`` (``make test NB=...``) limits the notebook
  tests to that notebook.
- The notebook runs are scheduled longest first, by ``tests/golden/times.json``.
- Each smoke run records its time as a test property, which pytest-xdist sends from the
  worker to the main process; the report lists them, slowest first, and writes
  ``_build/smoke/times.json`` (and ``tests/golden/times.json`` under ``make golden``).
"""

import json

import d2lutils  # noqa: F401  (first: it makes torch and TensorFlow safe in one process)
from tests.golden import GOLDEN_DIR, updating
from tests.nbtools import ROOT

SMOKE_DIR = ROOT / "_build" / "smoke"
RECORDED_TIMES = GOLDEN_DIR / "times.json"
SMOKE_TIMES = {}
WALL_TIMES = {}


def _notebook_id(nodeid):
    return nodeid.split("[", 1)[1].rstrip("]") if "test_smoke[" in nodeid else None


def pytest_collection_modifyitems(items):
    """Notebook runs first, longest first, so two workers finish at about the same time."""
    recorded = json.loads(RECORDED_TIMES.read_text()) if RECORDED_TIMES.exists() else {}

    def key(item):
        name = _notebook_id(item.nodeid)
        return (0, -recorded.get(name, 60.0)) if name else (1, 0.0)

    items.sort(key=key)


def pytest_runtest_logreport(report):
    if report.when != "call":
        return
    name = _notebook_id(report.nodeid)
    properties = dict(report.user_properties)
    if name and "smoke_seconds" in properties:
        SMOKE_TIMES[name] = properties["smoke_seconds"]
        WALL_TIMES[name] = properties["smoke_wall_seconds"]


def pytest_terminal_summary(terminalreporter):
    if not SMOKE_TIMES:
        return
    SMOKE_DIR.mkdir(parents=True, exist_ok=True)
    report = SMOKE_DIR / "times.json"
    previous = json.loads(report.read_text()) if report.exists() else {}
    previous.update(SMOKE_TIMES)
    report.write_text(json.dumps(dict(sorted(previous.items())), indent=2) + "\n")
    if updating():
        RECORDED_TIMES.parent.mkdir(parents=True, exist_ok=True)
        recorded = json.loads(RECORDED_TIMES.read_text()) if RECORDED_TIMES.exists() else {}
        recorded.update(SMOKE_TIMES)  # a partial `make golden` keeps the other notebooks' times
        RECORDED_TIMES.write_text(json.dumps(dict(sorted(recorded.items())), indent=2) + "\n")
    write = terminalreporter.write_line
    terminalreporter.section("smoke run per notebook: cell execution (wall incl. kernel start)")
    for name, seconds in sorted(SMOKE_TIMES.items(), key=lambda kv: -kv[1]):
        write(f"{seconds:8.1f} s ({WALL_TIMES[name]:5.1f} s)  {name}")
    total, wall = sum(SMOKE_TIMES.values()), sum(WALL_TIMES.values())
    write(f"{total:8.1f} s ({wall:5.1f} s)  total ({len(SMOKE_TIMES)} notebooks) -> {report}")
