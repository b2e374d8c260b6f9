"""Pasted text → shell commands, each a list of words with the line each word is on.

What a shell would do, as far as a launch command needs: `\\` continuations, quotes
(shlex), `#` comments, and stopping at the first pipe, redirection, `;` or `&&`
(what follows is another program). Never raises: a problem becomes `error`.
"""

import re
import shlex
from dataclasses import dataclass, field

MAX_CHARS = 20_000
MAX_LINES = 400
OPERATOR = re.compile(r"[|&;<>]+\Z")


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
    lex = shlex.shlex(joined, posix=True, punctuation_chars="|&;<>")
    lex.whitespace_split = True
    lex.commenters = ""
    comment_line = None
    try:
        while True:
            word = lex.get_token()
            if word is None:
                break
            line = first + lex.lineno - 1
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
