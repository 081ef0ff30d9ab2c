"""Split the book's notebook execution across parallel CI jobs, by recorded time.

``.github/workflows/book.yml`` runs N ``execute`` jobs; job K builds the book with a table of
contents holding only its share of the notebooks, so jupyter-book executes (and caches in
``_build/.jupyter_cache``) exactly those. The ``book`` job merges the N caches and runs
``make book``, which then finds every notebook in the cache and executes nothing.

Shares are chosen from ``tests/golden/times.json`` (the smoke time of each notebook, written
by ``make golden``), longest first, each notebook to the share with the least total so far
(a notebook not yet recorded counts as the longest recorded one). The shares then differ by
at most the longest notebook's time, and the build stays about as long as one share while
chapters are added: add a job to the matrix when a share grows too long.

Usage::

    python -m tests.shard list K N            # the notebooks of share K (1..N), one per line
    python -m tests.shard toc K N             # a _toc.yml for share K, for `jupyter-book build --toc`
    python -m tests.shard merge DIR... --into _build/.jupyter_cache
"""

import argparse
import json
import sys
from pathlib import Path

import yaml

from tests.nbtools import NOTEBOOK_DIR, ROOT, notebook_sources

TIMES = ROOT / "tests" / "golden" / "times.json"


def recorded_times(path=TIMES):
    """``{"02-preliminaries/01-ndarray": seconds, ...}`` from ``times.json`` (empty if absent)."""
    path = Path(path)
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def notebook_key(md, root=NOTEBOOK_DIR):
    """The key of a notebook in ``times.json``: its path under ``notebooks/`` without suffix."""
    return Path(md).relative_to(root).with_suffix("").as_posix()


def split(times, n):
    """Split ``{name: seconds}`` into ``n`` lists of names of about equal total time.

    Longest first, each to the share with the least total so far (ties: the lower share,
    then the name, so the split is the same on every job).
    """
    if n < 1:
        raise ValueError(f"need at least one share, got {n}")
    shares = [[] for _ in range(n)]
    totals = [0.0] * n
    for name in sorted(times, key=lambda k: (-times[k], k)):
        k = min(range(n), key=lambda i: (totals[i], i))
        shares[k].append(name)
        totals[k] += times[name]
    return shares


def notebook_times(sources=None, times=None, root=ROOT):
    """``{"notebooks/...": seconds}`` for every notebook; one without a record counts as the longest."""
    sources = notebook_sources() if sources is None else sources
    times = recorded_times() if times is None else times
    default = max(times.values(), default=1.0)
    root = Path(root)
    return {
        Path(md).relative_to(root).with_suffix("").as_posix(): times.get(
            notebook_key(md, root / "notebooks"), default
        )
        for md in sources
    }


def share(k, n, sources=None, times=None):
    """The notebooks (``notebooks/...`` without suffix) of share ``k`` of ``n`` (1-based), sorted."""
    if not 1 <= k <= n:
        raise ValueError(f"share {k} of {n}: K must be in 1..{n}")
    return sorted(split(notebook_times(sources, times), n)[k - 1])


def toc(files, root_page=None):
    """A jupyter-book table of contents (``jb-book``) listing only ``files``."""
    if root_page is None:
        root_page = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))["root"]
    return {"format": "jb-book", "root": root_page, "chapters": [{"file": f} for f in files]}


def merge(sources, into):
    """Copy every executed notebook of the jupyter-caches ``sources`` into the cache ``into``."""
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    target = get_cache(into)
    count = 0
    for source in sources:
        cache = get_cache(source)
        for record in cache.list_cache_records():
            bundle = cache.get_cache_bundle(record.pk)
            target.cache_notebook_bundle(
                CacheBundleIn(bundle.nb, record.uri, artifacts=bundle.artifacts, data=record.data or {}),
                check_validity=False,
                overwrite=True,
            )
            count += 1
    return count


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    for name in ("list", "toc"):
        command = commands.add_parser(name)
        command.add_argument("k", type=int, help="the share, 1..N")
        command.add_argument("n", type=int, help="the number of shares")
    command = commands.add_parser("merge")
    command.add_argument("sources", nargs="+", help="jupyter-cache folders of the shares")
    command.add_argument("--into", required=True, help="the jupyter-cache folder to merge into")
    args = parser.parse_args(argv)

    if args.command == "merge":
        sources = [s for s in args.sources if Path(s).is_dir()]
        count = merge(sources, args.into)
        print(f"merged {count} executed notebooks from {len(sources)} caches into {args.into}")
        return 0
    files = share(args.k, args.n)
    if args.command == "list":
        print("\n".join(files))
    else:
        print(yaml.safe_dump(toc(files), sort_keys=False), end="")
    times = notebook_times()
    total = sum(times[f] for f in files)
    print(f"share {args.k}/{args.n}: {len(files)} notebooks, {total:.0f} s recorded", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
