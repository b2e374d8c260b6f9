"""Spec constructs for a whole deployment: program alternatives, derived values, outputs."""

import json

import pytest

from configurator import SpecError, load_spec, resolve
from test_engine import arg, field, item, radio, spec_dict

SOURCE = "tests/outputs.yaml"
ENGINE = radio("engine", [item("one", default=True), item("two")])


def make(**kw):
    return load_spec(spec_dict(**kw), source=SOURCE)


def failure(**kw):
    with pytest.raises(SpecError) as info:
        make(**kw)
    assert str(info.value).startswith(f"{SOURCE}: ")
    return info.value


def outputs(view):
    return {o["id"]: o["text"] for o in view["outputs"]}


# --- behaviour --------------------------------------------------------------------------------

def test_program_alternatives_follow_the_choices():
    spec = make(options=[ENGINE], args=[arg("--x")],
                program=[{"when": {"engine": "two"}, "text": "two run"}, {"text": "one serve"}])
    assert resolve(spec)["command"] == "one serve \\\n  --x"
    assert resolve(spec, {"engine": "two"})["argv"] == ["two", "run", "--x"]


def test_derived_values_take_the_first_alternative_that_has_a_value():
    values = [{"id": "port_used", "first": [{"value": "{port}"}, {"when": {"engine": "two"}, "value": "8000"},
                                            {"value": "30000"}]},
              {"id": "extra", "first": [{"when": {"engine": "one"}, "value": None}, {"value": "x{port_used}"}]}]
    spec = make(options=[ENGINE, field("port", "integer", min=1)], values=values,
                args=[arg("--port", "{port_used}"), arg("--extra", "{extra}")])
    assert resolve(spec)["argv"] == ["serve", "--port", "30000"]  # extra: explicitly unset
    assert resolve(spec, {"engine": "two"})["argv"] == ["serve", "--port", "8000", "--extra", "x8000"]
    assert resolve(spec, {"port": "0042"})["argv"] == ["serve", "--port", "42"]


def test_arithmetic_formats_and_never_fails():
    values = [{"id": "per", "calc": {"div": [100, "n"]}, "format": ",.2f"},
              {"id": "big", "calc": {"mul": ["per", 1000]}, "format": ","},
              {"id": "ok", "calc": {"ge": ["per", 10]}}]
    spec = make(options=[field("n", "integer", min=0)], values=values, args=[], notes=[
        {"text": "small", "when": {"ok": False}}, {"text": "none", "when": {"per": None}}],
        outputs=[{"id": "m", "title": "M", "lang": "text", "lines": ["{per:text} {big:text}", "tail"]}])
    assert outputs(resolve(spec, {"n": "3"}))["m"] == "33.33 33,333.333333333336\ntail"  # "," keeps the digits
    assert [n["text"] for n in resolve(spec, {"n": "30"})["notes"]] == ["small"]
    # n = 0 divides by zero, n empty has no value: no number, the line goes, the page stays up.
    for choices in ({"n": "0"}, {}):
        view = resolve(spec, choices)
        assert outputs(view)["m"] == "tail" and [n["text"] for n in view["notes"]] == ["none"]


def test_null_in_a_condition_means_no_value():
    spec = make(options=[field("dir")], args=[arg("-v", "~/.cache:/c", when={"dir": None}), arg("-v", "{dir}:/c")])
    assert resolve(spec)["argv"] == ["serve", "-v", "~/.cache:/c"]
    assert resolve(spec, {"dir": "/d"})["argv"] == ["serve", "-v", "/d:/c"]


def test_each_placeholder_is_escaped_for_where_it_stands():
    lines = ["curl http://{v:sh}/x", 'export A="{v:dq}"', 'x = "{v:py}"', "-d '{{\"m\": \"{v:json}\"}}'"]
    spec = make(options=[field("v")], args=[], outputs=[{"id": "s", "title": "S", "lang": "shell", "lines": lines}])
    text = outputs(resolve(spec, {"v": "a'b\"c$d`e\\f"}))["s"].splitlines()
    assert text[0] == "curl http://'a'\"'\"'b\"c$d`e\\f'/x"
    assert text[1] == 'export A="a\'b\\"c\\$d\\`e\\\\f"'
    assert eval(text[2].split(" = ", 1)[1]) == "a'b\"c$d`e\\f"  # a Python literal, read back
    assert "'" not in text[3][4:-1]  # stays inside the shell's single quotes
    assert json.loads(text[3][4:-1])["m"] == "a'b\"c$d`e\\f"


