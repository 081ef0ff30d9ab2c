"""Collects the smoke run's per-notebook times and prints them as a report."""

import json

from tests.nbtools import ROOT

SMOKE_DIR = ROOT / "_build" / "smoke"
SMOKE_TIMES = {}


def pytest_terminal_summary(terminalreporter):
    if not SMOKE_TIMES:
        return
    SMOKE_DIR.mkdir(parents=True, exist_ok=True)
    report = SMOKE_DIR / "times.json"
    previous = json.loads(report.read_text()) if report.exists() else {}
    previous.update(SMOKE_TIMES)
    report.write_text(json.dumps(dict(sorted(previous.items())), indent=2) + "\n")
    write = terminalreporter.write_line
    terminalreporter.section("smoke-profile time per notebook")
    for name, seconds in sorted(SMOKE_TIMES.items(), key=lambda kv: -kv[1]):
        write(f"{seconds:8.1f} s  {name}")
    write(f"{sum(SMOKE_TIMES.values()):8.1f} s  total ({len(SMOKE_TIMES)} notebooks) -> {report}")
