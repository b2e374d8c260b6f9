"""Unit tests of the configurator's resolution semantics, each on a tiny spec of its own.

Specs are written inline as dicts: `make()` builds a minimal valid spec and every test
overrides the parts it is about.
"""

import copy
import json
import os
import re
import shlex
import shutil
import stat
import subprocess
import sys

import pytest

from configurator import SpecError, load_spec, resolve, resolve_json

SOURCE = "tests/engine.yaml"


# --- spec builders ----------------------------------------------------------------------------

def item(id, **kw):
    return {"id": id, "label": id.upper(), **kw}


def radio(id, items, **kw):
    return {"id": id, "title": id.capitalize(), "items": items, **kw}


def field(id, type="text", **kw):
    return {"id": id, "title": id.capitalize(), "type": type, **kw}


def arg(flag=None, value=None, **kw):
    out = {}
    if flag is not None:
        out["flag"] = flag
    if value is not None:
        out["value"] = value
    return {**out, **kw}


DEFAULT_OPTIONS = [radio("hw", [item("a", default=True), item("b")])]
DEFAULT_ARGS = [arg("--hw", "{hw}", why="The chosen hw.")]


def spec_dict(options=None, args=None, env=None, notes=None, program="serve", **top):
    data = {
        "name": "t",
        "title": "Test spec",
        "model": "org/model",
        "options": copy.deepcopy(DEFAULT_OPTIONS if options is None else options),
        "command": {"program": program, "args": copy.deepcopy(DEFAULT_ARGS if args is None else args)},
    }
    if env is not None:
        data["command"]["env"] = env
    if notes is not None:
        data["notes"] = notes
    data.update(top)
    return data


def make(**kw):
    return load_spec(spec_dict(**kw), source=SOURCE)


def opt_view(view, opt_id):
    return next(o for o in view["options"] if o["id"] == opt_id)


def item_view(view, opt_id, item_id):
    return next(i for i in opt_view(view, opt_id)["items"] if i["id"] == item_id)


def split(command):
    return shlex.split(command.replace(" \\\n", " "))


# A hardware option with facts, used by several tests.
HW = radio("hw", [
    item("h100", default=True, facts={"tp": 8, "vendor": "nvidia", "fp4": False}),
    item("gb200", facts={"tp": 4, "vendor": "nvidia", "fp4": True}),
    item("mi300x", facts={"tp": 8, "vendor": "amd", "fp4": False}),
])
QUANT = radio("quant", [
    item("bf16"),
    item("fp8", default=True),
    item("fp4", disabled={"hw.fp4": False}, reason="FP4 needs Blackwell."),
])


# --- initial choice and fallback --------------------------------------------------------------

def test_default_item_is_the_initial_choice():
    spec = make(options=[radio("hw", [item("a"), item("b", default=True), item("c")])])
    view = resolve(spec)
    assert opt_view(view, "hw")["value"] == "b"
    assert view["state"] == {"hw": "b"}
    assert view["command"] == "serve \\\n  --hw b"


def test_without_a_default_the_first_item_is_chosen():
    spec = make(options=[radio("hw", [item("a"), item("b")])])
    assert resolve(spec)["state"] == {"hw": "a"}


def test_a_statically_disabled_item_is_skipped_by_the_initial_choice():
    spec = make(options=[radio("hw", [item("a", disabled=True, reason="Sold out."), item("b")])])
    view = resolve(spec)
    assert view["state"] == {"hw": "b"}
    assert item_view(view, "hw", "a") == {"id": "a", "enabled": False, "reason": "Sold out."}
    assert item_view(view, "hw", "b") == {"id": "b", "enabled": True, "reason": None}


def test_first_enabled_default_wins_over_later_defaults_and_plain_items():
    q = radio("q", [
        item("x"),
        item("y", default=True, disabled={"hw": "b"}, reason="Y not on B."),
        item("z", default=True),
    ])
    spec = make(options=[DEFAULT_OPTIONS[0], q], args=[arg("--q", "{q}")])
    assert resolve(spec, {"hw": "a"})["state"]["q"] == "y"
    # y is disabled: the next *default* (z) wins over the first enabled item (x).
    assert resolve(spec, {"hw": "b"})["state"]["q"] == "z"


