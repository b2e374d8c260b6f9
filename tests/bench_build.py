"""Benchmark (not a test): the author's loop. Prints the median of several runs of
- a cold `dev.py build`: all of build/ deleted (the trimmed Pyodide runtime, the engine's .pyc zip,
  the checked specs, the compressed copies), a new site directory, precompression on: what a
  fresh clone's first build does once `npm ci` and the virtualenv are there,
- the same with only build/pyodide/ kept (the trimmed runtime, ~10 s of Node once per Pyodide
  version): the spec checks, view tables, engine .pyc and compressed copies all redone, as the
  issue's own "before" measured a build,
- the same build again with build/ as the last one left it (a deploy after an edit),
- a `mkdocs serve` rebuild after a Markdown edit, and after a spec edit (a line added to the
  spec file: its text changed, so every command it can produce is checked again), each from
  saving the file to the server's "Reloading browsers".

Next to each figure: its target (issue 19) and the figure before that issue's work (BEFORE).

    .venv/bin/python tests/bench_build.py [--runs 3] [--root DIR] [--only serve|build]

Each figure is wall time, then CPU time (user + system, the build's child processes included):
on a shared machine the CPU seconds compare runs better than the wall seconds do.

--root measures another checkout (e.g. an older commit's clone) with this virtualenv's
MkDocs; its configurator/ and macros/ come first on PYTHONPATH. Edits are undone afterwards.
"""

import argparse
import os
import re
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from statistics import median

HERE = Path(__file__).resolve().parent.parent
MKDOCS = Path(sys.executable).with_name("mkdocs")
PAGE = "docs/models/kimi-k2.7-code/index.md"
SPEC = "configurator/specs/kimi-k2.7-code.yaml"
TARGETS = {"cold build": 15, "cold build, Pyodide runtime kept": 15, "build, cache kept": 15,
           "rebuild after a Markdown edit": 2,
           "rebuild after a spec edit": 5}
# One run of this script with --root at main a4aa983 (where issue 19's work began), 2026-12-06
# 21:10 UTC, on this 2-core machine with nothing else running; the reference workload took 1.40 s
# and 1.29 s in that run. The issue as filed measured 18-35 s builds and 17-19 s rebuilds at an
# older main.
BEFORE = {"cold build": (85.6, 86.9), "cold build, Pyodide runtime kept": (72.6, 73.2),  # name → (wall s, CPU s)
          "build, cache kept": (2.3, 2.3),
          "rebuild after a Markdown edit": (2.0, 1.9), "rebuild after a spec edit": (63.6, 63.6)}
BEFORE_REFERENCE = 1.35


def env_for(root: Path, **extra) -> dict:
    return {**os.environ, "PYTHONPATH": str(root), **extra}


def cold_build(root: Path, keep_cache=False, keep_runtime=False) -> float:
    if keep_runtime:  # as the issue measured: the checks, tables, engine .pyc and compressed copies redone
        for part in ("cache", "servebook"):
            shutil.rmtree(root / "build" / part, ignore_errors=True)
    elif not keep_cache:
        shutil.rmtree(root / "build", ignore_errors=True)
    with tempfile.TemporaryDirectory() as out:
        start, cpu = time.monotonic(), children_cpu()
        subprocess.run([str(MKDOCS), "build", "--strict", "-q", "-d", out], cwd=root, check=True,
                       env=env_for(root, SERVEBOOK_PRECOMPRESS="1"))
        return time.monotonic() - start, children_cpu() - cpu


# The machine's speed, measured in the same run: a fixed mix of what a build does (pure-Python
# loops over dicts and strings, JSON, zlib), in a fresh process. This 2-core machine's speed moves
# by a third within an hour (other tenants): figures compare across runs only relative to it.
REFERENCE = """
import json, zlib
rows = [{"id": i, "flag": f"--option-{i % 97}", "value": str(i * 7)} for i in range(40_000)]
for _ in range(6):
    text = json.dumps(rows)
    words = [w for w in text.split('"') if w.startswith("--")]
    counts = {}
    for w in words:
        counts[w] = counts.get(w, 0) + 1
    zlib.compress(text.encode(), 9)
"""


