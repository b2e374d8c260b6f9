"""The whole deployment in one configurator (issue 8): SGLang or vLLM, the reader's own values,
the snippets beside the command and the memory estimate, all from the Kimi spec."""

import ast
import collections
import re
import json
import os
import shlex
import subprocess
from pathlib import Path

import pytest

from configurator import all_states, resolve
from configurator.states import reachable_states as spec_states
from configurator.flags.commands import check
from macros.specs import load_spec_file, spec_path

ROOT = Path(__file__).resolve().parent.parent.parent
SPEC, _ = load_spec_file(spec_path("kimi-k2.7-code"))
SEEDS = {s["id"]: s["text"] for s in json.loads((ROOT / "tests/data/seed_snippets.json").read_text())["snippets"]}
# What the site adds around a seed block shown by the configurator (its own words, with why).
SITE_ADDS = {s["id"]: s["configurator"].get("site_adds", {})
             for s in json.loads((ROOT / "tests/data/seed_snippets.json").read_text())["snippets"] if "configurator" in s}
HUB_ID = "moonshotai/Kimi-K2.7-Code"
MXFP4_ID = "amd/Kimi-K2.7-Code-MXFP4"  # the SGLang docs' MXFP4 checkpoint (MI350X/MI355X)

# Values a reader may type: at the fields' bounds, and valid but shell-hostile.
EMPTY = {}
LOW = {"name": "k", "port": "1", "host": "h", "ctx": "1024", "weights": "/", "frac": "0.001"}
HIGH = {"name": "K" * 200, "port": "65535", "host": "h" * 200, "ctx": "262144",
        "weights": "/" + "w" * 199, "frac": "0.999"}
HOSTILE = {"port": "08000", "host": "10.0.0.5",
           "weights": "/m/$(touch pwned) `id` \"q\" 'x' \\ ;|&<>*?! ~ {model} %s"}
FIELD_SETS = {"empty": EMPTY, "low": LOW, "high": HIGH, "hostile": HOSTILE}


def reachable_states():
    """Every radio state a reader can reach (distinct resolved states)."""
    seen = {}
    for choices in spec_states(SPEC):
        state = resolve(SPEC, choices)["state"]
        seen[json.dumps(state, sort_keys=True)] = state
    return list(seen.values())


STATES = reachable_states()


def outputs(view):
    return {o["id"]: o["text"] for o in view["outputs"]}


def split(text):
    return shlex.split(text.replace(" \\\n", " "))


def sh_words(script):
    """The words a POSIX shell passes to `words …` at the end of `script`."""
    # openai_words: the same, after the OPENAI_* variables its command line sets for it.
    prelude = ('words() { printf "%s\\0" "$@"; }\n'
               'openai_words() { words "$OPENAI_API_KEY" "$OPENAI_BASE_URL" "$OPENAI_MODEL" "$@"; }\n')
    done = subprocess.run(["sh", "-c", prelude + script],
                          capture_output=True, text=True, timeout=30, cwd="/")
    assert done.returncode == 0, done.stderr
    return done.stdout.split("\0")[:-1]


def expected(state, fields):
    """What the snippets must point at, worked out independently of the spec's derived values."""
    vllm = state["engine"] == "vllm"
    model = fields.get("weights") or (MXFP4_ID if state.get("quantization") == "mxfp4" else HUB_ID)
    # Lambda's guide (B200) names the model; the recipe's builder (and SGLang) keep the path.
    served = fields.get("name") or ("kimi-k2.7-code" if vllm and state["hardware"] == "b200" else model)
    port = str(int(fields["port"])) if fields.get("port") else ("8000" if vllm else "30000")
    host = fields.get("host") or "localhost"
    return model, served, port, host


def test_there_are_734_reachable_states_58_sglang_4_lambda_672_vllm_recipe():
    # SGLang: the docs generator's 56 INT4 and 2 MXFP4 states (tests/engine/test_golden.py).
    # vLLM recipe (issue 16): 4 platforms × 7 strategies × 2 × 2 × 2 × 3 feature choices.
    assert len(STATES) == 734
    assert sum(s["engine"] == "sglang" for s in STATES) == 58
    vllm = collections.Counter(s["hardware"] for s in STATES if s["engine"] == "vllm")
    assert vllm == {"b200": 4, "h200": 168, "mi300x": 168, "mi325x": 168, "mi355x": 168}


