"""The client model (configurator/client.py): what the page script knows of a spec, decided by
the engine from the validated Spec, and what macros/widget.py ships to the page."""

import json
from html.parser import HTMLParser

import pytest

from configurator import load_spec, resolve, resolve_json
from configurator.client import client_model
from macros import widget
from macros.specs import load_spec_file, spec_path

from test_engine import arg, field, item, radio, spec_dict

SHIPPED = ["demo-dense", "demo-moe", "kimi-k2.7-code"]


def data_of(markup):
    """The configurator root's attributes (as a browser reads them) and its data-views."""
    found = []
    parser = HTMLParser()
    parser.handle_starttag = lambda tag, attrs: found.append(dict(attrs))
    parser.feed(markup)
    root = next(attrs for attrs in found if "data-configurator" in attrs)
    return root, json.loads(root["data-views"])


def tiny():
    options = [
        # no `type`: a radio (the rule the page script used to apply itself)
        radio("hw", [item("a"), item("b", default=True)]),
        {"id": "feat", "title": "Features", "type": "checkbox",
         "items": [item("x", default=True), item("y", disabled=True, reason="Not here.")]},
        field("name", placeholder="anything"),
        field("port", type="integer", default=8000, min=1, max=65535),
    ]
    args = [arg("--hw", "{hw}"), arg("--x", when={"feat": "x"}), arg("--name", "{name}"), arg("--port", "{port}")]
    return load_spec(spec_dict(options, args), source="tests/client.yaml")


def test_the_model_holds_kinds_items_labels_fields_and_url_keys():
    model = client_model(tiny())
    assert model == {
        "name": "t",
        "options": [
            {"id": "hw", "kind": "radio", "items": ["a", "b"], "labels": ["A", "B"],
             "unknown": "no such choice for Hw"},
            {"id": "feat", "kind": "checkbox", "items": ["x", "y"], "labels": ["X", "Y"],
             "unknown": "no such choice for Features"},
            {"id": "name", "kind": "text"},
            {"id": "port", "kind": "integer"},
        ],
        "fields": ["name", "port"],
        "keys": ["hw", "feat", "name", "port"],
    }


def test_the_model_carries_no_rule_the_page_could_apply():
    # No conditions, defaults, facts, templates or commands: the page looks views up (the build's
    # table) or asks Python; it never evaluates the spec.
    def keys(value):
        if isinstance(value, dict):
            return set(value) | {k for v in value.values() for k in keys(v)}
        if isinstance(value, list):
            return {k for v in value for k in keys(v)}
        return set()

    for name in SHIPPED:
        spec, _ = load_spec_file(spec_path(name))
        assert keys(client_model(spec)) <= {"name", "options", "fields", "keys",
                                            "id", "kind", "items", "labels", "unknown"}, name


@pytest.mark.parametrize("name", SHIPPED)
def test_an_unknown_id_is_named_as_python_names_it(name):
    spec, _ = load_spec_file(spec_path(name))
    model = client_model(spec)
    for option in model["options"]:
        if "items" not in option:
            continue
        garbage = "no-such-item"
        assert garbage not in option["items"]
        value = garbage if option["kind"] == "radio" else [garbage]
        ignored = resolve(spec, {option["id"]: value})["ignored"]
        assert {"key": option["id"], "value": garbage, "reason": option["unknown"]} in ignored


@pytest.mark.parametrize("name", SHIPPED)
def test_the_model_follows_the_validated_spec(name):
    spec, _ = load_spec_file(spec_path(name))
    model = client_model(spec)
    assert [o["id"] for o in model["options"]] == [o.id for o in spec.options] == model["keys"]
    for option, opt in zip(model["options"], spec.options):
        assert option["kind"] == opt.kind
        assert option.get("items", []) == [i.id for i in opt.items]
        assert option.get("labels", []) == [i.label for i in opt.items]
    # The view kinds Python renders are the model's kinds.
    assert [o["kind"] for o in resolve(spec)["options"]] == [o["kind"] for o in model["options"]]
    assert model["fields"] == [o["id"] for o in model["options"] if "items" not in o]


def test_the_page_gets_the_model_and_python_gets_the_authored_spec():
    spec, source = load_spec_file(spec_path("demo-dense"))
    root, data = data_of(widget.render_configurator("demo-dense"))
    assert data["spec"] == client_model(spec)  # what the page script reads
    assert json.loads(root["data-spec"]) == source  # the worker's input, passed through unread
    choices = json.dumps({"features": "tp,dp-attention", "size": "nope"})
    assert json.loads(resolve_json(root["data-spec"], choices)) == \
        json.loads(json.dumps(resolve(spec, json.loads(choices))))
