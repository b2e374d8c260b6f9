"""The build checks every command a spec can produce against the engine release it names."""

import copy
import json
import os
import re
from pathlib import Path

import pytest
import yaml

from configurator import SpecError, load_spec, resolve
from configurator import spec_flags
from configurator.spec_flags import answers_ahead, base_states, check_spec, states
from macros import two_cores
from macros.specs import SPEC_DIR, load_spec_file, spec_path

FROM_THE_BACK = two_cores._from_the_back
KIMI = yaml.safe_load((SPEC_DIR / "kimi-k2.7-code.yaml").read_text(encoding="utf-8"))


def build(data):
    spec = load_spec(data, source="configurator/specs/kimi-k2.7-code.yaml")
    return check_spec(spec, data)


@pytest.fixture(scope="module")
def kimi_notes():
    """The notes the release check adds to the Kimi spec, as the build gets them: macros.specs
    keeps them in build/cache/specs/ (keyed by the spec text, engine code and engine data), so the
    site build and other test modules share this one check of every state (about a minute of CPU)."""
    _, data = load_spec_file(spec_path("kimi-k2.7-code"))
    authored = KIMI["notes"]
    assert data["notes"][:len(authored)] == authored
    return data["notes"][len(authored):]


def with_arg(rule, at=None, **top):
    data = copy.deepcopy(KIMI)
    args = data["command"]["args"]
    args.insert(len(args) if at is None else at, rule)
    data.update(top)
    return data


def test_kimi_passes_and_its_deprecation_notes_come_from_the_engine_data(kimi_notes):
    notes = [n for n in kimi_notes if not n["text"].startswith("Runs on ")]
    # The SGLang docs' MXFP4 block sets two variables sglang 0.5.23 does not declare
    # (`source_unknown_env`): a generated note each, shown with that block.
    env = [n for n in notes if "does not declare it" in n["text"]]
    assert [n["text"].split("`")[1] for n in env] == ["SGLANG_EXPERT_PARALLEL_SIZE", "SGLANG_USE_DYNAMIC_MXFP4_LINEAR"]
    assert all(n["when"] == {"engine": "sglang", "quantization": "mxfp4"} for n in env)
    notes = [n for n in notes if n not in env]
    # The tokenspeed_mla note goes with that rule, not with the MXFP4 `--attention-backend aiter`;
    # the --model note only with Lambda's command (the vLLM recipe has no --model).
    assert [n["when"] for n in notes] == [{"engine": "sglang", "dpattention": "enabled"},
                                         {"engine": "sglang", "hardware": ["b300", "gb300"]},
                                         {"engine": "vllm", "hardware.vllm": "lambda"}]
    dp, backend, model = (n["text"] for n in notes)
    assert model.startswith("`--model` is deprecated in vllm 0.33.0")  # the Lambda guide's docker command
    assert dp.startswith("`--enable-dp-attention` is deprecated in sglang 0.5.23")
    assert "`--attn-dp-size <dp-size>`" in dp and "2026-12-31" in dp
    assert "`cutedsl_mla`" in backend and "fp8_e4m3" in backend
    assert not any("deprecat" in n.get("text", "") for n in KIMI["notes"])  # none written by hand


def test_the_page_shows_the_generated_notes_with_their_flags():
    spec, _ = load_spec_file(spec_path("kimi-k2.7-code"))
    texts = lambda choices: [n["text"] for n in resolve(spec, choices)["notes"]]  # noqa: E731
    assert not any("deprecated" in t for t in texts({}))
    assert any("--enable-dp-attention" in t for t in texts({"dpattention": "enabled"}))
    assert any("tokenspeed_mla" in t for t in texts({"hardware": "b300"}))


