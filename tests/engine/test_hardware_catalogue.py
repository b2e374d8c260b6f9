"""One hardware catalogue (configurator/hardware.json) for every spec: items refer to a profile
by id and get its facts as if written in the spec; mistakes name the file and the field."""

import copy
import io
import json
import zipfile
from pathlib import Path

import pytest
import yaml

import configurator
from configurator import SpecError, hardware
from macros.hooks import configurator_zip_bytes

ROOT = Path(__file__).resolve().parent.parent.parent
KIMI = ROOT / "configurator" / "specs" / "kimi-k2.7-code.yaml"

# The Kimi spec's hardware facts before the catalogue (vendor, gpu_gib were written in the spec):
# its memory calc and rules read them, so they must come out the same.
KIMI_BEFORE = {
    "h200": ("nvidia", 140.4), "b200": ("nvidia", 179.06), "b300": ("nvidia", 268.2), "gb300": ("nvidia", 268.2),
    "mi300x": ("amd", 191.69), "mi325x": ("amd", 256), "mi350x": ("amd", 288), "mi355x": ("amd", 288),
}


def demo(items, extra_options=(), args=None):
    return {"name": "demo", "title": "Demo", "model": "example/Demo",
            "options": [{"id": "hardware", "title": "Hardware", "items": items}, *extra_options],
            "command": {"program": "vllm serve", "args": args or [{"value": "{model}"}]}}


def test_kimi_items_have_the_facts_the_spec_used_to_write():
    spec = configurator.load_spec(yaml.safe_load(KIMI.read_text(encoding="utf-8")), check_states=False)
    items = spec.by_id["hardware"].items
    got = {i.id: (i.facts["vendor"], i.facts["gpu_gib"]) for i in items}
    assert got == KIMI_BEFORE
    assert all(type(got[k][1]) is type(KIMI_BEFORE[k][1]) for k in got)  # 256, not 256.0: same text in outputs
    assert items[0].facts["tp"] == 8 and items[0].facts["kv_type"] == "BF16"  # the spec's own facts stay


def test_every_profile_has_a_source_for_every_fact():
    data = json.loads((ROOT / "configurator" / "hardware.json").read_text(encoding="utf-8"))
    for pid, profile in data["profiles"].items():
        facts = set(profile) - {"sources"}
        assert set(profile["sources"]) == facts, pid
        assert all(data["sources"][s].count("https://") == 1 for s in profile["sources"].values()), pid


def test_an_option_gets_only_the_facts_all_its_profiles_give():
    spec = configurator.load_spec(demo([{"id": "h100", "label": "H100", "hardware": "h100"},
                                        {"id": "gb200", "label": "GB200", "hardware": "gb200"}]))
    assert spec.by_id["hardware"].items[1].facts == {"vendor": "nvidia", "generation": "blackwell", "default_tp": 4}
    with pytest.raises(SpecError) as error:  # gb200 has no gpu_gib source: no item has it
        configurator.load_spec(demo([{"id": "h100", "label": "H100", "hardware": "h100"},
                                     {"id": "gb200", "label": "GB200", "hardware": "gb200"}],
                                    args=[{"flag": "--x", "value": "{hardware.gpu_gib}"}]), source="demo.yaml")
    assert "gpu_gib" in str(error.value) and error.value.where == "command.args[0].value"


def test_catalogue_facts_work_in_rules():
    spec = configurator.load_spec(demo(
        [{"id": "h200", "label": "H200", "hardware": "h200", "facts": {"tp": 8}},
         {"id": "mi300x", "label": "MI300X", "hardware": "mi300x", "facts": {"tp": 4}}],
        args=[{"value": "{model}"}, {"flag": "--tp", "value": "{hardware.tp}"},
              {"flag": "--rocm", "when": {"hardware.vendor": "amd"}}]))
    assert configurator.resolve(spec, {"hardware": "mi300x"})["command"] == (
        "vllm serve \\\n  example/Demo \\\n  --tp 4 \\\n  --rocm")
    assert configurator.resolve(spec, {})["command"] == "vllm serve \\\n  example/Demo \\\n  --tp 8"


@pytest.mark.parametrize("items, where, problem", [
    ([{"id": "h201", "label": "H201", "hardware": "h201"}], "options.hardware.items.h201.hardware",
     "unknown hardware profile 'h201'"),
    ([{"id": "h200", "label": "H200", "hardware": "h200", "facts": {"vendor": "amd"}}],
     "options.hardware.items.h200.facts.vendor", "given by hardware profile 'h200' (configurator/hardware.json)"),
    ([{"id": "h200", "label": "H200", "hardware": "h200"}, {"id": "x", "label": "X"}],
     "options.hardware.items.x.facts", "fact 'default_tp' must be given for every item or none"),
])
def test_spec_mistakes_name_the_spec_and_the_field(items, where, problem):
    with pytest.raises(SpecError) as error:
        configurator.load_spec(demo(items), source="configurator/specs/demo.yaml")
    assert error.value.source == "configurator/specs/demo.yaml"
    assert (error.value.where, error.value.problem[:len(problem)]) == (where, problem)


def test_checkbox_items_cannot_refer_to_profiles():
    data = demo([{"id": "h200", "label": "H200"}],
                [{"id": "feat", "title": "Features", "type": "checkbox", "items": [{"id": "a", "label": "A", "hardware": "h200"}]}])
    with pytest.raises(SpecError) as error:
        configurator.load_spec(data, source="demo.yaml")
    assert error.value.where == "options.feat.items.a.hardware"


GOOD = json.loads((ROOT / "configurator" / "hardware.json").read_text(encoding="utf-8"))


def broken(path, value):
    data = copy.deepcopy(GOOD)
    *parents, last = path
    target = data
    for key in parents:
        target = target[key]
    if value is None:
        del target[last]
    else:
        target[last] = value
    return data


@pytest.mark.parametrize("data, where, problem", [
    (broken(["profiles", "h200", "gpu_gib"], "140"), "profiles.h200.gpu_gib", "expected int or float, got '140'"),
    (broken(["profiles", "h200", "vendor"], None), "profiles.h200", "missing required field 'vendor'"),
    (broken(["profiles", "h200", "vendor"], "nvdia"), "profiles.h200.vendor", "unknown vendor 'nvdia'"),
    (broken(["profiles", "h200", "memory"], 1), "profiles.h200.memory", "unknown field"),
    (broken(["profiles", "h200", "sources", "gpu_gib"], None), "profiles.h200.sources", "fact 'gpu_gib' has no source"),
    (broken(["profiles", "h200", "sources", "gpu_gib"], "nope"), "profiles.h200.sources.gpu_gib", "unknown source 'nope'"),
])
def test_catalogue_mistakes_name_the_catalogue_and_the_field(data, where, problem):
    assert hardware._validate(copy.deepcopy(GOOD))  # the real one is valid
    with pytest.raises(SpecError) as error:
        hardware._validate(data)
    assert error.value.source == "configurator/hardware.json"
    assert (error.value.where, error.value.problem[:len(problem)]) == (where, problem)


def test_the_engine_zip_ships_the_catalogue():
    with zipfile.ZipFile(io.BytesIO(configurator_zip_bytes())) as zf:
        assert zf.read("configurator/hardware.json") == (ROOT / "configurator" / "hardware.json").read_bytes()
