"""Deploy pages say which engine releases their commands were checked against, from the data."""

import json
import re

from browser_helpers import DEPLOY, ROOT
from configurator.flags.commands import check_json
from macros.engines import checked_against, releases


def test_the_releases_come_from_the_engine_data_files():
    # The newest covered release of each engine (configurator/flags/engine_data/ holds older ones too).
    names = sorted(p.stem for p in (ROOT / "configurator" / "flags" / "engine_data").glob("*.json"))
    newest = {}
    for name in names:
        engine, release = name.split("-", 1)
        newest[engine] = max(newest.get(engine, release), release, key=lambda r: tuple(map(int, r.split("."))))
    assert releases() == [f"{e} {r}" for e, r in sorted(newest.items())] == ["sglang 0.5.23", "vllm 0.34.0"]
    assert "**sglang 0.5.23** and **vllm 0.34.0**" in checked_against()


def test_every_engine_command_the_site_shows_is_accepted():
    snippets = json.loads((ROOT / "tests" / "data" / "seed_snippets.json").read_text(encoding="utf-8"))["snippets"]
    checked = []
    for snippet in snippets:
        for command in json.loads(check_json(snippet["text"]))["commands"]:
            if command["engine"]:
                assert command["ok"], (snippet["id"], command["problems"])
                checked.append((snippet["id"], command["engine"]))
    assert {("vllm-docker-run", "vllm"), ("vllm-bench-serve", "vllm"),
            ("sglang-deployment-command-example", "sglang")} <= set(checked)


def test_deploy_page_names_the_checked_releases(built_site):
    html = (built_site / DEPLOY / "index.html").read_text(encoding="utf-8")
    line = re.search(r"<p>Commands on this page are checked against .*?</p>", html)
    assert line, "the checked_against() line is missing from the deploy page"
    assert "<strong>sglang 0.5.23</strong> and <strong>vllm 0.34.0</strong>" in line.group(0)
