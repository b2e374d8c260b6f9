"""Three published generators (the SGLang cookbook's Gemma 4, DeepSeek-V3.1 and MiniMax-M2.7,
`../shared/sources/sgl-cookbook/`) reproduced by specs under tests/specs/.

Goldens: `node tests/tools/derive_cookbook.mjs <Generator.js>` runs each generator's own
code over every combination of its options (tests/data/cookbook/*.golden.json).
- Every "valid" row comes out byte for byte, with nothing ignored.
- Every "error" row (the generator answers with a `#` comment) and every "disabled" row
  (its UI shows the choice disabled, or a required checkbox unchecked) is refused: the
  engine reports why and lands on a state the generator does produce, with that command.
- Every state the spec can reach is one of the generator's valid rows (no invented command).
"""

import functools
import json
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from configurator import all_states, resolve
from macros.specs import load_spec_file

ROOT = Path(__file__).resolve().parent.parent.parent
GENERATORS = Path("/work/shared/sources/sgl-cookbook/generators")
DATA = ROOT / "tests" / "data" / "cookbook"

# generator file → (spec, the spec's option id for each generator option id, counts of rows).
CASES = {
    "Gemma4.js": ("gemma-4", {"modelSize": "size"}, {"valid": 40, "error": 8}),
    "DeepSeekV31.js": ("deepseek-v3.1", {"modelname": "variant", "reasoningParser": "reasoning"},
                       {"valid": 320, "disabled": 320}),
    "MiniMaxM27.js": ("minimax-m2.7", {"gpuCount": "gpus"}, {"valid": 92, "error": 20, "disabled": 8}),
}
# Where a generator's output is itself broken, the spec shows the working command instead and
# the difference is recorded here: (generator, choices as JSON) → (published, what we show, why).
# None of these three generators has such a defect in a reachable state (checked by
# test_valid_rows_are_exact below, which compares every valid row byte for byte).
DEFECTS: dict = {}


@functools.cache
def golden(generator):
    return json.loads((DATA / generator.replace(".js", ".golden.json")).read_text(encoding="utf-8"))


@functools.cache
def spec_of(generator):
    return load_spec_file(ROOT / "tests" / "specs" / f"{CASES[generator][0]}.yaml")[0]


def mapped(generator, choices):
    rename = CASES[generator][1]
    return {rename.get(k, k): v for k, v in choices.items()}


def row_id(row):
    return "-".join(",".join(v) if isinstance(v, list) else v for v in row["choices"].values()) or "none"


def rows(status):
    return [pytest.param(g, row, id=f"{g[:-3]}-{row_id(row)}")
            for g in CASES for row in golden(g)["rows"] if row["status"] == status]


@pytest.mark.parametrize("generator", CASES)
def test_golden_counts(generator):
    data = golden(generator)
    assert Counter(r["status"] for r in data["rows"]) == CASES[generator][2]
    # The full product of the generator's options, a checkbox group counting as all its subsets.
    expected = 1
    for option, ids in data["options"].items():
        is_checkbox = any(isinstance(r["choices"][option], list) for r in data["rows"][:1])
        expected *= 2 ** len(ids) if is_checkbox else len(ids)
    assert len({json.dumps(r["choices"], sort_keys=True) for r in data["rows"]}) == len(data["rows"]) == expected


@pytest.mark.parametrize("generator,row", rows("valid"))
def test_valid_rows_are_exact(generator, row):
    view = resolve(spec_of(generator), mapped(generator, row["choices"]))
    assert view["ignored"] == []
    assert view["state"] == mapped(generator, row["choices"])
    assert view["command"] == row["command"]


@pytest.mark.parametrize("generator,row", rows("error") + rows("disabled"))
def test_error_and_disabled_rows_are_refused_with_a_reason(generator, row):
    spec = spec_of(generator)
    choices = mapped(generator, row["choices"])
    view = resolve(spec, choices)
    assert view["ignored"], "the engine must refuse this combination"
    for entry in view["ignored"]:
        assert entry["key"] in choices and entry["reason"].strip()
    assert view["state"] != choices
    assert not view["command"].startswith("#")
    # It lands on a combination the generator does produce, with the generator's command.
    landed = next(r for r in golden(generator)["rows"] if mapped(generator, r["choices"]) == view["state"])
    assert landed["status"] == "valid"
    assert view["command"] == landed["command"]


@pytest.mark.parametrize("generator", CASES)
def test_every_state_the_spec_reaches_is_a_valid_row(generator):
    spec = spec_of(generator)
    valid = {json.dumps(mapped(generator, r["choices"]), sort_keys=True): r["command"]
             for r in golden(generator)["rows"] if r["status"] == "valid"}
    reached = set()
    for choices in all_states(spec, unset=True):
        view = resolve(spec, choices)
        key = json.dumps(view["state"], sort_keys=True)
        assert valid.get(key) == view["command"], choices
        reached.add(key)
    assert reached == set(valid)  # and every valid row is reachable


@pytest.mark.parametrize("generator", CASES)
def test_defaults_are_the_generators(generator):
    data = golden(generator)
    spec = spec_of(generator)
    # With nothing chosen: the generator's static defaults (first default item of each option).
    first = next(r for r in data["rows"] if r["status"] == "valid")
    assert set(resolve(spec)["state"]) == set(mapped(generator, first["choices"]))
    # A default that depends on another choice: what the generator's dynamic items declare.
    for entry in data["declared_defaults"]:
        option = CASES[generator][1].get(entry["option"], entry["option"])
        others = {k: v for k, v in mapped(generator, entry["choices"]).items() if k != option}
        assert resolve(spec, others)["state"][option] == entry["default"], entry


def test_static_defaults_match_the_generators_initial_state():
    expected = {
        "Gemma4.js": {"size": "e4b", "hardware": "h200", "reasoning": "enabled", "toolcall": "enabled"},
        "DeepSeekV31.js": {"hardware": "h200", "variant": "v31", "strategy": ["tp"], "reasoning": "disabled", "toolcall": "disabled"},
        "MiniMaxM27.js": {"hardware": "h200", "gpus": "8gpu", "thinking": "enabled", "toolcall": "enabled"},
    }
    for generator, state in expected.items():
        assert resolve(spec_of(generator))["state"] == state


@pytest.mark.skipif(shutil.which("node") is None or not GENERATORS.is_dir(), reason="needs Node and the generator sources")
@pytest.mark.parametrize("generator", CASES)
def test_goldens_match_the_generators(generator):
    done = subprocess.run(["node", str(ROOT / "tests" / "tools" / "derive_cookbook.mjs"), str(GENERATORS / generator)],
                          capture_output=True, text=True, timeout=120, check=True)
    assert json.loads(done.stdout) == golden(generator)
