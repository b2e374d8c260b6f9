"""The command checker gives the same answers in Pyodide as in CPython, for the whole corpus
and for hostile input, loaded from the configurator.zip the site ships."""

import json
import subprocess
from pathlib import Path

import pytest

from configurator.flags.commands import check_json
from macros.hooks import write_configurator_zip
from test_pyodide_engine import node, shipped_runtime  # noqa: F401 - a fixture

ROOT = Path(__file__).resolve().parent.parent
HARNESS = ROOT / "tests" / "pyodide_check_harness.mjs"
VERDICTS = sorted((ROOT / "tests" / "data" / "engine_verdicts").glob("*.json"))

pytestmark = pytest.mark.pyodide

HOSTILE = ["x" * 100_000, "<script>alert(1)</script>", "sglang serve --model-path m\x00", "sglang serve 'unbalanced",
           "", "\n" * 500, "vllm serve m --tool-call-parser '<b>x</b>' --enable-auto-tool-choice"]


def engine_data() -> str:
    """The data as the page fetches it: every covered release of every engine, one JSON text."""
    from configurator.flags.release_data import bundle
    return bundle()


def corpus_texts() -> list[str]:
    return [row["command"] for p in VERDICTS for row in json.loads(p.read_text("utf-8"))]


def run_check_harness(tmp_path: Path, request: dict, *args: str) -> dict:
    req = tmp_path / "request.json"
    req.write_text(json.dumps(request), encoding="utf-8")
    done = subprocess.run([node(), str(HARNESS), str(req), "--zip", str(write_configurator_zip()), *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"harness failed:\n{done.stderr}"
    return json.loads(done.stdout)


def test_pyodide_gives_the_same_answers_as_cpython(tmp_path):
    texts = corpus_texts() + HOSTILE
    assert len(texts) >= 200
    data = engine_data()
    result = run_check_harness(tmp_path, {"engine_data": data, "texts": texts})
    assert result["python"].startswith("3.14.")
    assert len(result["answers"]) == len(texts)
    for text, answer in zip(texts, result["answers"]):
        assert json.loads(answer) == json.loads(check_json(text, data)), text[:200]


def test_trimmed_runtime_gives_the_same_answers(tmp_path, shipped_runtime):
    """What the browser loads: the site's runtime, whose stdlib is trimmed to macros/stdlib.txt
    and what it imports. Every answer the checker gives must still come out the same."""
    texts = corpus_texts() + HOSTILE
    data = engine_data()
    result = run_check_harness(tmp_path, {"engine_data": data, "texts": texts}, "--runtime", str(shipped_runtime))
    for text, answer in zip(texts, result["answers"], strict=True):
        assert json.loads(answer) == json.loads(check_json(text, data)), text[:200]
