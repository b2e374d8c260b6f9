"""Build-time rendering of a configurator (macros/widget.py): HTML contract and precomputed views."""

import html
import itertools
import json
import re
from html.parser import HTMLParser

import pytest

import configurator
from macros import widget
from macros.specs import load_spec_file, spec_path
from macros.table_output import table_html

KIMI, _ = load_spec_file(spec_path("kimi-k2.7-code"))
DEMO, _ = load_spec_file(spec_path("demo-moe"))


class Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def parse(markup):
    parser = Tags()
    parser.feed(markup)
    return parser.tags


def data_of(markup):
    root = next(attrs for tag, attrs in parse(markup) if "data-configurator" in attrs)
    return root, json.loads(root["data-views"])


@pytest.mark.parametrize("spec", [KIMI, DEMO], ids=lambda s: s.name)
def test_every_explicit_choice_combination_has_the_engines_view(spec):
    table = widget.static_views(spec)
    radios = [o for o in spec.options if o.kind == "radio"]
    assert table["radios"] == [o.id for o in radios]
    expected_keys = 1
    for opt in radios:
        expected_keys *= len(opt.items) + 1  # every item, or no explicit choice
    if spec is KIMI:
        # Since the vLLM recipe (issue 16) Kimi has too many combinations for one page: the table
        # holds the choice sets a reader reaches by clicking shown items (a hidden option's choice
        # left out), fewest first, every state under the default engine before the other engines.
        assert len(json.dumps(table)) <= widget.MAX_STATIC_BYTES
        assert next(iter(table["keys"])) == "|" * (len(radios) - 1)  # the default first
        shown = {json.dumps(v["state"], sort_keys=True) for v in table["views"]}
        sglang = {json.dumps(configurator.resolve(spec, s)["state"], sort_keys=True)
                  for s in configurator.all_states(spec) if s.get("engine", "sglang") == "sglang"}
        assert len(sglang) == 58 and sglang <= shown  # every SGLang state answers at once
        assert any('"engine": "vllm"' in s for s in shown)  # and the vLLM ones nearest to them
    else:
        assert len(table["keys"]) == expected_keys
    for values in itertools.product(*[["", *(i.id for i in o.items)] for o in radios]):
        if "|".join(values) not in table["keys"]:
            assert spec is KIMI
            continue
        choices = {o.id: v for o, v in zip(radios, values) if v}
        view = configurator.resolve(spec, choices)
        compact = table["views"][table["keys"]["|".join(values)]]
        assert compact["command"] == view["command"]
        assert compact["state"] == view["state"] and compact["query"] == view["query"]
        assert [[table["texts"][c], table["texts"][t]] for c, t in compact["explanations"]] == \
            [[e["code"], e["text"]] for e in view["explanations"]]
        for (opt_id, visible, value, disabled), opt in zip(compact["options"], view["options"]):
            assert (opt_id, visible, value) == (opt["id"], opt["visible"], opt["value"])
            assert {k: table["texts"][v] for k, v in disabled.items()} == \
                {i["id"]: i["reason"] for i in opt.get("items", []) if not i["enabled"]}


def test_too_many_states_ship_those_nearest_the_default(monkeypatch):
    monkeypatch.setattr(widget, "MAX_STATIC_STATES", 100)
    table = widget.static_views(KIMI)
    assert len(table["keys"]) == 100
    assert "||||||||" in table["keys"]  # the default, then the states under the default engine
    assert all(key.split("|")[0] in ("", "sglang") for key in table["keys"])
    _, data = data_of(widget.render_configurator("kimi-k2.7-code"))
    assert data["static"] == table
    monkeypatch.undo()  # the build cache must not keep the lowered limit's answer for the real one
    _, data = data_of(widget.render_configurator("kimi-k2.7-code"))
    assert len(data["static"]["keys"]) > 100
    monkeypatch.setattr(widget, "MAX_STATIC_BYTES", 10)  # not even the default view fits
    assert widget.static_views(KIMI) is None


