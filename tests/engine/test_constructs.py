"""Checkbox options, defaults that depend on other choices, and lookup tables: resolution
semantics and the spec errors (naming file and field) for each."""

import pytest

from configurator import SpecError, all_states, load_spec, resolve, resolve_json

from test_engine import HW, arg, item, make, opt_view, radio, spec_dict, split


def checkbox(id, items, **kw):
    return {"id": id, "title": id.capitalize(), "type": "checkbox", "items": items, **kw}


STRATEGY = checkbox("strategy", [
    item("tp", default=True, required=True, reason="Tensor parallelism is always used."),
    item("dp"),
    item("ep", default={"hw.vendor": "amd"}),
    item("mtp", disabled={"hw": "mi300x"}, reason="No MTP kernels on ROCm."),
])
STRATEGY_ARGS = [
    arg("--tp", "8", when={"strategy": "tp"}),
    arg("--dp", "8", when={"strategy": "dp"}),
    arg("--ep", "8", when={"strategy": "ep"}),
    arg("--speculative-algorithm", "EAGLE", when={"strategy": "mtp"}),
    arg("--moe", when={"strategy": ["dp", "ep"]}),
]


def strategy_spec():
    return make(options=[HW, STRATEGY], args=STRATEGY_ARGS)


# --- checkboxes -------------------------------------------------------------------------------

def test_checkbox_defaults_required_and_dependent_defaults():
    spec = strategy_spec()
    view = resolve(spec)
    assert opt_view(view, "strategy")["value"] == ["tp"]
    assert view["command"] == "serve \\\n  --tp 8"
    assert view["state"]["strategy"] == ["tp"] and "strategy" not in view["query"]
    amd = resolve(spec, {"hw": "mi300x"})
    assert opt_view(amd, "strategy")["value"] == ["tp", "ep"]  # EP is the default on AMD
    assert amd["command"] == "serve \\\n  --tp 8 \\\n  --ep 8 \\\n  --moe"


def test_checkbox_items_view():
    items = opt_view(resolve(strategy_spec(), {"hw": "mi300x"}), "strategy")["items"]
    assert items == [
        {"id": "tp", "enabled": False, "reason": "Tensor parallelism is always used.", "required": True},
        {"id": "dp", "enabled": True, "reason": None, "required": False},
        {"id": "ep", "enabled": True, "reason": None, "required": False},
        {"id": "mtp", "enabled": False, "reason": "No MTP kernels on ROCm.", "required": False},
    ]


@pytest.mark.parametrize("chosen", [["tp", "dp", "mtp"], "tp,dp,mtp", "mtp,dp,tp", ["dp", "tp", "mtp", "dp"]])
def test_checkbox_choice_as_list_or_url_form_in_any_order(chosen):
    view = resolve(strategy_spec(), {"strategy": chosen})
    assert opt_view(view, "strategy")["value"] == ["tp", "dp", "mtp"]
    assert view["query"] == {"strategy": "tp,dp,mtp"}
    assert view["command"] == "serve \\\n  --tp 8 \\\n  --dp 8 \\\n  --speculative-algorithm EAGLE \\\n  --moe"
    assert view["ignored"] == []


def test_explicitly_empty_set_differs_from_the_default_set():
    # On AMD the default is {tp, ep}; a reader who unchecks EP keeps only the required TP.
    view = resolve(strategy_spec(), {"hw": "mi300x", "strategy": "tp"})
    assert opt_view(view, "strategy")["value"] == ["tp"]
    assert view["query"] == {"hw": "mi300x", "strategy": "tp"}
    assert resolve(strategy_spec(), {"strategy": ""})["ignored"][0]["reason"].startswith("TP cannot be turned off")


def test_required_item_cannot_be_turned_off_and_says_why():
    view = resolve(strategy_spec(), {"strategy": ["dp"]})
    assert opt_view(view, "strategy")["value"] == ["tp", "dp"]
    assert view["ignored"] == [{"key": "strategy", "value": "-tp",
                                "reason": "TP cannot be turned off: Tensor parallelism is always used."}]


def test_disabled_and_unknown_items_are_refused_and_reported():
    view = resolve(strategy_spec(), {"hw": "mi300x", "strategy": ["tp", "mtp", "zzz", "ep"]})
    assert opt_view(view, "strategy")["value"] == ["tp", "ep"]
    assert "--speculative-algorithm" not in view["command"]
    assert view["ignored"] == [
        {"key": "strategy", "value": "mtp", "reason": "MTP is unavailable: No MTP kernels on ROCm."},
        {"key": "strategy", "value": "zzz", "reason": "no such choice for Strategy"},
    ]


