"""The checker across engine releases: where a command runs, each flag's history, suggestions a
reader can act on, the release choice (CLI and browser entry point) and bad input."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from configurator.flags import release_data
from configurator.flags.commands import check_json
from macros.engines import data_bundle, what_changed

ROOT = Path(__file__).resolve().parent.parent


def one(text, *args):
    answer = json.loads(check_json(text, *args))
    assert answer["error"] is None, answer["error"]
    [command] = answer["commands"]
    return command


def cli(text, *args):
    done = subprocess.run([sys.executable, "-m", "configurator.flags.commands", *args], input=text, capture_output=True,
                          text=True, cwd=ROOT, timeout=120)
    return done.returncode, [json.loads(line) for line in done.stdout.splitlines()], done.stderr


def test_a_flag_removed_after_its_deprecation_says_so_and_gets_its_replacement():
    cmd = one("sglang serve --model-path m --tp-size 8 --nsa-decode-backend flashmla_kv")
    assert not cmd["ok"] and cmd["release"] == "0.5.23"
    assert [(v["release"], v["ok"]) for v in cmd["verdicts"]] == [("0.5.9", True), ("0.5.17", True), ("0.5.23", False)]
    assert cmd["runs_on"] == "sglang 0.5.9–0.5.17"
    [entry] = [h for h in cmd["history"] if h["flag"] == "--nsa-decode-backend"]
    changes = [(e["change"], e["release"]) for e in entry["events"]]
    assert changes == [("deprecated", "0.5.17"), ("removed", "0.5.23")]
    assert "--dsa-decode-backend" in cmd["problems"][0]["message"]
    assert cmd["fixed"]["command"] == "sglang serve --model-path m --tp-size 8 --dsa-decode-backend flashmla_kv"


def test_a_flag_that_became_ambiguous_names_both_new_flags():
    cmd = one("python3 -m sglang.launch_server --model-path m --tp-size 8 --cuda-graph-max-bs 256")
    assert cmd["runs_on"] == "sglang 0.5.9–0.5.17"
    message = cmd["problems"][0]["message"]
    assert "became ambiguous in sglang 0.5.23" in message and "--cuda-graph-max-bs-decode" in message


def test_vllm_double_dash_short_option_hints_the_real_names_and_fixes_it():
    cmd = one("vllm serve m --tp 8")
    assert "did you mean -tp (--tensor-parallel-size)?" in cmd["problems"][0]["message"]
    assert cmd["fixed"]["command"] == "vllm serve m --tensor-parallel-size 8"
    assert one(cmd["fixed"]["command"])["ok"]


def test_enable_reasoning_says_it_was_removed_and_what_replaced_it():
    cmd = one("vllm serve m --enable-reasoning --reasoning-parser deepseek_r1")
    message = cmd["problems"][0]["message"]
    assert "deprecated in vLLM 0.9.0" in message and "--reasoning-parser alone" in message
    assert cmd["fixed"]["command"] == "vllm serve m --reasoning-parser deepseek_r1"
    # without --reasoning-parser, dropping the flag would silently lose what the reader asked for
    assert one("vllm serve m --enable-reasoning")["fixed"] is None


def test_a_bad_choice_suggests_the_value_that_spells_it_out_first():
    cmd = one("sglang serve --model-path m --kv-cache-dtype fp8")
    assert "(did you mean fp8_e4m3?)" in cmd["problems"][0]["message"]


def test_release_choice_in_the_browser_entry_point_and_the_bundle():
    name, data = data_bundle()
    assert re.fullmatch(r"engine-data\.[0-9a-f]{12}\.json", name)
    cmd = one("sglang serve --model-path m --tp-size 8 --nsa-decode-backend flashmla_kv", data.decode(), None, "sglang 0.5.9")
    assert cmd["ok"] and cmd["release"] == "0.5.9"
    cmd = one("vllm serve m --tp 8", data.decode(), None, "0.19.1")
    assert cmd["release"] == "0.19.1" and not cmd["ok"]


def test_one_release_keeps_todays_shape():
    cmd = one("sglang serve --model-path m --tp-size 8", "sglang-0.5.23")
    assert "verdicts" not in cmd and "history" not in cmd


@pytest.mark.parametrize("release, says", [
    ("sglang 0.4.0", "no engine data for sglang 0.4.0"),
    ("tensorrt 1.0", "no engine data for tensorrt"),
    ("<script>", "is not a release"),
    ("x" * 10_000, "is not a release"),
])
def test_bad_release_is_a_message(release, says):
    answer = json.loads(check_json("sglang serve --model-path m", None, None, release))
    assert says in answer["error"] and answer["commands"] == [] and "sglang 0.5.23" in answer["covered"]


def test_cli_release_and_all_releases():
    text = "sglang serve --model-path m --tp-size 8 --nsa-decode-backend flashmla_kv\n"
    code, [line], _ = cli(text, "--release", "sglang 0.5.17")
    assert code == 0 and line["release"] == "0.5.17" and line["ok"] and set(line) == {"engine", "release", "ok", "problems"}
    code, [line], _ = cli(text, "--all-releases")
    assert code == 1 and line["release"] == "0.5.23"
    assert line["releases"] == {"0.5.9": True, "0.5.17": True, "0.5.23": False} and line["runs_on"] == "sglang 0.5.9–0.5.17"
    code, lines, err = cli(text, "--release", "9.9.9")
    assert code == 2 and lines == [] and "no engine data for any engine 9.9.9" in err and "Traceback" not in err


def test_what_changed_pages_come_from_the_data():
    text = what_changed("sglang")
    assert "## sglang 0.5.17 → 0.5.23" in text
    assert "`--nsa-decode-backend` (use `--dsa-decode-backend`)" in text
    assert "`--enable-piecewise-cuda-graph` →" not in text  # no rename guessed between unrelated switches
    vllm = what_changed("vllm")
    assert "## vllm 0.33.0 → 0.34.0" in vllm
    with pytest.raises(ValueError):
        what_changed("tensorrt")


def test_a_new_release_adds_only_what_changed():
    for engine in release_data.stored():
        full = release_data.expand(release_data.chain(engine))
        for data in full[1:]:
            stored = ROOT / "configurator" / "flags" / "engine_data" / f"{engine}-{data['release']}.json"
            assert stored.stat().st_size < 0.8 * len(release_data.dump(data).encode()), stored.name


def immutable_prefixes():
    """The folders the README says may be cached as immutable (its Cache-Control sentence)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    sentence = text[text.index("immutable`"):][:300]
    return re.findall(r"`(assets/[\w/.-]+/)`", sentence.split(")")[0])