def test_when_every_default_is_disabled_the_first_enabled_item_is_chosen():
    q = radio("q", [
        item("x", disabled={"hw": "b"}, reason="X not on B."),
        item("y", default=True, disabled={"hw": "b"}, reason="Y not on B."),
        item("z"),
    ])
    spec = make(options=[DEFAULT_OPTIONS[0], q], args=[arg("--q", "{q}")])
    assert resolve(spec, {"hw": "a"})["state"]["q"] == "y"
    view = resolve(spec, {"hw": "b"})
    assert view["state"]["q"] == "z"
    assert view["command"] == "serve \\\n  --q z"


def test_dynamically_disabled_item_has_its_reason_in_the_view():
    spec = make(options=[HW, QUANT], args=[arg("--quantization", "{quant}")])
    on_hopper = resolve(spec, {"hw": "h100"})
    assert item_view(on_hopper, "quant", "fp4") == {"id": "fp4", "enabled": False, "reason": "FP4 needs Blackwell."}
    assert item_view(on_hopper, "quant", "fp8")["enabled"] is True
    on_blackwell = resolve(spec, {"hw": "gb200"})
    assert item_view(on_blackwell, "quant", "fp4") == {"id": "fp4", "enabled": True, "reason": None}


def test_chosen_item_that_becomes_disabled_falls_back_and_is_reported():
    spec = make(options=[HW, QUANT], args=[arg("--quantization", "{quant}")])
    chosen = resolve(spec, {"hw": "gb200", "quant": "fp4"})
    assert chosen["state"] == {"hw": "gb200", "quant": "fp4"}
    assert chosen["ignored"] == []
    assert chosen["command"] == "serve \\\n  --quantization fp4"
    # The reader switches hardware: fp4 is no longer possible, fp8 (the default) takes over.
    moved = resolve(spec, {"hw": "h100", "quant": "fp4"})
    assert opt_view(moved, "quant")["value"] == "fp8"
    assert moved["state"] == {"hw": "h100", "quant": "fp8"}
    assert moved["query"] == {}
    assert moved["command"] == "serve \\\n  --quantization fp8"
    assert moved["ignored"] == [{"key": "quant", "value": "fp4", "reason": "FP4 is unavailable: FP4 needs Blackwell."}]


def test_choosing_a_statically_disabled_item_is_reported_with_its_reason():
    spec = make(options=[radio("hw", [item("a"), item("b", disabled=True, reason="Not yet released.")])])
    view = resolve(spec, {"hw": "b"})
    assert view["state"] == {"hw": "a"}
    assert view["ignored"] == [{"key": "hw", "value": "b", "reason": "B is unavailable: Not yet released."}]


def test_disabled_default_on_one_item_does_not_affect_other_options():
    spec = make(options=[HW, QUANT], args=[arg("--tp", "{hw.tp}"), arg("--quantization", "{quant}")])
    view = resolve(spec, {"hw": "mi300x", "quant": "bf16"})
    assert view["state"] == {"hw": "mi300x", "quant": "bf16"}
    assert view["query"] == {"hw": "mi300x", "quant": "bf16"}
    assert view["command"] == "serve \\\n  --tp 8 \\\n  --quantization bf16"


def test_dependencies_resolve_before_dependents_whatever_the_display_order():
    # `quant` is displayed first but depends on `hw`, which is displayed second.
    spec = make(options=[QUANT, HW], args=[arg("--quantization", "{quant}")])
    assert [o["id"] for o in resolve(spec)["options"]] == ["quant", "hw"]
    assert list(resolve(spec)["state"]) == ["quant", "hw"]
    assert resolve(spec, {"hw": "gb200", "quant": "fp4"})["command"] == "serve \\\n  --quantization fp4"
    assert resolve(spec, {"hw": "h100", "quant": "fp4"})["command"] == "serve \\\n  --quantization fp8"


# --- hidden options ---------------------------------------------------------------------------

SPEC_DECODE = radio("spec", [
    item("none", default=True, facts={"tokens": 0}),
    item("mtp", facts={"tokens": 2}),
], when={"hw.vendor": "nvidia"})


