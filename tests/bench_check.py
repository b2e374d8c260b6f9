"""Benchmark (not a test): the command checker's figures.

    .venv/bin/python tests/bench_check.py [--reps 5]

Prints the options per engine release, the corpus size and its agreement with the real
parsers' recorded verdicts, and the time per command of check_json in CPython and in
Pyodide under Node (timed inside Node, start-up excluded; the engine data is parsed once).
"""

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from statistics import median

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from configurator.check import check_json  # noqa: E402
from test_check_corpus import rows, verdict, canonical  # noqa: E402
from test_pyodide_check import corpus_texts, engine_data, run_check_harness  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=5)
    reps = ap.parse_args().reps
    for path in sorted((ROOT / "configurator" / "engine_data").glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        counts = ", ".join(f"{data['engine']} {name}: {len(c['options'])} options" for name, c in sorted(data["commands"].items()))
        print(f"{path.name} ({path.stat().st_size / 1024:.0f} KiB): {counts}; {len(data['env']['names'])} env names")
    agree = total = 0
    for release, row in rows():
        got, fault = verdict(release, row["command"])
        total += 1
        agree += got["ok"] == row["ok"] and (row["ok"] or fault == canonical(release.split("-")[0], got["command"], row["fault"]))
    print(f"corpus: {total} commands, {sum(not r['ok'] for _, r in rows())} rejected by the real parsers; "
          f"checker agrees on {agree}/{total} (accept/reject and flag at fault)")
    texts, data = corpus_texts(), engine_data()
    check_json(texts[0], data)  # parse the data once, as the page does
    passes = []
    for _ in range(reps):
        started = time.perf_counter()
        for text in texts:
            check_json(text, data)
        passes.append((time.perf_counter() - started) * 1000)
    print(f"CPython {sys.version.split()[0]}: {median(passes) / len(texts):.2f} ms per command "
          f"(median of {reps} passes over {len(texts)})")
    with tempfile.TemporaryDirectory() as tmp:
        result = run_check_harness(Path(tmp), {"engine_data": data, "texts": texts}, "--repeat", str(reps + 1))
    warm = result["pass_ms"][1:]  # the first pass also parses the engine data
    print(f"Pyodide {result['python']} (Node): {median(warm) / len(texts):.2f} ms per command "
          f"(median of {len(warm)} passes; first pass incl. data parsing {result['pass_ms'][0]:.0f} ms; "
          f"Python ready after {result['ready_ms']:.0f} ms)")


if __name__ == "__main__":
    main()
