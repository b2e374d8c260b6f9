"""The Kimi-K2.7-Code spec reproduces the SGLang docs generator byte for byte in every state a
reader can reach there, and the seed's older 56 commands are kept as a dated fixture.

Upstream: tests/data/kimi-k2.7-code.sglang-docs.golden.json, derived by running the generator
(sgl-project/sglang docs/src/snippets/autoregressive/kimi-k27-code-deployment.jsx at the commit
recorded in the file) in Node with tests/tools/derive_sglang_docs.mjs; re-derived here when a copy
is in ../shared/sources/sglang-docs.
Seed fixture: tests/data/kimi-k2.7-code.sglang.golden.json, the 56 commands of the generator the
seed document 000 captured (derived by tests/tools/derive_golden.mjs; the project's golden since
its first commit, 2026-11-23). Which of them changed upstream, and why, is recorded in CHANGED.
"""

import itertools
import json
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from configurator import resolve, resolve_json
from configurator.conditions import Ref
from macros.specs import load_spec_file, spec_path

ROOT = Path(__file__).resolve().parent.parent.parent
GOLDEN_PATH = ROOT / "tests" / "data" / "kimi-k2.7-code.sglang.golden.json"  # the seed fixture
UPSTREAM_PATH = ROOT / "tests" / "data" / "kimi-k2.7-code.sglang-docs.golden.json"
DERIVE = ROOT / "tests" / "tools" / "derive_golden.mjs"
DERIVE_DOCS = ROOT / "tests" / "tools" / "derive_sglang_docs.mjs"
SEED_NAME = "000_942fa0e9d750f8aa.txt"
SEED_FIXTURE_DATE = "2026-11-23"  # captured for the project's first commit (85cad9c)
DOCS_SOURCE = "kimi-k27-code-deployment.jsx"

GOLDEN = json.loads(GOLDEN_PATH.read_text(encoding="utf-8"))
UPSTREAM = json.loads(UPSTREAM_PATH.read_text(encoding="utf-8"))
SPEC, SPEC_DATA = load_spec_file(spec_path("kimi-k2.7-code"))

# The seed's options, in its order (the seed fixture is their full product in this order).
SEED_ITEMS = {
    "hardware": ["h200", "b300", "gb300", "mi300x", "mi325x", "mi350x", "mi355x"],
    "reasoning": ["disabled", "enabled"],
    "toolcall": ["disabled", "enabled"],
    "dpattention": ["disabled", "enabled"],
}
DEFAULTS = {"hardware": "h200", "quantization": "int4", "reasoning": "enabled", "toolcall": "enabled",
            "dpattention": "disabled"}

# Seed commands that changed upstream: (hardware) → why. Every other seed command is unchanged
# (as the INT4 state with the same choices); the test fails if the set of changes differs.
CHANGED = {
    hw: "gained `--kv-cache-dtype fp8_e4m3` (sgl-project/sglang pull request #36246, commit 00d56e2)"
    for hw in ("b300", "gb300")
}


def row_id(row):
    return "-".join(row["choices"].values())


def argv_of(command):
    return shlex.split(command.replace(" \\\n", " "))


# --- the upstream golden ----------------------------------------------------------------------

def test_upstream_golden_provenance_and_counts():
    assert UPSTREAM["generator"] == DOCS_SOURCE
    source = SPEC.sources["sglang-docs"]
    assert (UPSTREAM["commit"], UPSTREAM["date"]) == (source.commit, source.date) == (
        "00d56e2c6c28b4130447601a15168743dd78821c", "2026-08-25")
    counts = {q: sum(r["choices"]["quantization"] == q for r in UPSTREAM["rows"]) for q in ("int4", "mxfp4")}
    print(f"SGLang docs generator {source.commit[:7]} ({source.date}): "
          f"{counts['int4']} INT4 states, {counts['mxfp4']} MXFP4 states, all byte-identical")
    assert counts == {"int4": 56, "mxfp4": 2}
    keys = {json.dumps(r["choices"], sort_keys=True) for r in UPSTREAM["rows"]}
    assert len(keys) == len(UPSTREAM["rows"]) == 58
    # INT4: the full product of the seed's options; MXFP4: the hardware alone (the rest hidden).
    int4 = {tuple(r["choices"][k] for k in SEED_ITEMS) for r in UPSTREAM["rows"] if r["choices"]["quantization"] == "int4"}
    assert int4 == set(itertools.product(*SEED_ITEMS.values()))
    assert [r["choices"] for r in UPSTREAM["rows"] if r["choices"]["quantization"] == "mxfp4"] == [
        {"hardware": "mi350x", "quantization": "mxfp4"}, {"hardware": "mi355x", "quantization": "mxfp4"}]