def hidden_spec():
    return make(options=[HW, SPEC_DECODE], args=[
        arg("--tp", "{hw.tp}"),
        arg("--speculative-method", "mtp", when={"spec": "mtp"}),
        # Its `when` holds when `spec` is hidden (a hidden option matches nothing) but the
        # placeholder has no value then, so the rule must still vanish.
        arg("--speculative-tokens", "{spec.tokens}", when={"not": {"spec": "none"}}),
        arg("--spec-item", "{spec}", when={"not": {"spec": "none"}}),
    ])


def test_visible_option_contributes():
    view = resolve(hidden_spec(), {"spec": "mtp"})
    assert opt_view(view, "spec")["visible"] is True
    assert view["state"] == {"hw": "h100", "spec": "mtp"}
    assert view["query"] == {"spec": "mtp"}
    assert view["command"] == (
        "serve \\\n  --tp 8 \\\n  --speculative-method mtp \\\n  --speculative-tokens 2 \\\n  --spec-item mtp"
    )


def test_hidden_option_never_contributes():
    view = resolve(hidden_spec(), {"hw": "mi300x", "spec": "mtp"})
    spec_view = opt_view(view, "spec")
    assert spec_view["visible"] is False
    assert "spec" not in view["state"]
    assert "spec" not in view["query"]
    assert view["command"] == "serve \\\n  --tp 8"
    assert view["argv"] == ["serve", "--tp", "8"]
    assert view["ignored"] == [{"key": "spec", "value": "mtp", "reason": "Spec does not apply to the other choices"}]
    # A hidden option falls back like any other: its view shows the default again.
    assert spec_view["value"] == "none"


def test_hidden_option_without_input_is_not_reported():
    view = resolve(hidden_spec(), {"hw": "mi300x"})
    assert view["ignored"] == []
    assert opt_view(view, "spec")["visible"] is False


def test_options_depending_on_a_hidden_option_are_hidden_too():
    extra = radio("draft", [item("small", default=True), item("large")], when={"spec": "mtp"})
    spec = make(options=[HW, SPEC_DECODE, extra], args=[arg("--draft", "{draft}")])
    assert resolve(spec, {"spec": "mtp", "draft": "large"})["command"] == "serve \\\n  --draft large"
    view = resolve(spec, {"hw": "mi300x", "spec": "mtp", "draft": "large"})
    assert [o["visible"] for o in view["options"]] == [True, False, False]
    assert view["state"] == {"hw": "mi300x"}
    assert view["command"] == "serve"


def test_hidden_field_never_contributes():
    spec = make(options=[HW, field("name", when={"hw.vendor": "amd"})],
                args=[arg("--name", "{name}")])
    assert resolve(spec, {"hw": "mi300x", "name": "x"})["command"] == "serve \\\n  --name x"
    view = resolve(spec, {"hw": "h100", "name": "x"})
    assert opt_view(view, "name")["visible"] is False
    assert view["state"] == {"hw": "h100"}
    assert view["command"] == "serve"


# --- facts in argument values -----------------------------------------------------------------

@pytest.mark.parametrize("hw,tp", [("h100", "8"), ("gb200", "4"), ("mi300x", "8")])
def test_fact_placeholder_in_argument(hw, tp):
    spec = make(options=[HW], args=[arg("--tp", "{hw.tp}"), arg("--dp", "x{hw.tp}", when={"hw": "gb200"})])
    view = resolve(spec, {"hw": hw})
    expected = f"serve \\\n  --tp {tp}" + (" \\\n  --dp x4" if hw == "gb200" else "")
    assert view["command"] == expected


def test_model_and_item_placeholders_and_bool_facts():
    spec = make(options=[HW], args=[arg("--model", "{model}"), arg("--hw", "{hw}"), arg("--fp4", "{hw.fp4}")])
    assert resolve(spec, {"hw": "gb200"})["argv"] == ["serve", "--model", "org/model", "--hw", "gb200", "--fp4", "true"]
    assert resolve(spec)["argv"][-1] == "false"


# --- free-form fields -------------------------------------------------------------------------

