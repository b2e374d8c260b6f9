"""The checker agrees with the real engines' parsers on every command of the corpus.

tests/data/engine_verdicts/<engine>-<release>.json holds what sglang's and vllm's own
entry points answered for each command (recorded by `python3 dev.py engine-data …`).
Agreement means: the same accept/reject, and for a rejection the same flag at fault.
"""

import json
from pathlib import Path

import pytest

from configurator.flags import argparse_rules, release_data
from configurator.flags.checker import Checker, available, load

ROOT = Path(__file__).resolve().parent.parent
VERDICTS = sorted((ROOT / "tests" / "data" / "engine_verdicts").glob("*.json"))
CHECKERS = {p.stem: Checker([load(p.stem)]) for p in VERDICTS}  # one per release: each is judged alone


def rows():
    for path in VERDICTS:
        for row in json.loads(path.read_text(encoding="utf-8")):
            yield path.stem, row


def canonical(engine, command, flag, release=None):
    """The option a flag names (argparse's first option string), or the word itself."""
    if flag is None:
        return None
    checker = CHECKERS[release] if release else next(c for n, c in reversed(CHECKERS.items()) if n.startswith(engine))
    opts = checker.engines[engine]["commands"][command]
    opt = argparse_rules.classify(opts, flag)[0]
    return opt["names"][0] if opt else flag


def verdict(release, text):
    engine = release.split("-")[0]
    results = CHECKERS[release].check_text(text)["commands"]
    assert len(results) == 1, text
    got = results[0]
    assert got["engine"] == engine and f"{engine}-{got['release']}" == release, (text, got["engine"])
    fault = None
    if not got["ok"]:
        fault = canonical(engine, got["command"], got["problems"][0]["flag"], release)
    return got, fault


def test_engine_data_is_strict_json_sorted_one_option_per_line():
    for path in (ROOT / "configurator" / "flags" / "engine_data").glob("*.json"):
        text = path.read_text(encoding="utf-8")
        data = json.loads(text, parse_constant=lambda name: pytest.fail(f"{path.name}: {name} is not JSON"))
        assert release_data.dump(data) == text, f"{path.name} is not in the one-option-per-line form release_data.dump writes"
        for command in data["commands"].values():
            names = [o["names"][0] for o in command["options"]]
            assert names == sorted(names)
        for key in ("names", "added", "removed"):
            assert data["env"].get(key, []) == sorted(data["env"].get(key, []))


def test_each_engine_is_one_full_release_then_deltas_that_rebuild_every_release():
    for engine, releases in release_data.stored().items():
        files = release_data.chain(engine)
        assert "after" not in files[0] and all(f["after"] == prev["release"] for prev, f in zip(files, files[1:]))
        full = release_data.expand(files)
        assert [d["release"] for d in full] == releases
        for old, new in zip(full, full[1:]):
            assert release_data.apply(old, release_data.diff(old, new)) == new
            # a delta carries only what changed: never an option identical to the same command's
            # option in the release before
            before = {(name, json.dumps(o, sort_keys=True))
                      for name, c in old["commands"].items() for o in c["options"]}
            delta = next(f for f in files if f["release"] == new["release"])
            assert not [o for name, c in delta["commands"].items() for o in c["options"]
                        if (name, json.dumps(o, sort_keys=True)) in before]


def test_every_covered_release_has_recorded_verdicts():
    assert sorted(p.stem for p in VERDICTS) == available()


def test_the_corpus_is_large_and_mixed():
    all_rows = list(rows())
    assert len(all_rows) >= 200
    assert sum(not r["ok"] for _, r in all_rows) >= 50
    assert {release for release, _ in all_rows} >= {"sglang-0.5.9", "sglang-0.5.23", "vllm-0.33.0"}


@pytest.mark.parametrize("release,row", list(rows()), ids=lambda v: v["command"][:90] if isinstance(v, dict) else v)
def test_checker_agrees_with_the_real_parser(release, row):
    got, fault = verdict(release, row["command"])
    engine = release.split("-")[0]
    assert got["ok"] == row["ok"], (row["error"], got["problems"][:2])
    if not row["ok"]:
        assert fault == canonical(engine, got["command"], row["fault"], release), (row["error"], got["problems"][0])


@pytest.mark.parametrize("release,row", [(r, row) for r, row in rows() if row["deprecations"] and row["ok"]],
                         ids=lambda v: v["command"][:90] if isinstance(v, dict) else v)
def test_every_deprecation_the_engine_prints_is_reported(release, row):
    got, _ = verdict(release, row["command"])
    assert any(p["kind"] == "deprecated" for p in got["problems"]), row["deprecations"]


def test_the_corpus_uses_every_deprecated_flag_and_value():
    for path in VERDICTS:
        data = load(path.stem)
        commands = [row["command"] for row in json.loads(path.read_text(encoding="utf-8"))]
        for command in data["commands"].values():
            for opt in command["options"]:
                if opt.get("deprecated"):
                    assert any(f" {opt['names'][0]}" in c for c in commands), opt["names"]
                for value in opt.get("deprecated_values", {}):
                    assert any(f"{opt['names'][0]} {value}" in c for c in commands), (opt["names"], value)