# --- published blocks ------------------------------------------------------------------------

def test_vllm_published_state_is_the_lambda_guide_byte_for_byte():
    view = resolve(SPEC, {"engine": "vllm"})
    assert view["command"] == SEEDS["vllm-docker-run"]
    shown = outputs(view)
    for output_id, seed_id in (("verify", "vllm-verify-curl"), ("bench", "vllm-bench-serve"),
                               ("claude-code", "claude-code-env"), ("noumena", "noumena-code-backend")):
        adds = SITE_ADDS[seed_id]
        assert shown[output_id] == adds.get("prefix", "") + SEEDS[seed_id] + adds.get("suffix", ""), output_id
    assert SITE_ADDS["vllm-bench-serve"]  # the benchmark runs in the container, with --trust-remote-code


def test_vllm_serve_is_the_docker_commands_equivalent_with_a_positional_model():
    view = resolve(SPEC, {"engine": "vllm"})
    docker = split(view["command"])
    after_image = docker[docker.index("vllm/vllm-openai:nightly-e312c5cb25427e76fc3830ab14e7b6bc0963a55c") + 1:]
    serve = split(outputs(view)["serve"])
    assert serve[:3] == ["vllm", "serve", HUB_ID]
    assert "--model" not in serve
    # Same flags as the container's arguments, plus the port the container publishes.
    assert serve[3:] == after_image[2:] + ["--port", "8000"]


def test_sglang_commands_ignore_empty_fields_and_an_explicit_engine():
    golden = json.loads((ROOT / "tests/data/kimi-k2.7-code.sglang-docs.golden.json").read_text())["rows"]
    blanks = {k: "" for k in LOW}
    for row in golden:
        assert resolve(SPEC, {"engine": "sglang", **blanks, **row["choices"]})["command"] == row["command"]


# --- engine choice and fallbacks ---------------------------------------------------------------

def test_hardware_without_a_published_command_is_disabled_with_the_reason():
    sglang = {i["id"]: i for i in resolve(SPEC, {})["options"][1]["items"]}
    assert not sglang["b200"]["enabled"] and "No published SGLang command" in sglang["b200"]["reason"]
    vllm = {i["id"]: i for i in resolve(SPEC, {"engine": "vllm"})["options"][1]["items"]}
    # The vLLM recipe publishes H200, MI300X, MI325X and MI355X (issue 16); the rest stay off.
    assert [i for i, v in vllm.items() if v["enabled"]] == ["h200", "b200", "mi300x", "mi325x", "mi355x"]
    assert "Not verified by the vLLM recipe" in vllm["b300"]["reason"]


def test_a_reader_on_mi350x_who_picks_vllm_lands_on_b200_and_gets_mi350x_back_on_sglang():
    explicit = {"hardware": "mi350x", "engine": "vllm"}
    view = resolve(SPEC, explicit)
    assert view["state"]["hardware"] == "b200"
    assert view["command"].startswith("docker run")
    assert [i["key"] for i in view["ignored"]] == ["hardware"]
    explicit["engine"] = "sglang"
    assert resolve(SPEC, explicit)["state"]["hardware"] == "mi350x"


def test_dp_attention_is_an_sglang_option():
    view = resolve(SPEC, {"engine": "vllm", "dpattention": "enabled"})
    assert "dpattention" not in view["state"]
    assert "--enable-dp-attention" not in view["command"]


# --- the reader's own values -------------------------------------------------------------------

