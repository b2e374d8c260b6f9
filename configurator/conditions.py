"""The condition language: tiny, declarative, never eval'd.

A condition is a mapping. Each key is either a combinator or a reference:

    {hardware: h200}                   chosen item of option `hardware` is h200
    {hardware: [b300, gb300]}          ... is one of these
    {strategy: dp}                     checkbox option `strategy` has dp checked
    {strategy: [dp, ep]}               ... has dp or ep checked
    {fit.tp: 2}                        column `tp` of table `fit` for the current choices
    {hardware.vendor: amd}             fact `vendor` of the chosen hardware item
    {context_length: "128000"}         value of a free-form field
    {host: null}                       no value: a field left empty, a hidden option or an
                                       unset derived value (null may also be one of a list)
    {all: [c1, c2]}  {any: [c1, c2]}  {not: c}

Several keys in one mapping must all hold. A reference to a hidden option (or a
missing value) matches nothing.
"""

from dataclasses import dataclass
from typing import Any

SCALARS = (str, int, float, bool)


@dataclass(frozen=True)
class Ref:
    option: str
    fact: str | None = None  # None: the chosen item id (or field value) itself

    def __hash__(self):  # kept: resolution puts each reference it reads in a set
        try:
            return self._hash
        except AttributeError:
            object.__setattr__(self, "_hash", hash((self.option, self.fact)))
            return self._hash


@dataclass(frozen=True)
class Match:
    ref: Ref
    values: tuple


@dataclass(frozen=True)
class Combine:
    op: str  # "all" | "any" | "not"
    parts: tuple


def parse(raw: Any, where: str, fail) -> Combine:
    """Turn a raw condition into a tree; `fail(where, problem)` raises SpecError."""
    if not isinstance(raw, dict) or not raw:
        fail(where, "a condition must be a non-empty mapping")
    parts = []
    for key, value in raw.items():
        here = f"{where}.{key}"
        if key in ("all", "any"):
            if not isinstance(value, list) or not value:
                fail(here, f"'{key}' needs a non-empty list of conditions")
            parts.append(Combine(key, tuple(parse(v, f"{here}[{i}]", fail) for i, v in enumerate(value))))
        elif key == "not":
            parts.append(Combine("not", (parse(value, here, fail),)))
        elif isinstance(key, str) and key.count(".") <= 1 and all(key.split(".")):
            option, _, fact = key.partition(".")
            values = value if isinstance(value, list) else [value]
            if not values or not all(v is None or isinstance(v, SCALARS) for v in values):
                fail(here, "expected a value or a non-empty list of values")
            parts.append(Match(Ref(option, fact or None), tuple(values)))
        else:
            fail(here, f"'{key}' is neither all/any/not nor an option reference like 'hardware' or 'hardware.vendor'")
    return Combine("all", tuple(parts))


def refs(cond) -> list[Ref]:
    return [m.ref for m in matches(cond)]


def matches(cond) -> list[Match]:
    if isinstance(cond, Match):
        return [cond]
    return [m for part in cond.parts for m in matches(part)]


def same(a, b) -> bool:
    # Strict: True is not 1, 8 is not "8" — a spec typo must not match by accident.
    return type(a) is type(b) and a == b


def holds(cond, lookup) -> bool:
    """`lookup(ref)` returns the current value for a reference, or None."""
    found = _compiled.get(id(cond))
    if found is None or found[0] is not cond:
        if len(_compiled) > 100_000:  # specs reloaded over a long `mkdocs serve`
            _compiled.clear()
        found = _compiled[id(cond)] = (cond, _compile(cond))
    return found[1](lookup)


_compiled: dict = {}  # id(condition) → (condition, function): a build tests each condition ~a million times


def _compile(cond):
    """The condition as a function of `lookup`, with the same answers as walking its tree."""
    if isinstance(cond, Match):
        return _compile_match(cond)
    parts = tuple(_compile(p) for p in cond.parts)
    if cond.op == "not":
        return lambda lookup: not parts[0](lookup)
    if len(parts) == 1:
        return lambda lookup: bool(parts[0](lookup))
    if cond.op == "all":
        def every(lookup):
            for part in parts:
                if not part(lookup):
                    return False
            return True
        return every

    def some(lookup):
        for part in parts:
            if part(lookup):
                return True
        return False
    return some


def _compile_match(cond):
    ref, values = cond.ref, cond.values
    unset = None in values
    try:  # (type, value) pairs: True is not 1, as same() says
        typed = frozenset((type(v), v) for v in values if v is not None)
    except TypeError:
        typed = None

    def is_one(current):
        if typed is not None and not isinstance(current, float):  # float: nan is not nan
            try:
                return (type(current), current) in typed
            except TypeError:
                pass
        return any(same(current, v) for v in values)

    def match(lookup):
        current = lookup(ref)
        if current is None:
            return unset
        if isinstance(current, tuple):  # a checkbox set: does it include one of the values?
            return any(is_one(c) for c in current)
        return is_one(current)
    return match
