"""Run every benchmark, each (package, framework, task) in a fresh process, and print a table.

Usage (from the repository root): ``make bench``, or ``bench/.venv/bin/python -m bench [TASK ...]``.
Results are also written to ``_build/bench/results.json``.
"""

import json
import os
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


def main(tasks):
    shared = ROOT.parent / "shared" / "data"
    if "D2L_DATA_DIR" not in os.environ and shared.is_dir():  # offline copy beside the repo, as in CI
        os.environ["D2L_DATA_DIR"] = str(shared)
    results = []
    with tempfile.TemporaryDirectory(prefix="d2lbench-") as tmp:
        workdir, env = prepare_peer_data(Path(tmp))
        env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
        for task in tasks:
            for framework in FRAMEWORKS:
                row = {"task": task, "framework": framework}
                for package in PACKAGES:
                    row[package] = run_one(task, package, framework, workdir, env)
                    print(f"{task:10s} {framework:10s} {package:12s} {row[package]}", flush=True)
                results.append(row)
    out = ROOT / "_build" / "bench" / "results.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print("\n| task | framework | d2lutils (examples/s) | d2l 0.17.6 (examples/s) | speed-up |")
    print("| --- | --- | ---: | ---: | ---: |")
    for row in results:
        ours, peer = row["d2lutils"], row["d2l==0.17.6"]
        if "error" in ours or "error" in peer:
            print(f"| {row['task']} | {row['framework']} | {ours} | {peer} | - |")
            continue
        print(
            f"| {row['task']} | {row['framework']} | {ours['examples_per_sec']:,.0f} | "
            f"{peer['examples_per_sec']:,.0f} | "
            f"{ours['examples_per_sec'] / peer['examples_per_sec']:.1f}x |"
        )
    print(f"\nwritten to {out}")


if __name__ == "__main__":
    main(sys.argv[1:] or list(TASKS))
