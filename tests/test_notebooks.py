"""Execute every notebook with the smoke profile (papermill), recording its time.

The executed copies land in _build/smoke/, mirroring notebooks/, where `make nbval`
re-executes them and checks the cells tagged nbval-check-output. The smoke overrides
come from each notebook's own metadata (`d2l.smoke`); this file has no per-notebook code.
"""

import os

import pytest

from tests.conftest import SMOKE_DIR, SMOKE_TIMES
from tests.nbtools import NOTEBOOK_DIR, ROOT, execute, notebook_sources, read, smoke_parameters

SOURCES = notebook_sources()
IDS = [str(p.relative_to(NOTEBOOK_DIR).with_suffix("")) for p in SOURCES]

pytestmark = pytest.mark.notebooks


@pytest.fixture(autouse=True, scope="module")
def offline_data_cache():
    """Point the data cache at ../shared/data when it exists and nothing else is set (CI)."""
    shared = ROOT.parent / "shared" / "data"
    if "D2L_DATA_DIR" not in os.environ and shared.is_dir():
        os.environ["D2L_DATA_DIR"] = str(shared)
    yield


@pytest.mark.parametrize("md", SOURCES, ids=IDS)
def test_smoke(md):
    relative = md.relative_to(NOTEBOOK_DIR).with_suffix(".ipynb")
    output = SMOKE_DIR / relative
    seconds = execute(md.with_suffix(".ipynb"), output, smoke_parameters(read(md)))
    SMOKE_TIMES[str(relative.with_suffix(""))] = round(seconds, 1)