@pytest.mark.parametrize("rule,flag,problem", [
    ({"flag": "--tp-szie", "value": "8"}, "--tp-szie", "did you mean --tp-size"),
    ({"flag": "--kv-cache-dtype", "value": "fp8", "when": {"hardware": "h200"}}, "--kv-cache-dtype", "not one of"),
    ({"flag": "--port", "value": "{hardware.vendor}"}, "--port", "whole number"),
    ({"flag": "--grpc-mode"}, "--grpc-mode", "source_deprecations"),
])
def test_a_bad_flag_fails_naming_spec_state_and_flag(rule, flag, problem):
    with pytest.raises(SpecError) as err:
        build(with_arg(rule))
    message = str(err.value)
    assert message.startswith("configurator/specs/kimi-k2.7-code.yaml: command: in state engine='sglang', hardware='h200'")
    assert f": {flag}: " in message and problem in message


def test_an_undeclared_engine_variable_fails():
    data = copy.deepcopy(KIMI)
    data["command"]["env"][0]["name"] = "SGLANG_USE_AITR"
    with pytest.raises(SpecError, match=r"hardware='mi300x'.*SGLANG_USE_AITR: .*did you mean SGLANG_USE_AITER"):
        build(data)


def test_free_form_fields_are_checked_at_bounds_and_with_hostile_text():
    # `clen`: the spec's own `ctx` field writes --context-length already; this one is the test's.
    data = with_arg({"flag": "--context-length", "value": "{clen}", "when": {"engine": "sglang"}})
    data["options"].append({"id": "clen", "title": "Context", "type": "integer", "min": 1024, "max": 262144})
    spec = load_spec(data, source="kimi")
    tried = {s.get("clen") for s in states(spec)}
    assert {"", "1024", "262144", "-1"} <= tried and any(t and "rm -rf" in t for t in tried)
    build(data)  # --context-length takes any of the valid values
    data["command"]["args"][-1]["flag"] = "--chunked-prefill-size"  # a plain int flag: -1 and bounds are fine
    build(data)
    data["options"][-1] = {"id": "clen", "title": "Context", "type": "text"}  # free text into an int flag
    with pytest.raises(SpecError, match=r"clen='a'.*--chunked-prefill-size.*whole number"):
        build(data)


def test_release_and_allowances_are_validated():
    with pytest.raises(SpecError, match=r"release: no engine data for sglang '0.4.0'"):
        build({**KIMI, "release": "0.4.0"})
    with pytest.raises(SpecError, match=r"source_deprecations: --grpc-mode is not deprecated in any command"):
        build({**KIMI, "source_deprecations": KIMI["source_deprecations"] + ["--grpc-mode"]})
    without = {k: v for k, v in KIMI.items() if k != "source_deprecations"}
    with pytest.raises(SpecError, match=re.escape("--enable-dp-attention")):
        build(without)


def test_a_spec_without_release_is_not_checked():
    data = {k: v for k, v in with_arg({"flag": "--not-a-flag"}).items() if k != "release"}
    assert check_spec(load_spec(data, source="kimi"), data) == []


@pytest.mark.parametrize("output_id, flag, problem", [
    ("bench", "--num-prompts", "unknown option"),  # vllm bench serve, shown for every engine
    ("serve", "--tensor-parallel-size", "unknown option"),  # the vllm serve output (engine vLLM)
])
def test_a_bad_flag_in_a_command_output_fails_naming_spec_output_state_and_flag(output_id, flag, problem):
    data = copy.deepcopy(KIMI)
    [output] = [o for o in data["outputs"] if o["id"] == output_id]
    # (a list among the args is a shared run of rules, spliced in: the Lambda rule is a plain one)
    [arg] = [a for a in output["command"]["args"] if isinstance(a, dict) and a.get("flag") == flag]
    arg["flag"] = flag + "-typo"
    with pytest.raises(SpecError) as err:
        build(data)
    message = str(err.value)
    assert message.startswith(f"configurator/specs/kimi-k2.7-code.yaml: outputs.{output_id}: in output '{output_id}', state ")
    assert f": {flag}-typo: {problem}" in message


