"""Sources as data (`sources:`, `source:` on the command, outputs and notes), environment blocks
on several lines (`new-line`), and variables a release does not declare (`source_unknown_env`)."""

import copy

import pytest

from configurator import SpecError, load_spec, resolve
from configurator.spec_flags import check_spec

from test_engine import HW, SOURCE, arg, spec_dict

GEN = {"id": "gen", "title": "Demo generator", "url": "https://example.org/page",
       "repo": "org/repo", "path": "docs/gen.jsx", "commit": "00d56e2c6c28b4130447601a15168743dd78821c",
       "date": "2026-08-25", "licence": "Apache-2.0"}
GUIDE = {"id": "guide", "title": "A guide", "url": "https://example.org/guide", "date": "2026-11-23"}


def sourced(**top):
    data = spec_dict(options=[HW], args=[arg("--tp", "{hw.tp}")], **top)
    data["sources"] = copy.deepcopy(top.pop("sources", [GEN, GUIDE]))
    data["command"]["source"] = [{"when": {"hw.vendor": "amd"}, "id": "guide"}, {"id": "gen"}]
    data["outputs"] = [{"id": "verify", "title": "Verify", "lang": "shell", "source": "guide", "lines": ["curl x"]},
                       {"id": "own", "title": "Own", "lang": "shell", "lines": ["echo"]}]
    data["notes"] = [{"text": "Image x.", "source": "gen"}, {"text": "Ours."}]
    return data


def test_the_view_names_the_source_that_applies():
    spec = load_spec(sourced(), source=SOURCE)
    assert resolve(spec)["source"] == "gen"
    assert resolve(spec, {"hw": "mi300x"})["source"] == "guide"
    outs = {o["id"]: o["source"] for o in resolve(spec)["outputs"]}
    assert outs == {"verify": "guide", "own": None}
    assert resolve(spec)["notes"] == [{"level": "info", "text": "Image x.", "source": "gen"},
                                      {"level": "info", "text": "Ours."}]
    gen = spec.sources["gen"]
    assert gen.label == "Demo generator as of 2026-08-25 (00d56e2)"
    assert gen.href == "https://github.com/org/repo/blob/00d56e2c6c28b4130447601a15168743dd78821c/docs/gen.jsx"
    assert spec.sources["guide"].label == "A guide as of 2026-11-23"
    assert spec.sources["guide"].href == "https://example.org/guide"
    undated = load_spec({**sourced(), "sources": [{k: v for k, v in GEN.items() if k != "date"}, GUIDE]}, source=SOURCE)
    assert undated.sources["gen"].label == "Demo generator at 00d56e2"


def test_a_spec_without_sources_has_none():
    spec = load_spec(spec_dict(), source=SOURCE)
    assert resolve(spec)["source"] is None and spec.sources == {}


def _broken(change):
    data = sourced()
    change(data)
    with pytest.raises(SpecError) as err:
        load_spec(data, source=SOURCE)
    return str(err.value)


@pytest.mark.parametrize("change,where,phrase", [
    (lambda d: d["command"].update(source="nope"), "command.source", "unknown source 'nope' (sources: gen, guide)"),
    (lambda d: d["command"]["source"][1].update(id="gne"), "command.source[1]", "unknown source 'gne'"),
    (lambda d: d["command"]["source"].pop(), "command.source[0]", "last alternative must have no 'when'"),
    (lambda d: d["outputs"][0].update(source="x"), "outputs.verify.source", "unknown source 'x'"),
    (lambda d: d["notes"][0].update(source="x"), "notes[0].source", "unknown source 'x'"),
    (lambda d: d["sources"][0].pop("commit"), "sources.gen", "repo, path and commit together"),
    (lambda d: d["sources"][0].update(commit="XYZ"), "sources.gen.commit", "git commit"),
    (lambda d: d["sources"][0].update(date="25 Aug 2026"), "sources.gen.date", "YYYY-MM-DD"),
    (lambda d: d["sources"][1].update(url="http://x"), "sources.guide.url", "https://"),
    (lambda d: d["sources"][1].update(id="gen"), "sources.gen.id", "duplicate source id"),
    (lambda d: d["sources"][1].update(licnce="MIT"), "sources.guide.licnce", "unknown field"),
    (lambda d: d.pop("sources"), "command.source[0]", "none: add a top-level `sources:` list"),
    (lambda d: d["sources"][1].pop("date"), "sources.guide", "missing required field 'date'"),
])
def test_a_bad_source_fails_naming_file_and_field(change, where, phrase):
    lines = _broken(change).splitlines()
    assert any(line.startswith(f"{SOURCE}: {where}: ") and phrase in line for line in lines), lines
    if where.startswith("sources") and phrase != "duplicate source id":  # (renaming `guide` orphans its references)
        assert len(lines) == 1, lines  # a broken entry is reported once, not again at each reference


