"""Property tests: whatever a reader (or a crafted link) sends, resolution yields a sound view."""

import json
import math
import shlex
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from configurator import load_spec, parts, resolve, resolve_json, spec_flags
from configurator.resolver import field_variant, resolve_state
from configurator.spec import FIELD_KINDS
from configurator.spec_flags import base_states
from macros.specs import load_spec_file, spec_path

KIMI, KIMI_DATA = load_spec_file(spec_path("kimi-k2.7-code"))
DEMO, DEMO_DATA = load_spec_file(spec_path("demo-moe"))
SPECS = {"kimi": (KIMI, KIMI_DATA), "demo": (DEMO, DEMO_DATA)}
# Checkboxes, tables, dependent defaults and other layouts: the cookbook specs and an inline one.
TEST_SPECS = Path(__file__).resolve().parent.parent / "specs"
for _name in ("gemma-4", "deepseek-v3.1", "minimax-m2.7"):
    SPECS[_name] = load_spec_file(TEST_SPECS / f"{_name}.yaml")
MIXED_DATA = {
    "name": "mixed", "title": "Mixed constructs", "model": "org/model",
    "options": [
        {"id": "hw", "title": "Hardware", "items": [
            {"id": "h100", "label": "H100", "facts": {"vendor": "nvidia"}},
            {"id": "mi300x", "label": "MI300X", "facts": {"vendor": "amd"}},
            {"id": "0.5x", "label": "Tiny", "facts": {"vendor": "nvidia"}}]},
        {"id": "size", "title": "Size", "items": [
            {"id": "8b", "label": "8B", "default": {"hw.vendor": "nvidia"}},
            {"id": "120b", "label": "120B", "default": True}]},
        {"id": "extras", "title": "Extras", "type": "checkbox", "when": {"not": {"hw": "0.5x"}}, "items": [
            {"id": "tp", "label": "TP", "required": {"size": "120b"}, "reason": "120B needs TP.", "default": True},
            {"id": "ep", "label": "EP", "default": {"hw.vendor": "amd"}},
            {"id": "mtp", "label": "MTP", "disabled": {"hw.vendor": "amd"}, "reason": "Not on AMD."}]},
        {"id": "name", "title": "Name", "type": "text", "pattern": "[a-z]+"},
    ],
    "tables": [{"id": "fit", "keys": ["hw", "size"], "columns": ["tp", "mem"],
                "unavailable": "The tiny GPU only runs 8B.",
                "rows": [[["h100", "mi300x"], ["8b", "120b"], 8, "0.9"], ["0.5x", "8b", 1, "0.5"]]}],
    "command": {
        "layout": {"indent": 0, "env": "program-line"}, "program": "serve {model}",
        "env": [{"name": "AITER", "value": "1", "when": {"hw.vendor": "amd"}}],
        "args": [{"flag": "--tp", "value": "{fit.tp}", "when": {"extras": "tp"}, "same-line": True},
                 {"flag": "--ep", "when": {"extras": "ep"}},
                 {"flag": "--mtp", "when": {"extras": "mtp"}, "same-line": True},
                 {"flag": "--mem", "value": "{fit.mem}"},
                 {"flag": "-v", "value": "~/cache/{name}"}],
    },
}
SPECS["mixed"] = (load_spec(MIXED_DATA, source="mixed (inline)"), MIXED_DATA)

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def split(command):
    return shlex.split(command.replace(" \\\n", " "))


def option_ids(spec):
    return [o.id for o in spec.options]


def item_ids(spec):
    return sorted({i.id for o in spec.options for i in o.items})


def field_values(spec):
    """Values aimed at the spec's free-form fields: valid ones, boundary ones and junk."""
    out = [st.integers(-10**7, 10**7), st.integers(-10**7, 10**7).map(str)]
    for opt in spec.options:
        if opt.pattern:
            out.append(st.from_regex(opt.pattern, fullmatch=True))
        for bound in (opt.minimum, opt.maximum):
            if bound is not None:
                out.append(st.sampled_from([str(bound - 1), str(bound), str(bound + 1), f" {bound} "]))
    return out


def huge_string():
    return st.builds(lambda ch, n: ch * n, st.characters(), st.integers(0, 100_000))


def scalar_values(spec):
    return st.one_of(
        st.sampled_from(item_ids(spec)),
        st.sampled_from(["", " ", "\x00", "x; rm -rf /", "it's \"quoted\"", "a\nb", "模型", "__proto__", "none", "null"]),
        st.text(),
        st.text(alphabet=st.characters(codec="utf-8")),
        huge_string(),
        st.integers(),
        st.floats(allow_nan=True, allow_infinity=True),
        st.none(),
        st.booleans(),
        *field_values(spec),
    )


def any_values(spec):
    return st.recursive(
        scalar_values(spec),
        lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
        max_leaves=8,
    )


def any_keys(spec):
    return st.one_of(
        st.sampled_from(option_ids(spec) + ["model", "", "__proto__", "Hardware"]),
        st.text(max_size=20),
        huge_string(),
        st.integers(),
        st.none(),
        st.booleans(),
    )


