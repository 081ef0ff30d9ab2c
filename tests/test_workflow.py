"""The CI workflow (.github/workflows/book.yml), the shard script it runs, and the pre-commit hooks."""

import re

import nbformat
import pytest
import yaml

from tests import shard
from tests.nbtools import ROOT, notebook_sources

WORKFLOW = ROOT / ".github" / "workflows" / "book.yml"


@pytest.fixture(scope="module")
def workflow():
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


def _runs(job):
    return "\n".join(step.get("run", "") for step in job["steps"])


def _uses(job):
    return [step["uses"].split("@")[0] for step in job["steps"] if "uses" in step]


def test_workflow_runs_on_push_and_pull_request_to_main(workflow):
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as True
    assert triggers["push"]["branches"] == ["main"]
    assert triggers["pull_request"]["branches"] == ["main"]


def test_workflow_jobs(workflow):
    jobs = workflow["jobs"]
    assert set(jobs) >= {"test", "execute", "book", "deploy"}
    assert "make test" in _runs(jobs["test"])
    assert "make book" in _runs(jobs["book"])
    assert set(jobs["book"]["needs"]) == {"test", "execute"}
    assert jobs["deploy"]["needs"] == "book"
    for name in ("test", "execute", "book"):
        setup = next(s for s in jobs[name]["steps"] if s.get("uses", "").startswith("actions/setup-python"))
        assert setup["with"]["python-version"] == "3.11" and setup["with"]["cache"] == "pip"


def test_execution_is_sharded(workflow):
    execute = workflow["jobs"]["execute"]
    shards = execute["strategy"]["matrix"]["shard"]
    assert shards == list(range(1, int(workflow["env"]["SHARDS"]) + 1))
    assert "python -m tests.shard toc ${{ matrix.shard }} $SHARDS" in _runs(execute)
    assert "--toc" in _runs(execute)
    assert "actions/upload-artifact" in _uses(execute)
    book = workflow["jobs"]["book"]
    assert "actions/download-artifact" in _uses(book)
    assert "python -m tests.shard merge" in _runs(book)
    # the merge comes before the build, so `make book` finds every notebook in the cache
    runs = [s.get("run", "") for s in book["steps"]]
    assert min(i for i, r in enumerate(runs) if "shard merge" in r) < runs.index("make book")


def test_jupyter_cache_is_kept_between_runs(workflow):
    for name in ("execute", "book"):
        step = next(s for s in workflow["jobs"][name]["steps"] if "jupyter_cache" in str(s.get("with", {})))
        assert step["with"]["path"] == "_build/.jupyter_cache"
        assert "hashFiles('notebooks/**/*.md', 'requirements.txt')" in step["with"]["key"]


def test_pages_deployment(workflow):
    assert "actions/upload-pages-artifact" in _uses(workflow["jobs"]["book"])
    deploy = workflow["jobs"]["deploy"]
    assert _uses(deploy) == ["actions/deploy-pages"]
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["environment"]["name"] == "github-pages"
    assert "refs/heads/main" in deploy["if"]


# -- the shard script ------------------------------------------------------------------------

TIMES = {"a": 10.0, "b": 7.0, "c": 6.0, "d": 5.0, "e": 4.0, "f": 1.0, "g": 0.5}


@pytest.mark.parametrize("n", [1, 2, 3, 5, 9])
def test_split_puts_every_notebook_in_exactly_one_share(n):
    shares = shard.split(TIMES, n)
    assert len(shares) == n
    assert sorted(name for s in shares for name in s) == sorted(TIMES)


@pytest.mark.parametrize("n", [2, 3, 4])
def test_split_is_balanced_within_the_longest_notebook(n):
    totals = [sum(TIMES[name] for name in s) for s in shard.split(TIMES, n)]
    assert max(totals) - min(totals) <= max(TIMES.values())


def test_split_of_the_recorded_times():
    times = shard.recorded_times()
    assert times, "tests/golden/times.json is missing: `make golden`"
    for n in (2, 3, 4):
        shares = shard.split(times, n)
        assert sorted(x for s in shares for x in s) == sorted(times)
        totals = [sum(times[x] for x in s) for s in shares]
        assert max(totals) - min(totals) <= max(times.values())


