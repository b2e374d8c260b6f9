"""The command checker: reading pasted text, verdicts, the corrected command, hostile input, the CLI."""

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from configurator.flags.commands import check_json

ROOT = Path(__file__).resolve().parent.parent

OLD_DP = """SGLANG_USE_AITER=1 sglang serve \\
  --model-path moonshotai/Kimi-K2.7-Code \\
  --tp 4 \\
  --dp 4 \\
  --enable-dp-attention \\
  --host 0.0.0.0"""


def check(text, *args):
    answer = json.loads(check_json(text, *args))
    assert answer["error"] is None, answer["error"]
    return answer["commands"]


def kinds(command):
    return [(p["kind"], p["flag"]) for p in command["problems"]]


def test_old_dp_attention_command_gets_the_engines_replacement_as_a_diff():
    [cmd] = check(OLD_DP)
    assert cmd["ok"] and (cmd["engine"], cmd["release"]) == ("sglang", "0.5.23")
    assert ("deprecated", "--enable-dp-attention") in kinds(cmd)
    dep = next(p for p in cmd["problems"] if p["flag"] == "--enable-dp-attention")
    assert "--attn-dp-size" in dep["message"] and "2026-12-31" in dep["message"] and dep["line"] == 5
    assert cmd["fixed"]["command"] == ("SGLANG_USE_AITER=1 sglang serve \\\n  --model-path moonshotai/Kimi-K2.7-Code \\\n"
                                       "  --tp-size 4 \\\n  --attn-dp-size 4 \\\n  --host 0.0.0.0")
    assert "-  --enable-dp-attention \\" in cmd["fixed"]["diff"].splitlines()
    assert "+  --attn-dp-size 4 \\" in cmd["fixed"]["diff"].splitlines()
    [again] = check(cmd["fixed"]["command"])
    assert again["ok"] and again["problems"] == []


@pytest.mark.parametrize("text, fixed", [
    # One line, the same value twice: the `--dp 8` pair goes, not the first `8` on the line.
    ("sglang serve --model-path m --tp 8 --enable-dp-attention --dp 8 --trust-remote-code",
     "sglang serve --model-path m --tp-size 8 --attn-dp-size 8 --trust-remote-code"),
    ("sglang serve --model-path m --dp=4 --enable-dp-attention", "sglang serve --model-path m --attn-dp-size 4"),
    ("sglang serve --model-path m --enable-dp-attention --dp 4", "sglang serve --model-path m --attn-dp-size 4"),
])
def test_one_line_dp_attention_commands_are_corrected_too(text, fixed):
    [cmd] = check(text)
    assert cmd["fixed"] is not None and cmd["fixed"]["command"] == fixed


def test_each_line_gets_its_verdict():
    [cmd] = check(OLD_DP)
    status = {line["line"]: line["status"] for line in cmd["lines"]}
    assert status == {1: "ok", 2: "ok", 3: "warning", 4: "warning", 5: "warning", 6: "ok"}
    assert cmd["lines"][2]["flags"] == [{"flag": "--tp", "option": "--tp-size", "why": None}]


def test_spec_explanations_are_attached_to_the_flags_it_uses():
    spec = json.dumps({"engine": "sglang", "command": {"args": [{"flag": "--tp", "value": "8", "why": "One shard per GPU."}]}})
    [cmd] = check("sglang serve --model-path m --tp-size 8", None, spec)
    assert cmd["lines"][0]["flags"][1] == {"flag": "--tp-size", "option": "--tp-size", "why": "One shard per GPU."}


@pytest.mark.parametrize("text,kind,flag,needle", [
    ("sglang serve --model-path m --tp-szie 8", "unknown", "--tp-szie", "did you mean --tp-size"),
    ("sglang serve --model-path m --tp", "missing-value", "--tp", "needs a value"),
    ("sglang serve --model-path m --tp eight", "bad-type", "--tp", "whole number"),
    ("sglang serve --model-path m --mem-fraction-static 0,8", "bad-type", "--mem-fraction-static", "number"),
    ("sglang serve --model-path m --kv-cache-dtype fp8", "bad-choice", "--kv-cache-dtype", "fp8_e4m3"),
    ("sglang serve --model-path m --enable-dp 2", "ambiguous", "--enable-dp", "--enable-dp-attention"),
    ("sglang serve --model-path m --trust-remote-code=true", "unexpected-value", "--trust-remote-code=true", "no value"),
    ("sglang serve --tp 8", "missing", "--model-path", "--model-path"),
    ("vllm serve m --enable-auto-tool-choice", "missing", "--enable-auto-tool-choice", "--tool-call-parser"),
    ("vllm serve m --reasoning-parser nonsense", "bad-choice", "--reasoning-parser", "kimi_k2"),
    ("vllm bench serve --backend openai-chat --num-prompts ten", "bad-type", "--num-prompts", "whole number"),
])
def test_rejections_name_the_flag_and_say_why(text, kind, flag, needle):
    [cmd] = check(text)
    assert not cmd["ok"]
    first = cmd["problems"][0]
    assert (first["kind"], first["flag"], first["severity"]) == (kind, flag, "error")
    assert needle in first["message"]


