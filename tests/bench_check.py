"""Benchmark (not a test): the command checker's figures.

    .venv/bin/python tests/bench_check.py [--reps 5]

Prints the options per engine release, the corpus size and its agreement with the real
parsers' recorded verdicts, and the time per command of check_json in CPython and in
Pyodide under Node (timed inside Node, start-up excluded; the engine data is parsed once).
"""

import argparse
import gzip
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from statistics import median

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from configurator.flags import release_data  # noqa: E402
from configurator.flags.commands import check_json  # noqa: E402
from macros.engines import data_bundle  # noqa: E402
from test_check_corpus import rows, verdict, canonical  # noqa: E402
from test_pyodide_check import corpus_texts, engine_data, run_check_harness  # noqa: E402


def brotli_size(data: bytes) -> int:
    """Brotli is not in Python's standard library; Node's zlib has it (as the build's precompression)."""
    script = "const z=require('zlib');let b=[];process.stdin.on('data',d=>b.push(d)).on('end',()=>" \
             "console.log(z.brotliCompressSync(Buffer.concat(b)).length))"
    return int(subprocess.run(["node", "-e", script], input=data, capture_output=True, check=True).stdout)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=5)
    reps = ap.parse_args().reps
    for engine, releases in release_data.stored().items():
        for data in release_data.expand(release_data.chain(engine)):
            path = ROOT / "configurator" / "flags" / "engine_data" / f"{engine}-{data['release']}.json"
            counts = ", ".join(f"{name}: {len(c['options'])} options" for name, c in sorted(data["commands"].items()))
            kind = "delta" if data["release"] != releases[0] else "full"
            print(f"{path.name} ({kind}, {path.stat().st_size / 1024:.0f} KiB): {engine} {data['release']}: {counts}; "
                  f"{len(data['env']['names'])} env names")
    name, bundle = data_bundle()
    full = sum(len(release_data.dump(d).encode()) for e in release_data.stored() for d in release_data.expand(release_data.chain(e)))
    print(f"browser download {name}: {len(bundle) / 1024:.0f} KiB raw, {len(gzip.compress(bundle, 9)) / 1024:.0f} KiB gzip, "
          f"{brotli_size(bundle) / 1024:.0f} KiB brotli (target < 300 KB); every release stored in full would be "
          f"{full / 1024:.0f} KiB")
    per = {}
    for release, row in rows():
        got, fault = verdict(release, row["command"])
        fault_real = canonical(release.split("-")[0], got["command"], row["fault"], release) if got["command"] else row["fault"]
        ok = got["ok"] == row["ok"] and (row["ok"] or fault == fault_real)
        n = per.setdefault(release, [0, 0, 0])
        n[0] += ok
        n[1] += 1
        n[2] += not row["ok"]
    for release, (agree, total, rejected) in sorted(per.items()):
        print(f"agreement {release}: {agree}/{total} commands ({rejected} rejected by the real parser; "
              "accept/reject and flag at fault)")
    texts, data = corpus_texts(), engine_data()
    check_json(texts[0], data)  # parse the data once, as the page does
    passes = []
    for _ in range(reps):
        started = time.perf_counter()
        for text in texts:
            check_json(text, data)
        passes.append((time.perf_counter() - started) * 1000)
    print(f"CPython {sys.version.split()[0]}, all releases loaded (verdict per release, flag history): "
          f"{median(passes) / len(texts):.2f} ms per command "
          f"(median of {reps} passes over {len(texts)})")
    with tempfile.TemporaryDirectory() as tmp:
        result = run_check_harness(Path(tmp), {"engine_data": data, "texts": texts}, "--repeat", str(reps + 1))
    warm = result["pass_ms"][1:]  # the first pass also parses the engine data
    print(f"Pyodide {result['python']} (Node), all releases loaded: {median(warm) / len(texts):.2f} ms per command (target < 10) "
          f"(median of {len(warm)} passes; first pass incl. data parsing {result['pass_ms'][0]:.0f} ms; "
          f"Python ready after {result['ready_ms']:.0f} ms)")


if __name__ == "__main__":
    main()
