"""Derived values: named values computed from the reader's choices, declaratively.

    values:
      - id: api_port                      # first alternative that applies wins
        first:
          - value: "{port}"               # the reader's field, when given
          - {when: {engine: sglang}, value: "30000"}
          - value: "8000"
      - id: kv_gb                         # arithmetic on facts, fields and other values
        calc: {sub: [{mul: [gpu_gb, frac]}, weights_per_gpu]}
        format: ",.1f"

An alternative applies when its `when` holds and every placeholder in its `value` has a
value; `value: null` applies and leaves the value unset. Arithmetic is a tree of
{op: [arguments]} (never eval'd); an argument is a number or a reference ("option",
"option.fact", "value"); an unset or non-numeric argument, or a division by zero, leaves
the result unset, so a missing fact can never crash a view. `ge`/`lt`/`eq` compare (true or
false); `{if: [comparison, a, b]}` is a when the comparison holds, else b; `round3` rounds
to three decimals. A value may only use values
defined above it, so there are no cycles.
"""

import math
from dataclasses import dataclass
from typing import Any

from . import conditions

OPS = {
    "add": (2, None), "sub": (2, 2), "mul": (2, None), "div": (2, 2),
    "min": (2, None), "max": (2, None), "floor": (1, 1), "round": (1, 1), "ge": (2, 2),
    "lt": (2, 2), "eq": (2, 2), "if": (3, 3), "round3": (1, 1),
}


@dataclass(frozen=True)
class Value:
    id: str
    alternatives: tuple | None  # ((condition or None, template or None), ...)
    calc: Any  # ("op", (args...)) tree, or None
    format: str | None
    where: str


def parse_values(c, raw_values, check_template, check_cond, known):
    """Validate the `values` section. `known(name)` tells whether a reference exists so far."""
    if not isinstance(raw_values, list):
        c.fail("values", "expected a list")
    out, seen = [], set()
    for i, raw in enumerate(raw_values):
        where = c.place("values", i, raw)
        c.keys(raw, where, ("id",), ("first", "calc", "format"))
        value_id = c.ident(raw["id"], f"{where}.id")
        if known(value_id) or value_id in seen or value_id == "model":
            c.fail(f"{where}.id", "this id is already an option or a value")
        if ("first" in raw) == ("calc" in raw):
            c.fail(where, "give either 'first' (alternatives) or 'calc' (arithmetic)")
        alternatives = calc = None
        if "first" in raw:
            if not isinstance(raw["first"], list) or not raw["first"]:
                c.fail(f"{where}.first", "expected a non-empty list of alternatives")
            alts = []
            for j, alt in enumerate(raw["first"]):
                here = f"{where}.first[{j}]"
                c.keys(alt, here, ("value",), ("when",))
                when = conditions.parse(alt["when"], f"{here}.when", c.fail) if "when" in alt else None
                check_cond(when, f"{here}.when")
                template = alt["value"]
                if type(template) in (int, float):
                    template = str(template)
                if template is not None:
                    template = c.text(template, f"{here}.value")
                    check_template(template, f"{here}.value")
                alts.append((when, template))
            alternatives = tuple(alts)
        else:
            calc = _calc(c, raw["calc"], f"{where}.calc", known)
        fmt = raw.get("format")
        if fmt is not None:
            if calc is None or not isinstance(fmt, str):
                c.fail(f"{where}.format", "only 'calc' values take a format (a string such as ',.1f')")
            try:
                format(1.5, fmt)
            except ValueError as exc:
                c.fail(f"{where}.format", f"not a number format: {exc}")
        seen.add(value_id)
        out.append(Value(value_id, alternatives, calc, fmt, where))
        known.add(value_id)
    return tuple(out)


def _calc(c, raw, where, known):
    if type(raw) in (int, float):
        return raw
    if isinstance(raw, str):
        option, _, fact = raw.partition(".")
        if not known(option, fact or None):
            c.fail(where, f"unknown reference {raw!r}")
        return conditions.Ref(option, fact or None)
    if not isinstance(raw, dict) or len(raw) != 1:
        c.fail(where, f"expected a number, a reference or one operation ({', '.join(OPS)})")
    (op, args), = raw.items()
    if op not in OPS:
        c.fail(where, f"unknown operation {op!r} (use {', '.join(OPS)})")
    low, high = OPS[op]
    if not isinstance(args, list) or len(args) < low or (high is not None and len(args) > high):
        count = f"{low}" if low == high else f"at least {low}"
        c.fail(f"{where}.{op}", f"expected a list of {count} arguments")
    return (op, tuple(_calc(c, a, f"{where}.{op}[{k}]", known) for k, a in enumerate(args)))


def _number(x):
    return x if type(x) in (int, float) and math.isfinite(x) else None


def evaluate(tree, lookup):
    """The number (or bool for `ge`) a calc tree gives, or None if anything is missing."""
    if isinstance(tree, conditions.Ref):
        value = lookup(tree)
        if isinstance(value, str):  # free-form fields are text; integer ones convert
            try:
                value = float(value) if "." in value else int(value)
            except ValueError:
                return None
        return _number(value)
    if not isinstance(tree, tuple):
        return tree
    op, args = tree
    values = [evaluate(a, lookup) for a in args]
    if op == "if":  # {if: [comparison, then, else]}: only the branch taken must have a value
        if type(values[0]) is not bool:
            return None
        return values[1] if values[0] else values[2]
    if any(v is None or type(v) is bool for v in values):
        return None
    if op == "add":
        return sum(values)
    if op == "sub":
        return values[0] - values[1]
    if op == "mul":
        return math.prod(values)
    if op == "div":
        return None if values[1] == 0 else values[0] / values[1]
    if op == "min":
        return min(values)
    if op == "max":
        return max(values)
    if op == "floor":
        return math.floor(values[0])
    if op == "round":  # to a whole number: keeps 192 × 0.8 − 148.75 from flooring a hair low
        return round(values[0])
    if op == "round3":  # to 3 decimals, as engines round a computed fraction
        return round(values[0], 3)
    if op == "lt":
        return values[0] < values[1]
    if op == "eq":
        return values[0] == values[1]
    return values[0] >= values[1]  # ge


def shown(value, fmt):
    """How a derived value reads in a command or snippet."""
    if isinstance(value, bool):
        return str(value).lower()
    if fmt is not None and type(value) in (int, float):
        return format(value, fmt)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