def len_spec(**kw):
    opts = dict(min=1024, max=131072)
    opts.update(kw)
    return make(options=[DEFAULT_OPTIONS[0], field("len", "integer", **opts)],
                args=[arg("--hw", "{hw}"), arg("--max-model-len", "{len}", why="Context length.")])


def test_unset_optional_field_omits_its_rule_and_explanation():
    view = resolve(len_spec())
    assert view["command"] == "serve \\\n  --hw a"
    assert [e["code"] for e in view["explanations"]] == []  # --hw has no `why`
    assert opt_view(view, "len") == {"id": "len", "kind": "integer", "value": "", "applied": "", "error": None, "visible": True}
    assert view["state"] == {"hw": "a"}


@pytest.mark.parametrize("given", ["32768", 32768, "  32768 ", "1024", "131072"])
def test_valid_integer_is_applied(given):
    view = resolve(len_spec(), {"len": given})
    value = str(given).strip()
    assert view["command"] == f"serve \\\n  --hw a \\\n  --max-model-len {value}"
    assert view["state"] == {"hw": "a", "len": value}
    assert view["query"] == {"len": value}
    assert opt_view(view, "len")["error"] is None
    assert view["explanations"] == [{"code": f"--max-model-len {value}", "text": "Context length."}]


@pytest.mark.parametrize("given,problem", [
    ("1023", "Len must be at least 1024"),
    ("131073", "Len must be at most 131072"),
    ("-5", "Len must be at least 1024"),
    ("12k", "Len must be a whole number"),
    ("4096.0", "Len must be a whole number"),
    ("4096; rm -rf /", "Len must be a whole number"),
    ("１２３４５", "Len must be a whole number"),  # full-width digits are not ASCII digits
    ("9" * 201, "Len is too long (at most 200 characters)"),
])
def test_invalid_integer_keeps_the_typed_value_but_is_not_applied(given, problem):
    view = resolve(len_spec(), {"len": given})
    v = opt_view(view, "len")
    assert v["value"] == given
    assert v["applied"] == ""
    assert v["error"] == problem
    assert view["command"] == "serve \\\n  --hw a"
    assert "len" not in view["state"]


def test_invalid_integer_uses_the_default_when_there_is_one():
    spec = len_spec(default=4096)
    assert resolve(spec)["command"] == "serve \\\n  --hw a \\\n  --max-model-len 4096"
    assert resolve(spec)["query"] == {}
    view = resolve(spec, {"len": "lots"})
    assert opt_view(view, "len")["value"] == "lots"
    assert opt_view(view, "len")["applied"] == "4096"
    assert opt_view(view, "len")["error"] == "Len must be a whole number"
    assert view["command"] == "serve \\\n  --hw a \\\n  --max-model-len 4096"
    assert view["query"] == {}
    assert view["state"] == {"hw": "a", "len": "4096"}


def test_cleared_field_with_default_round_trips_through_state():
    spec = len_spec(default=4096)
    view = resolve(spec, {"len": ""})
    again = resolve(spec, view["state"])
    assert again["command"] == view["command"]
    assert resolve(spec, view["query"])["command"] == view["command"]


@pytest.mark.parametrize("given", [4096.0, True, False, ["4096"], {"v": 4096}])
def test_wrong_type_for_a_field_is_ignored_and_reported(given):
    view = resolve(len_spec(), {"len": given})
    assert view["command"] == "serve \\\n  --hw a"
    assert opt_view(view, "len")["value"] == ""
    assert view["ignored"] == [{"key": "len", "value": repr(given), "reason": "Len takes text"}]


def name_spec(**kw):
    return make(options=[DEFAULT_OPTIONS[0], field("name", **kw)],
                args=[arg("--served-model-name", "{name}", why="Name in the API.")])


def test_text_field_pattern():
    spec = name_spec(pattern=r"[a-z][a-z0-9-]*", placeholder="my-model")
    ok = resolve(spec, {"name": "demo-1"})
    assert ok["command"] == "serve \\\n  --served-model-name demo-1"
    bad = resolve(spec, {"name": "Demo 1"})
    assert opt_view(bad, "name")["value"] == "Demo 1"
    assert opt_view(bad, "name")["error"] == "Name does not have the expected form"
    assert bad["command"] == "serve"
    # The pattern must match the whole value, not a prefix.
    assert resolve(spec, {"name": "demo-1!"})["command"] == "serve"