def test_an_output_command_names_its_source_on_the_output():
    data = sourced()
    data["outputs"][1] = {"id": "own", "title": "Own", "lang": "shell",
                          "command": {"program": "serve", "args": [], "source": "gen"}}
    with pytest.raises(SpecError, match=r"outputs.own.command.source: unknown field"):
        load_spec(data, source=SOURCE)


# --- environment blocks on several lines ----------------------------------------------------

ENV = [{"name": "A_ONE", "value": "1"}, {"name": "B_TWO", "value": "2"},
       {"name": "C_THREE", "value": "3", "new-line": True},
       {"name": "D_FOUR", "value": "4", "new-line": True, "when": {"hw.vendor": "amd"}}]


def test_new_line_starts_a_new_line_of_the_environment_block():
    spec = load_spec(spec_dict(options=[HW], args=[arg("--tp", "{hw.tp}")], env=ENV), source=SOURCE)
    assert resolve(spec)["command"] == "A_ONE=1 B_TWO=2 \\\nC_THREE=3 \\\nserve \\\n  --tp 8"
    amd = resolve(spec, {"hw": "mi300x"})
    assert amd["command"] == "A_ONE=1 B_TWO=2 \\\nC_THREE=3 \\\nD_FOUR=4 \\\nserve \\\n  --tp 8"
    assert amd["argv"][:4] == ["A_ONE=1", "B_TWO=2", "C_THREE=3", "D_FOUR=4"]
    # The first variable present never leaves an empty line above it.
    first = [{"name": "X_ONE", "value": "1", "new-line": True}]
    assert resolve(load_spec(spec_dict(env=first), source=SOURCE))["command"].startswith("X_ONE=1 \\\nserve")


def test_new_line_needs_the_environment_on_its_own_lines():
    data = spec_dict(env=ENV)
    data["command"]["layout"] = {"env": "program-line"}
    with pytest.raises(SpecError, match=r"command.env\[2\].new-line: needs the environment on its own lines"):
        load_spec(data, source=SOURCE)
    data = spec_dict(env=[{"name": "A", "value": "1", "new-line": "yes"}])
    with pytest.raises(SpecError, match=r"command.env\[0\].new-line: expected true or false"):
        load_spec(data, source=SOURCE)


# --- variables the release does not declare -------------------------------------------------

def _sglang(env, **top):
    data = spec_dict(options=[HW], args=[arg("--model-path", "{model}"), arg("--tp", "{hw.tp}")], env=env,
                     program="sglang serve", engine="sglang", release="0.5.23", **top)
    return load_spec(data, source=SOURCE), data


def test_an_undeclared_variable_fails_the_release_check_unless_the_source_sets_it():
    env = [{"name": "SGLANG_USE_AITER", "value": "1"},
           {"name": "SGLANG_EXPERT_PARALLEL_SIZE", "value": "1", "when": {"hw.vendor": "amd"}}]
    spec, data = _sglang(env)
    with pytest.raises(SpecError, match="SGLANG_EXPERT_PARALLEL_SIZE is not an environment variable sglang 0.5.23"):
        check_spec(spec, data)
    spec, data = _sglang(env, source_unknown_env=["SGLANG_EXPERT_PARALLEL_SIZE"])
    notes = [n for n in check_spec(spec, data) if not n["text"].startswith("Runs on ")]
    assert notes == [{"level": "warning", "when": {"hw.vendor": "amd"},
                      "text": "`SGLANG_EXPERT_PARALLEL_SIZE` is set as the source publishes it, but sglang 0.5.23 "
                              "does not declare it: that release may ignore it."}]
    # Listing a declared (or unused) variable is an error too: the list stays true.
    spec, data = _sglang(env, source_unknown_env=["SGLANG_EXPERT_PARALLEL_SIZE", "SGLANG_USE_AITER"])
    with pytest.raises(SpecError, match="source_unknown_env: SGLANG_USE_AITER is declared"):
        check_spec(spec, data)
