"""The real Kimi-K2.7-Code spec reproduces the seed generator's 56 commands byte for byte.

The golden rows were derived by running the seed page's own JS generator
(`tests/tools/derive_golden.mjs`); `test_golden_matches_seed` re-derives them when
the seed and Node are available.
"""

import itertools
import json
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from configurator import resolve, resolve_json
from macros.specs import load_spec_file, spec_path

ROOT = Path(__file__).resolve().parent.parent
GOLDEN_PATH = ROOT / "tests" / "data" / "kimi-k2.7-code.sglang.golden.json"
DERIVE = ROOT / "tests" / "tools" / "derive_golden.mjs"
SEED_NAME = "000_942fa0e9d750f8aa.txt"

GOLDEN = json.loads(GOLDEN_PATH.read_text(encoding="utf-8"))
SPEC, SPEC_DATA = load_spec_file(spec_path("kimi-k2.7-code"))

# The seed's options, in its order (the golden file is their full product in this order).
SEED_ITEMS = {
    "hardware": ["h200", "b300", "gb300", "mi300x", "mi325x", "mi350x", "mi355x"],
    "reasoning": ["disabled", "enabled"],
    "toolcall": ["disabled", "enabled"],
    "dpattention": ["disabled", "enabled"],
}
DEFAULTS = {"hardware": "h200", "reasoning": "enabled", "toolcall": "enabled", "dpattention": "disabled"}


def row_id(row):
    return "-".join(row["choices"][k] for k in SEED_ITEMS)


def argv_of(command):
    return shlex.split(command.replace(" \\\n", " "))


# --- the golden file itself -------------------------------------------------------------------

def test_golden_file_is_the_full_product_without_duplicates():
    assert len(GOLDEN) == 56
    keys = [tuple(row["choices"][k] for k in SEED_ITEMS) for row in GOLDEN]
    assert len(set(keys)) == 56
    assert set(keys) == set(itertools.product(*SEED_ITEMS.values()))
    for row in GOLDEN:
        assert set(row) == {"choices", "command"}
        assert set(row["choices"]) == set(SEED_ITEMS)
        assert isinstance(row["command"], str) and row["command"]


FIELDS = ["name", "port", "host", "ctx", "weights", "frac"]
# The vLLM recipe's choices (issue 16), hidden under SGLang.
VLLM_RECIPE = ["strategy", "speculative", "encoder", "nodes", "head"]


def test_spec_options_match_the_seed():
    # The seed's options in its order, after the engine choice and before the reader's fields;
    # under SGLang, the seed's items are exactly the enabled ones (B200 is vLLM's platform).
    views = resolve(SPEC, {})["options"]
    assert [v["id"] for v in views] == ["engine", *SEED_ITEMS, *VLLM_RECIPE, *FIELDS]
    assert not any(v["visible"] for v in views if v["id"] in VLLM_RECIPE)
    views = [v for v in views if v["id"] not in VLLM_RECIPE]
    for view in views[1:5]:
        assert [i["id"] for i in view["items"] if i["enabled"]] == SEED_ITEMS[view["id"]]
    assert [i["id"] for i in views[1]["items"] if not i["enabled"]] == ["b200"]
    assert all(v["kind"] != "radio" and v["value"] == "" for v in views[5:])


# --- every golden row -------------------------------------------------------------------------

@pytest.mark.parametrize("row", GOLDEN, ids=row_id)
def test_golden_command(row):
    view = resolve(SPEC, row["choices"])
    assert view["command"] == row["command"]
    assert view["argv"] == argv_of(row["command"])
    assert view["ignored"] == []
    assert view["state"] == {"engine": "sglang", **row["choices"]}
    assert all(v["visible"] != (v["id"] in VLLM_RECIPE) for v in view["options"])


@pytest.mark.parametrize("row", GOLDEN, ids=row_id)
def test_golden_command_through_resolve_json(row):
    out = json.loads(resolve_json(json.dumps(SPEC_DATA), json.dumps(row["choices"])))
    assert out["command"] == row["command"]


@pytest.mark.parametrize("row", GOLDEN, ids=row_id)
def test_query_holds_exactly_the_non_default_choices(row):
    view = resolve(SPEC, row["choices"])
    expected = {k: v for k, v in row["choices"].items() if DEFAULTS[k] != v}
    assert view["query"] == expected
    # The query alone (what a shared link carries) gives back the same command.
    assert resolve(SPEC, view["query"])["command"] == row["command"]


@pytest.mark.parametrize("row", GOLDEN, ids=row_id)
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
    assert [o["value"] for o in view["options"]][:5] == ["sglang", "h200", "enabled", "enabled", "disabled"]
    golden_default = next(r["command"] for r in GOLDEN if r["choices"] == DEFAULTS)
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
    # Unconditional note only (no AMD docker image, no DP or Blackwell warning).
    assert [n["level"] for n in view["notes"]] == ["tip"]


def test_notes_follow_the_choices():
    amd = resolve(SPEC, {"hardware": "mi355x", "dpattention": "enabled"})
    texts = [n["text"] for n in amd["notes"]]
    assert any("mi35x" in t for t in texts)
    assert not any("mi30x" in t for t in texts)
    assert any("`--enable-dp-attention` is deprecated" in t for t in texts)
    blackwell = resolve(SPEC, {"hardware": "gb300"})
    assert [n["level"] for n in blackwell["notes"]] == ["tip", "warning"]
    assert "tokenspeed_mla" in blackwell["notes"][1]["text"]


# --- the seed ---------------------------------------------------------------------------------

def _seed_path():
    candidates = [Path("/work/shared/seeds") / SEED_NAME]
    candidates += sorted((ROOT.parent / "shared" / "seeds").glob("000_*.txt"))
    return next((p for p in candidates if p.is_file()), None)


def test_golden_matches_seed():
    seed = _seed_path()
    if seed is None:
        pytest.skip(f"seed {SEED_NAME} not available (neither /work/shared/seeds nor ../shared/seeds)")
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    done = subprocess.run([node, str(DERIVE), str(seed)], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == GOLDEN
