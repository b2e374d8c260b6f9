"""Benchmark (not a test): the engine resolving all 56 Kimi states in CPython and in Pyodide
under Node, plus Pyodide start-up with the stock vs the precompiled stdlib.

    .venv/bin/python tests/bench_engine.py [--reps 7] [--starts 3]

Pyodide timings are taken inside Node (performance.now() around the calls, start-up
excluded) by tests/pyodide_harness.mjs, loaded the way the browser worker loads it.
"""

import argparse
import json
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from statistics import median

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from configurator import resolve_json  # noqa: E402
from macros.hooks import write_configurator_zip  # noqa: E402
from test_pyodide_engine import kimi_request  # noqa: E402


def harness(tmp: Path, engine_zip: Path, *args: str) -> dict:
    done = subprocess.run([shutil.which("node"), str(ROOT / "tests" / "pyodide_harness.mjs"),
                           str(tmp / "request.json"), "--zip", str(engine_zip), *args],
                          cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=7, help="passes over the 56 states (≥5)")
    ap.add_argument("--starts", type=int, default=3, help="Pyodide start-ups per variant (≥3)")
    args = ap.parse_args()
    request = kimi_request()
    n = len(request["choices"])
    print(f"{n} Kimi states; {platform.python_implementation()} {platform.python_version()}, Node "
          f"{subprocess.run(['node', '--version'], capture_output=True, text=True).stdout.strip()}")

    # CPython. Pass 1 includes parsing the spec (resolve_json caches it), as in Pyodide.
    cpy = []
    for _ in range(args.reps):
        t = time.perf_counter()
        for choices in request["choices"]:
            resolve_json(request["spec"], choices)
        cpy.append((time.perf_counter() - t) * 1000)
    print(f"CPython   all {n}: median {median(cpy):7.2f} ms ({median(cpy) / n * 1000:6.0f} µs/state)"
          f"  passes: {' '.join(f'{x:.1f}' for x in cpy)}")

    subprocess.run(["node", str(ROOT / "macros" / "pyodide_runtime.mjs")], cwd=ROOT, check=True,
                   capture_output=True)  # make sure build/pyodide/ exists (no-op if up to date)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "request.json").write_text(json.dumps(request))
        engine_zip = write_configurator_zip()  # the zip the site ships

        runs = {"stock": [], "precompiled": []}
        for _ in range(args.starts):
            runs["stock"].append(harness(tmp, engine_zip, "--repeat", str(args.reps)))
            runs["precompiled"].append(harness(tmp, engine_zip, "--repeat", str(args.reps), "--runtime", str(ROOT / "build" / "pyodide")))

    pyo = [ms for run in runs["precompiled"] + runs["stock"] for ms in run["pass_ms"]]
    print(f"Pyodide   all {n}: median {median(pyo):7.2f} ms ({median(pyo) / n * 1000:6.0f} µs/state)"
          f"  ({len(pyo)} passes; {runs['stock'][0]['python']})")
    print(f"Pyodide / CPython: {median(pyo) / median(cpy):.1f}×")

    print("Pyodide start-up under Node (medians of", args.starts, "runs):")
    for name, results in runs.items():
        load = median(r["load_ms"] for r in results)
        ready = median(r["ready_ms"] for r in results)
        print(f"  {name:11s} stdlib: loadPyodide {load:6.0f} ms, engine ready {ready:6.0f} ms"
              f"   (ready: {' '.join('%.0f' % r['ready_ms'] for r in results)})")
    ratio = median(r["ready_ms"] for r in runs["stock"]) / median(r["ready_ms"] for r in runs["precompiled"])
    print(f"  stock / precompiled: {ratio:.1f}×")


if __name__ == "__main__":
    main()