def test_html_contract_and_default_command():
    markup = widget.render_configurator("kimi-k2.7-code")
    assert "\n\n" not in markup  # one raw HTML block for Markdown
    root, data = data_of(markup)
    assert root["data-engine"] == "static"
    assert data["spec"]["name"] == "kimi-k2.7-code"
    tags = parse(markup)
    legends = re.findall(r"<legend>(.*?)</legend>", markup)
    assert legends == [o.title for o in KIMI.options if o.kind == "radio"]
    radios = [a for t, a in tags if t == "input" and a.get("type") == "radio" and "data-option" in a]
    assert [(r["data-option"], r["value"]) for r in radios] == \
        [(o.id, i.id) for o in KIMI.options for i in o.items]
    # Options hidden in the default view (the vLLM recipe's, under SGLang) sit in hidden fieldsets.
    default = configurator.resolve(KIMI)
    hidden = {o["id"] for o in default["options"] if not o["visible"]}
    assert hidden == {"strategy", "speculative", "encoder", "nodes", "head"}
    assert set(re.findall(r'data-(?:option|field)-group="([^"]+)" hidden', markup)) == hidden
    assert {r["data-option"]: r["value"] for r in radios if "checked" in r and r["data-option"] not in hidden} \
        == default["state"]
    command = re.search(r"<code [^>]*data-command[^>]*>(.*?)</code>", markup, re.S).group(1)
    assert html.unescape(command) == configurator.resolve(KIMI)["command"]
    copy = next(a for t, a in tags if t == "button")
    target = copy["data-clipboard-target"]
    assert re.fullmatch(r"#[A-Za-z][\w-]*", target)  # a valid CSS id selector (no dots)
    assert any(a.get("id") == target[1:] and "data-command" in a for t, a in tags)


def test_every_output_is_in_the_html_with_its_text_and_copy_button():
    markup = widget.render_configurator("kimi-k2.7-code")
    view = configurator.resolve(KIMI)
    shown = {o["id"]: o["text"] for o in view["outputs"]}
    codes = dict(re.findall(r'<code id="[^"]+" data-output="([^"]+)"[^>]*>(.*?)</code>', markup, re.S))
    tables = [o.id for o in KIMI.outputs if o.lang == "table"]  # read as a table (the memory estimate)
    in_order = re.findall(r'<(?:code|div class="sb-table-out") id="[^"]+" data-output="([^"]+)"', markup)
    assert in_order == [o.id for o in KIMI.outputs] and tables  # declared ones, applicable or not
    for output_id in tables:
        rendered = table_html(shown.get(output_id, ""))
        assert "\n" not in rendered and "<table" in rendered
        assert f'data-output="{output_id}" data-output-table>{rendered}</div>' in markup
    for output_id, text in codes.items():
        assert "\n" not in text  # one raw HTML block for Markdown, even with blank lines in a snippet
        assert html.unescape(text) == shown.get(output_id, "")
        block = re.search(rf'<div class="tabbed-block" data-output-block="{output_id}"( hidden)?>', markup)
        assert bool(block.group(1)) == (output_id not in shown)
        assert f'data-clipboard-target="#sb-kimi-k2-7-code-out-{output_id}"' in markup
    for output_id in tables:
        assert f'data-clipboard-target="#sb-kimi-k2-7-code-out-{output_id}"' in markup


def test_fields_and_disabled_items_render_without_javascript():
    markup = widget.render_configurator("demo-moe")
    tags = parse(markup)
    fields = [a["data-field"] for t, a in tags if t == "input" and "data-field" in a]
    assert fields == ["max-model-len", "served-name"]
    labels = {a["for"] for t, a in tags if t == "label" and "for" in a}
    assert all(a["id"] in labels for t, a in tags if t == "input" and "data-field" in a)
    # H100 is the default: FP4 is disabled and its reason is visible text next to it.
    fp4 = next(a for t, a in tags if a.get("data-option") == "quantization" and a.get("value") == "fp4")
    assert "disabled" in fp4
    assert "FP4 kernels need Blackwell GPUs (B200, GB200).</span>" in markup


def test_inline_code_in_notes_is_escaped_markup():
    assert str(widget.inline_code("add `--x <n>` & go")) == "add <code>--x &lt;n&gt;</code> &amp; go"
    assert str(widget.inline_code("`a`")) == "<code>a</code>"
    assert str(widget.inline_code("<script>")) == "&lt;script&gt;"
    markup = widget.render_configurator("kimi-k2.7-code")
    assert "add <code>--context-length 128000</code> (the model supports" in markup


def test_inline_code_in_help_texts_is_markup_not_backticks():
    markup = widget.render_configurator("kimi-k2.7-code")
    helps = re.findall(r'<p class="sb-help"[^>]*>(.*?)</p>', markup)
    assert any("<code>--mem-fraction-static</code>" in h for h in helps)
    assert not any("`" in h for h in helps)


# --- checkbox groups (demo-dense) -------------------------------------------------------------

DENSE, _ = load_spec_file(spec_path("demo-dense"))