def test_text_field_too_long_is_rejected_and_view_value_is_capped():
    spec = name_spec()
    view = resolve(spec, {"name": "x" * 200})
    assert view["argv"] == ["serve", "--served-model-name", "x" * 200]
    view = resolve(spec, {"name": "y" * 5000})
    v = opt_view(view, "name")
    assert v["error"] == "Name is too long (at most 200 characters)"
    assert v["value"] == "y" * 1000
    assert view["command"] == "serve"


def test_blank_text_counts_as_unset():
    view = resolve(name_spec(), {"name": "   "})
    assert view["command"] == "serve"
    assert opt_view(view, "name")["error"] is None


def test_field_values_in_conditions_are_strings():
    spec = make(options=[field("len", "integer")], args=[
        arg("--long", when={"len": "131072"}),
        arg("--never", when={"len": 131072}),  # an int never equals the field's text
    ])
    assert resolve(spec, {"len": "131072"})["command"] == "serve \\\n  --long"
    assert resolve(spec, {"len": 131072})["command"] == "serve \\\n  --long"
    assert resolve(spec, {"len": "4096"})["command"] == "serve"


# --- quoting ----------------------------------------------------------------------------------

NASTY = [
    "x; rm -rf /",
    "it's",
    'say "hi"',
    "ünïcødé 模型 🚀",
    "$(reboot)",
    "`id`",
    "*",
    "~root",
    "--flag-lookalike",
    "back\\slash",
    "'",
]


@pytest.mark.parametrize("value", NASTY)
def test_free_form_values_are_shell_quoted(value):
    view = resolve(name_spec(), {"name": value})
    assert view["command"] == "serve \\\n  --served-model-name " + shlex.quote(value)
    assert view["argv"] == ["serve", "--served-model-name", value]
    assert split(view["command"]) == view["argv"]
    assert view["explanations"][0]["code"] == "--served-model-name " + shlex.quote(value)


@pytest.mark.parametrize("value", ["a\nb", "a b\tc", "nul\x00", "esc\x1b[31m", "del\x7f"])
def test_control_characters_are_refused_not_applied(value):
    # A line break would break the one-flag-per-line layout, and a shell drops NUL bytes.
    view = resolve(name_spec(), {"name": value})
    assert view["command"] == "serve"
    assert opt_view(view, "name")["value"] == value
    assert opt_view(view, "name")["error"] == "Name must not contain control characters (such as line breaks)"


def test_dangerous_value_is_one_quoted_word():
    view = resolve(name_spec(), {"name": "x; rm -rf /"})
    assert view["command"].endswith("--served-model-name 'x; rm -rf /'")


def test_empty_string_omits_the_flag_instead_of_passing_an_empty_word():
    view = resolve(name_spec(), {"name": ""})
    assert view["command"] == "serve"
    assert view["argv"] == ["serve"]


def test_env_values_are_quoted_too():
    spec = make(options=[field("token")], args=[arg("--port", "8000")],
                env=[{"name": "HF_TOKEN", "value": "{token}"}, {"name": "A", "value": "1"}])
    view = resolve(spec, {"token": "a b;c"})
    assert view["command"] == "HF_TOKEN='a b;c' A=1 \\\nserve \\\n  --port 8000"
    assert view["argv"] == ["HF_TOKEN=a b;c", "A=1", "serve", "--port", "8000"]


