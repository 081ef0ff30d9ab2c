"""Count the framework tab sets of a built site that hold one framework only.

Run after the site build (``make site`` does): ``python -m tests.site_tabs <html dir>``.
Exits non-zero, naming the pages, when a section page has a tab set with a single tab,
so the built site is checked as well as the notebooks' cells (tests/test_structure.py).
"""

import sys
from pathlib import Path

from bs4 import BeautifulSoup


def tab_set_counts(html_dir):
    """{page: (tab sets, one-framework tab sets)} for every page with framework tabs."""
    counts = {}
    for page in sorted(Path(html_dir).rglob("*.html")):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        tab_sets = soup.select("div.framework-tabs")
        if tab_sets:
            lonely = sum(1 for t in tab_sets if len(t.find_all("label", recursive=False)) < 2)
            counts[str(page.relative_to(html_dir))] = (len(tab_sets), lonely)
    return counts


def main(html_dir):
    counts = tab_set_counts(html_dir)
    total = sum(n for n, _ in counts.values())
    lonely = {page: bad for page, (_, bad) in counts.items() if bad}
    print(
        f"site: {total} framework tab sets on {len(counts)} pages, {sum(lonely.values())} with one framework"
    )
    for page, bad in lonely.items():
        print(f"  {page}: {bad} one-framework tab sets")
    return 1 if lonely or not counts else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "_build/site/_build/html"))
