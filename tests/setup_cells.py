"""The Colab install line of every notebook's setup cell, generated from one setting.

The setup cell installs ``d2lutils`` when it is missing (in Colab) with::

    %pip install --quiet "d2lutils @ git+<repository>@v<version>"

``<repository>`` is ``repository.url`` in ``_config.yml`` (the site's repository button uses
it too) and ``<version>`` is ``[project] version`` in ``pyproject.toml`` (equal to
``d2lutils.__version__``, checked by ``tests/test_setup_cells.py``). The tag ``v<version>``
marks the commit whose helpers match the book, so a notebook opened in Colab installs the
helpers it was written against, not whatever the default branch holds today.

To bump the pin: change the version in ``pyproject.toml`` and ``d2lutils/__init__.py``, run
``make setup-cells`` (this command), commit, and tag the commit ``v<version>``.

Usage::

    python -m tests.setup_cells           # rewrite the line where it differs, re-pair with jupytext
    python -m tests.setup_cells --check   # list the notebooks that disagree, exit 1 if any
"""

import argparse
import re
import subprocess
import sys
from pathlib import Path

import yaml

from tests.nbtools import NOTEBOOK_DIR, ROOT, notebook_sources

# The install line as it sits in a setup cell (indented under `if ... is None:`), whatever it pins.
INSTALL_LINE = re.compile(
    r'^(?P<indent>[ \t]*)%pip install --quiet "d2lutils @ [^"\n]*"[ \t]*$', re.MULTILINE
)


def repository_url(root=ROOT):
    """``repository.url`` of ``_config.yml``, without a trailing slash or ``.git``."""
    config = yaml.safe_load((Path(root) / "_config.yml").read_text(encoding="utf-8"))
    url = config["repository"]["url"].rstrip("/")
    return url.removesuffix(".git")


def package_version(root=ROOT):
    """``[project] version`` of ``pyproject.toml``."""
    text = (Path(root) / "pyproject.toml").read_text(encoding="utf-8")
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10: the first `version = "..."` is [project]'s
        return re.search(r'^version\s*=\s*"([^"]+)"', text, re.MULTILINE).group(1)
    return tomllib.loads(text)["project"]["version"]


def expected_line(root=ROOT):
    """The install line every setup cell must hold (without its indentation)."""
    return f'%pip install --quiet "d2lutils @ git+{repository_url(root)}@v{package_version(root)}"'


def install_lines(text):
    """The install lines found in a notebook's text, stripped of their indentation."""
    return [m.group(0).strip() for m in INSTALL_LINE.finditer(text)]


def disagreements(sources, line):
    """``(path, problem)`` for each notebook whose setup cell does not install ``line``.

    Each ``.md`` must hold the install line exactly once; its paired ``.ipynb`` (what Colab
    opens) is read with jupytext so that both files of a pair are checked.
    """
    import jupytext

    problems = []
    for md in sources:
        found = install_lines(md.read_text(encoding="utf-8"))
        if len(found) != 1:
            problems.append((md, f"{len(found)} install lines, expected 1"))
        elif found[0] != line:
            problems.append((md, f"installs {found[0]!r}"))
        ipynb = md.with_suffix(".ipynb")
        if ipynb.exists():
            code = "\n".join(c.source for c in jupytext.read(ipynb).cells if c.cell_type == "code")
            if install_lines(code) != [line]:
                problems.append((ipynb, f"installs {install_lines(code)!r}"))
    return problems


def rewrite(md, line):
    """Put ``line`` in ``md``'s setup cell, keeping its indentation. True if the file changed."""
    text = md.read_text(encoding="utf-8")
    new = INSTALL_LINE.sub(lambda m: m.group("indent") + line, text)
    if new == text:
        return False
    md.write_text(new, encoding="utf-8")
    return True


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only report notebooks that disagree")
    args = parser.parse_args(argv)
    line = expected_line()
    sources = notebook_sources(NOTEBOOK_DIR)
    if args.check:
        problems = disagreements(sources, line)
        for path, problem in problems:
            print(f"{path.relative_to(ROOT)}: {problem}")
        if problems:
            print(f"expected {line!r}: run `make setup-cells`")
        return 1 if problems else 0
    changed = [md for md in sources if rewrite(md, line)]
    if changed:
        # Only the rewritten notebooks are re-paired: the .md is now the newer file of its pair.
        jupytext = Path(sys.executable).with_name("jupytext")
        subprocess.run([str(jupytext), "--sync", "--quiet", *map(str, changed)], check=True, cwd=ROOT)
    print(f"{len(changed)} of {len(sources)} notebooks rewritten to {line}")
    missing = [md for md, problem in disagreements(sources, line)]
    if missing:
        print("no single install line in: " + ", ".join(str(p.relative_to(ROOT)) for p in missing))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