@pytest.mark.parametrize("engine", ["sglang", "vllm"])
def test_fields_reach_the_command_with_each_engines_flags(engine):
    fields = {"name": "my-kimi", "port": "9000", "host": "10.0.0.5", "ctx": "131072",
              "weights": "/data/kimi", "frac": "0.85"}
    argv = resolve(SPEC, {"engine": engine, **fields})["argv"]

    def after(flag):
        return argv[argv.index(flag) + 1]

    assert after("--served-model-name") == "my-kimi"
    if engine == "sglang":
        assert (after("--port"), after("--host"), after("--context-length")) == ("9000", "10.0.0.5", "131072")
        assert (after("--model-path"), after("--mem-fraction-static")) == ("/data/kimi", "0.85")
    else:
        assert after("-p") == "10.0.0.5:9000:8000"
        assert (after("--max-model-len"), after("--gpu-memory-utilization")) == ("131072", "0.85")
        assert after("--model") == "/data/kimi" and after("-v") == "/data/kimi:/data/kimi"
        assert "~/.cache/huggingface:/root/.cache/huggingface" not in argv


def test_the_readers_fraction_replaces_the_published_amd_one():
    argv = resolve(SPEC, {"hardware": "mi300x", "frac": "0.9"})["argv"]
    assert argv.count("--mem-fraction-static") == 1
    assert argv[argv.index("--mem-fraction-static") + 1] == "0.9"


@pytest.mark.parametrize("field,value", [
    ("name", "a b; rm -rf ~"), ("name", "-x"), ("port", "0"), ("port", "65536"), ("host", "a;b"),
    ("ctx", "1023"), ("ctx", "262145"), ("weights", "relative/path"), ("weights", "/a:/b"),
    ("frac", "1.5"), ("frac", "0"), ("frac", "0.9 --x"),
])
def test_invalid_values_are_reported_and_change_nothing(field, value):
    for engine in ("sglang", "vllm"):
        view = resolve(SPEC, {"engine": engine, field: value})
        assert view["command"] == resolve(SPEC, {"engine": engine})["command"]
        published = resolve(SPEC, {"engine": engine})["outputs"]
        if field in ("frac", "ctx"):  # the memory tab names the entry it could not use (issue 20)
            memory_tab = next(o for o in view["outputs"] if o["id"] == "memory")["text"]
            published_tab = next(o for o in published if o["id"] == "memory")["text"]
            assert memory_tab.startswith("Not applied: ") and memory_tab.endswith(published_tab)
            view["outputs"] = [o for o in view["outputs"] if o["id"] != "memory"]
            published = [o for o in published if o["id"] != "memory"]
        assert view["outputs"] == published
        field_view = next(o for o in view["options"] if o["id"] == field)
        assert field_view["error"] and field_view["value"] == value  # kept for the reader to fix


# --- snippets: valid, and pointing where the reader said ---------------------------------------