def test_every_file_the_readme_calls_immutable_has_a_content_hash_in_its_name(built_site):
    from hashlib import sha256
    prefixes = immutable_prefixes()
    assert "assets/servebook/" in prefixes and "assets/pyodide/" in prefixes
    shipped = [p for prefix in prefixes for p in (built_site / prefix).rglob("*") if p.is_file()]
    assert any(p.name.startswith("engine-data.") for p in shipped)
    for path in shipped:
        rel = path.relative_to(built_site).as_posix()
        assert re.search(r"(^|[./])[0-9a-f]{12}([./]|$)", rel), f"{rel} may be cached forever but has no content hash"
        plain = path.name.removesuffix(".gz").removesuffix(".br")
        if plain.startswith("engine-data.") and path.name == plain:
            assert plain == f"engine-data.{sha256(path.read_bytes()).hexdigest()[:12]}.json"


def test_the_site_has_the_release_choice_and_the_what_changed_pages(built_site):
    name, _ = data_bundle()
    page = (built_site / "check" / "index.html").read_text(encoding="utf-8")
    assert f'data-engine-data="{name}"' in page
    assert '<option value="sglang 0.5.9">sglang 0.5.9</option>' in page and 'value="latest" selected' in page
    changed = (built_site / "what-changed-sglang" / "index.html").read_text(encoding="utf-8")
    assert "sglang 0.5.17 → 0.5.23" in changed and "--dsa-decode-backend" in changed


@pytest.mark.parametrize("args, says", [(["--release"], "--release needs a release"), (["--bogus"], "unknown option '--bogus'"),
                                        (["--release", "sglang 0.4"], "no engine data for sglang 0.4"),
                                        (["sglang-9.9"], "no engine data for sglang '9.9'")])
def test_cli_bad_options_are_messages(args, says):
    code, lines, err = cli("sglang serve --model-path m\n", *args)
    assert code == 2 and lines == [] and says in err and "Traceback" not in err