def test_split_is_deterministic():
    assert shard.split(TIMES, 3) == shard.split(dict(reversed(list(TIMES.items()))), 3)


def test_split_rejects_no_shares():
    with pytest.raises(ValueError):
        shard.split(TIMES, 0)


def test_every_notebook_of_the_book_is_in_one_share():
    sources = notebook_sources()
    files = [shard.share(k, 3) for k in (1, 2, 3)]
    flat = [f for fs in files for f in fs]
    assert sorted(flat) == sorted(str(p.relative_to(ROOT).with_suffix("")) for p in sources)
    with pytest.raises(ValueError):
        shard.share(4, 3)


def test_an_unrecorded_notebook_counts_as_the_longest(tmp_path):
    chapter = tmp_path / "notebooks" / "01-x"
    chapter.mkdir(parents=True)
    sources = [chapter / "01-old.md", chapter / "02-new.md"]
    times = shard.notebook_times(sources, {"01-x/01-old": 3.0, "gone/01-removed": 8.0}, root=tmp_path)
    assert times == {"notebooks/01-x/01-old": 3.0, "notebooks/01-x/02-new": 8.0}


def test_toc_lists_only_the_share():
    toc = shard.toc(["notebooks/a/01-x", "notebooks/a/02-y"])
    assert toc["format"] == "jb-book"
    assert toc["root"] == yaml.safe_load((ROOT / "_toc.yml").read_text())["root"]
    assert toc["chapters"] == [{"file": "notebooks/a/01-x"}, {"file": "notebooks/a/02-y"}]


def _executed_notebook(source):
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3"}})
    cell = nbformat.v4.new_code_cell(source, execution_count=1)
    cell.outputs = [nbformat.v4.new_output("stream", text=f"ran {source}\n")]
    nb.cells = [cell]
    return nb


def test_merge_joins_the_shares_caches(tmp_path):
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    notebooks = {}
    for k in (1, 2):
        cache = get_cache(tmp_path / f"share-{k}")
        notebooks[k] = _executed_notebook(f"print({k})")
        cache.cache_notebook_bundle(CacheBundleIn(notebooks[k], f"nb{k}.md"), check_validity=False)
    into = tmp_path / "merged"
    assert shard.merge([tmp_path / "share-1", tmp_path / "share-2"], into) == 2
    assert shard.merge([tmp_path / "share-1"], into) == 1  # merging again replaces, no error
    merged = get_cache(into)
    assert sorted(r.uri for r in merged.list_cache_records()) == ["nb1.md", "nb2.md"]
    for k in (1, 2):  # a build finds each notebook by its code, with its outputs
        record = merged.match_cache_notebook(_executed_notebook(f"print({k})"))
        outputs = merged.get_cache_bundle(record.pk).nb.cells[0].outputs
        assert outputs[0]["text"] == f"ran print({k})\n"


def test_shard_command_line(capsys):
    assert shard.main(["list", "1", "3"]) == 0
    listed = capsys.readouterr().out.split()
    assert listed == shard.share(1, 3)
    assert shard.main(["toc", "2", "3"]) == 0
    toc = yaml.safe_load(capsys.readouterr().out)
    assert [c["file"] for c in toc["chapters"]] == shard.share(2, 3)


# -- pre-commit ------------------------------------------------------------------------------


def test_pre_commit_hooks():
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    hooks = {hook["id"]: hook for repo in config["repos"] for hook in repo["hooks"]}
    assert all(repo["repo"] == "local" for repo in config["repos"])
    assert set(hooks) >= {
        "jupytext-sync",
        "ruff-check",
        "ruff-format",
        "notebooks-output-free",
        "setup-cells",
    }
    assert all(h["language"] == "system" for h in hooks.values())
    assert re.search(r"ruff check", hooks["ruff-check"]["entry"])
    assert re.search(r"ruff format --check", hooks["ruff-format"]["entry"])