@pytest.mark.skipif(shutil.which("sh") is None, reason="no POSIX shell")
def test_a_real_shell_sees_exactly_argv(tmp_path):
    """Run the command text through /bin/sh with the program replaced by an argv dumper."""
    dumper = tmp_path / "argdump"
    dumper.write_text(
        f"#!{sys.executable}\n"
        "import json, os, sys\n"
        "print(json.dumps({'argv': sys.argv[1:], 'env': {k: v for k, v in os.environ.items() if k.startswith('SB_')}}))\n"
    )
    dumper.chmod(dumper.stat().st_mode | stat.S_IEXEC)
    program = str(dumper)
    if not re.fullmatch(r"[\w@%+=:,./-]+", program, re.ASCII):
        pytest.skip(f"temporary path {program!r} is not a plain shell word")
    spec = make(options=[field("name"), field("tok")], program=program,
                env=[{"name": "SB_TOKEN", "value": "{tok}"}, {"name": "SB_ONE", "value": "1"}],
                args=[arg(value="{model}"), arg("--name", "{name}"), arg("--flag")])
    for value in NASTY + ["x\\"]:
        view = resolve(spec, {"name": value, "tok": value})
        env = {k: v for k, v in os.environ.items() if not k.startswith("SB_")}
        done = subprocess.run(["sh", "-c", view["command"]], capture_output=True, text=True, env=env, timeout=30)
        assert done.returncode == 0, done.stderr
        seen = json.loads(done.stdout)
        assert seen["argv"] == view["argv"][3:], value
        assert seen["env"] == {"SB_TOKEN": value.strip(), "SB_ONE": "1"}
        assert view["argv"][:3] == [f"SB_TOKEN={value.strip()}", "SB_ONE=1", program]


# --- command layout ---------------------------------------------------------------------------

def test_command_layout():
    spec = make(
        options=[HW],
        env=[{"name": "ENV_A", "value": "1", "why": "A."}, {"name": "ENV_B", "value": "{hw.tp}", "when": {"hw.vendor": "amd"}}],
        program="vllm serve",
        args=[arg(value="{model}", why="The model."), arg("--tp", "{hw.tp}", why="TP."), arg("--trust-remote-code", why="Code.")],
    )
    view = resolve(spec, {"hw": "mi300x"})
    assert view["command"] == (
        "ENV_A=1 ENV_B=8 \\\n"
        "vllm serve \\\n"
        "  org/model \\\n"
        "  --tp 8 \\\n"
        "  --trust-remote-code"
    )
    assert not view["command"].endswith("\n")
    assert view["argv"] == ["ENV_A=1", "ENV_B=8", "vllm", "serve", "org/model", "--tp", "8", "--trust-remote-code"]
    assert view["explanations"] == [
        {"code": "ENV_A=1", "text": "A."},
        {"code": "org/model", "text": "The model."},
        {"code": "--tp 8", "text": "TP."},
        {"code": "--trust-remote-code", "text": "Code."},
    ]
    # Without env rules the program is the first line.
    assert resolve(spec, {"hw": "h100"})["command"].startswith("ENV_A=1 \\\nvllm serve \\\n")
    bare = make(args=[])
    assert resolve(bare)["command"] == "serve"


# --- unknown input ----------------------------------------------------------------------------

def test_unknown_option_and_item_ids_are_ignored_and_reported():
    spec = make()
    view = resolve(spec, {"nope": "x", "hw": "zzz", "model": "evil/model"})
    assert view["state"] == {"hw": "a"}
    assert view["command"] == "serve \\\n  --hw a"
    assert view["ignored"] == [
        {"key": "nope", "value": "x", "reason": "no such option"},
        {"key": "model", "value": "evil/model", "reason": "no such option"},
        {"key": "hw", "value": "zzz", "reason": "no such choice for Hw"},
    ]


@pytest.mark.parametrize("value", [5, 1.5, True, ["a"], {"a": 1}])
def test_wrong_type_for_a_radio_is_ignored_and_reported(value):
    view = resolve(make(), {"hw": value})
    assert view["state"] == {"hw": "a"}
    assert view["ignored"] == [{"key": "hw", "value": repr(value), "reason": "no such choice for Hw"}]


@pytest.mark.parametrize("choices", [[1, 2], "hw=b", 42, ("hw", "b")])
def test_non_mapping_choices_are_reported(choices):
    view = resolve(make(), choices)
    assert view["state"] == {"hw": "a"}
    assert len(view["ignored"]) == 1
    assert view["ignored"][0]["reason"] == "choices must be a mapping of option to value"


def test_long_rejected_values_are_echoed_shortened():
    view = resolve(make(), {"hw": "b" * 100_000, "k" * 500: 1})
    for entry in view["ignored"]:
        assert len(entry["key"]) <= 81 and len(entry["value"]) <= 81
    assert view["ignored"][1]["value"] == "b" * 80 + "…"


