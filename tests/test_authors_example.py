"""The spec example in the Authors' guide must be a valid spec that does what the prose says."""

import re
from pathlib import Path

import yaml

import configurator

GUIDE = Path(__file__).resolve().parent.parent / "docs" / "authors.md"


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
