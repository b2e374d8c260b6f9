"""`python3 dev.py test` finds or installs the Chromium its browser tests need, and says what it did.

The real installers (apt-get, Playwright's download) cannot be exercised from here without
changing the machine, so the choice logic gets fake installers, and the whole command runs
once with every installed browser hidden and no installer allowed: its failure path.
"""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("servebook_dev", ROOT / "dev.py")
dev = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(dev)


def run_ensure(env, candidates, installers):
    said = []
    try:
        return dev.ensure_chromium(env=env, candidates=candidates, installers=installers, say=said.append), said
    except dev.NoChromium as exc:
        return exc, said


def test_first_existing_candidate_wins_and_nothing_is_installed(tmp_path):
    there = tmp_path / "chromium"
    there.touch()
    def never(say):
        raise AssertionError("installed although a browser was there")
    found, said = run_ensure({}, [tmp_path / "missing", there], [("never", never)])
    assert found == there
    assert said == [f"browser: using {there}"]


def test_servebook_chromium_is_used_or_named_when_missing(tmp_path):
    there = tmp_path / "chrome"
    there.touch()
    found, _ = run_ensure({"SERVEBOOK_CHROMIUM": str(there)}, [], [])
    assert found == there
    error, _ = run_ensure({"SERVEBOOK_CHROMIUM": str(tmp_path / "nope")}, [there], [])
    assert isinstance(error, dev.NoChromium) and f"SERVEBOOK_CHROMIUM={tmp_path / 'nope'} does not exist" in str(error)


def test_installers_run_in_order_until_one_works(tmp_path):
    installed = tmp_path / "installed-chromium"
    calls = []
    def fails(say):
        calls.append("apt")
        return "apt-get is not usable here"
    def works(say):
        calls.append("playwright")
        installed.touch()
        return installed
    found, said = run_ensure({}, [tmp_path / "missing"], [("A", fails), ("B", works)])
    assert found == installed and calls == ["apt", "playwright"]
    assert "browser: A: apt-get is not usable here" in said
    assert said[-1] == f"browser: installed B: using {installed}"


def test_one_clear_failure_naming_every_attempt(tmp_path):
    error, _ = run_ensure({}, [], [("A", lambda say: "no apt"), ("B", lambda say: "no internet")])
    assert isinstance(error, dev.NoChromium)
    assert "A: no apt" in str(error) and "B: no internet" in str(error)
    assert "SERVEBOOK_CHROMIUM" in str(error) and "apt-get install chromium" in str(error)


def test_unknown_installer_name_is_refused():
    error, _ = run_ensure({"SERVEBOOK_BROWSER_INSTALLERS": "apt,brew"}, [], None)
    assert isinstance(error, dev.NoChromium) and "unknown brew" in str(error)


def test_system_candidates_can_be_hidden():
    assert dev.system_candidates({"SERVEBOOK_IGNORE_SYSTEM_CHROMIUM": "1"}) == []
    assert dev.system_candidates({"PATH": ""})[0] == Path("/usr/bin/chromium")


@pytest.mark.skipif(not (ROOT / ".venv" / "bin" / "pytest").exists(), reason="needs the set-up .venv")
def test_readme_command_without_any_chromium_fails_with_one_clear_message():
    env = {**os.environ, "SERVEBOOK_IGNORE_SYSTEM_CHROMIUM": "1", "SERVEBOOK_BROWSER_INSTALLERS": "none"}
    env.pop("SERVEBOOK_CHROMIUM", None)
    done = subprocess.run([sys.executable, "dev.py", "test", "-k", "nothing"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode != 0
    errors = [line for line in done.stderr.splitlines() if line.startswith("dev.py test:")]
    assert len(errors) == 1 and "need Chromium" in errors[0], done.stderr
    assert "pytest" not in done.stdout  # the suite did not start without its browser


def test_site_url_option():
    assert dev.site_url_option(["--site-url", "https://example.org/servebook", "-q"]) == (
        "https://example.org/servebook/", ["-q"])
    assert dev.site_url_option(["--site-url=https://example.org/"]) == ("https://example.org/", [])
    assert dev.site_url_option(["-v"]) == (None, ["-v"])
    with pytest.raises(SystemExit):
        dev.site_url_option(["--site-url", "example.org"])


def test_the_suite_runs_on_two_workers_unless_the_caller_chooses():
    assert dev.parallel([]) == ["-n", "2", "--dist", "loadfile", "--no-loadscope-reorder"]
    assert dev.parallel(["tests/engine/test_golden.py", "-x", "-k", "nothing"]) == \
        ["-n", "2", "--dist", "loadfile", "--no-loadscope-reorder"]
    for chosen in (["-n", "4"], ["-n0"], ["--numprocesses=auto"], ["-p", "no:xdist"]):
        assert dev.parallel(chosen) == [], chosen
