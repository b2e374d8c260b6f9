"""Engine commands on the pages are accepted by the engines' own argument parsers.

Checked: every snippet in tests/data/seed_snippets.json with an "engine" field, and every
command block the site marks as its own (class "sb-own", see tests/test_content.py).

The check is the standard-library checker over the committed flag data of sglang 0.5.23 /
vllm 0.33.0 (configurator.flags.commands), which tests/test_check_corpus.py keeps in agreement with the
real parsers. To run the real parsers instead (../shared/tools/engines/check, skipped when
$HOME/.cache/servebook-engines is absent), set `CHECK = _check_with_oracle` below.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from test_content import MODEL_PAGES, SNIPPETS, command_blocks

ORACLE_DIR = Path(os.environ.get("ORACLE_DIR", Path.home() / ".cache" / "servebook-engines"))
ORACLE = Path(__file__).resolve().parent.parent.parent / "shared" / "tools" / "engines" / "check"
CHECKERS = {"sglang": "sglang_check.py", "vllm": "vllm_check.py"}


def _check_with_oracle(engine: str, command: str) -> tuple[bool, str]:
    """(accepted, the parser's report) for one command, `\\` continuations allowed."""
    done = subprocess.run([str(ORACLE), CHECKERS[engine]], input=command, capture_output=True,
                          text=True, env={**os.environ, "ORACLE_DIR": str(ORACLE_DIR)}, timeout=600)
    return done.returncode == 0, done.stdout + done.stderr


# The committed flag data of the parsers (configurator/flags/engine_data/), which the corpus test
# (tests/test_check_corpus.py) keeps in agreement with the real parsers: runs everywhere.
from configurator.flags.commands import check as CHECK  # noqa: E402

needs_engines = pytest.mark.skipif(CHECK is _check_with_oracle and (not ORACLE_DIR.is_dir() or not ORACLE.exists()),
                                   reason=f"engine parsers not set up in {ORACLE_DIR}")


def engine_of(command: str) -> str:
    """Which engine an own command block is for: vLLM if it runs `vllm`, else SGLang."""
    return "vllm" if re.search(r"(^|\s)vllm\s", command) else "sglang"


TAGGED = [s for s in SNIPPETS if s.get("engine")]


def test_engine_tagged_snippets_exist():
    """Keeps the parametrized check below from silently checking nothing."""
    assert {s["engine"] for s in TAGGED} == {"sglang", "vllm"}


@needs_engines
@pytest.mark.parametrize("snippet", TAGGED, ids=[s["id"] for s in TAGGED])
def test_source_command_accepted_by_engine(snippet):
    ok, report = CHECK(snippet["engine"], snippet["text"])
    assert ok, f"{snippet['id']}: {report}"


@needs_engines
@pytest.mark.parametrize("page", MODEL_PAGES)
def test_own_command_blocks_accepted_by_engine(built_site, page):
    for text, own in command_blocks(built_site, page):
        if own:
            ok, report = CHECK(engine_of(text), text)
            assert ok, f"{page}: the site's own command is rejected:\n{text}\n{report}"


@needs_engines
def test_engine_check_rejects_a_wrong_flag():
    ok, report = CHECK("sglang", "sglang serve --model-path M --tp 8 --no-such-flag")
    assert not ok, report

