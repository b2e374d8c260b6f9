"""The Kimi spec's vLLM commands on the recipe's platforms, against the vLLM recipes builder.

Goldens: tests/data/kimi-k2.7-code.vllm-recipe.golden.json, derived by running the builder's own
command synthesis (tests/tools/derive_vllm_recipe.mjs). Each row: a platform, strategy, node count
and feature set, with the builder's commands (head node first, then one per worker) as
`vllm serve` (plus its environment) and as `docker run`.

How the configurator shows them: the `docker run` form is the command (head node) and the
`workers` output (each worker, a blank line between); the `vllm serve` form is the `serve` and
`workers-serve` outputs, each with the builder's environment as `NAME=value` words on the line
before `vllm serve` (the builder shows that environment beside its command, not in it).
"""

import collections
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from configurator import resolve
from macros.specs import load_spec_file, spec_path

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests/data/kimi-k2.7-code.vllm-recipe.golden.json"
SOURCES = ROOT.parent / "shared/sources/vllm-recipes"  # ../shared next to the clone
SPEC, _ = load_spec_file(spec_path("kimi-k2.7-code"))  # the build's load: every state checked against the engine data
DATA = json.loads(GOLDEN.read_text())

STRATEGY = {"single_node_tp": "tp", "single_node_tep": "tep", "single_node_dep": "dep",
            "multi_node_tp": "mn-tp", "multi_node_tp_pp": "mn-tp-pp", "multi_node_dep": "mn-dep",
            "multi_node_tep": "mn-tep"}
FIELDS = ("name", "port", "host", "ctx", "weights", "frac", "nodes", "head")


def choices(row, nodes_field=None):
    f = set(row["features"])
    out = {
        "engine": "vllm", "hardware": row["hardware"], "strategy": STRATEGY[row["strategy"]],
        "toolcall": "enabled" if "tool_calling" in f else "disabled",
        "reasoning": "enabled" if "reasoning" in f else "disabled",
        "speculative": "eagle3" if "spec_decoding" in f else "off",
        "encoder": "data" if "encoder_parallel" in f else "none" if "text_only" in f else "tp",
        **{k: "" for k in FIELDS},
    }
    if row["strategy"].startswith("multi_node"):
        # 2 nodes is the field's empty state; other counts are typed.
        out["nodes"] = nodes_field if nodes_field is not None else ("" if row["nodes"] == 2 else str(row["nodes"]))
    return out


def with_env(env, command):
    return (" ".join(f"{k}={v}" for k, v in env.items()) + " \\\n" if env else "") + command


def shown(view):
    return {o["id"]: o["text"] for o in view["outputs"]}


@pytest.mark.parametrize("row", DATA["rows"], ids=lambda r: f"{r['hardware']}-{r['strategy']}-{r['nodes']}-{'+'.join(r['features']) or 'none'}")
def test_every_builder_command_byte_for_byte(row):
    view = resolve(SPEC, choices(row))
    assert not view["ignored"]
    outs = shown(view)
    assert view["command"] == row["docker"][0]
    assert outs["serve"] == with_env(row["env"], row["serve"][0])
    if len(row["serve"]) > 1:
        assert outs["workers"] == "\n\n".join(row["docker"][1:])
        assert outs["workers-serve"] == "\n\n".join(with_env(row["env"], c) for c in row["serve"][1:])
    else:
        assert "workers" not in outs and "workers-serve" not in outs


def test_every_reachable_recipe_state_is_a_golden_row():
    """Every radio combination on a recipe platform (fields empty) is one of the goldens."""
    golden = {json.dumps(choices(r), sort_keys=True) for r in DATA["rows"] if r["nodes"] <= 2}
    reached = set()
    for hw in DATA["platforms"]:
        for strategy in STRATEGY.values():
            for tool in ("enabled", "disabled"):
                for reasoning in ("enabled", "disabled"):
                    for spec in ("eagle3", "off"):
                        for encoder in ("data", "tp", "none"):
                            c = {"engine": "vllm", "hardware": hw, "strategy": strategy, "toolcall": tool,
                                 "reasoning": reasoning, "speculative": spec, "encoder": encoder,
                                 **{k: "" for k in FIELDS}}
                            if strategy.startswith("mn-"):
                                c["nodes"] = ""
                            assert resolve(SPEC, c)["state"]["strategy"] == strategy
                            reached.add(json.dumps(c, sort_keys=True))
    assert reached == golden


