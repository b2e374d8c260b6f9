"""The checker's shell splitting: text before the first quote, backslash or operator takes a fast
path (configurator/flags/shell_text.py, shell_words) that must give exactly what shlex gives."""

import re
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from configurator.flags import shell_text
from configurator.flags.shell_text import SHLEX_SPECIAL, _shlex_words, shell_words, split_commands

ROOT = Path(__file__).resolve().parent.parent.parent
# Every character class the splitting sees: shlex's four whitespace characters, other blanks it
# does not count as whitespace, comment marks, word characters, non-ASCII, then quotes,
# backslashes and operators (those end the fast path).
PLAIN = ([" ", "\t", "\r", "\n", "\x0b", "\x0c", "\xa0", "#", "-", "=", "a", "8", "é", "/"])
SPECIAL = ["'", '"', "\\", "|", "&", ";", "<", ">"]


def words_or_error(words):
    out = []
    try:
        for word in words:
            out.append(word)
    except ValueError as exc:  # an unpaired quote, a trailing backslash: at the same word
        out.append(str(exc))
    return out


@settings(max_examples=400, deadline=None)
@given(st.text(st.sampled_from(PLAIN), max_size=80))
def test_plain_text_splits_as_shlex_splits_it(text):
    assert list(shell_words(text)) == list(_shlex_words(text))


@settings(max_examples=600, deadline=None)
@given(st.text(st.sampled_from(PLAIN + SPECIAL), max_size=80))
def test_any_text_splits_as_shlex_splits_it(text):
    assert words_or_error(shell_words(text)) == words_or_error(_shlex_words(text))


def test_the_corpus_splits_as_shlex_splits_it(monkeypatch):
    texts = [line.split("] ", 1)[1] for line in (ROOT / "tests/data/engine_corpus.txt").read_text().splitlines()
             if line.startswith("[")]
    texts += [t.replace(" --", " \\\n  --") for t in texts]  # one flag a line, as the pages show commands
    assert sum(not SHLEX_SPECIAL.search(t) for t in texts) > 100 and any(SHLEX_SPECIAL.search(t) for t in texts)
    fast = [split_commands(t) for t in texts]
    monkeypatch.setattr(shell_text, "SHLEX_SPECIAL", re.compile(""))  # matches all: shlex for every text
    assert fast == [split_commands(t) for t in texts]