# The vLLM recipe's choices (issue 16), hidden under SGLang.
VLLM_RECIPE = {"strategy", "speculative", "encoder", "nodes", "head"}


@pytest.mark.parametrize("row", UPSTREAM["rows"], ids=row_id)
def test_upstream_command(row):
    view = resolve(SPEC, row["choices"])
    assert view["command"] == row["command"]
    assert view["argv"] == argv_of(row["command"])
    assert view["ignored"] == []
    assert view["state"] == {"engine": "sglang", **row["choices"]}
    assert view["source"] == "sglang-docs"
    hidden = {v["id"] for v in view["options"] if not v["visible"]}
    assert hidden == ({"reasoning", "toolcall", "dpattention"} if "reasoning" not in row["choices"] else set()) \
        | VLLM_RECIPE


@pytest.mark.parametrize("row", UPSTREAM["rows"], ids=row_id)
def test_upstream_command_through_resolve_json(row):
    out = json.loads(resolve_json(json.dumps(SPEC_DATA), json.dumps(row["choices"])))
    assert out["command"] == row["command"]


def vllm_only(opt) -> bool:
    """Shown only when the engine is vLLM: its `when` requires engine: vllm."""
    parts = getattr(opt.when, "parts", ())
    return getattr(opt.when, "op", None) == "all" and any(
        getattr(p, "ref", None) == Ref("engine") and p.values == ("vllm",) for p in parts)


def test_every_sglang_state_the_spec_reaches_is_an_upstream_row():
    """Every combination of choices, each option also left unset, with SGLang or no engine chosen.
    The vLLM-only options (hidden there) take each of their choices in turn across the states, not
    their full product with the others (96 times as many states for the same views)."""
    upstream = {json.dumps(r["choices"], sort_keys=True): r["command"] for r in UPSTREAM["rows"]}
    reached = set()
    radios = {o.id for o in SPEC.options if o.kind == "radio"}
    hidden = [o for o in SPEC.options if o.kind == "radio" and vllm_only(o)]
    assert [o.id for o in hidden] == ["strategy", "speculative", "encoder"]
    varied = [o for o in SPEC.options if o.kind == "radio" and o not in hidden]
    cycled = [itertools.cycle([None, *(i.id for i in o.items)]) for o in hidden]
    for picked in itertools.product(*([None, *(i.id for i in o.items)] for o in varied)):
        choices = {o.id: v for o, v in zip(varied, picked) if v is not None}
        if choices.get("engine", "sglang") != "sglang":
            continue
        view = resolve(SPEC, choices)
        with_hidden = {**choices, **{o.id: next(c) for o, c in zip(hidden, cycled)}}
        with_hidden = {k: v for k, v in with_hidden.items() if v is not None}
        assert resolve(SPEC, with_hidden)["command"] == view["command"], with_hidden
        state = {k: v for k, v in view["state"].items() if k in radios and k != "engine"}
        key = json.dumps(state, sort_keys=True)
        assert upstream.get(key) == view["command"], choices
        reached.add(key)
    assert reached == set(upstream)


def test_defaults_and_first_clicks_are_the_generators():
    assert resolve(SPEC)["state"] == {"engine": "sglang", **UPSTREAM["initial"]} == {"engine": "sglang", **DEFAULTS}
    # What a reader sees after one click from the generator's initial state (its page keeps INT4
    # on MI350X/MI355X although the item declares MXFP4 as the default there: the declared
    # default is only consulted when the current choice becomes disabled).
    for click in UPSTREAM["clicks"]:
        assert resolve(SPEC, click["click"])["state"] == {"engine": "sglang", **click["choices"]}, click
    declared = {(e["choices"]["hardware"], e["default"]) for e in UPSTREAM["declared_defaults"]}
    assert {hw for hw, d in declared if d == "mxfp4"} == {"mi350x", "mi355x"}