def test_a_stale_checked_item_drops_out_when_it_becomes_disabled():
    # The generators' bug: a choice made earlier keeps adding its flags. Here it cannot.
    view = resolve(strategy_spec(), {"hw": "mi300x", "strategy": "tp,mtp"})
    assert "EAGLE" not in view["command"]


@pytest.mark.parametrize("bad", [7, {"a": 1}, [1, 2], None, True, [["tp"]]])
def test_wrong_type_for_a_checkbox_is_reported(bad):
    view = resolve(strategy_spec(), {"strategy": bad})
    if bad is None:
        assert view["ignored"] == []
        return
    assert opt_view(view, "strategy")["value"] == ["tp"]
    assert view["ignored"][0]["key"] == "strategy" and "takes a list" in view["ignored"][0]["reason"]


def test_hidden_checkbox_contributes_nothing_and_matches_nothing():
    opts = [HW, checkbox("extras", [item("a", default=True)], when={"hw.vendor": "nvidia"})]
    spec = make(options=opts, args=[arg("--a", when={"extras": "a"}), arg("--no-a", when={"not": {"extras": "a"}})])
    assert resolve(spec)["command"] == "serve \\\n  --a"
    view = resolve(spec, {"hw": "mi300x", "extras": "a"})
    assert view["command"] == "serve \\\n  --no-a"
    assert "extras" not in view["state"]
    assert view["ignored"][0]["reason"] == "Extras does not apply to the other choices"


def test_conditions_on_a_checkbox_in_other_options():
    opts = [checkbox("s", [item("dp"), item("ep")]),
            radio("q", [item("a", default=True), item("b", disabled={"not": {"s": "dp"}}, reason="Needs DP.")])]
    spec = make(options=opts, args=[arg("--q", "{q}")])
    assert resolve(spec, {"q": "b"})["ignored"][0]["reason"] == "B is unavailable: Needs DP."
    assert resolve(spec, {"s": "dp", "q": "b"})["command"] == "serve \\\n  --q b"


def test_checkbox_states_are_enumerated():
    spec = make(options=[radio("hw", [item("a"), item("b")]), checkbox("s", [item("x"), item("y")])], args=[])
    assert len(all_states(spec)) == 2 * 4
    assert {tuple(s["s"]) for s in all_states(spec)} == {(), ("x",), ("y",), ("x", "y")}
    assert len(all_states(spec, unset=True)) == 3 * 5
    assert all_states(spec, limit=7) is None


# --- defaults that depend on other choices ----------------------------------------------------

QUANT_BY_HW = radio("quant", [
    item("bf16", default={"hw.vendor": "amd"}),
    item("fp8", default={"hw": "h100"}),
    item("nvfp4", default={"hw": "gb200"}, disabled={"not": {"hw": "gb200"}}, reason="Blackwell only."),
])


@pytest.mark.parametrize("hw,quant", [("h100", "fp8"), ("gb200", "nvfp4"), ("mi300x", "bf16")])
def test_default_depends_on_another_choice(hw, quant):
    view = resolve(make(options=[QUANT_BY_HW, HW], args=[arg("--q", "{quant}")]), {"hw": hw})
    assert opt_view(view, "quant")["value"] == quant
    assert "quant" not in view["query"]  # a default is never written to the URL


def test_explicit_choice_beats_a_dependent_default_and_a_fallback_does_not_stick():
    spec = make(options=[HW, QUANT_BY_HW], args=[arg("--q", "{quant}")])
    assert resolve(spec, {"hw": "gb200", "quant": "fp8"})["query"] == {"hw": "gb200", "quant": "fp8"}
    # The page sends only explicit picks: back on AMD with no quant pick gives AMD's default.
    assert resolve(spec, {"hw": "mi300x"})["state"]["quant"] == "bf16"


# --- lookup tables ----------------------------------------------------------------------------

SIZE = radio("size", [item("0.8b", default=True), item("31b"), item("120b")])
FIT = {
    "id": "fit", "keys": ["size", "hw"], "columns": ["tp", "mem"],
    "unavailable": "The 120B model needs 8 GPUs.",
    "rows": [
        [["0.8b", "31b"], ["h100", "mi300x"], 1, "0.85"],
        ["0.8b", "gb200", 1, "0.9"],
        ["31b", "gb200", 2, "0.9"],
        ["120b", ["h100", "mi300x"], 8, "0.8"],
    ],
}


def table_spec(**kw):
    args = [arg("--model", "{size}"), arg("--tp", "{fit.tp}", when={"not": {"fit.tp": 1}}), arg("--mem", "{fit.mem}")]
    return make(options=[SIZE, HW], args=args, tables=[FIT], **kw)