def test_defaults_are_the_builders():
    """The builder's default features: all but the recipe's opt-in ones; TP on one node."""
    view = resolve(SPEC, {"engine": "vllm", "hardware": "h200"})
    row = next(r for r in DATA["rows"] if r["hardware"] == "h200" and r["strategy"] == "single_node_tp"
               and r["features"] == DATA["default_features"])
    assert view["command"] == row["docker"][0]


def test_counts():
    counts = collections.Counter()
    for row in DATA["rows"]:
        counts[(row["hardware"], row["strategy"])] += 1
    commands = sum(len(r["serve"]) + len(r["docker"]) for r in DATA["rows"])
    feature_sets = {tuple(r["features"]) for r in DATA["rows"]}
    print(f"\nvLLM recipe goldens ({DATA['source']['commit'][:7]}, {DATA['source']['date']}): "
          f"{len(DATA['platforms'])} platforms × {len(STRATEGY)} strategies × {len(feature_sets)} feature sets × 2 forms; "
          f"{len(DATA['rows'])} rows, {commands} commands")
    for (hw, strategy), n in sorted(counts.items()):
        print(f"  {hw:7} {strategy:17} {n:3} rows")
    assert len(feature_sets) == 24 and len(DATA["platforms"]) == 4
    assert len(DATA["rows"]) == 4 * 7 * 24 + 2 * 4 * 14


# --- the reader's fields ------------------------------------------------------------------------

def test_fields_apply_to_both_forms():
    base = {"engine": "vllm", "hardware": "mi300x", "strategy": "mn-tp", "nodes": "3", "head": "10.1.2.3",
            "port": "9000", "name": "kimi", "ctx": "131072", "frac": "0.85", "weights": "/models/kimi"}
    view = resolve(SPEC, base)
    assert not view["ignored"]
    docker, outs = view["command"], shown(view)
    assert "-p 9000:9000" in docker and "-v /models/kimi:/models/kimi:ro" in docker
    assert "vllm/vllm-openai-rocm:nightly /models/kimi \\" in docker
    for text in (docker, outs["serve"], outs["workers"], outs["workers-serve"]):
        for flag in ("--port 9000", "--served-model-name kimi", "--max-model-len 131072",
                     "--gpu-memory-utilization 0.85", "--master-addr 10.1.2.3"):
            assert flag in text
        assert "$HEAD_IP" not in text
    assert outs["workers"].count("docker run") == 2
    assert "--node-rank 1" in outs["workers"] and "--node-rank 2" in outs["workers"]


@pytest.mark.parametrize("field,value", [
    ("head", "$(reboot)"), ("head", "10.0.0.256"), ("head", "a b"), ("head", "1.2.3"),
    ("nodes", "1"), ("nodes", "17"), ("nodes", "two"),
])
def test_bad_multi_node_input_is_refused_with_a_message(field, value):
    view = resolve(SPEC, {"engine": "vllm", "hardware": "h200", "strategy": "mn-dep", field: value})
    error = next(o for o in view["options"] if o["id"] == field)["error"]
    assert error.startswith({"head": "Head node address ", "nodes": "Nodes "}[field])
    assert error.endswith(("does not have the expected form", "must be at least 2", "must be at most 16",
                           "must be a whole number"))
    # The builder's own command, as with the field empty.
    default = resolve(SPEC, {"engine": "vllm", "hardware": "h200", "strategy": "mn-dep"})
    assert view["command"] == default["command"] and shown(view) == shown(default)


def test_multi_node_fields_belong_to_multi_node_strategies():
    view = resolve(SPEC, {"engine": "vllm", "hardware": "h200", "strategy": "tp", "nodes": "4", "head": "h1"})
    assert "nodes" not in view["state"] and "head" not in view["state"]
    assert "workers" not in shown(view)


def test_no_disabled_reason_claims_no_published_vllm_command():
    vllm = {i["id"]: i for i in resolve(SPEC, {"engine": "vllm"})["options"][1]["items"]}
    assert [i for i, v in vllm.items() if v["enabled"]] == ["h200", "b200", "mi300x", "mi325x", "mi355x"]
    for item in vllm.values():
        assert "No published vLLM command" not in (item.get("reason") or "")


# --- the goldens are the builder's ----------------------------------------------------------

@pytest.mark.skipif(not SOURCES.is_dir() or shutil.which("node") is None, reason="no ../shared/sources/vllm-recipes")
def test_goldens_rederive_from_the_builder():
    if not (ROOT / "node_modules/js-yaml").is_dir():
        pytest.skip("js-yaml not installed (npm ci)")
    out = subprocess.run(["node", "tests/tools/derive_vllm_recipe.mjs", str(SOURCES)], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout
    assert out == GOLDEN.read_text()
