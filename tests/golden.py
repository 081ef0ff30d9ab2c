"""The determinism check: outputs of ``nbval-check-output`` cells against committed ones.

The smoke run executes each notebook once. The outputs of its cells tagged
``nbval-check-output`` (seeded, deterministic: shapes, dtypes, small tensors) are compared
with the expected outputs committed in ``tests/golden/<chapter>/<section>.json``. A changed
output fails the run: hidden state, an unseeded random number, or a library update that
changed a result. ``make golden`` (``D2L_GOLDEN=update``) rewrites the files after a
deliberate change, for example new pinned versions; review their diff before committing.
"""

import json
import os
import re

from tests.nbtools import ROOT, tags

GOLDEN_DIR = ROOT / "tests" / "golden"
CHECK_TAG = "nbval-check-output"

#: What may differ between two correct runs, replaced before comparing.
SANITIZERS = [
    (re.compile(r"0x[0-9a-fA-F]{6,}"), "0xADDRESS"),  # object addresses in reprs
    (re.compile(r"\b\d+(\.\d+)?\s*(examples|tokens)/sec\b"), "RATE \\2/sec"),  # throughput
    (re.compile(r"\b\d+(\.\d+)?\s*(s|sec|ms|µs|us|ns)\b"), "TIME"),  # timings
]


def updating():
    """True when the run should rewrite the expected outputs (``make golden``)."""
    return os.environ.get("D2L_GOLDEN") == "update"


def sanitize(text):
    for pattern, replacement in SANITIZERS:
        text = pattern.sub(replacement, text)
    return text


def _output_text(output):
    kind = output.get("output_type")
    if kind == "stream":
        return f"[{output.get('name')}] {sanitize(output.get('text', ''))}"
    if kind in ("execute_result", "display_data"):
        data = output.get("data", {})
        if "text/plain" in data:
            plain = data["text/plain"]
            return f"[{kind}] {sanitize(plain if isinstance(plain, str) else ''.join(plain))}"
        return f"[{kind}] <{', '.join(sorted(data))}>"
    if kind == "error":
        return f"[error] {output.get('ename')}: {sanitize(output.get('evalue', ''))}"
    return f"[{kind}]"


def _merged_streams(outputs):
    """Consecutive chunks of one stream as one output: a kernel may split a print in two."""
    merged = []
    for output in outputs:
        previous = merged[-1] if merged else None
        if (
            previous is not None
            and output.get("output_type") == previous.get("output_type") == "stream"
            and output.get("name") == previous.get("name")
        ):
            merged[-1] = {**previous, "text": previous.get("text", "") + output.get("text", "")}
        else:
            merged.append(output)
    return merged


def checked_outputs(nb):
    """The sanitized outputs of every ``nbval-check-output`` code cell, in notebook order."""
    found = []
    for cell in nb.cells:
        if cell.cell_type == "code" and CHECK_TAG in tags(cell):
            found.append(
                {
                    "source": cell.source,
                    "outputs": [_output_text(o) for o in _merged_streams(cell.get("outputs", []))],
                }
            )
    return found


def golden_path(relative):
    """``tests/golden/<chapter>/<section>.json`` for a notebook path relative to notebooks/."""
    return (GOLDEN_DIR / relative).with_suffix(".json")


def write_golden(path, nb):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(checked_outputs(nb), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def compare(nb, path):
    """Differences between ``nb``'s checked outputs and the expected ones, as messages."""
    actual = checked_outputs(nb)
    if not path.exists():
        if not actual:
            return []
        return [f"{path} is missing: run `make golden` and commit it"]
    expected = json.loads(path.read_text(encoding="utf-8"))
    problems = []
    if [c["source"] for c in actual] != [c["source"] for c in expected]:
        problems.append(
            "the nbval-check-output cells changed (sources differ from the expected file): "
            "run `make golden` and review the diff"
        )
        return problems
    for number, (got, want) in enumerate(zip(actual, expected), start=1):
        if got["outputs"] != want["outputs"]:
            first_line = got["source"].splitlines()[0] if got["source"] else ""
            problems.append(
                f"checked cell {number} ({first_line!r}) printed\n  {got['outputs']!r}\n"
                f"expected\n  {want['outputs']!r}"
            )
    return problems
