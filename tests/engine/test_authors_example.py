"""The spec example in the Authors' guide must be a valid spec that does what the prose says."""

import re
from pathlib import Path

import pytest
import yaml

import configurator

GUIDE = Path(__file__).resolve().parent.parent.parent / "docs" / "authors.md"


def example_spec():
    text = GUIDE.read_text(encoding="utf-8")
    section = text[text.index("## Spec format"):]
    block = re.search(r"```yaml\n(.*?)```", section, re.S).group(1)
    return configurator.load_spec(yaml.safe_load(block), source="docs/authors.md")


def test_guide_example_is_a_valid_spec():
    spec = example_spec()
    assert spec.name == "demo-moe"


def test_guide_example_behaves_as_described():
    spec = example_spec()
    # FP4 is disabled off Blackwell, with the reason shown.
    view = configurator.resolve(spec, {"hardware": "h100", "quantization": "fp4"})
    quant = next(o for o in view["options"] if o["id"] == "quantization")
    assert quant["value"] == "fp8"
    assert {"id": "fp4", "enabled": False, "reason": "FP4 needs a Blackwell GPU"} in quant["items"]
    # Speculative decoding is hidden on AMD, and the AMD note and env var appear.
    view = configurator.resolve(spec, {"hardware": "mi300x", "max-len": "131072"})
    assert not next(o for o in view["options"] if o["id"] == "speculative")["visible"]
    assert view["command"] == (
        "VLLM_ROCM_USE_AITER=1 \\\n"
        "vllm serve \\\n"
        "  example/Demo-MoE-200B \\\n"
        "  --tensor-parallel-size 8 \\\n"
        "  --max-model-len 131072"
    )
    assert view["notes"] == [{"level": "warning", "text": "Speculative decoding is not offered on AMD."}]


def construct_blocks():
    text = GUIDE.read_text(encoding="utf-8")
    section = text[text.index("## More constructs"):text.index("## Reproduce a published generator")]
    return [yaml.safe_load(b) for b in re.findall(r"```yaml\n(.*?)```", section, re.S)]


def test_construct_examples_work_as_described():
    layout, strategy, defaults, tables = construct_blocks()[:4]
    options = [
        {"id": "hardware", "title": "Hardware", "items": [
            {"id": "h200", "label": "H200", "facts": {"vendor": "nvidia"}},
            {"id": "b200", "label": "B200", "facts": {"vendor": "nvidia"}},
            {"id": "mi300x", "label": "MI300X", "facts": {"vendor": "amd"}}]},
        {"id": "size", "title": "Size", "items": [{"id": i, "label": i} for i in ("e2b", "e4b", "31b", "26b-a4b")]},
        strategy[0],
        {"id": "quant", "title": "Quantization", "items": defaults},
    ]
    base = {"name": "guide", "title": "Guide", "model": "org/m", "options": options}
    spec = configurator.load_spec({**base, "command": layout["command"]}, source="docs/authors.md")
    assert configurator.resolve(spec)["command"] == (
        "docker run -d --gpus all \\\n--ipc=host -p 8000:8000 \\\n-v ~/.cache/huggingface:/root/.cache/huggingface")
    spec = configurator.load_spec({**base, **tables, "command": {"program": "serve", **tables["command"]}},
                                  source="docs/authors.md")
    view = configurator.resolve(spec, {"size": "31b", "hardware": "h200"})
    assert view["command"] == "serve \\\n  --tp 2 \\\n  --mem-fraction-static 0.85"
    assert view["state"]["quant"] == "fp8" and view["state"]["strategy"] == ["tp"]
    assert configurator.resolve(spec, {"size": "31b", "hardware": "mi300x"})["state"]["quant"] == "bf16"
    assert configurator.resolve(spec, {"hardware": "b200"})["state"]["quant"] == "nvfp4"
    refused = configurator.resolve(spec, {"size": "e2b", "hardware": "mi300x", "strategy": "dp,mtp"})
    assert [e["reason"] for e in refused["ignored"]] == [
        "MI300X is unavailable: MI300X is offered for the 31B and 26B-A4B variants only.",
        "TP cannot be turned off: Tensor parallelism is always used."]
    assert refused["state"]["strategy"] == ["tp", "dp", "mtp"]  # back on H200, MTP is allowed


def test_shell_variables_shared_rules_and_repeated_outputs_work_as_described():
    variables, shared, repeated = construct_blocks()[4:7]
    options = [
        {"id": "strategy", "title": "Strategy", "items": [{"id": "tp", "label": "TP", "default": True},
                                                           {"id": "tep", "label": "TEP"},
                                                           {"id": "multi-node", "label": "Multi-node"}]},
        {"id": "hardware", "title": "Hardware", "items": [{"id": "h200", "label": "H200", "facts": {"gpus": 8}}]},
        {"id": "head", "title": "Head", "type": "text", "pattern": "[a-z0-9.]+"},
        {"id": "nodes", "title": "Nodes", "type": "integer", "min": 2, "max": 16},
    ]
    base = {"name": "guide", "title": "Guide", "model": "org/m", "options": options}
    spec = configurator.load_spec({**base, "command": {"program": "serve", "args": variables}}, source="docs/authors.md")
    assert configurator.resolve(spec)["command"] == (
        "serve \\\n  --master-addr $HEAD_IP \\\n  -e NCCL_SOCKET_IFNAME=$IFACE_NAME")
    typed = configurator.resolve(spec, {"head": "node1"})["command"]
    assert "--master-addr node1 \\" in typed and "$HEAD_IP" not in typed
    # The anchor's rules, once in the command and once spliced into the output.
    spec = configurator.load_spec({**base, **shared}, source="docs/authors.md")
    view = configurator.resolve(spec, {"strategy": "tep"})
    assert view["outputs"][0]["text"] == "vllm serve org/m \\\n  --trust-remote-code \\\n  --enable-expert-parallel"
    spec = configurator.load_spec({**base, "command": {"program": "serve", "args": []}, **repeated},
                                  source="docs/authors.md")
    assert configurator.resolve(spec)["outputs"] == []
    workers = configurator.resolve(spec, {"strategy": "multi-node", "nodes": "3"})["outputs"][0]["text"]
    assert workers == "\n\n".join(
        f"vllm serve \\\n  --node-rank {r} \\\n  --headless \\\n  --data-parallel-start-rank {8 * r}" for r in (1, 2))


def test_a_shell_variable_is_only_an_authors_and_only_at_the_end():
    options = [{"id": "x", "title": "X", "type": "text"}]
    spec = configurator.load_spec({"name": "g", "title": "G", "model": "m", "options": options, "command": {
        "program": "serve", "args": [{"flag": "--a", "value": "{x}"}]}}, source="t")
    assert configurator.resolve(spec, {"x": "$HOME"})["command"] == "serve \\\n  --a '$HOME'"
    for value in ("$HEAD_IP-x", "$(reboot)", "a$b"):
        with pytest.raises(configurator.SpecError, match="needs shell quoting"):
            configurator.load_spec({"name": "g", "title": "G", "model": "m", "options": options, "command": {
                "program": "serve", "args": [{"flag": "--a", "value": value}]}}, source="t")