@pytest.mark.parametrize("fields", FIELD_SETS.values(), ids=FIELD_SETS.keys())
def test_every_snippet_in_every_state_is_valid_and_follows_the_choices(fields):
    for state in STATES:
        view = resolve(SPEC, {**state, **fields})
        assert all(o.get("error") is None for o in view["options"] if o["kind"] != "radio"), view["options"]
        model, served, port, host = expected(state, fields)
        base = f"http://{host}:{port}"
        shown = outputs(view)
        # MXFP4 hides the parser options (as the SGLang docs do) and the INT4 memory estimate.
        reasoning, tools = state.get("reasoning") == "enabled", state.get("toolcall") == "enabled"
        mxfp4 = state.get("quantization") == "mxfp4"
        multi_node = state.get("strategy", "").startswith("mn-")  # no estimate across nodes (a note says so)
        assert set(shown) == {"ready", "verify", "chat-curl", "chat-python", "bench", "claude-code", "noumena"} \
            | (set() if mxfp4 or multi_node else {"memory"}) \
            | ({"serve", "logs"} if state["engine"] == "vllm" else set()) \
            | ({"tools-python"} if tools else set()) \
            | ({"workers", "workers-serve"} if multi_node else set())

        assert split(shown["verify"]) == ["curl", "-X", "GET", f"{base}/v1/models", "-H", "Content-Type: application/json"]
        ready_step(shown["ready"], state["engine"], base)
        if state["engine"] == "vllm":
            assert shown["logs"].splitlines() == ["docker logs -f kimi", "docker stop kimi && docker rm kimi"]
        else:
            assert "logs" not in shown  # SGLang runs in the foreground: its terminal has the log, Ctrl-C stops it
        curl = split(shown["chat-curl"])
        assert curl[:5] == ["curl", f"{base}/v1/chat/completions", "-H", "Content-Type: application/json", "-d"]
        body = json.loads(curl[5])
        assert body["model"] == served and body["messages"][0]["role"] == "user"

        for output_id in ("chat-python", "tools-python"):
            if output_id not in shown:
                continue
            tree = ast.parse(shown[output_id])
            compile(tree, output_id, "exec")
            constants = {k.arg: k.value.value for n in ast.walk(tree) if isinstance(n, ast.Call)
                         for k in n.keywords if isinstance(k.value, ast.Constant)}
            assert constants["model"] == served and constants["base_url"] == f"{base}/v1"
        # The message field each engine fills with the thinking (vLLM renamed it in v0.26).
        tree = ast.parse(shown["chat-python"])
        read = {n.args[1].value for n in ast.walk(tree) if isinstance(n, ast.Call)
                and getattr(n.func, "id", "") == "getattr"}
        assert read == ({REASONING_FIELD[state["engine"]]} if reasoning else set())

        bench = split(shown["bench"])
        if state["engine"] == "vllm":
            # Inside the container, where vllm is installed; the server there is on port 8000,
            # vllm bench's default, whatever the host publishes.
            assert bench[:6] == ["docker", "exec", "kimi", "vllm", "bench", "serve"]
            assert "--trust-remote-code" in bench and "--base-url" not in bench
            assert bench[bench.index("--backend") + 1] == "openai-chat"
        else:
            assert bench[:3] == ["python3", "-m", "sglang.bench_serving"]
            assert bench[bench.index("--backend") + 1] == "sglang-oai-chat"
            assert bench[bench.index("--base-url") + 1] == base
        assert bench[bench.index("--model") + 1] == model
        assert bench[bench.index("--served-model-name") + 1] == served

        # Double-quoted shell text: shlex and sh differ on backslashes there, so ask sh itself.
        agent_host = "<NODE_IP>" if not fields.get("host") else host
        models = ("", "_DEFAULT_SONNET", "_DEFAULT_OPUS", "_DEFAULT_HAIKU", "_SMALL_FAST", "_FAST")
        claude = sh_words(shown["claude-code"].replace("\nclaude", "\nwords \"$ANTHROPIC_BASE_URL\" " + " ".join(
            f'"$ANTHROPIC{m}_MODEL"' for m in models)))
        assert claude == [f"http://{agent_host}:{port}", *[served] * len(models)]
        noumena = shown["noumena"].split("bun run build\n")[1].replace(
            "./.tmp/packages/ncode-0.1.0-linux-x64/ncode", "openai_words")
        name = fields.get("name") or "my-kimi2.7-code"
        assert sh_words(noumena) == ["dummy", f"http://{agent_host}:{port}/v1", name,
                                     "--print", "--model", name, "--max-turns", "1", "Reply exactly: ok"]


REASONING_FIELD = {"sglang": "reasoning_content", "vllm": "reasoning"}


def ready_step(script, engine, base):
    """The wait polls the engine's /health (SGLang answers 503 until warm-up ends), gives up
    loudly, and on vLLM first names the container the later steps use."""
    assert sh_syntax_ok(script)
    assert f"{base}/health" in script and "/v1/models" not in script
    assert "seq 180" in script and "Not ready after 30 minutes" in script
    assert ('docker rename "$(docker ps -lq)" kimi' in script) == (engine == "vllm")
    assert ("The server stopped" in script) == (engine == "vllm")


def sh_syntax_ok(script):
    return subprocess.run(["sh", "-n", "-c", script], capture_output=True, timeout=30).returncode == 0