@pytest.mark.parametrize("size,hw,expected", [
    ("0.8b", "h100", "serve \\\n  --model 0.8b \\\n  --mem 0.85"),
    ("31b", "gb200", "serve \\\n  --model 31b \\\n  --tp 2 \\\n  --mem 0.9"),
    ("120b", "mi300x", "serve \\\n  --model 120b \\\n  --tp 8 \\\n  --mem 0.8"),
])
def test_table_values_in_arguments_and_conditions(size, hw, expected):
    view = resolve(table_spec(), {"size": size, "hw": hw})
    assert view["command"] == expected and view["ignored"] == []
    assert split(view["command"]) == view["argv"]


def test_missing_cell_declared_unavailable_disables_the_last_keys_item():
    view = resolve(table_spec(), {"size": "120b", "hw": "gb200"})
    assert view["ignored"] == [{"key": "hw", "value": "gb200", "reason": "GB200 is unavailable: The 120B model needs 8 GPUs."}]
    assert view["state"] == {"size": "120b", "hw": "h100"}
    assert "--mem 0.8" in view["command"]
    gb = next(i for i in opt_view(view, "hw")["items"] if i["id"] == "gb200")
    assert gb == {"id": "gb200", "enabled": False, "reason": "The 120B model needs 8 GPUs."}


def test_no_state_gives_an_empty_flag_or_a_missing_value():
    spec = table_spec()
    for choices in all_states(spec, unset=True):
        view = resolve(spec, choices)
        assert "--mem" in view["command"], choices  # every reachable state has its cell
        assert "''" not in view["command"]


def test_table_through_resolve_json():
    data = spec_dict(options=[SIZE, HW], args=[arg("--mem", "{fit.mem}")], tables=[FIT])
    import json
    out = json.loads(resolve_json(json.dumps(data), json.dumps({"size": "31b", "hw": "gb200"})))
    assert out["command"] == "serve \\\n  --mem 0.9"


def test_a_cycle_through_a_dependent_default_is_rejected():
    opts = [radio("a", [item("x", default={"b": "y"}), item("z")]), radio("b", [item("y", default={"a": "z"}), item("w")])]
    with pytest.raises(SpecError) as err:
        make(options=opts, args=[])
    assert err.value.where == "options.a" and "cycle (a → b → a)" in err.value.problem


def test_a_cycle_through_a_table_is_rejected():
    table = {"id": "t", "keys": ["hw"], "columns": ["v"], "rows": [[["h100", "gb200", "mi300x"], 1]]}
    opts = [radio("hw", HW["items"], when={"t.v": 1}) | {}]
    with pytest.raises(SpecError) as err:
        make(options=opts, args=[], tables=[table])
    assert err.value.where == "options.hw" and "cycle (hw → hw)" in err.value.problem


# --- spec errors ------------------------------------------------------------------------------

def error_of(data):
    with pytest.raises(SpecError) as err:
        load_spec(data, source="specs/x.yaml")
    assert str(err.value).startswith(f"specs/x.yaml: {err.value.where}: ")
    return err.value.where, err.value.problem


def with_table(**changes):
    return spec_dict(options=[SIZE, HW], args=[arg("--mem", "{fit.mem}")], tables=[{**FIT, **changes}])