def choice_maps(spec):
    real = st.fixed_dictionaries({}, optional={k: any_values(spec) for k in option_ids(spec)})
    noise = st.dictionaries(any_keys(spec), any_values(spec), max_size=6)
    return st.builds(lambda a, b: {**b, **a}, real, noise)


def any_choices(spec):
    return st.one_of(choice_maps(spec), any_values(spec))


# Built once: building strategies inside a test makes Hypothesis re-validate them every example.
CHOICE_MAPS = {name: choice_maps(spec) for name, (spec, _) in SPECS.items()}
ANY_CHOICES = {name: any_choices(spec) for name, (spec, _) in SPECS.items()}
SIMPLE_MAPS = {
    name: st.dictionaries(
        st.sampled_from(option_ids(spec)) | st.text(max_size=10),
        st.sampled_from(item_ids(spec)) | st.text(max_size=30) | st.integers(-10**6, 10**6)
        | st.lists(st.sampled_from(item_ids(spec)), max_size=4),
        max_size=6,
    )
    for name, (spec, _) in SPECS.items()
}
def pick(opt):
    ids = [i.id for i in opt.items]
    return st.sampled_from(ids) if opt.kind == "radio" else st.lists(st.sampled_from(ids), unique=True)


RADIO_PICKS = {
    name: st.fixed_dictionaries({o.id: pick(o) for o in spec.options if o.items})
    for name, (spec, _) in SPECS.items()
}


def check_view(spec, view):
    # JSON-serialisable, exactly (no NaN, no tuples turning into lists, no odd keys).
    assert json.loads(json.dumps(view, allow_nan=False)) == view
    # The text and the argv agree.
    assert split(view["command"]) == view["argv"]
    assert not view["command"].endswith("\n")
    # Every chosen radio value is an enabled item; hidden options stay out of state and query.
    for opt in view["options"]:
        if opt["kind"] == "checkbox":
            # Checked: only enabled or required items, in the spec's order; required ones always.
            items = {i["id"]: i for i in opt["items"]}
            order = [i["id"] for i in opt["items"]]
            assert opt["value"] == sorted(opt["value"], key=order.index)
            for item_id in opt["value"]:
                assert items[item_id]["enabled"] or items[item_id]["required"]
            for i in opt["items"]:
                if i["required"]:  # never also disabled: rejected when the spec loads
                    assert i["id"] in opt["value"]
            if opt["visible"]:
                assert view["state"][opt["id"]] == opt["value"]
                if opt["id"] in view["query"]:
                    assert view["query"][opt["id"]] == ",".join(opt["value"])
        elif opt["kind"] == "radio":
            enabled = {i["id"] for i in opt["items"] if i["enabled"]}
            assert opt["value"] in enabled
            for i in opt["items"]:
                assert (i["reason"] is None) == i["enabled"]
            if opt["visible"]:
                assert view["state"][opt["id"]] == opt["value"]
        else:
            # A valid entry is applied as typed; an invalid one keeps the typed text but applies the default.
            if opt["error"] is None:
                assert opt["applied"] == opt["value"]
            else:
                assert opt["applied"] == spec.by_id[opt["id"]].default
            if opt["visible"] and opt["applied"]:
                assert view["state"][opt["id"]] == opt["applied"]
        if not opt["visible"]:
            assert opt["id"] not in view["state"]
            assert opt["id"] not in view["query"]
    for key, value in view["query"].items():
        state = view["state"][key]
        assert value == (",".join(state) if isinstance(state, list) else state)
    for entry in view["ignored"]:
        assert set(entry) == {"key", "value", "reason"}
        assert all(isinstance(v, str) for v in entry.values())


@pytest.mark.parametrize("name", SPECS)
@SETTINGS
@given(data=st.data())
def test_any_choices_give_a_sound_view(name, data):
    spec, _ = SPECS[name]
    choices = data.draw(ANY_CHOICES[name])
    view = resolve(spec, choices)
    check_view(spec, view)
    assert resolve(spec, choices) == view  # deterministic


@pytest.mark.parametrize("name", SPECS)
@SETTINGS
@given(data=st.data())
def test_resolving_the_state_or_the_query_again_changes_nothing(name, data):
    spec, _ = SPECS[name]
    view = resolve(spec, data.draw(CHOICE_MAPS[name]))
    again = resolve(spec, view["state"])
    assert again["command"] == view["command"]
    assert again["state"] == view["state"]
    assert again["query"] == view["query"]
    assert again["ignored"] == []
    # A shared link carries only the query: it must reproduce the same command.
    from_link = resolve(spec, view["query"])
    assert from_link["command"] == view["command"]
    assert from_link["state"] == view["state"]


