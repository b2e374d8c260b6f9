"""Load-time validation: every broken spec raises SpecError naming the file, the place and the problem.

Each case mutates one thing of a valid base spec. Paths in `put`/`drop` are the same
where-paths the errors use: list members are picked by id (`options.hardware.items.b300`)
or by index (`command.args[1]`).
"""

import copy
import re
from pathlib import Path

import pytest
import yaml

from configurator import SpecError, load_spec, resolve
from macros.specs import load_spec_file, read_spec_source

SOURCE = "specs/errtest.yaml"

BASE = {
    "name": "errtest",
    "title": "Error test",
    "model": "org/model",
    "options": [
        {"id": "hardware", "title": "Hardware", "items": [
            {"id": "h100", "label": "H100", "default": True, "facts": {"tp": 8, "vendor": "nvidia"}},
            {"id": "b300", "label": "B300", "facts": {"tp": 8, "vendor": "nvidia"}},
            {"id": "mi300x", "label": "MI300X", "facts": {"tp": 4, "vendor": "amd"}},
        ]},
        {"id": "quant", "title": "Quantization", "items": [
            {"id": "fp8", "label": "FP8", "default": True},
            {"id": "fp4", "label": "FP4", "disabled": {"not": {"hardware": "b300"}}, "reason": "Blackwell only."},
        ]},
        {"id": "spec", "title": "Speculative decoding", "when": {"hardware.vendor": "nvidia"}, "items": [
            {"id": "none", "label": "None", "default": True},
            {"id": "mtp", "label": "MTP"},
        ]},
        {"id": "len", "title": "Max length", "type": "integer", "min": 1, "max": 100},
        {"id": "name", "title": "Served name", "type": "text", "pattern": "[a-z]+"},
    ],
    "command": {
        "env": [{"name": "USE_AITER", "value": "1", "when": {"hardware.vendor": "amd"}, "why": "AMD kernels."}],
        "program": "serve",
        "args": [
            {"value": "{model}"},
            {"flag": "--tp", "value": "{hardware.tp}", "why": "TP."},
            {"flag": "--quantization", "value": "{quant}", "when": {"quant": "fp4"}},
            {"flag": "--max-len", "value": "{len}"},
        ],
    },
    "notes": [
        {"text": "Always."},
        {"level": "warning", "text": "AMD.", "when": {"hardware.vendor": "amd"}},
    ],
}


def test_base_spec_is_valid():
    spec = load_spec(copy.deepcopy(BASE), source=SOURCE)
    assert resolve(spec, {"hardware": "b300", "quant": "fp4", "len": "5"})["command"] == (
        "serve \\\n  org/model \\\n  --tp 8 \\\n  --quantization fp4 \\\n  --max-len 5"
    )


# --- mutation helpers -------------------------------------------------------------------------

def _step(node, token):
    m = re.fullmatch(r"([^\[\]]+)(?:\[(\d+)\])?", token)
    key, index = m.group(1), m.group(2)
    if isinstance(node, list):
        node = next(x for x in node if isinstance(x, dict) and x.get("id") == key)
    else:
        node = node[key]
    return node if index is None else node[int(index)]


def _parent(data, path):
    *head, last = path.split(".")
    node = data
    for token in head:
        node = _step(node, token)
    return node, last


def put(path, value):
    def mutate(data):
        node, last = _parent(data, path)
        m = re.fullmatch(r"([^\[\]]+)\[(\d+)\]", last)
        if m:
            node[m.group(1)][int(m.group(2))] = value
        elif isinstance(node, list):
            node[node.index(_step(node, last))] = value
        else:
            node[last] = value
    return mutate


def update(path, **fields):
    def mutate(data):
        node, last = _parent(data, path)
        _step(node, last).update(fields)
    return mutate


def drop(path):
    def mutate(data):
        node, last = _parent(data, path)
        del node[last]
    return mutate


def append(path, value):
    def mutate(data):
        node, last = _parent(data, path)
        _step(node, last).append(copy.deepcopy(value))
    return mutate


def chain(*mutations):
    def mutate(data):
        for m in mutations:
            m(data)
    return mutate


def broken(mutation):
    data = copy.deepcopy(BASE)
    mutation(data)
    return data


