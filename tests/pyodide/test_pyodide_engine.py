"""The same engine in real Pyodide: every Kimi state resolves identically in CPython and in
Pyodide 3.14 under Node, loaded from the exact configurator.zip and runtime files the site ships.
"""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from configurator import resolve_json
from macros.hooks import write_configurator_zip

ROOT = Path(__file__).resolve().parent.parent.parent
HARNESS = ROOT / "tests" / "pyodide_harness.mjs"
RUNTIME_DIR = ROOT / "build" / "pyodide"
SPEC = ROOT / "configurator" / "specs" / "kimi-k2.7-code.yaml"
GOLDEN = ROOT / "tests" / "data" / "kimi-k2.7-code.sglang-docs.golden.json"

pytestmark = pytest.mark.pyodide


def kimi_request() -> dict:
    """The spec as the page sends it (JSON text) and the SGLang docs generator's 58 states."""
    spec = json.dumps(yaml.safe_load(SPEC.read_text(encoding="utf-8")))
    choices = [json.dumps(row["choices"]) for row in json.loads(GOLDEN.read_text(encoding="utf-8"))["rows"]]
    assert len(choices) == 58
    return {"spec": spec, "choices": choices}


def node() -> str:
    found = shutil.which("node")
    if found is None or not (ROOT / "node_modules" / "pyodide").is_dir():
        pytest.fail("needs Node 20 and the pinned npm packages: run `npm ci`")
    return found


def run_harness(tmp_path: Path, request: dict, *args: str) -> dict:
    """Run tests/pyodide_harness.mjs with the site's configurator.zip; its JSON result."""
    req = tmp_path / "request.json"
    req.write_text(json.dumps(request), encoding="utf-8")
    done = subprocess.run([node(), str(HARNESS), str(req), "--zip", str(write_configurator_zip()), *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"harness failed:\n{done.stderr}"
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def shipped_runtime() -> Path:
    """build/pyodide/ as the site ships it (the script does nothing if it is up to date)."""
    done = subprocess.run([node(), str(ROOT / "macros" / "pyodide_runtime.mjs")], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return RUNTIME_DIR


def assert_same_views(request: dict, result: dict):
    assert result["python"].startswith("3.14."), result["python"]
    assert len(result["views"]) == len(request["choices"])
    for choices, view in zip(request["choices"], result["views"]):
        assert json.loads(view) == json.loads(resolve_json(request["spec"], choices)), choices


def test_stock_pyodide_matches_cpython(tmp_path):
    """The pinned npm package as is (source stdlib, its own lockfile)."""
    request = kimi_request()
    assert_same_views(request, run_harness(tmp_path, request))


def test_shipped_runtime_matches_cpython(tmp_path, shipped_runtime):
    """What the browser loads: build/pyodide/ files, the trimmed .pyc stdlib, the worker's inline
    lockfile. The precompiled stdlib must still give tracebacks."""
    request = kimi_request()
    shipped = run_harness(tmp_path, request, "--runtime", str(shipped_runtime), "--check-stdlib")
    assert_same_views(request, shipped)

    stdlib = shipped["stdlib"]
    assert stdlib["json_file"].endswith("json/__init__.pyc")  # really the precompiled zip
    assert stdlib["sources_in_zip"] == 0
    assert 'File "/lib/python314.zip/json/decoder.py", line' in stdlib["traceback"]
    assert "JSONDecodeError" in stdlib["traceback"]

    # Trimmed to what the engine and Pyodide's start-up import (macros/stdlib.txt and their imports),
    # and each shipped module imports: nothing it needs was left out.
    stock = run_harness(tmp_path, {"spec": request["spec"], "choices": []}, "--check-stdlib")["stdlib"]
    assert 50 < stdlib["modules"] < stock["modules"] / 3, (stdlib["modules"], stock["modules"])
    assert stdlib["failed"] == {}


def test_demo_spec_with_fields_matches_cpython(tmp_path, shipped_runtime):
    """The second spec exercises what Kimi lacks: disabled items, hidden options, fields, garbage."""
    spec = json.dumps(yaml.safe_load((ROOT / "configurator" / "specs" / "demo-moe.yaml").read_text(encoding="utf-8")))
    hardware = ["h100", "b200", "gb200", "mi300x"]
    choices = [json.dumps({"hardware": hw, "quantization": q, "speculative": s})
               for hw in hardware for q in ("fp4", "fp8", "bf16") for s in ("none", "mtp3")]
    choices += [json.dumps(c) for c in (
        {"max-model-len": "131072", "served-name": "my-demo"},
        {"max-model-len": "12", "served-name": "x; rm -rf /"},
        {"served-name": "ünï 模型", "hardware": "nope", "bogus": [1, {"a": None}]},
        {"max-model-len": 65536, "quantization": True},
    )]
    choices += ["not json", "[]", "null"]
    request = {"spec": spec, "choices": choices}
    assert_same_views(request, run_harness(tmp_path, request, "--runtime", str(shipped_runtime)))


def test_checkboxes_tables_and_layouts_match_cpython(tmp_path, shipped_runtime):
    """demo-dense (checkbox group, dependent defaults, a table, same-line layout) in every
    explicit-choice state the page can send, and the cookbook specs with garbage checkbox input."""
    from configurator import all_states
    from macros.specs import load_spec_file

    requests = []
    for path in (ROOT / "configurator" / "specs" / "demo-dense.yaml", ROOT / "tests" / "specs" / "deepseek-v3.1.yaml",
                 ROOT / "tests" / "specs" / "gemma-4.yaml"):
        spec, data = load_spec_file(path)
        choices = [json.dumps(c) for c in all_states(spec, unset=path.stem == "demo-dense")]
        choices += [json.dumps(c) for c in ({"features": "mtp,zzz,tp"}, {"strategy": ""}, {"strategy": [1, None]},
                                            {"strategy": "dp,dp"}, {"size": "120b", "platform": "mi300x"})]
        requests.append({"spec": json.dumps(data), "choices": choices})
    assert len(requests[0]["choices"]) == 4 * 4 * 4 * 9 + 5
    for request in requests:
        assert_same_views(request, run_harness(tmp_path, request, "--runtime", str(shipped_runtime)))


def test_the_runtime_job_compiles_the_same_engine_zip_as_the_engine_script(tmp_path, shipped_runtime):
    """A first build compiles the engine in the runtime's Pyodide, after the runtime's own work
    (pyodide_runtime.mjs --engine); later ones alone (engine_pyc.mjs): one zip, one hash, either way."""
    from macros.hooks import configurator_zip_bytes
    source, out = tmp_path / "source.zip", tmp_path / "engine.zip"
    source.write_bytes(configurator_zip_bytes())
    done = subprocess.run([node(), str(ROOT / "macros" / "pyodide_runtime.mjs"), str(tmp_path / "runtime"),
                           "--engine", str(source), str(out)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert out.read_bytes() == write_configurator_zip().read_bytes()
    assert (tmp_path / "runtime" / "python_stdlib.pyc.zip").read_bytes() == (shipped_runtime / "python_stdlib.pyc.zip").read_bytes()