@pytest.mark.parametrize("name", SPECS)
@SETTINGS
@given(data=st.data())
def test_valid_radio_choices_are_honoured_when_enabled(name, data):
    spec, _ = SPECS[name]
    choices = data.draw(RADIO_PICKS[name])
    view = resolve(spec, choices)
    check_view(spec, view)
    for opt in view["options"]:
        if opt["kind"] == "checkbox":
            items = {i["id"]: i for i in opt["items"]}
            for wanted in choices[opt["id"]]:
                if opt["visible"] and items[wanted]["enabled"]:
                    assert wanted in opt["value"]
                elif not (opt["visible"] and items[wanted]["required"] and wanted in opt["value"]):
                    assert any(e["key"] == opt["id"] and e["value"] == wanted for e in view["ignored"])
            continue
        if opt["kind"] != "radio":
            continue
        wanted = choices[opt["id"]]
        enabled = next(i["enabled"] for i in opt["items"] if i["id"] == wanted)
        if opt["visible"] and enabled:
            assert opt["value"] == wanted
        else:
            assert any(e["key"] == opt["id"] and e["value"] == wanted for e in view["ignored"])


@pytest.mark.parametrize("name", SPECS)
@SETTINGS
@given(text=st.one_of(
    st.text(),
    st.binary().map(lambda b: b.decode("latin-1")),
    st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
                 lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
                 max_leaves=10).map(json.dumps),
))
def test_resolve_json_never_raises(name, text):
    _, data = SPECS[name]
    out = resolve_json(json.dumps(data), text)
    view = json.loads(out)
    assert split(view["command"]) == view["argv"]


@pytest.mark.parametrize("name", SPECS)
@SETTINGS
@given(data=st.data())
def test_resolve_json_agrees_with_resolve(name, data):
    spec, raw = SPECS[name]
    choices = data.draw(SIMPLE_MAPS[name])
    assert json.loads(resolve_json(json.dumps(raw), json.dumps(choices))) == resolve(spec, choices)


FREE_TEXT = load_spec({
    "name": "free-text", "title": "Free text", "model": "org/model",
    "options": [{"id": "name", "title": "Name", "type": "text"}],
    "command": {"env": [{"name": "NAME", "value": "{name}"}], "program": "serve",
                "args": [{"flag": "--name", "value": "{name}"}]},
}, source="free-text (inline)")


@SETTINGS
@given(value=st.text(max_size=250) | st.sampled_from(["x; rm -rf /", "a \\\nb", "'", "\x00", " \t "]))
def test_free_text_is_always_exactly_one_shell_quoted_word(value):
    view = resolve(FREE_TEXT, {"name": value})
    text = value.strip()
    field = view["options"][0]
    assert field["value"] == text[:1000]
    if not text or len(text) > 200:
        assert view["command"] == "serve"
        assert field["error"] == (None if not text else "Name is too long (at most 200 characters)")
        return
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in text):
        assert view["command"] == "serve"
        assert field["error"] == "Name must not contain control characters (such as line breaks)"
        return
    quoted = shlex.quote(text)
    assert shlex.split(quoted) == [text]
    assert view["command"] == f"NAME={quoted} \\\nserve \\\n  --name {quoted}"
    assert view["argv"] == [f"NAME={text}", "serve", "--name", text]


def test_floats_that_json_cannot_carry_are_only_echoed_as_text():
    view = resolve(DEMO, {"max-model-len": math.nan, "hardware": math.inf})
    check_view(DEMO, view)
    assert {e["value"] for e in view["ignored"]} == {"nan", "inf"}


def fresh_resolve(spec, choices):
    """resolve() with nothing memoised: what the parts render for this state alone."""
    saved = dict(parts._memos)
    parts._memos.clear()
    try:
        return resolve(spec, choices)
    finally:
        parts._memos.clear()
        parts._memos.update(saved)


BASE_STATES: dict = {}  # spec name → its base states (0.1 s for Kimi: once)


@pytest.mark.parametrize("name", SPECS)
@SETTINGS
@given(data=st.data())
def test_memoised_views_and_field_variants_are_what_a_fresh_resolve_renders(name, data):
    """Parts (the command, which rules apply, notes, outputs) come from the memo when the roots they
    read are equal: in any order of states, a view and the check's field variants (resolver.
    field_variant) are what resolving that state alone gives."""
    spec, _ = SPECS[name]
    if name not in BASE_STATES:
        BASE_STATES[name] = base_states(spec)
    base = data.draw(st.sampled_from(BASE_STATES[name]))
    assert resolve(spec, base) == fresh_resolve(spec, base)
    shown = {v["id"] for v in resolve_state(spec, base)["options"] if v["visible"]}
    fields = [o for o in spec.options if o.kind in FIELD_KINDS and o.id in shown]
    if not fields:
        return
    opt = data.draw(st.sampled_from(fields))
    value = data.draw(st.sampled_from(spec_flags.field_values(opt)) | st.text(max_size=12))
    variant = field_variant(spec, base, opt.id, value)
    alone = fresh_resolve(spec, {**base, opt.id: value})
    assert variant["state"] == alone["state"] and variant["command"] == alone["command"]
    assert variant["notes"] == alone["notes"]
    assert variant["outputs"] == [o for o in alone["outputs"] if o["lang"] == "shell"]
