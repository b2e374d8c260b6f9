"""Load-time validation: every broken spec raises SpecError naming the file, the place and the problem.

Each case mutates one thing of a valid base spec. Paths in `put`/`drop` are the same
where-paths the errors use: list members are picked by id (`options.hardware.items.b300`)
or by index (`command.args[1]`).
"""

import copy
import re

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


def case(id, mutation, where, phrase):
    return pytest.param(mutation, where, phrase, id=id)


DISABLED = "options.hardware.items.b300.disabled"
RADIO = {"id": "x", "title": "X", "items": [{"id": "a", "label": "A"}]}

CASES = [
    # Unknown references in conditions: option `when`, item `disabled`, rule `when`, note `when`.
    case("when-unknown-option", put("options.quant.when", {"gpu": "h100"}), "options.quant.when", "unknown option 'gpu'"),
    case("when-unknown-item", put("options.quant.when", {"hardware": "h999"}), "options.quant.when", "unknown item 'h999' of option 'hardware'"),
    case("when-unknown-fact", put("options.quant.when", {"hardware.memory": 80}), "options.quant.when", "unknown fact 'memory' of option 'hardware'"),
    case("when-fact-of-field", put("options.quant.when", {"len.x": 1}), "options.quant.when", "unknown fact 'x' of option 'len'"),
    case("when-nested-unknown", put("options.quant.when", {"any": [{"hardware": "h100"}, {"not": {"hardware": "h999"}}]}), "options.quant.when", "unknown item 'h999'"),
    case("disabled-unknown-option", update("options.hardware.items.b300", disabled={"gpu": "x"}, reason="R."), DISABLED, "unknown option 'gpu'"),
    case("disabled-unknown-item", update("options.hardware.items.b300", disabled={"quant": "int4"}, reason="R."), DISABLED, "unknown item 'int4' of option 'quant'"),
    case("disabled-unknown-fact", update("options.hardware.items.b300", disabled={"hardware.gpus": 8}, reason="R."), DISABLED, "unknown fact 'gpus' of option 'hardware'"),
    case("rule-unknown-option", put("command.args[2].when", {"quantization": "fp4"}), "command.args[2].when", "unknown option 'quantization'"),
    case("rule-unknown-item", put("command.args[2].when", {"quant": "int4"}), "command.args[2].when", "unknown item 'int4' of option 'quant'"),
    case("rule-unknown-fact", put("command.args[2].when", {"hardware.arch": "sm100"}), "command.args[2].when", "unknown fact 'arch' of option 'hardware'"),
    case("env-unknown-fact", put("command.env[0].when", {"hardware.vendr": "amd"}), "command.env[0].when", "unknown fact 'vendr' of option 'hardware'"),
    case("note-unknown-option", put("notes[1].when", {"gpu": "amd"}), "notes[1].when", "unknown option 'gpu'"),
    case("note-unknown-fact", put("notes[1].when", {"hardware.brand": "amd"}), "notes[1].when", "unknown fact 'brand' of option 'hardware'"),
    case("note-unknown-item", put("notes[1].when", {"hardware": ["h100", "mi250"]}), "notes[1].when", "unknown item 'mi250' of option 'hardware'"),
    # Malformed conditions.
    case("cond-empty", put("options.quant.when", {}), "options.quant.when", "a condition must be a non-empty mapping"),
    case("cond-not-mapping", put("notes[1].when", "amd"), "notes[1].when", "a condition must be a non-empty mapping"),
    case("cond-deep-key", put("options.quant.when", {"hardware.vendor.name": "amd"}), "options.quant.when.hardware.vendor.name", "neither all/any/not"),
    case("cond-empty-any", put("options.quant.when", {"any": []}), "options.quant.when.any", "'any' needs a non-empty list"),
    case("cond-bad-value", put("options.quant.when", {"hardware": {"h100": 1}}), "options.quant.when.hardware", "expected a value or a non-empty list of values"),
    # Template placeholders.
    case("template-unknown-option", put("command.args[1].value", "{gpu.tp}"), "command.args[1].value", "bad placeholder {gpu.tp}: no option 'gpu'"),
    case("template-unknown-fact", put("command.args[1].value", "{hardware.gpus}"), "command.args[1].value", "option 'hardware' has no fact 'gpus'"),
    case("template-fact-of-field", put("command.args[3].value", "{len.x}"), "command.args[3].value", "option 'len' has no fact 'x'"),
    case("template-deep-fact", put("command.args[1].value", "{hardware.tp.x}"), "command.args[1].value", "bad placeholder {hardware.tp.x}"),
    case("template-positional", put("command.args[1].value", "{}"), "command.args[1].value", "bad placeholder {}"),
    case("template-format-spec", put("command.args[1].value", "{hardware.tp:>4}"), "command.args[1].value", "may not carry a format spec or conversion"),
    case("template-conversion", put("command.args[1].value", "{hardware!r}"), "command.args[1].value", "may not carry a format spec or conversion"),
    case("template-unsafe-literal", put("command.args[1].value", "{hardware.tp}; rm -rf /"), "command.args[1].value", "needs shell quoting"),
    case("template-space-literal", put("command.args[1].value", "a b"), "command.args[1].value", "needs shell quoting"),
    case("template-unbalanced", put("command.args[1].value", "{hardware.tp"), "command.args[1].value", "bad template"),
    case("env-template-unknown", put("command.env[0].value", "{gpu}"), "command.env[0].value", "no option 'gpu'"),
    # Flags and names in the command.
    case("flag-no-dash", put("command.args[1].flag", "tp"), "command.args[1].flag", "bad flag 'tp'"),
    case("flag-space", put("command.args[1].flag", "--tp 8"), "command.args[1].flag", "bad flag '--tp 8'"),
    case("flag-semicolon", put("command.args[1].flag", "--tp;reboot"), "command.args[1].flag", "bad flag"),
    case("flag-bare-dashes", put("command.args[1].flag", "--"), "command.args[1].flag", "bad flag"),
    case("arg-empty", put("command.args[1]", {"why": "Nothing."}), "command.args[1]", "an argument needs a flag, a value or both"),
    case("env-bad-name", put("command.env[0].name", "1-USE"), "command.env[0].name", "bad environment variable name '1-USE'"),
    case("program-unsafe", put("command.program", "serve;reboot now"), "command.program", "is not a plain shell word"),
    case("model-unsafe", put("model", "x; rm -rf /"), "model", "is not a plain model path"),
    # Ids.
    case("duplicate-option", append("options", RADIO | {"id": "quant"}), "options.quant", "duplicate option id"),
    case("reserved-model-id", append("options", RADIO | {"id": "model"}), "options.model", "'model' is reserved"),
    case("bad-option-id", put("options.spec.id", "Spec Dec"), "options.Spec Dec.id", "bad id 'Spec Dec'"),
    case("duplicate-item", append("options.quant.items", {"id": "fp8", "label": "FP8 again"}), "options.quant.items.fp8", "duplicate item id"),
    case("bad-item-id", put("options.quant.items.fp8.id", "FP8"), "options.quant.items.FP8.id", "bad id 'FP8'"),
    case("bad-spec-name", put("name", "Err Test"), "name", "bad spec name 'Err Test'"),
    # Items.
    case("no-items", put("options.quant.items", []), "options.quant.items", "expected a non-empty list of items"),
    case("all-items-disabled", chain(
        update("options.spec.items.none", disabled=True, reason="Gone.", default=False),
        update("options.spec.items.mtp", disabled=True, reason="Gone."),
    ), "options.spec.items", "no item can ever be chosen"),
    case("default-always-disabled", update("options.quant.items.fp8", disabled=True, reason="Gone."), "options.quant.items.fp8.default", "the default item is always disabled"),
    case("disabled-without-reason", drop("options.quant.items.fp4.reason"), "options.quant.items.fp4.reason", "needs a reason"),
    case("always-disabled-without-reason", update("options.spec.items.mtp", disabled=True), "options.spec.items.mtp.reason", "needs a reason"),
    case("default-not-bool", put("options.quant.items.fp8.default", "yes"), "options.quant.items.fp8.default", "expected true or false"),
    case("facts-not-uniform", drop("options.hardware.items.b300.facts.vendor"), "options.hardware.items.b300.facts", "fact 'vendor' must be given for every item or none"),
    case("fact-not-scalar", put("options.hardware.items.b300.facts.tp", [8]), "options.hardware.items.b300.facts", "expected a mapping of names to plain values"),
    # Unknown fields (typos) at every level.
    case("typo-spec", put("descripton", "x"), "spec.descripton", "unknown field"),
    case("typo-option", put("options.hardware.hlep", "x"), "options.hardware.hlep", "unknown field"),
    case("typo-item", put("options.hardware.items.b300.defualt", True), "options.hardware.items.b300.defualt", "unknown field"),
    case("typo-field", put("options.len.maximum", 5), "options.len.maximum", "unknown field"),
    case("typo-command", put("command.arg", []), "command.arg", "unknown field"),
    case("typo-arg", put("command.args[2].whenn", {"quant": "fp4"}), "command.args[2].whenn", "unknown field"),
    case("typo-env", put("command.env[0].flag", "--x"), "command.env[0].flag", "unknown field"),
    case("typo-note", put("notes[1].levle", "tip"), "notes[1].levle", "unknown field"),
    case("missing-field", drop("options.hardware.title"), "options.hardware", "missing required field 'title'"),
    case("missing-program", drop("command.program"), "command", "missing required field 'program'"),
    # Free-form fields.
    case("unknown-type", put("options.len", {"id": "len", "title": "L", "type": "slider"}), "options.len.type", "unknown type 'slider'"),
    case("min-greater-than-max", chain(put("options.len.min", 10), put("options.len.max", 5)), "options.len.min", "min is greater than max"),
    case("bounds-on-text", put("options.name.min", 1), "options.name.min", "only integer fields have integer bounds"),
    case("bound-not-int", put("options.len.max", "100"), "options.len.max", "only integer fields have integer bounds"),
    case("bad-regex", put("options.name.pattern", "[a-z"), "options.name.pattern", "not a valid regular expression"),
    case("pattern-on-integer", put("options.len.pattern", "[0-9]+"), "options.len.pattern", "only text fields take a pattern"),
    case("default-not-a-number", put("options.len.default", "lots"), "options.len.default", "must be a whole number"),
    case("default-above-max", put("options.len.default", 101), "options.len.default", "must be at most 100"),
    case("default-below-min", put("options.len.default", 0), "options.len.default", "must be at least 1"),
    case("default-against-pattern", put("options.name.default", "Name1"), "options.name.default", "does not have the expected form"),
    case("default-wrong-type", put("options.name.default", True), "options.name.default", "expected a string or an integer"),
    # Notes.
    case("note-level", put("notes[0].level", "danger"), "notes[0].level", "expected one of info, tip, warning"),
    case("note-empty-text", put("notes[0].text", "  "), "notes[0].text", "expected a non-empty string"),
    # Cycles.
    case("cycle-two", chain(
        put("options.hardware.when", {"spec": "none"}),
    ), "options.hardware", "options depend on each other in a cycle (hardware → spec → hardware)"),
    case("cycle-via-disabled", chain(
        update("options.hardware.items.b300", disabled={"quant": "fp4"}, reason="R."),
    ), "options.hardware", "cycle (hardware → quant → hardware)"),
    case("cycle-self", put("options.quant.when", {"quant": "fp8"}), "options.quant", "cycle (quant → quant)"),
]


@pytest.mark.parametrize("mutation,where,phrase", CASES)
def test_spec_error(mutation, where, phrase):
    assert_spec_error(broken(mutation), where, phrase)


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