@pytest.mark.parametrize("data,where,phrase", [
    (with_table(unavailable=" "), "tables.fit.unavailable", "non-empty string"),
    (with_table(unavailable=None), "tables.fit.rows", "no row for size=120b, hw=gb200: add one, or declare `unavailable`"),
    (with_table(keys=["size", "gpu"]), "tables.fit.keys", "'gpu' is not a radio option"),
    (with_table(keys=[]), "tables.fit.keys", "non-empty list"),
    (with_table(keys=["hw", "hw"]), "tables.fit.keys", "distinct"),
    (with_table(columns=["tp", "Mem"]), "tables.fit.columns", "bad id 'Mem'"),
    (with_table(rows=[["0.8b", "h100", 1]]), "tables.fit.rows[0]", "2 key(s) (size, hw) then 2 value(s) (tp, mem)"),
    (with_table(rows=[["0.8b", "h200", 1, "x"]]), "tables.fit.rows[0]", "unknown item 'h200' of option 'hw'"),
    (with_table(rows=[["0.8b", "h100", 1, ""]]), "tables.fit.rows[0]", "plain non-empty values"),
    (with_table(rows=[["0.8b", "h100", 1, [2]]]), "tables.fit.rows[0]", "plain non-empty values"),
    (with_table(rows=[["0.8b", "h100", 1, "x"], [["31b", "0.8b"], "h100", 2, "y"]]), "tables.fit.rows[1]",
     "a second row for size=0.8b, hw=h100"),
    (with_table(rows="none"), "tables.fit.rows", "non-empty list of rows"),
    # (the command reads {size}, not {fit.mem}: with the table renamed that would be a second problem,
    # reported too, and before this one, as the command comes first in the spec)
    (spec_dict(options=[SIZE, HW], args=[arg("--size", "{size}")], tables=[{**FIT, "id": "hw"}]),
     "tables.hw.id", "already used"),
    (with_table(colour="red"), "tables.fit.colour", "unknown field"),
    ({**with_table(), "tables": {"fit": FIT}}, "tables", "expected a list"),
    (spec_dict(options=[SIZE, HW], args=[arg("--mem", "{fit.memory}")], tables=[FIT]),
     "command.args[0].value", "table 'fit' has columns {fit.tp}, {fit.mem}"),
    (spec_dict(options=[SIZE, HW], args=[arg("--mem", "{fit}")], tables=[FIT]),
     "command.args[0].value", "table 'fit' has columns"),
    (spec_dict(options=[SIZE, HW], args=[arg("--a", when={"fit.gpus": 1})], tables=[FIT]),
     "command.args[0].when", "table 'fit' has no column 'gpus'"),
    (spec_dict(options=[SIZE, HW], args=[arg("--a", when={"fit": 1})], tables=[FIT]),
     "command.args[0].when", "table 'fit' has no column None"),
    (spec_dict(options=[SIZE, HW], program="serve {fit.tp}", args=[], tables=[FIT]),
     "command.program", "may have no value"),
    # Checkboxes.
    (spec_dict(options=[HW, STRATEGY], args=[arg("--s", "{strategy}")]), "command.args[0].value", "checkbox option has no single value"),
    (spec_dict(options=[HW, checkbox("s", [item("a", facts={"x": 1})])]), "options.s.items.a.facts", "unknown field"),
    (spec_dict(options=[HW, checkbox("s", [item("a", required=True)])]), "options.s.items.a.reason", "required item needs a reason"),
    (spec_dict(options=[HW, checkbox("s", [item("a", required="yes", reason="R.")])]), "options.s.items.a.required", "expected true or false, or a condition"),
    (spec_dict(options=[HW, checkbox("s", [item("a", required={"hw": "h999"}, reason="R.")])]), "options.s.items.a.required", "unknown item 'h999'"),
    (spec_dict(options=[HW, checkbox("s", [item("a", required=True, disabled=True, reason="R.")])]), "options.s.items.a.required", "always disabled"),
    (spec_dict(options=[HW, checkbox("s", [item("a", required=True, disabled={"hw": "gb200"}, reason="R.")])]),
     "options.s.items.a", "both required and disabled when hw=gb200"),
    (spec_dict(options=[HW, checkbox("s", [])]), "options.s.items", "non-empty list of items"),
    (spec_dict(options=[HW, checkbox("s", [item("a")])], args=[arg("--a", when={"s": "b"})]), "command.args[0].when", "unknown item 'b' of option 's'"),
    (spec_dict(options=[HW, radio("q", [item("a", required=True, reason="R.")])]), "options.q.items.a.required", "unknown field"),
    (spec_dict(options=[HW, checkbox("s", [item("a")], type="checkboxes")]), "options.s.type", "use radio, checkbox, text, integer"),
    # Dependent defaults.
    (spec_dict(options=[HW, radio("q", [item("a", default={"gpu": "x"})])]), "options.q.items.a.default", "unknown option 'gpu'"),
    (spec_dict(options=[HW, radio("q", [item("a", default="amd")])]), "options.q.items.a.default", "expected true or false, or a condition"),
    (spec_dict(options=[HW, radio("q", [item("a", default={"hw.vendor": "amd"}, disabled=True, reason="R."), item("b")])]),
     "options.q.items.a.default", "always disabled"),
])
def test_construct_spec_errors(data, where, phrase):
    got_where, problem = error_of(data)
    assert (got_where, phrase in problem) == (where, True), problem


def test_checkbox_option_may_have_every_item_disabled():
    # Unlike a radio, an empty set is a valid value of a checkbox option.
    spec = make(options=[HW, checkbox("s", [item("a", disabled=True, reason="Not yet.")])], args=[arg("--a", when={"s": "a"})])
    assert resolve(spec)["command"] == "serve"


def test_an_enormous_checkbox_choice_is_refused_as_a_whole():
    view = resolve(strategy_spec(), {"strategy": ",".join(f"x{i}" for i in range(10_000))})
    assert opt_view(view, "strategy")["value"] == ["tp"]
    assert len(view["ignored"]) == 1 and view["ignored"][0]["reason"] == "Strategy: too many choices"
    assert len(view["ignored"][0]["value"]) <= 81