def test_deeply_nested_choice_value_does_not_raise():
    nested = []
    for _ in range(100_000):
        nested = [nested]
    view = resolve(make(), {"hw": nested})
    assert view["state"] == {"hw": "a"}


# --- resolve_json -----------------------------------------------------------------------------

def test_resolve_json_round_trip():
    data = spec_dict(options=[HW, QUANT, field("name")], args=[arg("--tp", "{hw.tp}"), arg("--name", "{name}")])
    out = resolve_json(json.dumps(data), json.dumps({"hw": "gb200", "quant": "fp4", "name": "模型"}))
    assert isinstance(out, str)
    view = json.loads(out)
    assert view == resolve(load_spec(data, source=SOURCE), {"hw": "gb200", "quant": "fp4", "name": "模型"})
    assert view["command"] == "serve \\\n  --tp 4 \\\n  --name '模型'"
    assert "模型" in out  # not \u-escaped


@pytest.mark.parametrize("text", ["{not json", "", "\x00", "[1,", "{'hw': 'b'}"])
def test_resolve_json_reports_invalid_choices(text):
    view = json.loads(resolve_json(json.dumps(spec_dict()), text))
    assert view["state"] == {"hw": "a"}
    assert view["command"] == "serve \\\n  --hw a"
    assert len(view["ignored"]) == 1
    assert view["ignored"][0]["key"] == ""


def test_resolve_json_null_choices_mean_defaults():
    view = json.loads(resolve_json(json.dumps(spec_dict()), "null"))
    assert view["state"] == {"hw": "a"} and view["ignored"] == []


def test_resolve_json_rejects_an_invalid_spec_with_spec_error():
    bad = spec_dict(options=[radio("hw", [item("a"), item("a")])])
    with pytest.raises(SpecError, match="duplicate item id"):
        resolve_json(json.dumps(bad), "{}")


def test_resolve_json_non_object_spec_is_a_spec_error():
    with pytest.raises(SpecError):
        resolve_json("[1, 2]", "{}")


def test_resolve_json_deeply_nested_choices_do_not_raise():
    view = json.loads(resolve_json(json.dumps(spec_dict()), "[" * 100_000 + "]" * 100_000))
    assert view["state"] == {"hw": "a"}


# --- notes ------------------------------------------------------------------------------------

def test_notes_follow_conditions():
    spec = make(options=[HW, field("len", "integer")], args=[], notes=[
        {"text": "Always."},
        {"level": "warning", "text": "AMD only.", "when": {"hw.vendor": "amd"}},
        {"level": "tip", "text": "Long context.", "when": {"len": "131072"}},
        {"level": "info", "text": "Not GB200.", "when": {"not": {"hw": "gb200"}}},
    ])
    assert resolve(spec)["notes"] == [{"level": "info", "text": "Always."}, {"level": "info", "text": "Not GB200."}]
    assert resolve(spec, {"hw": "mi300x", "len": "131072"})["notes"] == [
        {"level": "info", "text": "Always."},
        {"level": "warning", "text": "AMD only."},
        {"level": "tip", "text": "Long context."},
        {"level": "info", "text": "Not GB200."},
    ]
    assert resolve(spec, {"hw": "gb200"})["notes"] == [{"level": "info", "text": "Always."}]


# --- condition language -----------------------------------------------------------------------

COND_OPTIONS = [
    HW,
    radio("mode", [item("fast", default=True), item("slow"), item("tiny")]),
]


def cond_spec(when):
    return make(options=COND_OPTIONS, args=[arg("--on", when=when)])


def on(spec, **choices):
    return resolve(spec, choices)["argv"] == ["serve", "--on"]


def test_condition_list_membership():
    spec = cond_spec({"mode": ["slow", "tiny"]})
    assert [on(spec, mode=m) for m in ("fast", "slow", "tiny")] == [False, True, True]


def test_condition_all():
    spec = cond_spec({"all": [{"hw.vendor": "nvidia"}, {"mode": "slow"}]})
    assert on(spec, hw="h100", mode="slow")
    assert not on(spec, hw="mi300x", mode="slow")
    assert not on(spec, hw="h100", mode="fast")


