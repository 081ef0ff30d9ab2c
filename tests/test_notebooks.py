"""Execute every notebook once with its smoke profile (papermill) and check it.

One execution per notebook checks three things: the notebook runs top to bottom, its smoke
run stays within the time limit, and its ``nbval-check-output`` cells print what
``tests/golden/`` expects (the determinism check, see ``tests/golden.py``). The executed
copies land in ``_build/smoke/``, mirroring ``notebooks/``; the notebooks run in a
temporary folder, so files they write land nowhere else. The smoke overrides come from each
notebook's own metadata (``d2l.smoke``); this file has no per-notebook code.

With ``-n 2 --dist worksteal`` (pytest-xdist, as ``make test`` runs it) two notebooks execute at once, the
longest first by the times recorded in ``tests/golden/times.json``.
"""

import os

import nbformat
import pytest

from tests import golden
from tests.conftest import SMOKE_DIR
from tests.nbtools import (
    NOTEBOOK_DIR,
    ROOT,
    execute,
    execution_seconds,
    read,
    selected_sources,
    smoke_parameters,
)

SOURCES = selected_sources()
IDS = [str(p.relative_to(NOTEBOOK_DIR).with_suffix("")) for p in SOURCES]

#: Start-up chatter that must never reach a notebook's output (TensorFlow's C++ notices,
#: filtered by d2lutils.quiet_import; a test fails if the filter stops working).
NOISE = ("oneDNN custom operations", "oneDNN supports", "absl::InitializeLog", "I0000 ", "W0000 ", "E0000 ")

#: A smoke run does seconds of work; above this many seconds of cell execution it fails.
SMOKE_LIMIT = float(os.environ.get("D2L_SMOKE_LIMIT", "45"))

pytestmark = pytest.mark.notebooks


def smoke_limit(nb):
    """(seconds, why): D2L_SMOKE_LIMIT, or a notebook's own ``d2l: smoke_limit:`` with its reason.

    A notebook whose smoke run has a fixed cost that no smaller profile removes (starting worker
    processes, compiling a large graph) states ``smoke_limit: {seconds: 90, reason: "..."}``;
    the reason is required, and the limit never exceeds 120 s.
    """
    own = nb.metadata.get("d2l", {}).get("smoke_limit")
    if own is None:
        return SMOKE_LIMIT, "D2L_SMOKE_LIMIT"
    if not isinstance(own, dict) or not str(own.get("reason", "")).strip() or "seconds" not in own:
        raise ValueError("d2l.smoke_limit must be {seconds: N, reason: '...'}")
    seconds = float(own["seconds"])
    if not 0 < seconds <= 120:
        raise ValueError(f"d2l.smoke_limit.seconds must be in (0, 120], got {seconds}")
    return max(seconds, SMOKE_LIMIT), f"its own limit: {own['reason']}"


@pytest.fixture(autouse=True, scope="module")
def offline_data_cache():
    """Point the data cache at ../shared/data when it exists and nothing else is set (CI)."""
    shared = ROOT.parent / "shared" / "data"
    if "D2L_DATA_DIR" not in os.environ and shared.is_dir():
        os.environ["D2L_DATA_DIR"] = str(shared)
    yield


@pytest.mark.parametrize("md", SOURCES, ids=IDS)
def test_smoke(md, tmp_path, record_property):
    relative = md.relative_to(NOTEBOOK_DIR).with_suffix(".ipynb")
    output = SMOKE_DIR / relative
    wall = execute(md.with_suffix(".ipynb"), output, smoke_parameters(read(md)), cwd=tmp_path)
    executed = nbformat.read(output, as_version=4)
    seconds = execution_seconds(executed)
    record_property("smoke_seconds", round(seconds, 1))
    record_property("smoke_wall_seconds", round(wall, 1))
    noisy = [
        f"cell {i}: {line.strip()[:120]}"
        for i, cell in enumerate(executed.cells)
        for out in cell.get("outputs", [])
        for line in str(out.get("text", "")).splitlines()
        if any(n in line for n in NOISE)
    ]
    assert not noisy, f"{relative}: start-up chatter in the outputs:\n" + "\n".join(noisy)
    expected = golden.golden_path(relative)
    if golden.updating():
        golden.write_golden(expected, executed)
    problems = golden.compare(executed, expected)
    assert not problems, f"{relative}: outputs differ from {expected.relative_to(ROOT)}:\n" + "\n".join(
        problems
    )
    limit, reason = smoke_limit(read(md))
    assert seconds <= limit, (
        f"{relative}: the smoke run executed for {seconds:.1f} s, over the {limit:.0f} s limit "
        f"({reason}); make its d2l.smoke profile smaller"
    )