def assert_spec_error(data, where, phrase, source=SOURCE):
    with pytest.raises(SpecError) as err:
        load_spec(data, source=source)
    message = str(err.value)
    assert message.startswith(f"{source}: {where}: "), message
    assert phrase in message, message
    assert (err.value.source, err.value.where) == (source, where)
    return message


# The cases are data: tests/data/spec_errors.yaml (one change to BASE, where the error is, a phrase of it).
CASES = yaml.safe_load((Path(__file__).parent.parent / "data" / "spec_errors.yaml").read_text(encoding="utf-8"))


def change(case):
    """A case's change to BASE as a mutation (see the data file's header)."""
    if "all" in case:
        return chain(*map(change, case["all"]))
    if "put" in case:
        return put(case["put"], case["value"])
    if "update" in case:
        return update(case["update"], **case["fields"])
    if "drop" in case:
        return drop(case["drop"])
    return append(case["append"], case["value"])


def test_the_cases_are_well_formed():
    ids = [c["id"] for c in CASES]
    assert len(ids) == len(set(ids)) >= 79
    kinds = {"put", "update", "drop", "append", "all"}
    for c in CASES:
        assert {"id", "where", "phrase"} <= c.keys() and len(kinds & c.keys()) == 1, c


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_spec_error(case):
    assert_spec_error(broken(change(case)), case["where"], case["phrase"])


def test_every_error_is_a_value_error_subclass_with_one_line():
    with pytest.raises(ValueError) as err:
        load_spec(broken(put("command.args[1].flag", "tp")), source=SOURCE)
    assert type(err.value) is SpecError
    assert "\n" not in str(err.value)


def test_three_option_cycle_names_the_loop():
    data = broken(chain(
        append("options", {"id": "a", "title": "A", "when": {"c": "x"}, "items": [{"id": "x", "label": "X"}]}),
        append("options", {"id": "b", "title": "B", "when": {"a": "x"}, "items": [{"id": "x", "label": "X"}]}),
        append("options", {"id": "c", "title": "C", "when": {"b": "x"}, "items": [{"id": "x", "label": "X"}]}),
    ))
    message = assert_spec_error(data, "options.a", "cycle (a → c → b → a)")
    assert "oscillate" in message


def test_type_typo_on_a_field_with_bounds_names_the_type():
    assert_spec_error(broken(put("options.len.type", "int")), "options.len.type", "unknown type 'int'")


def test_non_mapping_spec():
    assert_spec_error(["not", "a", "spec"], "spec", "expected a mapping")


def test_option_with_no_selectable_item_in_some_state():
    data = broken(chain(
        update("options.spec.items.none", disabled={"hardware": "b300"}, reason="Not on B300."),
        update("options.spec.items.mtp", disabled={"hardware": "b300"}, reason="Not on B300."),
    ))
    # Reachable: hardware=b300 disables both items of a visible option.
    assert_spec_error(data, "options.spec.items", "no item can be chosen when hardware=b300")


# --- files: YAML, name, readability -----------------------------------------------------------

def write(tmp_path, name, text):
    path = tmp_path / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def spec_yaml(name="errtest"):
    data = copy.deepcopy(BASE)
    data["name"] = name
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def test_valid_spec_file_loads(tmp_path):
    spec, data = load_spec_file(write(tmp_path, "errtest", spec_yaml()))
    assert spec.name == "errtest"
    assert data == BASE


@pytest.mark.parametrize("text,line", [
    ("name: errtest\noptions: [\n  {id: a\n", 4),              # unclosed flow collection
    ("name: errtest\ntitle: T\n  model: x\n", 3),             # bad indentation
    ("name: errtest\ntitle: \"unterminated\n", 3),
    ("name: errtest\n\toptions: []\n", 2),                    # tab indentation
])
def test_malformed_yaml_names_file_and_line(tmp_path, text, line):
    path = write(tmp_path, "errtest", text)
    for reader in (read_spec_source, load_spec_file):
        with pytest.raises(SpecError) as err:
            reader(path)
        message = str(err.value)
        assert message.startswith(f"{path}: line {line}, column "), message
        assert "malformed YAML" in message