def test_mxfp4_is_disabled_elsewhere_with_the_reason():
    (reason,) = UPSTREAM["disabled_reasons"].values()
    assert list(UPSTREAM["disabled_reasons"]) == ["quantization.mxfp4"]
    assert "MI350X/MI355X" in reason
    view = resolve(SPEC, {"hardware": "h200", "quantization": "mxfp4"})
    assert view["state"]["quantization"] == "int4"
    [entry] = view["ignored"]
    assert entry["key"] == "quantization" and "MI350X/MI355X" in entry["reason"]
    item = next(i for o in view["options"] if o["id"] == "quantization" for i in o["items"] if i["id"] == "mxfp4")
    assert not item["enabled"] and "MI350X/MI355X only" in item["reason"]


def test_mxfp4_notes_name_the_image_and_the_undeclared_variables():
    view = resolve(SPEC, {"hardware": "mi355x", "quantization": "mxfp4"})
    notes = [n["text"] for n in view["notes"]]
    assert any("`rocm/sgl-dev:v0.5.17-rocm720-mi35x-20260812`" in t for t in notes)
    assert not any("lmsysorg/sglang" in t for t in notes)
    assert sum("does not declare it" in t for t in notes) == 2
    image = next(n for n in view["notes"] if "rocm/sgl-dev" in n["text"])
    assert image["source"] == "sglang-page"
    assert "memory" not in [o["id"] for o in view["outputs"]]  # its 595 GB is the INT4 checkpoint


@pytest.mark.parametrize("row", UPSTREAM["rows"], ids=row_id)
def test_query_holds_exactly_the_non_default_choices(row):
    view = resolve(SPEC, row["choices"])
    expected = {k: v for k, v in row["choices"].items() if DEFAULTS[k] != v}
    assert view["query"] == expected
    # The query alone (what a shared link carries) gives back the same command.
    assert resolve(SPEC, view["query"])["command"] == row["command"]


@pytest.mark.parametrize("row", UPSTREAM["rows"], ids=row_id)
def test_every_flag_and_env_is_explained_in_command_order(row):
    view = resolve(SPEC, row["choices"])
    command = row["command"]
    words = argv_of(command)
    program_at = words.index("sglang")
    envs = [w.split("=", 1)[0] for w in words[:program_at]]
    flags = [w for w in words[program_at:] if w.startswith("-")]
    explained = view["explanations"]
    for e in explained:
        assert isinstance(e["text"], str) and e["text"].strip(), e
    codes = [e["code"] for e in explained]
    # Each explanation names one piece of the command, in the order the command shows them.
    heads = [c.split("=", 1)[0] if not c.startswith("-") else c.split(" ", 1)[0] for c in codes]
    assert heads == envs + flags
    position = -1
    for code in codes:
        found = command.find(code, position + 1)
        assert found > position, f"{code!r} is not after the previous explanation in the command"
        position = found


def test_default_view():
    view = resolve(SPEC)
    assert view["state"] == {"engine": "sglang", **DEFAULTS}
    assert resolve(SPEC, {}) == view
    assert view["query"] == {}
    assert view["ignored"] == []
    assert [o["value"] for o in view["options"]][:6] == ["sglang", "h200", "int4", "enabled", "enabled", "disabled"]
    golden_default = next(r["command"] for r in UPSTREAM["rows"] if r["choices"] == DEFAULTS)
    assert view["command"] == golden_default
    assert view["command"] == (
        "sglang serve \\\n"
        "  --model-path moonshotai/Kimi-K2.7-Code \\\n"
        "  --tp 8 \\\n"
        "  --trust-remote-code \\\n"
        "  --reasoning-parser kimi_k2 \\\n"
        "  --tool-call-parser kimi_k2 \\\n"
        "  --host 0.0.0.0 \\\n"
        "  --port 30000"
    )
    # Unconditional note, and where the command runs (generated from the engine data by the build);
    # no AMD docker image, no DP or Blackwell warning.
    assert [n["level"] for n in view["notes"]] == ["tip", "info"]
    assert view["notes"][1]["text"].startswith("Runs on sglang 0.5.9–0.5.23 ")


