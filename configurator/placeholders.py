"""The placeholder grammar of templates: `{option}`, `{option.fact}`, `{table.column}`, `{model}`
in literal text that is one safe shell word, optionally led by `~/` and ended by `$NAME`.

The one parser of placeholders for commands, outputs and derived values (render.py fills them,
scope.py checks what they name).
"""

import re
import string

# Literal template text must already be a single safe shell word (what shlex.quote leaves alone).
SAFE_WORD = re.compile(r"[\w@%+=:,./-]*\Z", re.ASCII)
# The one exception: a word the author wrote may start with `~/`, left unquoted so the shell
# expands it to the reader's home directory (`-v ~/.cache/huggingface:/root/.cache/huggingface`).
HOME = "~/"
# And it may end in a shell variable, `$HEAD_IP` or `NAME=$IFACE_NAME`, left unquoted so the shell
# expands it (generators publish such placeholders for values only the reader's machine knows).
SHELL_VAR = re.compile(r"\$[A-Z_][A-Z0-9_]*\Z")


_parsed: dict = {}  # template → its parts: a build fills each template thousands of times


def template_refs(template):
    """(literal, reference, format spec, conversion) parts of a template like 'x{hardware.tp}'."""
    parts = _parsed.get(template)
    if parts is None:
        if len(_parsed) > 4096:  # specs edited over a long `mkdocs serve`: keep memory flat
            _parsed.clear()
        parts = _parsed[template] = tuple(string.Formatter().parse(template))  # a bad one raises, uncached
    return parts


def split_home(template):
    """('~/', rest) for a word the author starts with ~/ (left unquoted for the shell), else ('', word)."""
    return (HOME, template[len(HOME):]) if template.startswith(HOME) else ("", template)


def split_var(template):
    """(rest, '$NAME') for a word the author ends with a shell variable (left unquoted), else (word, '')."""
    match = SHELL_VAR.search(template)
    return (template[:match.start()], match.group()) if match else (template, "")
