"""Run every benchmark, each (package, framework, task) in a fresh process, and print a table.

Usage (from the repository root): ``make bench [TASKS="resnet rnn"] [REPEAT=3]``, or
``bench/.venv/bin/python -m bench [--repeat=N] [TASK ...]``. Each (task, framework) pair runs
``--repeat`` times (default 3), the two packages alternating, and the table gives each
package's median and the ratio of the medians: on a shared or throttled machine single runs
of the same code differed by up to 1.5x (2026-12-01). Results, every run included, are also
written to ``_build/bench/results.json``.
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.tasks import TASKS, prepare_peer_data

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("d2lutils", "d2l==0.17.6")
FRAMEWORKS = ("torch", "tensorflow")


def run_one(task, package, framework, workdir, env):
    code = (
        "import json, bench.tasks as t; "
        f"print('RESULT', json.dumps(t.measure({task!r}, {package!r}, {framework!r})))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=workdir, env=env, capture_output=True, text=True, timeout=3600
    )
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    if proc.returncode or not lines:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        return {"error": " | ".join(tail)}
    return json.loads(lines[-1][len("RESULT ") :])


def _median(runs):
    """The median run by examples/sec, with every run's rate kept; errors win."""
    errors = [r for r in runs if "error" in r]
    if errors:
        return errors[0]
    rates = sorted(r["examples_per_sec"] for r in runs)
    return {
        "examples_per_sec": statistics.median(rates),
        "runs": rates,
        "unit": runs[0].get("unit", "examples"),
    }


def main(tasks, repeat):
    shared = ROOT.parent / "shared" / "data"
    if "D2L_DATA_DIR" not in os.environ and shared.is_dir():  # offline copy beside the repo, as in CI
        os.environ["D2L_DATA_DIR"] = str(shared)
    results = []
    with tempfile.TemporaryDirectory(prefix="d2lbench-") as tmp:
        workdir, env = prepare_peer_data(Path(tmp))
        env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
        for task in tasks:
            for framework in FRAMEWORKS:
                runs = {package: [] for package in PACKAGES}
                for i in range(repeat):
                    for package in PACKAGES if i % 2 == 0 else PACKAGES[::-1]:
                        runs[package].append(run_one(task, package, framework, workdir, env))
                        print(f"{task:10s} {framework:10s} {package:12s} {runs[package][-1]}", flush=True)
                results.append(
                    {"task": task, "framework": framework, **{p: _median(r) for p, r in runs.items()}}
                )
    out = ROOT / "_build" / "bench" / "results.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nmedian of {repeat} runs each (all runs in {out.name})")
    print("| task | framework | d2lutils (per s) | d2l 0.17.6 (per s) | speed-up |")
    print("| --- | --- | ---: | ---: | ---: |")
    for row in results:
        ours, peer = row["d2lutils"], row["d2l==0.17.6"]
        if "error" in ours or "error" in peer:
            print(f"| {row['task']} | {row['framework']} | {ours} | {peer} | - |")
            continue
        print(
            f"| {row['task']} | {row['framework']} | {ours['examples_per_sec']:,.0f} {ours['unit']} | "
            f"{peer['examples_per_sec']:,.0f} {peer['unit']} | "
            f"{ours['examples_per_sec'] / peer['examples_per_sec']:.1f}x |"
        )
    print(f"\nwritten to {out}")


def _parse(argv):
    """(tasks, repeat) from ``[--repeat=N] [TASK ...]`` (repeat 3 unless given); unknown
    tasks and bad counts are refused."""
    repeat, tasks = 3, []
    for arg in argv:
        if arg.startswith("--repeat="):
            value = arg.split("=", 1)[1]
            if not value.isdigit() or int(value) < 1:
                raise SystemExit(f"--repeat must be a whole number >= 1, got {value!r}")
            repeat = int(value)
        elif arg in TASKS:
            tasks.append(arg)
        else:
            raise SystemExit(f"unknown task {arg!r}; known: {', '.join(TASKS)}")
    return tasks or list(TASKS), repeat


if __name__ == "__main__":
    main(*_parse(sys.argv[1:]))