def test_several_keys_in_one_mapping_must_all_hold():
    spec = cond_spec({"hw.tp": 8, "mode": "tiny"})
    assert on(spec, hw="mi300x", mode="tiny")
    assert not on(spec, hw="gb200", mode="tiny")
    assert not on(spec, hw="h100", mode="fast")


def test_condition_any():
    spec = cond_spec({"any": [{"hw": "gb200"}, {"mode": "tiny"}]})
    assert on(spec, hw="gb200", mode="fast")
    assert on(spec, hw="h100", mode="tiny")
    assert not on(spec, hw="h100", mode="slow")


def test_condition_not_and_nesting():
    spec = cond_spec({"not": {"any": [{"hw.vendor": "amd"}, {"mode": ["slow", "tiny"]}]}})
    assert on(spec, hw="h100", mode="fast")
    assert on(spec, hw="gb200", mode="fast")
    assert not on(spec, hw="mi300x", mode="fast")
    assert not on(spec, hw="h100", mode="tiny")


@pytest.mark.parametrize("when,expected", [
    ({"hw.tp": 8}, True),
    ({"hw.tp": "8"}, False),    # 8 is not "8"
    ({"hw.tp": 8.0}, False),    # nor 8.0
    ({"hw.tp": [4, 8]}, True),
    ({"hw.fp4": False}, True),
    ({"hw.fp4": 0}, False),     # False is not 0
    ({"hw.fp4": "false"}, False),
])
def test_condition_typing_is_strict(when, expected):
    assert on(cond_spec(when), hw="h100") is expected


# --- determinism and the view as data --------------------------------------------------------

def test_resolution_is_deterministic_and_ignores_key_order():
    def build():
        return make(options=[HW, QUANT, field("len", "integer")],
                    args=[arg("--tp", "{hw.tp}"), arg("--quantization", "{quant}"), arg("--len", "{len}")])

    choices = {"hw": "gb200", "quant": "fp4", "len": "77", "junk": 1}
    first = resolve(build(), choices)
    assert first["command"] == "serve \\\n  --tp 4 \\\n  --quantization fp4 \\\n  --len 77"
    assert resolve(build(), choices) == first
    reordered = resolve(build(), dict(reversed(list(choices.items()))))
    for key in ("command", "argv", "state", "query", "options", "explanations", "notes"):
        assert reordered[key] == first[key]


def test_view_is_json_and_has_the_documented_shape():
    spec = make(options=[HW, QUANT, field("len", "integer", min=1)], args=[arg("--tp", "{hw.tp}", why="TP.")],
                notes=[{"text": "Hi."}])
    view = resolve(spec, {"hw": "gb200", "len": "0"})
    assert json.loads(json.dumps(view)) == view
    assert set(view) == {"spec", "options", "state", "query", "command", "source", "argv", "explanations", "notes", "outputs", "ignored"}
    assert view["spec"] == "t"
    assert set(opt_view(view, "hw")) == {"id", "kind", "value", "items", "visible"}
    assert set(opt_view(view, "len")) == {"id", "kind", "value", "applied", "error", "visible"}
    assert opt_view(view, "len")["error"] == "Len must be at least 1"


def test_input_is_not_mutated():
    choices = {"hw": "gb200", "quant": "fp4", "x": [1]}
    before = copy.deepcopy(choices)
    resolve(make(options=[HW, QUANT]), choices)
    assert choices == before


# --- cycles (load time) -----------------------------------------------------------------------

def test_cyclic_dependency_is_rejected_at_load_time():
    a = radio("a", [item("x"), item("y")], when={"b": "x"})
    b = radio("b", [item("x"), item("y", disabled={"a": "x"}, reason="Because.")])
    with pytest.raises(SpecError) as err:
        make(options=[a, b], args=[])
    assert str(err.value).startswith(f"{SOURCE}: options.a: options depend on each other in a cycle (a → b → a)")


def test_a_spec_with_astronomically_many_states_loads_at_once():
    # 10**12 radio states: the every-state check must give up before building them.
    options = [radio(f"o{n}", [item(f"i{k}", default=k == 0) for k in range(10)]) for n in range(12)]
    spec = make(options=options, args=[arg("--x", "{o0}")])
    assert resolve(spec)["command"] == "serve \\\n  --x i0"