def run_ready(tmp_path, engine, health, running):
    """Run the wait step with stand-ins for curl, docker and sleep: (exit code, stdout, stderr)."""
    script = outputs(resolve(SPEC, {"engine": engine}))["ready"]
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(parents=True)
    stubs = {"curl": f"exit {0 if health else 7}",
             "docker": f'[ "$1" = top ] && exit {0 if running else 1}; [ "$1" = ps ] && echo abc; exit 0',
             "sleep": "exit 0"}
    for name, body in stubs.items():
        (bin_dir / name).write_text(f"#!/bin/sh\n{body}\n")
        (bin_dir / name).chmod(0o755)
    done = subprocess.run(["sh", "-c", script], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"})
    return done.returncode, done.stdout, done.stderr


@pytest.mark.parametrize("engine", ["sglang", "vllm"])
def test_the_wait_ends_when_healthy_and_fails_loudly_after_its_time_limit(tmp_path, engine):
    code, out, err = run_ready(tmp_path / "up", engine, health=True, running=True)
    assert out.strip().endswith("Ready.") and not err
    code, out, err = run_ready(tmp_path / "slow", engine, health=False, running=True)
    assert "Not ready after 30 minutes" in err and out.count("Waiting") == 179


def test_the_wait_stops_at_once_when_the_vllm_container_has_died(tmp_path):
    code, out, err = run_ready(tmp_path, "vllm", health=False, running=False)
    assert "The server stopped: docker logs kimi" in err and "Waiting" not in out


def test_hostile_values_stay_literal_in_a_real_shell(tmp_path):
    """The exports, run by sh, set exactly the text typed (nothing expanded or executed)."""
    view = resolve(SPEC, {"weights": HOSTILE["weights"]})  # SGLang serves under the weights path
    exports = shown = outputs(view)["claude-code"].replace("\nclaude", "")
    script = exports + '\nprintf %s "$ANTHROPIC_MODEL"'
    done = subprocess.run(["sh", "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    assert done.stdout == HOSTILE["weights"]
    assert not (tmp_path / "pwned").exists() and shown


# --- memory estimate ---------------------------------------------------------------------------

def memory(choices):
    view = resolve(SPEC, choices)
    text = outputs(view)["memory"]
    rows = {cells[0]: cells[1:] for cells in (l.split(" | ") for l in text.splitlines() if " | " in l)}
    tokens = rows["Tokens in the pool"][0] if "Tokens in the pool" in rows else None
    verdict = next((l.strip("*") for l in text.splitlines() if l.strip("*").startswith("Context length")), "")
    warned = any("does not fit" in n["text"] for n in view["notes"])
    return tokens, verdict, warned, text


def notes(choices):
    return " ".join(n["text"] for n in resolve(SPEC, choices)["notes"])


GIB = 2 ** 30
# Worked by hand (GiB = 2^30 bytes, as the engines log it):
W = 595e9 / GIB                                  # 554.14 GiB checkpoint
REP = 61 * 7168 * 2112 * 2 / GIB                 # fused q_a + kv_a projections, on every GPU
SPLIT = 61 * (1536 * 12288 + 512 * 16384 + 8192 * 7168) * 2 / GIB  # q_b, kv_b, o_proj
LOAD = 1.5                                       # the engines' load overhead (estimate)
VLM = 0.95 * (1 - 0.1 * (27 * 1152 ** 2 / (24 * 1024 ** 2) - 1))  # adjust_mem_fraction_for_vlm


def weights(tp, dp=1):
    return (W - REP - SPLIT) / tp + REP + SPLIT / (tp / dp) + LOAD


def tokens(pool_gib, cell):
    return f"{max(0, int(pool_gib * GIB // cell)):,}"


def test_units_mi300x_short_context_fits_in_gib():
    # 8,192 tokens: no aiter scaling, so the published 0.8 applies to 191.69 − 2.5 GiB.
    pool = 0.8 * (191.69 - 2.5) - weights(4) - 0.1          # ≈ 9.9 GiB, not 4.85 "GB"
    got, verdict, warned, text = memory({"hardware": "mi300x", "ctx": "8192"})
    assert got == tokens(pool, 61 * 576 * 1)
    assert "fits:" in verdict and not warned
    assert "191.69" in text and "35,136 bytes" in text


def test_published_mi300x_names_sglangs_aiter_scaling_instead_of_a_unit_error():
    # Full context on AMD: attention_hook.py scales 0.8 to 0.68; 0.68 × 189.19 < the weights.
    got, verdict, warned, text = memory({"hardware": "mi300x"})
    assert "0.680" in text and "SGLANG_AITER_HONOR_EXPLICIT_MEM_FRACTION=1" in text
    assert "does NOT start" in verdict and "4.85" not in text and not warned
    assert "SGLANG_AITER_HONOR_EXPLICIT_MEM_FRACTION=1" in notes({"hardware": "mi300x"})
    # The published AMD commands run on the v0.5.9 image, which scales too but has no such variable:
    # the fraction that gives 0.8 after scaling is offered, and it does leave a pool.
    assert "0.94" in text and "v0.5.9 image has no such variable" in text
    got94, verdict94, _, _ = memory({"hardware": "mi300x", "frac": "0.94"})
    assert int(got94.replace(",", "")) > 0 and "does NOT start" not in verdict94
    assert "stops at start-up" in notes({"hardware": "h200", "frac": "0.5"})  # 0.5 × 137.9 < 72.3
    pool = 0.8 * (191.69 - 2.5) - weights(4) - 0.1          # ≈ 9.9 GiB with the scaling off
    assert f"{pool:.1f} GiB left, {tokens(pool, 61 * 576)} tokens" in text


def test_sglang_picks_its_own_fraction_on_h200_as_0_5_23_computes_it():
    # MiB 143,771 < 160 GiB: chunk 8192, graphs 512; reserved 512 + 12288 + 1024 + 1024 + 1536
    frac = round((143769.6 - 16384) / 143769.6, 3) * VLM   # 140.4 GiB in MiB; 0.886 × 0.9097 = 0.806
    pool = frac * (140.4 - 2.5) - weights(8) - 0.1
    got, verdict, _, text = memory({})
    assert f"{frac:.3f}" == "0.806" and "0.806" in text and "SGLang's own" in text
    assert got == tokens(pool, 61 * 576 * 2)


def test_dp_attention_replicates_attention_and_splits_requests_per_rank():
    # + 512·8·3 + 512·8·1.5 of DP padding; attention weights whole on each GPU.
    frac = round((143769.6 - 34816) / 143769.6, 3) * VLM
    pool = frac * (140.4 - 2.5) - weights(8, dp=8) - 0.1
    per_rank = int(pool * GIB // (61 * 576 * 2))
    got, verdict, _, text = memory({"dpattention": "enabled", "ctx": "65536"})
    assert got == f"{per_rank:,}"
    assert f"{8 * (per_rank // 65536):,} requests" in verdict
    assert weights(8, dp=8) - weights(8) > 8                # ≈ 8.5 GiB more per GPU
    assert "one request must fit one rank" in text


def test_fp8_kv_holds_twice_the_tokens_of_bf16():
    fp8 = memory({"hardware": "mi355x", "ctx": "8192"})[3]
    bf16 = memory({"hardware": "h200", "frac": "0.9"})[3]
    assert "35,136 bytes" in fp8 and "(FP8)" in fp8 and "70,272 bytes" in bf16 and "(BF16)" in bf16


def test_vllm_applies_its_fraction_to_the_whole_card():
    pool = 0.92 * 179.06 - weights(8) - 7.3                # vLLM 0.33.0's default; whole card; overhead fitted
    got, verdict, _, text = memory({"engine": "vllm"})
    assert got == tokens(pool, 61 * 576 * 2)
    assert "GPU KV cache size" in text and "of the whole card" in text
    pool = 0.5 * 179.06 - weights(8) - 7.3
    assert memory({"engine": "vllm", "frac": "0.5"})[0] == tokens(pool, 61 * 576 * 2)


def test_fp8_and_bf16_pools_worked_by_hand():
    # SGLang on MI355X at 8,192 tokens (no aiter scaling): FP8 KV, 1 byte an element.
    pool = 0.8 * (288 - 2.5) - weights(4) - 0.1
    assert memory({"hardware": "mi355x", "ctx": "8192"})[0] == tokens(pool, 61 * 576 * 1)
    # SGLang on H200 with 0.9 typed: BF16 KV, 2 bytes; the same pool would hold half the tokens.
    pool = 0.9 * (140.4 - 2.5) - weights(8) - 0.1
    assert memory({"hardware": "h200", "frac": "0.9"})[0] == tokens(pool, 61 * 576 * 2)
    assert int(tokens(pool, 61 * 576 * 1).replace(",", "")) // 2 == int(tokens(pool, 61 * 576 * 2).replace(",", ""))


def test_vllm_recipe_forms_worked_by_hand():
    base = {"engine": "vllm", "speculative": "off"}
    # TP over the recipe's 8-GPU node, also on MI300X (the SGLang commands there use TP 4).
    pool = 0.92 * 191.69 - weights(8) - 7.3
    assert memory({**base, "hardware": "mi300x", "strategy": "tp"})[0] == tokens(pool, 61 * 576 * 2)
    # Eagle3: one draft layer more per token.
    pool = 0.92 * 140.4 - weights(8) - 7.3
    assert memory({**base, "hardware": "h200", "strategy": "tp", "speculative": "eagle3"})[0] == tokens(pool, 62 * 576 * 2)
    # DEP: attention whole on each of 8 ranks, a pool per rank; requests counted per rank × 8.
    pool = 0.92 * 140.4 - weights(8, dp=8) - 7.3
    got, verdict, _, _ = memory({**base, "hardware": "h200", "strategy": "dep", "ctx": "131072"})
    per_rank = int(pool * GIB // (61 * 576 * 2))
    assert got == f"{per_rank:,}" and f"fits: {8 * (per_rank // 131072)} requests" in verdict


def test_marginal_when_within_the_error():
    _, verdict, warned, _ = memory({"dpattention": "enabled"})
    assert verdict.split(": ")[1].startswith("marginal") and not warned


@pytest.mark.parametrize("fields", [{"frac": "0"}, {"frac": "1.5"}, {"frac": "abc"}, {"ctx": "0"},
                                    {"ctx": "lots"}, {"frac": "0.9", "ctx": "-5"}])
def test_bad_input_gets_a_message_in_the_tab_never_nan(fields):
    for hardware in ("h200", "mi300x"):
        text = memory({"hardware": hardware, **fields})[3]
        assert text.startswith("Not applied:") and not re.search(r"\b(nan|inf)\b", text, re.I)


def test_every_published_state_gets_an_estimate():
    for state in STATES:
        if state.get("quantization") == "mxfp4":  # no source gives that checkpoint's size: the reason is a note
            view = resolve(SPEC, state)
            assert "memory" not in outputs(view), state
            assert any(n["text"].startswith("No memory estimate for the MXFP4 checkpoint") for n in view["notes"]), state
            continue
        if state.get("strategy", "").startswith("mn-"):  # one node modelled: the reason is a note
            view = resolve(SPEC, state)
            assert "memory" not in outputs(view), state
            assert any(n["text"].startswith("No memory estimate for multi-node") for n in view["notes"]), state
            continue
        _, verdict, _, text = memory(state)
        assert verdict.startswith("Context length") and ": " in verdict, state


def test_memory_estimate_names_its_facts_and_sources():
    # Each row cites its own source (the platform's capacity source, not every platform's).
    text = memory({"hardware": "mi300x"})[3]
    for fact in ("595 GB", "61 layers", "(512 + 64)", "config.json", "205,822,885,888 bytes",
                 "attention_hook.py", "vram_minimum_gb 714", "≥ 140 GB per GPU", "https://"):
        assert fact in text
    h200 = memory({"hardware": "h200"})[3]
    assert "143,771 MiB" in h200 and "memory_hook.py" in h200 and "sglang/issues/3196" in h200
    for line in (l for l in text.splitlines() if " | " in l):
        cells = line.split(" | ")
        assert len(cells) == 4 and (cells[3] == "—" or cells[3] == "Source" or "](https://" in cells[3]), line


# --- the engines' parsers ---------------------------------------------------------------------
# configurator.flags.commands (standard library, the committed flag data of sglang 0.5.23 / vllm 0.33.0,
# kept in agreement with the real parsers by tests/engine/test_check_corpus.py) runs everywhere; the
# real parsers (../shared/tools/engines/check) run too where they are installed.

ORACLE = Path(os.environ.get("SERVEBOOK_ENGINES_CHECK", "/work/shared/tools/engines/check"))
ORACLE_DIR = Path(os.environ.get("ORACLE_DIR", Path.home() / ".cache" / "servebook-engines"))
TOOLS = {"sglang": "sglang_check.py", "vllm": "vllm_check.py"}


def engine_commands():
    """Every command the page can show, as (tool, argv): SGLang launches, vLLM serve (the docker
    command's vLLM part too), and the benchmark."""
    commands = set()
    for state in STATES:
        for fields in FIELD_SETS.values():
            view = resolve(SPEC, {**state, **fields})
            argv = view["argv"]
            if argv[0] == "docker":
                image = next(i for i, w in enumerate(argv) if w.startswith(("vllm/vllm-openai:", "vllm/vllm-openai-rocm:")))
                commands.add(("vllm", ("vllm", "serve", *argv[image + 1:])))
            else:
                commands.add(("sglang", tuple(argv)))
            shown = outputs(view)
            for output_id in ("serve", "workers-serve"):
                for text in shown[output_id].split("\n\n") if output_id in shown else ():
                    words = split(text)
                    while "=" in words[0] and not words[0].startswith("-"):  # NAME=value before vllm
                        words.pop(0)
                    commands.add(("vllm", tuple(words)))
            bench = split(shown["bench"])  # vllm bench inside the container, or SGLang's client
            commands.add(("vllm", tuple(bench[3:])) if bench[:2] == ["docker", "exec"] else ("sglang", tuple(bench)))
    return commands


def test_every_command_is_accepted_by_the_engines_parsers():
    commands = engine_commands()
    assert {engine for engine, _ in commands} == {"sglang", "vllm"} and len(commands) > 56
    bad = []
    for engine, argv in sorted(commands):
        ok, report = check(engine, shlex.join(argv))
        if not ok:
            bad.append((shlex.join(argv), report))
    assert not bad, bad[:3]


def test_the_parser_check_here_can_fail():
    ok, report = check("vllm", "vllm bench serve --model m --num-prompt 10 --no-such-flag")
    assert not ok and "--no-such-flag" in report


@pytest.mark.skipif(not (ORACLE.exists() and (ORACLE_DIR / "venv").exists()), reason="real engine parsers not installed")
def test_every_command_is_accepted_by_the_real_engine_parsers():
    commands = engine_commands()
    for engine, tool in TOOLS.items():
        # The real-parser tool reads `sglang serve` only, not SGLang's benchmark client.
        lines = [shlex.join(argv) for e, argv in sorted(commands) if e == engine and "sglang.bench_serving" not in argv]
        done = subprocess.run([str(ORACLE), tool, "--json"], input="\n".join(lines) + "\n", capture_output=True,
                              text=True, env={**os.environ, "ORACLE_DIR": str(ORACLE_DIR)}, timeout=1800)
        results = json.loads(done.stdout)
        assert len(results) == len(lines)
        bad = [(r["command"], r["status"], r.get("error")) for r in results if r["status"] != "OK"]
        assert not bad, bad[:3]


def test_vllm_recipe_estimates_use_the_node_and_the_commands_own_kv_dtype():
    # The recipe runs 8 GPUs per node at BF16 KV (no --kv-cache-dtype), also on AMD where the
    # SGLang commands use TP 4 and FP8.
    text = memory({"engine": "vllm", "hardware": "mi300x", "strategy": "tp", "speculative": "off"})[3]
    assert "595 GB ÷ 8" in text and "× 2 (BF16)" in text and "70,272 bytes" in text
    # Eagle3 adds its draft layer's KV, and says what it leaves out.
    text = memory({"engine": "vllm", "hardware": "h200", "strategy": "tp", "speculative": "eagle3"})[3]
    assert f"{62 * 576 * 2:,} bytes" in text and "draft model's own weights are not counted" in text
    # DEP: attention whole on each of the 8 ranks, a pool per rank.
    dep = memory({"engine": "vllm", "hardware": "h200", "strategy": "dep", "speculative": "off"})[3]
    tp = memory({"engine": "vllm", "hardware": "h200", "strategy": "tp", "speculative": "off"})[3]
    assert "8 ranks" in dep and "ranks" not in tp
