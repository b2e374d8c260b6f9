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
    if isinstance(cond, Match):
        current = lookup(cond.ref)
        if current is None:
            return None in cond.values
        if isinstance(current, tuple):  # a checkbox set: does it include one of the values?
            return any(same(c, v) for c in current for v in cond.values)
        return any(same(current, v) for v in cond.values)
    if cond.op == "all":
        return all(holds(p, lookup) for p in cond.parts)
    if cond.op == "any":
        return any(holds(p, lookup) for p in cond.parts)
    return not holds(cond.parts[0], lookup)