def test_checkbox_sets_have_precomputed_views_under_their_key_form():
    table = widget.static_views(DENSE)
    choice_options = [o for o in DENSE.options if o.items]
    assert table["radios"] == [o.id for o in choice_options]  # radios and checkbox groups
    domains = []
    for opt in choice_options:
        if opt.kind == "checkbox":
            ids = [i.id for i in opt.items]
            subsets = [[i for i in ids if (mask >> ids.index(i)) & 1] for mask in range(2 ** len(ids))]
            domains.append([None, *subsets])
        else:
            domains.append([None, *(i.id for i in opt.items)])
    combos = list(itertools.product(*domains))
    assert len(table["keys"]) == len(combos) == 4 * 4 * 4 * 9
    for values in combos:
        key = "|".join("" if v is None else "[" + ",".join(v) + "]" if isinstance(v, list) else v for v in values)
        choices = {o.id: v for o, v in zip(choice_options, values) if v is not None}
        view = configurator.resolve(DENSE, choices)
        compact = table["views"][table["keys"][key]]
        assert compact["command"] == view["command"], choices
        assert compact["state"] == view["state"] and compact["query"] == view["query"]
        for (opt_id, visible, value, disabled), opt in zip(compact["options"], view["options"]):
            assert (opt_id, visible, value) == (opt["id"], opt["visible"], opt["value"])
            assert {k: table["texts"][v] for k, v in disabled.items()} == \
                {i["id"]: i["reason"] for i in opt.get("items", []) if not i["enabled"]}
    # An explicitly empty set and "no choice" are different keys with different views.
    empty = table["views"][table["keys"]["|||[]"]]
    unset = table["views"][table["keys"]["|||"]]
    assert "--tp" in unset["command"] and "--tp" not in empty["command"]


def test_checkbox_group_renders_native_checkboxes_with_reasons():
    markup = widget.render_configurator("demo-dense")
    tags = parse(markup)
    boxes = [a for t, a in tags if t == "input" and a.get("type") == "checkbox"]
    assert [(b["data-option"], b["value"]) for b in boxes] == [("features", "tp"), ("features", "dp-attention"), ("features", "mtp")]
    assert [b["value"] for b in boxes if "checked" in b] == configurator.resolve(DENSE)["state"]["features"] == ["tp"]
    assert not any("disabled" in b for b in boxes)  # on H100 with 8B every feature can be changed
    assert len({b["name"] for b in boxes}) == 1
    legends = re.findall(r"<legend>(.*?)</legend>", markup)
    assert legends == [o.title for o in DENSE.options]
    assert '<fieldset class="sb-option" data-option-group="features"' in markup
    command = re.search(r"<code [^>]*data-command[^>]*>(.*?)</code>", markup, re.S).group(1)
    assert html.unescape(command).startswith("sglang serve --model-path example/Demo-Dense-8B \\\n  --tp 2 \\\n")


def test_the_command_and_outputs_show_their_source_with_a_link_to_the_exact_file():
    markup = widget.render_configurator("kimi-k2.7-code")
    line = re.search(r'<p class="sb-source">Source: (.*?)</p>', markup).group(1)
    links = re.findall(r'<a href="([^"]+)" data-source="([^"]+)"( hidden)?>([^<]+)</a>', line)
    # Every source the command can come from, the default view's shown, the others hidden.
    assert [(sid, bool(hidden), html.unescape(label)) for _, sid, hidden, label in links] == [
        ("lambda-guide", True, "Lambda's vLLM guide as of 2026-11-23"),
        ("vllm-recipe", True, "vLLM recipes builder as of 2026-08-21 (8959cf6)"),
        ("sglang-docs", False, "SGLang docs generator as of 2026-08-25 (00d56e2)")]
    assert links[1][0] == ("https://github.com/vllm-project/recipes/blob/8959cf64189c71d36e11c6a30335f923f261b1f7/"
                           "models/moonshotai/Kimi-K2.7-Code.yaml")
    assert links[2][0] == ("https://github.com/sgl-project/sglang/blob/00d56e2c6c28b4130447601a15168743dd78821c/"
                           "docs/src/snippets/autoregressive/kimi-k27-code-deployment.jsx")
    # The precomputed views say which one applies, as Python does.
    table = widget.static_views(KIMI)
    assert {v["source"] for v in table["views"]} == {"sglang-docs", "lambda-guide", "vllm-recipe"}
    vllm = next(v for v in table["views"] if v["state"].get("engine") == "vllm")
    assert vllm["source"] == "lambda-guide"
    recipe = next(v for v in table["views"] if v["state"].get("hardware") == "mi300x" and v["state"]["engine"] == "vllm")
    assert recipe["source"] == "vllm-recipe"
    # An output that reproduces a source names it under its snippet.
    block = re.search(r'data-output-block="verify".*?</pre>.*?</div>', markup, re.S).group(0)
    assert "Source: <a href=\"https://lambda.ai/inference-models/moonshotai/kimi-k2.7-code\">" in block
    block = re.search(r'data-output-block="ready".*?</pre>.*?</div>', markup, re.S).group(0)
    assert "sb-source" not in block


def test_a_spec_without_sources_renders_no_source_line():
    assert "sb-source" not in widget.render_configurator("demo-moe")