def test_kimi_says_where_its_commands_run_from_every_covered_release(kimi_notes):
    runs = {n["text"].split(" (")[0]: n["when"] for n in kimi_notes if n["text"].startswith("Runs on ")}
    # B300/GB300 use --attention-backend tokenspeed_mla, a choice 0.5.9 does not have, and so does
    # the MXFP4 command (--enable-aiter-allreduce-fusion…): on MI350X/MI355X the hardware alone no
    # longer decides, so the notes name hardware and quantization together.
    new = [(c["hardware"], c["quantization"]) for c in runs["Runs on sglang 0.5.17–0.5.23"]["any"]]
    old = [(c["hardware"], c["quantization"]) for c in runs["Runs on sglang 0.5.9–0.5.23"]["any"]]
    assert sorted(new) == [("b300", "int4"), ("gb300", "int4"), ("mi350x", "mxfp4"), ("mi355x", "mxfp4")]
    assert sorted(old) == [(hw, "int4") for hw in ("h200", "mi300x", "mi325x", "mi350x", "mi355x")]
    assert runs["Runs on vllm 0.19.1–0.34.0"] == {"engine": "vllm"}
    assert {k: set(v) for k, v in runs.items()} == {k: {"engine", "any"} for k in runs if "sglang" in k} | {
        "Runs on vllm 0.19.1–0.34.0": {"engine"}}


def test_a_pinned_image_release_that_rejects_the_command_fails_the_build():
    # The AMD notes pin lmsysorg/sglang:v0.5.9-…; a flag 0.5.9 does not know must fail for those states.
    data = with_arg({"flag": "--dsa-decode-backend", "value": "flashmla_kv", "when": {"hardware.vendor": "amd"}})
    with pytest.raises(SpecError) as err:
        build(data)
    assert "runs on sglang 0.5.9, which rejects it" in str(err.value) and "--dsa-decode-backend" in str(err.value)


def test_a_minimum_release_checks_every_covered_release_from_it():
    data = copy.deepcopy(KIMI)
    data["release"] = {"sglang": "0.5.23", "vllm": ">=0.19.1"}
    build(data)
    data["release"] = {"sglang": ">=0.5.9", "vllm": "0.33.0"}
    with pytest.raises(SpecError) as err:  # the B300 commands need 0.5.17
        build(data)
    assert "sglang 0.5.9, which rejects it" in str(err.value)
    data["release"] = {"sglang": ">=0.4.0", "vllm": "0.33.0"}
    with pytest.raises(SpecError, match="no engine data for sglang '>=0.4.0'"):
        build(data)


def test_a_near_removal_date_is_a_build_warning():
    from configurator.spec_flags import _day, removal_warnings
    spec = load_spec(copy.deepcopy(KIMI), source="configurator/specs/kimi-k2.7-code.yaml")
    [warning] = removal_warnings(spec, KIMI, "2026-12-06")
    assert "--enable-dp-attention is marked for removal after 2026-12-31 (25 days from this build)" in warning
    assert "replacement: --attn-dp-size <dp-size>" in warning and "dpattention" in warning
    assert removal_warnings(spec, KIMI, "2026-01-01") == []  # a year away: no warning
    assert _day("2026-12-31") - _day("2026-12-06") == 25 and _day("1970-01-01") == 0
    assert _day("2024-03-01") - _day("2024-02-28") == 2  # a leap year


def _from_the_back_noting_its_process():
    """macros.two_cores._from_the_back, leaving behind the process id it ran in, the chunks it rendered
    and how many texts it answered ahead."""
    rendered = FROM_THE_BACK()
    Path(os.environ["FROM_THE_BACK_FILE"]).write_text(json.dumps([os.getpid(), [i for i, *_ in rendered],
                                                                   sum(len(answers) for *_, answers in rendered)]))
    return rendered


