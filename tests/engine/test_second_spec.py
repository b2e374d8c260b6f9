"""A second, different spec (configurator/specs/demo-moe.yaml), written purely as data.

A made-up model on `vllm serve` with the model as a positional argument, FP4 only on
Blackwell, speculative decoding hidden on AMD, and free-form integer and text fields.
"""

import itertools
import json
import shlex

import pytest

from configurator import all_states, resolve, resolve_json
from macros.specs import load_spec_file, spec_path

PATH = spec_path("demo-moe")
SPEC, DATA = load_spec_file(PATH)

FP4_REASON = "FP4 kernels need Blackwell GPUs (B200, GB200)."
TIP = {"level": "tip", "text": "Add --max-num-seqs to bound concurrency if you see out-of-memory errors at peak load."}
FP4_NOTE = {"level": "warning", "text": "FP4 needs a vLLM build with FlashInfer for CUDA 12.8 or newer."}
AMD_NOTE = {"level": "info", "text": "Speculative decoding is not available on ROCm for this model yet."}
MEMORY_NOTE = {"level": "info", "text": "Long drafts and full-length contexts both raise memory use per request."}


def opt_view(view, opt_id):
    return next(o for o in view["options"] if o["id"] == opt_id)


def test_loads_as_data():
    assert SPEC.name == "demo-moe"
    assert SPEC.model == "example/Demo-MoE-200B"
    assert SPEC.engine == "vllm"
    assert SPEC.source == "configurator/specs/demo-moe.yaml"
    assert [o["id"] for o in resolve(SPEC)["options"]] == ["hardware", "quantization", "speculative", "max-model-len", "served-name"]


def test_default_command():
    view = resolve(SPEC)
    assert view["command"] == (
        "vllm serve \\\n"
        "  example/Demo-MoE-200B \\\n"
        "  --tensor-parallel-size 8 \\\n"
        "  --enable-expert-parallel \\\n"
        "  --quantization fp8 \\\n"
        "  --trust-remote-code \\\n"
        "  --port 8000"
    )
    assert view["state"] == {"hardware": "h100", "quantization": "fp8", "speculative": "none"}
    assert view["query"] == {}
    assert view["notes"] == [TIP]
    assert view["ignored"] == []
    fp4 = opt_view(view, "quantization")["items"][0]
    assert fp4 == {"id": "fp4", "enabled": False, "reason": FP4_REASON}


def test_blackwell_defaults_to_fp4():
    view = resolve(SPEC, {"hardware": "b200"})
    assert view["command"] == (
        "VLLM_USE_FLASHINFER_MOE_FP4=1 \\\n"
        "vllm serve \\\n"
        "  example/Demo-MoE-200B \\\n"
        "  --tensor-parallel-size 8 \\\n"
        "  --enable-expert-parallel \\\n"
        "  --quantization modelopt_fp4 \\\n"
        "  --trust-remote-code \\\n"
        "  --port 8000"
    )
    assert view["state"]["quantization"] == "fp4"
    # fp4 is the default here, so only the hardware is a non-default choice.
    assert view["query"] == {"hardware": "b200"}
    assert view["notes"] == [TIP, FP4_NOTE]
    assert all(i["enabled"] for i in opt_view(view, "quantization")["items"])


def test_fp8_on_blackwell_is_a_non_default_choice():
    view = resolve(SPEC, {"hardware": "gb200", "quantization": "fp8"})
    assert view["query"] == {"hardware": "gb200", "quantization": "fp8"}
    assert "--quantization fp8" in view["command"]
    assert not view["command"].startswith("VLLM_USE_FLASHINFER_MOE_FP4")


def test_fp4_falls_back_when_the_hardware_changes():
    on_blackwell = resolve(SPEC, {"hardware": "b200", "quantization": "fp4"})
    assert on_blackwell["ignored"] == []
    moved = resolve(SPEC, {"hardware": "h100", "quantization": "fp4"})
    assert opt_view(moved, "quantization")["value"] == "fp8"
    assert moved["state"]["quantization"] == "fp8"
    assert moved["query"] == {}
    assert moved["ignored"] == [{"key": "quantization", "value": "fp4", "reason": f"FP4 is unavailable: {FP4_REASON}"}]
    assert moved["command"] == resolve(SPEC)["command"]


