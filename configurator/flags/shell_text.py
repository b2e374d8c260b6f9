"""Pasted text → shell commands, each a list of words with the line each word is on.

What a shell would do, as far as a launch command needs: `\\` continuations, quotes
(shlex), `#` comments, and stopping at the first pipe, redirection, `;` or `&&`
(what follows is another program). Never raises: a problem becomes `error`.
"""

import itertools
import re
import shlex
from dataclasses import dataclass, field

MAX_CHARS = 20_000
MAX_LINES = 400
PUNCTUATION = "|&;<>"  # the shell's operators, as shlex groups them
OPERATOR = re.compile(f"[{re.escape(PUNCTUATION)}]+\\Z")
# Text without these is split by shlex at its whitespace only (see _plain_words).
SHLEX_SPECIAL = re.compile(f"[\"'\\\\{re.escape(PUNCTUATION)}]")
PLAIN_WORD = re.compile(r"[^ \t\r\n]+")  # shlex's whitespace: these four, no other


@dataclass
class Command:
    first: int  # 1-based line numbers in the pasted text
    last: int
    words: list = field(default_factory=list)  # [(word, line)]
    error: str | None = None  # e.g. an unbalanced quote
    tail: str | None = None  # the shell operator the command stops at, if any


def too_hostile(text) -> str | None:
    """A message for input no command can be, before any parsing work is done."""
    if not isinstance(text, str):
        return "Paste a command as text."
    if len(text) > MAX_CHARS:
        return f"The text is too long ({len(text):,} characters); paste at most {MAX_CHARS:,}."
    if "\x00" in text:
        return "The text contains a NUL character, which no shell command can contain."
    if text.count("\n") >= MAX_LINES:
        return f"The text has too many lines; paste at most {MAX_LINES}."
    return None


def split_commands(text: str) -> list[Command]:
    """One Command per logical line (physical lines joined by a trailing backslash)."""
    commands, current = [], None
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for number, line in enumerate(lines, start=1):
        if current is None:
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            current = (number, [])
        current[1].append(line)
        if not re.search(r"(?<!\\)(\\\\)*\\\s*\Z", line):  # no continuation: the command ends here
            commands.append(_words(current[0], current[1]))
            current = None
    if current is not None:
        commands.append(_words(current[0], current[1]))
    return commands


def _words(first: int, lines: list[str]) -> Command:
    # Drop each continuation's backslash but keep its line break, which shlex counts (as
    # whitespace, it ends a word just as the shell's joined line would).
    joined = "\n".join(re.sub(r"\\\s*\Z", " ", line) for line in lines)
    command = Command(first, first + len(lines) - 1)
    comment_line = None
    words = shell_words(joined)
    try:
        for word, lineno in words:
            line = first + lineno - 1
            if word == "\n" or line == comment_line:
                continue
            if word.startswith("#"):
                comment_line = line  # the rest of this line is a comment
                continue
            if OPERATOR.match(word):
                if word[0] in "<>" and command.words and command.words[-1][0].isdigit():
                    command.words.pop()  # the `2` of `2>&1`
                command.tail = word
                break
            command.words.append((word, line))
    except ValueError as exc:  # shlex: "No closing quotation", "No escaped character"
        command.error = f"{exc}: the quotes do not pair up, so the shell would not run this as written"
    return command


def shell_words(text):
    """(word, shlex's line count after reading it), as shlex splits text the way a shell would:
    the text before the first quote, backslash or operator by _plain_words (from the whitespace
    before it on, shlex starts as it would there: between words, outside quotes)."""
    special = SHLEX_SPECIAL.search(text)
    if special is None:
        return _plain_words(text)
    cut = max(text.rfind(blank, 0, special.start()) for blank in " \t\r\n") + 1
    lines_before = text.count("\n", 0, cut)
    return itertools.chain(_plain_words(text[:cut]),
                           ((word, lineno + lines_before) for word, lineno in _shlex_words(text[cut:])))


def _shlex_words(text):
    """(word, shlex's line count after reading it), as shlex splits text the way a shell would."""
    lex = shlex.shlex(text, posix=True, punctuation_chars=PUNCTUATION)
    lex.whitespace_split = True
    lex.commenters = ""
    while (word := lex.get_token()) is not None:
        yield word, lex.lineno


def _plain_words(text):
    """_shlex_words(text) for text without quotes, backslashes or shell operators, ~20 times
    faster (shlex reads a character at a time; a build checks thousands of commands): words are
    the runs between shlex's whitespace, and its line count includes the newline that ends a
    word, which it reads before giving the word."""
    lineno, counted = 1, 0
    for match in PLAIN_WORD.finditer(text):
        lineno += text.count("\n", counted, match.end() + 1)
        counted = match.end() + 1
        yield match.group(), lineno