def test_the_build_checks_on_two_cores_with_the_same_notes_and_errors(kimi_notes, monkeypatch, tmp_path):
    """macros.two_cores.check: a forked process renders states from the last back. Same notes, and
    a bad flag first met in the states it renders fails with the message the one-process check gives."""
    monkeypatch.setattr(two_cores, "_from_the_back", _from_the_back_noting_its_process)
    monkeypatch.setenv("FROM_THE_BACK_FILE", str(tmp_path / "child"))
    monkeypatch.setattr(spec_flags, "known", {})  # no answers from earlier checks: the texts are parsed here

    def check(data, split):
        spec = load_spec(data, source="configurator/specs/kimi-k2.7-code.yaml", check_states=False)
        try:
            if not split:
                return check_spec(spec, data)
            # As the build does it: the forked process also answers its texts ahead.
            return two_cores.check(spec, lambda views: check_spec(spec, data, views),
                                   answers=lambda views: answers_ahead(spec, data, views))[0]
        except SpecError as exc:
            return str(exc)

    serial = kimi_notes  # the build's
    assert check(KIMI, split=True) == serial and any(n["text"].startswith("Runs on ") for n in serial)
    pid, chunks, answered = json.loads((tmp_path / "child").read_text())
    assert pid != os.getpid() and chunks and answered  # it parsed its share of the texts

    # The rest on a tenth as many states, to save time: every 8th before the first vLLM MI355X one
    # (they still use every flag and variable the spec allows), then that one, in the last chunk.
    combos = base_states(load_spec(KIMI, source="kimi", check_states=False))
    first = next(i for i, s in enumerate(combos) if s.get("engine") == "vllm" and s.get("hardware") == "mi355x")
    fewer = [c for i, c in enumerate(combos) if i % 8 == 0 and i < first] + [combos[first]]
    assert len(fewer) >= two_cores.MIN_SPLIT
    monkeypatch.setattr(spec_flags, "base_states", lambda spec: fewer)
    bad = with_arg({"flag": "--tp-szie", "value": "8", "when": {"engine": "vllm", "hardware": "mi355x"}})
    message = check(bad, split=True)
    assert message == check(bad, split=False) and "--tp-szie" in message
    last = (len(fewer) - 1) // two_cores.CHUNK
    assert last in json.loads((tmp_path / "child").read_text())[1]  # the forked process met it

    serial = check(KIMI, split=False)
    assert any(n["text"].startswith("Runs on ") for n in serial)

    def fails():
        raise RuntimeError("the forked process failed")
    monkeypatch.setattr(two_cores, "_from_the_back", fails)  # this process renders that half instead
    assert check(KIMI, split=True) == serial
    monkeypatch.setattr(two_cores, "_from_the_back", _dies)  # ... also when the process dies
    assert check(KIMI, split=True) == serial


def _dies():
    os._exit(3)  # as a process the system killed: no answer at all


@pytest.mark.parametrize("guess_right", [True, False])
def test_the_page_table_computed_during_the_check_is_used_only_if_the_notes_come_out_as_guessed(
        kimi_notes, monkeypatch, tmp_path, guess_right):
    """macros.specs.checked_spec(ahead=...): while the check runs, the view table is computed for
    the spec with its last check's notes; the page takes it only if this check gives those notes."""
    from macros import specs
    from macros.widget import static_views
    path = tmp_path / "kimi-copy.yaml"  # its own cache entries: the real spec's stay as they are
    path.write_text((SPEC_DIR / "kimi-k2.7-code.yaml").read_text(encoding="utf-8").replace(
        "\nname: kimi-k2.7-code\n", "\nname: kimi-copy\n"), encoding="utf-8")
    guess = kimi_notes if guess_right else kimi_notes[1:]
    monkeypatch.setattr(specs, "_last_generated", lambda _path: guess)
    try:
        spec, data = specs.checked_spec(path, ahead=static_views)
    finally:
        for entry in specs.CACHE_DIR.glob("kimi-copy.*"):
            entry.unlink()
    assert data["notes"][len(KIMI["notes"]):] == kimi_notes
    early = specs.taken_ahead(spec)
    if guess_right:
        assert early == static_views(spec) and early is not None
    else:
        assert early is None