def test_bf16_survives_any_hardware_change():
    for hw in ("h100", "b200", "gb200", "mi300x"):
        view = resolve(SPEC, {"hardware": hw, "quantization": "bf16"})
        assert view["state"]["quantization"] == "bf16"
        assert "  --dtype bfloat16 \\\n" in view["command"]
        assert "--quantization" not in view["command"]


def test_full_nvidia_command():
    view = resolve(SPEC, {"hardware": "gb200", "speculative": "mtp3", "max-model-len": "131072", "served-name": "demo"})
    assert view["command"] == (
        "VLLM_USE_FLASHINFER_MOE_FP4=1 \\\n"
        "vllm serve \\\n"
        "  example/Demo-MoE-200B \\\n"
        "  --tensor-parallel-size 4 \\\n"
        "  --enable-expert-parallel \\\n"
        "  --quantization modelopt_fp4 \\\n"
        "  --speculative-config.method mtp \\\n"
        "  --speculative-config.num_speculative_tokens 3 \\\n"
        "  --max-model-len 131072 \\\n"
        "  --served-model-name demo \\\n"
        "  --trust-remote-code \\\n"
        "  --port 8000"
    )
    assert view["query"] == {"hardware": "gb200", "speculative": "mtp3", "max-model-len": "131072", "served-name": "demo"}
    assert view["notes"] == [TIP, FP4_NOTE, MEMORY_NOTE]
    assert [e["code"] for e in view["explanations"]] == [
        "VLLM_USE_FLASHINFER_MOE_FP4=1",
        "example/Demo-MoE-200B",
        "--tensor-parallel-size 4",
        "--enable-expert-parallel",
        "--quantization modelopt_fp4",
        "--speculative-config.method mtp",
        "--speculative-config.num_speculative_tokens 3",
        "--max-model-len 131072",
        "--served-model-name demo",
        "--trust-remote-code",
        "--port 8000",
    ]
    assert all(e["text"].strip() for e in view["explanations"])


def test_amd_hides_speculative_decoding():
    view = resolve(SPEC, {"hardware": "mi300x", "speculative": "mtp3", "quantization": "fp4"})
    assert view["command"] == (
        "VLLM_ROCM_USE_AITER=1 \\\n"
        "vllm serve \\\n"
        "  example/Demo-MoE-200B \\\n"
        "  --tensor-parallel-size 8 \\\n"
        "  --enable-expert-parallel \\\n"
        "  --quantization fp8 \\\n"
        "  --trust-remote-code \\\n"
        "  --port 8000"
    )
    assert opt_view(view, "speculative")["visible"] is False
    assert view["state"] == {"hardware": "mi300x", "quantization": "fp8"}
    assert view["query"] == {"hardware": "mi300x"}
    assert view["notes"] == [TIP, AMD_NOTE]
    assert view["ignored"] == [
        {"key": "quantization", "value": "fp4", "reason": f"FP4 is unavailable: {FP4_REASON}"},
        {"key": "speculative", "value": "mtp3", "reason": "Speculative Decoding does not apply to the other choices"},
    ]
    # Back on NVIDIA with nothing chosen, speculative decoding is visible and off again.
    back = resolve(SPEC, {"hardware": "h100"})
    assert opt_view(back, "speculative")["visible"] is True
    assert back["state"]["speculative"] == "none"


def test_max_model_len_only_when_set_and_valid():
    base = resolve(SPEC)["command"]
    assert "--max-model-len" not in base
    ok = resolve(SPEC, {"max-model-len": 32768})
    assert ok["command"] == base.replace("  --trust-remote-code", "  --max-model-len 32768 \\\n  --trust-remote-code")
    for given, error in [
        ("2048", "Max model length must be at least 4096"),
        ("300000", "Max model length must be at most 262144"),
        ("32k", "Max model length must be a whole number"),
    ]:
        view = resolve(SPEC, {"max-model-len": given})
        field = opt_view(view, "max-model-len")
        assert (field["value"], field["applied"], field["error"]) == (given, "", error)
        assert view["command"] == base
        assert "max-model-len" not in view["query"]
    assert resolve(SPEC, {"max-model-len": "4096"})["argv"][-5:-3] == ["--max-model-len", "4096"]
    assert resolve(SPEC, {"max-model-len": "262144"})["notes"] == [TIP, MEMORY_NOTE]


