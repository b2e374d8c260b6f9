"""Collecting a spec's problems: each part (an option, a rule, a note…) is validated in a
`with v.part():` block; its first problem is recorded and validation goes on with the next
part, so `done()` reports every problem at once, in the order of the file, as one SpecError.
"""

import re

from .errors import SpecError
from .spec import ID, ITEM_ID


class Validator:
    """Checks a spec part by part: the first problem in each part (an option, a rule, a note…)
    is recorded and checking goes on with the next, so an author sees every problem at once."""

    def __init__(self, source, data=None):
        self.source, self.data, self.problems = source, data, []
        self.broken = _Broken()  # ids of options, tables and values that failed: references to them are not new problems

    def fail(self, where, problem):
        raise SpecError(self.source, where, problem)

    def part(self, broken_id=None):
        """`with c.part():` records a problem in the block instead of raising it."""
        return _Part(self, broken_id)

    def done(self):
        """Raise every problem recorded so far, in the order of the file, as one SpecError."""
        if self.problems:
            found = sorted(dict.fromkeys(self.problems), key=lambda p: _position(self.data, p[0]))
            raise SpecError(self.source, *found[0], more=tuple(found[1:]))

    @staticmethod
    def place(section, index, raw):
        """Where a list member is, for errors: `options.gpu` by its id, else `options[2]`."""
        if isinstance(raw, dict) and isinstance(raw.get("id"), str):
            return f"{section}.{raw['id']}"
        return f"{section}[{index}]"

    def keys(self, raw, where, required, optional=()):
        if not isinstance(raw, dict):
            self.fail(where, "expected a mapping")
        for key in required:
            if key not in raw:
                self.fail(where, f"missing required field '{key}'")
        unknown = sorted(set(raw) - set(required) - set(optional), key=str)
        if unknown:
            allowed = ", ".join(list(required) + list(optional))
            self.fail(f"{where}.{unknown[0]}", f"unknown field (allowed: {allowed})")

    def text(self, raw, where, optional=False):
        if raw is None and optional:
            return None
        if not isinstance(raw, str) or not raw.strip():
            self.fail(where, "expected a non-empty string")
        return raw

    def ident(self, raw, where):
        if not isinstance(raw, str) or not ID.match(raw):
            self.fail(where, f"bad id {raw!r}: use lowercase letters, digits, '-' and '_', starting with a letter")
        return raw

    def item_ident(self, raw, where):
        if not isinstance(raw, str) or not ITEM_ID.match(raw):
            hint = " (quote it in YAML: it was read as a number)" if type(raw) in (int, float) else ""
            self.fail(where, f"bad id {raw!r}: item ids use lowercase letters, digits, '.', '-' and '_', "
                             f"starting with a letter or digit{hint}")
        return raw


class _Broken(set):
    """Names whose definition failed; `unknown` when a whole section did (any name may be one of it)."""

    unknown = False

    def __contains__(self, name):
        return self.unknown or super().__contains__(name)


class _Part:
    def __init__(self, checker, broken_id):
        self.checker, self.broken_id = checker, broken_id

    def __enter__(self):
        return self

    def __exit__(self, kind, exc, tb):
        if not isinstance(exc, SpecError) or exc.source != self.checker.source:
            return False
        self.checker.problems.append((exc.where, exc.problem))
        if isinstance(self.broken_id, str):
            self.checker.broken.add(self.broken_id)
        return True


def _position(data, where):
    """Where a problem's place is in the file: (top-level key's index, list member's index)."""
    match = re.match(r"([^.\[]+)(?:\[(\d+)\]|\.([^.\[]+))?", where)
    if not isinstance(data, dict) or not match or match[1] not in data:
        return (-1, -1)
    section, index, member = data[match[1]], match[2], match[3]
    found = int(index) if index else -1
    if member and isinstance(section, list):
        found = next((i for i, m in enumerate(section) if isinstance(m, dict) and m.get("id") == member), -1)
    return (list(data).index(match[1]), found)


def raw_id(raw):
    return raw.get("id") if isinstance(raw, dict) else None