def test_outputs_apply_when_their_condition_holds_and_lines_drop_without_a_value():
    spec = make(options=[ENGINE, field("name")], args=[], outputs=[
        {"id": "only-two", "title": "Two", "lang": "shell", "when": {"engine": "two"}, "lines": ["two"]},
        {"id": "c", "title": "C", "lang": "shell", "command": {"program": "tool run", "args": [arg("--name", "{name}")]}},
        {"id": "l", "title": "L", "lang": "python", "lines": ["a = 1", {"text": "b = 2", "when": {"engine": "two"}},
                                                              'n = "{name:py}"']}])
    assert list(outputs(resolve(spec))) == ["c", "l"]
    assert outputs(resolve(spec))["l"] == "a = 1"
    view = resolve(spec, {"engine": "two", "name": "k"})
    assert outputs(view) == {"only-two": "two", "c": "tool run \\\n  --name k", "l": 'a = 1\nb = 2\nn = "k"'}
    assert [o["title"] for o in view["outputs"]] == ["Two", "C", "L"]


# --- errors name the file and the field -------------------------------------------------------

@pytest.mark.parametrize("kw,where,words", [
    ({"values": [{"id": "v", "calc": {"pow": [1, 2]}}]}, "values.v.calc", "unknown operation"),
    ({"values": [{"id": "v", "calc": {"div": [1]}}]}, "values.v.calc.div", "2 arguments"),
    ({"values": [{"id": "v", "calc": {"add": ["w", 1]}}, {"id": "w", "first": [{"value": "1"}]}]},
     "values.v.calc.add[0]", "unknown reference 'w'"),
    ({"values": [{"id": "hw", "first": [{"value": "1"}]}]}, "values.hw.id", "already an option"),
    ({"values": [{"id": "v", "first": [{"value": "1"}], "calc": 1}]}, "values.v", "either 'first'"),
    ({"values": [{"id": "v", "first": [{"value": "1"}], "format": ",d"}]}, "values.v.format", "only 'calc'"),
    ({"outputs": [{"id": "o", "title": "O", "lang": "shell", "lines": ["x {hw}"]}]}, "outputs.o.lines[0]", ":sh"),
    ({"outputs": [{"id": "o", "title": "O", "lang": "shell", "lines": ["x {hw:text}"]}]}, "outputs.o.lines[0]",
     "only for lang: text"),
    ({"outputs": [{"id": "o", "title": "O", "lang": "shell", "lines": ["x {nope:sh}"]}]}, "outputs.o.lines[0]",
     "no option or value 'nope'"),
    ({"outputs": [{"id": "o", "title": "O", "lang": "shell", "lines": ["a\nb"]}]}, "outputs.o.lines[0]", "one line"),
    ({"outputs": [{"id": "o", "title": "O", "lang": "perl", "lines": ["x"]}]}, "outputs.o.lang", "expected one of"),
    ({"outputs": [{"id": "o", "title": "O", "lang": "shell"}]}, "outputs.o", "either 'lines'"),
    ({"outputs": [{"id": "o", "title": "O", "lang": "text", "command": {"program": "x"}}]}, "outputs.o.lang", "shell"),
    ({"outputs": [{"id": "o", "title": "O", "lang": "shell", "lines": ["x"]}] * 2}, "outputs.o.id", "duplicate"),
    ({"outputs": [{"id": "o", "title": "O", "lang": "shell", "command": {"program": "x", "args": [{"flag": "bad"}]}}]},
     "outputs.o.command.args[0].flag", "bad flag"),
    ({"program": [{"when": {"hw": "a"}, "text": "x"}]}, "command.program[0]", "no 'when'"),
    ({"program": [{"when": {"hw": "zz"}, "text": "x"}, {"text": "y"}]}, "command.program[0].when", "unknown item"),
])
def test_errors_name_the_place(kw, where, words):
    error = failure(**kw)
    assert error.where == where, str(error)
    assert words in error.problem, str(error)