def test_yaml_semantic_errors_name_the_file(tmp_path):
    text = spec_yaml().replace("--tp", "tp")
    path = write(tmp_path, "errtest", text)
    with pytest.raises(SpecError) as err:
        load_spec_file(path)
    assert str(err.value).startswith(f"{path}: command.args[1].flag: bad flag 'tp'")


def test_empty_yaml_file(tmp_path):
    path = write(tmp_path, "errtest", "# nothing here\n")
    with pytest.raises(SpecError, match="expected a mapping") as err:
        load_spec_file(path)
    assert str(err.value).startswith(str(path))


def test_spec_name_must_match_file_name(tmp_path):
    path = write(tmp_path, "other-name", spec_yaml("errtest"))
    with pytest.raises(SpecError) as err:
        load_spec_file(path)
    assert str(err.value) == f"{path}: name: 'errtest' must match the file name 'other-name'"


def test_missing_file(tmp_path):
    path = tmp_path / "absent.yaml"
    with pytest.raises(SpecError) as err:
        load_spec_file(path)
    assert str(err.value).startswith(f"{path}: cannot read spec file")


def test_spec_files_in_the_repo_are_named_relative_to_it():
    from macros.specs import spec_path
    with pytest.raises(SpecError) as err:
        load_spec_file(spec_path("no-such-model"))
    assert str(err.value).startswith("configurator/specs/no-such-model.yaml: cannot read spec file")


def test_the_every_state_check_runs_at_build_and_is_skipped_only_for_the_page_spec():
    """The build (load_spec, macros/specs.py) rejects the spec; the browser's entry point, which
    only ever gets a spec the build accepted, does not repeat that check (most of its load time)."""
    import json

    from configurator import resolve_json
    data = broken(chain(
        update("options.spec.items.none", disabled={"hardware": "b300"}, reason="Not on B300."),
        update("options.spec.items.mtp", disabled={"hardware": "b300"}, reason="Not on B300."),
    ))
    with pytest.raises(SpecError):
        load_spec(data, source=SOURCE)
    load_spec(data, source=SOURCE, check_states=False)  # everything else is still validated
    view = json.loads(resolve_json(json.dumps(data), json.dumps({"hardware": "h100"})))
    assert view["state"]["hardware"] == "h100"
    with pytest.raises(SpecError, match="options.len.type"):
        load_spec(broken(put("options.len.type", "int")), source=SOURCE, check_states=False)


def test_five_mistakes_are_reported_at_once_in_file_order(tmp_path):
    """An author fixes every problem in one go: each with file and field, in the file's order."""
    data = copy.deepcopy(BASE)
    data["model"] = "org/model; reboot"                                  # 1. model
    data["options"][1]["items"][1]["reason"] = ""                       # 2. an item of `quant`
    data["options"][3]["min"] = "one"                                   # 3. the `len` field
    data["command"]["args"][2]["flag"] = "quantization"                 # 4. a rule
    data["notes"][1]["level"] = "danger"                                # 5. a note
    path = write(tmp_path, "errtest", yaml.safe_dump(data, sort_keys=False))
    with pytest.raises(SpecError) as err:
        load_spec_file(path)
    shown = str(path)
    assert [(w, p.split(":")[0]) for w, p in err.value.problems] == [
        ("model", "'org/model; reboot' is not a plain model path"),
        ("options.quant.items.fp4.reason", "expected a non-empty string"),
        ("options.len.min", "only integer fields have integer bounds"),
        ("command.args[2].flag", "bad flag 'quantization'"),
        ("notes[1].level", "expected one of info, tip, warning"),
    ]
    lines = str(err.value).splitlines()
    assert len(lines) == 5 and all(line.startswith(f"{shown}: ") for line in lines)
    assert lines[3] == f"{shown}: command.args[2].flag: bad flag 'quantization': expected something like --tp-size"


def test_a_broken_option_is_reported_once_not_again_where_it_is_used():
    data = copy.deepcopy(BASE)
    data["options"][0]["items"] = "h100"  # `hardware` is broken; its facts are read by rules, a note and `spec`
    with pytest.raises(SpecError) as err:
        load_spec(data, source=SOURCE)
    assert err.value.problems == [("options.hardware.items", "expected a non-empty list of items")]