def reference() -> float:
    """Median seconds of three runs of REFERENCE (about 1 s on this machine when it is quick)."""
    times = []
    for _ in range(3):
        start = time.monotonic()
        subprocess.run([sys.executable, "-c", REFERENCE], check=True)
        times.append(time.monotonic() - start)
    return median(times)


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def process_cpu(pid: int) -> float:
    """CPU seconds of a running process and its finished children (/proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")


class Server:
    """`mkdocs serve` in the background; wait() returns when the next rebuild has finished."""

    def __init__(self, root: Path):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.proc = subprocess.Popen([str(MKDOCS), "serve", "--strict", "-a", f"127.0.0.1:{port}"], cwd=root,
                                     env=env_for(root), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.lines, self.seen = [], threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()
        self.wait_for(r"Serving on", 600)

    def _read(self):
        for line in self.proc.stdout:
            with self.seen:
                self.lines.append(line)
                self.seen.notify_all()

    def wait_for(self, pattern, timeout, after=0):
        deadline = time.monotonic() + timeout
        with self.seen:
            while not any(re.search(pattern, line) for line in self.lines[after:]):
                if not self.seen.wait(deadline - time.monotonic()) and time.monotonic() > deadline:
                    raise TimeoutError(f"no {pattern!r} in:\n{''.join(self.lines)}")
        if any("ERROR" in line for line in self.lines[after:]):
            raise RuntimeError("".join(self.lines[after:]))

    def time_edit(self, path: Path, text: str) -> float:
        time.sleep(1.0)  # the watcher's previous event has settled
        after = len(self.lines)
        start, cpu = time.monotonic(), process_cpu(self.proc.pid)
        path.write_text(text, encoding="utf-8")
        self.wait_for(r"Reloading browsers", 600, after)
        return time.monotonic() - start, process_cpu(self.proc.pid) - cpu

    def close(self):
        self.proc.terminate()
        self.proc.wait(timeout=30)


def serve_rebuilds(root: Path, runs: int) -> dict:
    page, spec = root / PAGE, root / SPEC
    originals = {page: page.read_text(encoding="utf-8"), spec: spec.read_text(encoding="utf-8")}
    server = Server(root)
    try:
        times = {"rebuild after a Markdown edit": [], "rebuild after a spec edit": []}
        for i in range(runs):
            times["rebuild after a Markdown edit"].append(
                server.time_edit(page, originals[page] + f"\nBenchmark edit {i}.\n"))
            times["rebuild after a spec edit"].append(
                server.time_edit(spec, originals[spec] + f"\n# benchmark edit {i}\n"))
        return times
    finally:
        for path, text in originals.items():
            path.write_text(text, encoding="utf-8")
        server.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--root", type=Path, default=HERE)
    ap.add_argument("--only", choices=["serve", "build"], help="measure only serve rebuilds or only builds")
    args = ap.parse_args()
    root = args.root.resolve()
    speed = [reference()]
    results = serve_rebuilds(root, args.runs) if args.only != "build" else {}
    if args.only != "serve":
        results["cold build"] = [cold_build(root) for _ in range(args.runs)]
        results["cold build, Pyodide runtime kept"] = [cold_build(root, keep_runtime=True) for _ in range(args.runs)]
        results["build, cache kept"] = [cold_build(root, keep_cache=True) for _ in range(args.runs)]
    speed.append(reference())
    print(f"author's loop at {root} (median of {args.runs}; {os.cpu_count()} CPUs, "
          f"load {os.getloadavg()[0]:.1f}; machine reference {speed[0]:.2f} s before, {speed[1]:.2f} s after):")
    for name in [n for n in TARGETS if n in results]:
        wall, cpu = median(w for w, _ in results[name]), median(c for _, c in results[name])
        before = (f"before {BEFORE[name][0]:.1f} s wall, {BEFORE[name][1]:.1f} s CPU, "
                  f"{BEFORE[name][0] / BEFORE_REFERENCE:.1f}× its reference; ") if name in BEFORE else ""
        print(f"  {name:32} {wall:6.2f} s wall, {cpu:6.2f} s CPU, {wall / median(speed):5.1f}× the reference  "
              f"({before}target ≤ {TARGETS[name]} s; runs: {', '.join(f'{w:.1f}/{c:.1f}' for w, c in results[name])})")


if __name__ == "__main__":
    main()