@pytest.mark.parametrize("text,kind,flag", [
    ("sglang serve --model-path m --port 1 --port 2", "repeated", "--port"),
    ("SGLANG_USE_AITR=1 sglang serve --model-path m", "unknown-env", "SGLANG_USE_AITR"),
    ("vllm serve --model m", "deprecated", "--model"),
    ("vllm serve m -tp 8 --tensor-parallel 2", "abbreviation", "--tensor-parallel"),
    ("sglang serve --model-path m --attention-backend tokenspeed_mla", "deprecated", "--attention-backend"),
])
def test_warnings_leave_the_command_accepted(text, kind, flag):
    [cmd] = check(text)
    assert cmd["ok"]
    assert (kind, flag) in kinds(cmd)


def test_a_renamed_value_with_side_effects_is_not_auto_corrected():
    [cmd] = check("sglang serve --model-path m --attention-backend tokenspeed_mla")
    message = cmd["problems"][0]["message"]
    assert "cutedsl_mla" in message and "fp8_e4m3" in message
    assert cmd["fixed"] is None  # swapping the name alone would lose the FP8 KV cache it implies


def test_a_simple_rename_is_corrected():
    [cmd] = check("sglang serve --model-path m --tool-call-parser qwen25 --grpc-mode")
    assert cmd["fixed"]["command"] == "sglang serve --model-path m --tool-call-parser qwen --smg-grpc-mode"


def test_reads_several_commands_docker_env_and_stops_at_pipes():
    text = ("# a comment\n"
            "docker run --gpus all -e VLLM_TOTALLY_MADE_UP=1 vllm/vllm-openai:latest m --tensor-parallel-size 2\n\n"
            "python3 -m sglang.launch_server --model-path m --tp-size 2 2>&1 | tee log.txt\n"
            "curl http://localhost:8000/v1/models\n")
    first, second, third = check(text)
    assert (first["engine"], first["first"]) == ("vllm", 2) and ("unknown-env", "VLLM_TOTALLY_MADE_UP") in kinds(first)
    assert second["ok"] and second["problems"] == [] and second["first"] == 4
    assert not third["ok"] and kinds(third) == [("not-engine", None)]


@pytest.mark.parametrize("text,needle", [
    ("x" * 100_000, "too long"),
    ("sglang serve --model-path m\x00", "NUL"),
    ("\n" * 1000, "too many lines"),
    ("   \n# only a comment\n", "no command"),
])
def test_hostile_text_gets_a_clear_message_fast(text, needle):
    started = time.perf_counter()
    answer = json.loads(check_json(text))
    assert time.perf_counter() - started < 0.5
    assert needle in answer["error"] and answer["commands"] == []


def test_unbalanced_quotes_and_markup_are_reported_as_text():
    [cmd] = check("sglang serve --model-path 'm --tp 8")
    assert kinds(cmd) == [("syntax", None)] and "quotes" in cmd["problems"][0]["message"]
    [cmd] = check("sglang serve --model-path m --tool-call-parser '<img src=x onerror=alert(1)>'")
    assert cmd["problems"][0]["kind"] == "bad-choice"
    assert "<img src=x onerror=alert(1)>" in cmd["problems"][0]["message"]  # data for textContent, never markup


def test_the_longest_allowed_paste_is_still_fast():
    text = "sglang serve --model-path m " + " ".join(f"--no-such-{i} {i}" for i in range(1000))
    assert len(text) < 20_000
    started = time.perf_counter()
    [cmd] = check(text)
    assert time.perf_counter() - started < 2
    assert not cmd["ok"] and cmd["problems"][0]["flag"] == "--no-such-0"


def test_bad_engine_data_is_a_message_not_an_exception():
    for data in ('{"engine": 1}', "not json", "[[[", "../../etc/passwd"):
        answer = json.loads(check_json("vllm serve m", data))
        assert answer["error"] and answer["commands"] == []


def test_command_line_prints_one_json_line_per_command():
    text = "sglang serve --model-path m \\\n  --tp 8\nvllm serve m --tensor-paralel-size 8\n"
    done = subprocess.run([sys.executable, "-m", "configurator.flags.commands"], input=text, capture_output=True,
                          text=True, cwd=ROOT, timeout=60)
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert done.returncode == 1
    assert lines[0] == {"engine": "sglang", "release": "0.5.23", "ok": True, "problems": [
        {"flag": "--tp", "kind": "abbreviation", "message": lines[0]["problems"][0]["message"]}]}
    assert lines[1]["ok"] is False and lines[1]["problems"][0]["flag"] == "--tensor-paralel-size"
    assert set(lines[1]) == {"engine", "release", "ok", "problems"}