def test_notes_follow_the_choices():
    amd = resolve(SPEC, {"hardware": "mi355x", "dpattention": "enabled"})
    texts = [n["text"] for n in amd["notes"]]
    assert any("mi35x" in t for t in texts)
    assert not any("mi30x" in t for t in texts)
    assert any("`--enable-dp-attention` is deprecated" in t for t in texts)
    blackwell = resolve(SPEC, {"hardware": "gb300"})
    assert [n["level"] for n in blackwell["notes"]] == ["tip", "warning", "info"]
    assert "tokenspeed_mla" in blackwell["notes"][1]["text"]
    assert blackwell["notes"][2]["text"].startswith("Runs on sglang 0.5.17–0.5.23 ")  # tokenspeed_mla is new in 0.5.17


# --- the seed fixture and what changed upstream -----------------------------------------------

def test_seed_fixture_is_the_full_product_without_duplicates():
    assert len(GOLDEN) == 56
    keys = [tuple(row["choices"][k] for k in SEED_ITEMS) for row in GOLDEN]
    assert set(keys) == set(itertools.product(*SEED_ITEMS.values())) and len(set(keys)) == 56
    for row in GOLDEN:
        assert set(row) == {"choices", "command"} and set(row["choices"]) == set(SEED_ITEMS)


def test_which_seed_commands_changed_upstream_and_why():
    upstream = {json.dumps(r["choices"], sort_keys=True): r["command"] for r in UPSTREAM["rows"]}
    changed = {}
    for row in GOLDEN:
        now = upstream[json.dumps({**row["choices"], "quantization": "int4"}, sort_keys=True)]
        if now != row["command"]:
            changed[row_id(row)] = (row["command"], now)
    print(f"seed fixture ({SEED_FIXTURE_DATE}): {len(changed)} of {len(GOLDEN)} commands changed upstream")
    assert {k.split("-")[0] for k in changed} == set(CHANGED)
    expected = {row_id(r) for r in GOLDEN if r["choices"]["hardware"] in CHANGED}
    assert set(changed) == expected and len(changed) == 16
    for old, new in changed.values():
        # The only change: one line added after the attention backend.
        assert new == old.replace("--attention-backend tokenspeed_mla \\\n",
                                  "--attention-backend tokenspeed_mla \\\n  --kv-cache-dtype fp8_e4m3 \\\n")


# --- the seed ---------------------------------------------------------------------------------

def _seed_path():
    candidates = [Path("/work/shared/seeds") / SEED_NAME]
    candidates += sorted((ROOT.parent / "shared" / "seeds").glob("000_*.txt"))
    return next((p for p in candidates if p.is_file()), None)


def test_seed_fixture_matches_seed():
    seed = _seed_path()
    if seed is None:
        pytest.skip(f"seed {SEED_NAME} not available (neither /work/shared/seeds nor ../shared/seeds)")
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    done = subprocess.run([node, str(DERIVE), str(seed)], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == GOLDEN


def _docs_source():
    candidates = [Path("/work/shared/sources/sglang-docs") / DOCS_SOURCE,
                  ROOT.parent / "shared" / "sources" / "sglang-docs" / DOCS_SOURCE]
    return next((p for p in candidates if p.is_file()), None)


def test_upstream_golden_matches_the_generator():
    source = _docs_source()
    if source is None:
        pytest.skip(f"{DOCS_SOURCE} not available (neither /work/shared/sources nor ../shared/sources)")
    if shutil.which("node") is None:
        pytest.skip("node is not installed")
    done = subprocess.run(["node", str(DERIVE_DOCS), str(source), "--commit", UPSTREAM["commit"],
                           "--date", UPSTREAM["date"]], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == UPSTREAM