def test_served_name_pattern():
    base = resolve(SPEC)["command"]
    view = resolve(SPEC, {"served-name": "demo-moe.v1"})
    assert view["command"] == base.replace("  --trust-remote-code", "  --served-model-name demo-moe.v1 \\\n  --trust-remote-code")
    for bad in ("my model", "-leading-dash", "x; rm -rf /", "modèle"):
        view = resolve(SPEC, {"served-name": bad})
        assert opt_view(view, "served-name")["error"] == "Served model name does not have the expected form"
        assert opt_view(view, "served-name")["value"] == bad
        assert view["command"] == base


def test_resolve_json_with_the_data():
    out = json.loads(resolve_json(json.dumps(DATA), json.dumps({"hardware": "b200", "speculative": "mtp1"})))
    assert out == resolve(SPEC, {"hardware": "b200", "speculative": "mtp1"})
    assert "--speculative-config.num_speculative_tokens 1" in out["command"]


# --- every radio combination against an independent description ---------------------------

HARDWARE = {
    "h100": (8, "nvidia", False),
    "b200": (8, "nvidia", True),
    "gb200": (4, "nvidia", True),
    "mi300x": (8, "amd", False),
}
TOKENS = {"none": 0, "mtp1": 1, "mtp3": 3}


def expected_command(hardware, quantization, speculative):
    tp, vendor, blackwell = HARDWARE[hardware]
    if quantization == "fp4" and not blackwell:
        quantization = "fp8"
    env = []
    if vendor == "amd":
        env.append("VLLM_ROCM_USE_AITER=1")
        speculative = None
    if quantization == "fp4":
        env.append("VLLM_USE_FLASHINFER_MOE_FP4=1")
    args = ["example/Demo-MoE-200B", f"--tensor-parallel-size {tp}", "--enable-expert-parallel"]
    args.append({"fp4": "--quantization modelopt_fp4", "fp8": "--quantization fp8", "bf16": "--dtype bfloat16"}[quantization])
    if speculative not in (None, "none"):
        args += ["--speculative-config.method mtp", f"--speculative-config.num_speculative_tokens {TOKENS[speculative]}"]
    args += ["--trust-remote-code", "--port 8000"]
    lines = ([" ".join(env)] if env else []) + ["vllm serve"] + ["  " + a for a in args]
    return " \\\n".join(lines)


COMBOS = list(itertools.product(HARDWARE, ["fp4", "fp8", "bf16"], TOKENS))


def test_all_states_covers_the_radio_product():
    assert sorted(tuple(s.values()) for s in all_states(SPEC)) == sorted(COMBOS)


@pytest.mark.parametrize("hardware,quantization,speculative", COMBOS)
def test_every_combination(hardware, quantization, speculative):
    view = resolve(SPEC, {"hardware": hardware, "quantization": quantization, "speculative": speculative})
    assert view["command"] == expected_command(hardware, quantization, speculative)
    assert shlex.split(view["command"].replace(" \\\n", " ")) == view["argv"]
    assert resolve(SPEC, view["query"])["command"] == view["command"]
    assert resolve(SPEC, view["state"])["command"] == view["command"]


def test_all_states_with_unset_choices_and_a_limit():
    radios = [o for o in SPEC.options if o.kind == "radio"]
    size = 1
    for opt in radios:
        size *= len(opt.items) + 1
    states = all_states(SPEC, unset=True)
    assert len(states) == size == len({tuple(sorted(s.items())) for s in states})
    assert {} in states  # nothing chosen at all
    assert all_states(SPEC, unset=True, limit=size) == states
    assert all_states(SPEC, unset=True, limit=size - 1) is None
