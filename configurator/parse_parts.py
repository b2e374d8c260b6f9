"""Parsing a spec's parts: options (items, free-form fields), the command's programs and rules,
its layout and tables, and the order options resolve in. Each function raises the first problem
of its part through `c.fail` (a validator.Validator); names are checked by a scope.Names.
"""

import re

from . import conditions, hardware
from .resolver import check_field  # shared with resolution: one definition of a valid entry
from .spec import (CHOICE_KINDS, ENV_NAME, ENV_PLACES, FIELD_KINDS, FLAG, ID, MAX_INDENT, Item, Layout, Option,
                   Rule)
from .tables import parse_table


def parse_option(c, raw, index):
    where = c.place("options", index, raw)
    kind = raw.get("type", "radio") if isinstance(raw, dict) else None
    common = ("type", "when", "help")
    if isinstance(raw, dict) and kind not in CHOICE_KINDS + FIELD_KINDS:
        c.fail(f"{where}.type", f"unknown type {kind!r} (use {', '.join(CHOICE_KINDS + FIELD_KINDS)})")
    if kind in CHOICE_KINDS:
        c.keys(raw, where, ("id", "title", "items"), common)
    elif kind in FIELD_KINDS:
        c.keys(raw, where, ("id", "title"), common + ("default", "min", "max", "pattern", "placeholder"))
    else:
        c.keys(raw, where, ("id", "title"), common)
    opt_id = c.ident(raw["id"], f"{where}.id")
    when = conditions.parse(raw["when"], f"{where}.when", c.fail) if "when" in raw else None
    title = c.text(raw["title"], f"{where}.title")
    help_text = c.text(raw.get("help"), f"{where}.help", optional=True)
    if kind in CHOICE_KINDS:
        return Option(opt_id, title, kind, when, help_text, items=_items(c, raw["items"], where, kind))
    return _parse_field(c, raw, where, opt_id, title, kind, when, help_text)


def _flag(c, raw, key, here):
    """False/True, or a condition (parsed)."""
    value = raw.get(key, False)
    if isinstance(value, bool):
        return value
    if not isinstance(value, dict):
        c.fail(f"{here}.{key}", "expected true or false, or a condition")
    return conditions.parse(value, f"{here}.{key}", c.fail)


def _items(c, raw_items, where, kind):
    if not isinstance(raw_items, list) or not raw_items:
        c.fail(f"{where}.items", "expected a non-empty list of items")
    items, seen = [], set()
    catalogue = hardware.item_facts(c, raw_items, where) if kind == "radio" else None  # `hardware: h200`
    for i, raw in enumerate(raw_items):
        here = f"{where}.items[{i}]"
        if isinstance(raw, dict) and isinstance(raw.get("id"), str):
            here = f"{where}.items.{raw['id']}"
        extra = ("facts", "hardware") if kind == "radio" else ("required",)
        c.keys(raw, here, ("id", "label"), ("subtitle", "default", "disabled", "reason") + extra)
        item_id = c.item_ident(raw["id"], f"{here}.id")
        if item_id in seen:
            c.fail(here, "duplicate item id")
        seen.add(item_id)
        default = _flag(c, raw, "default", here)
        disabled = _flag(c, raw, "disabled", here) or None
        required = _flag(c, raw, "required", here) or None
        reason = c.text(raw.get("reason"), f"{here}.reason", optional=True)
        if disabled is not None and reason is None:
            c.fail(f"{here}.reason", "an item that can be disabled needs a reason readers can see")
        if required is not None and reason is None:
            c.fail(f"{here}.reason", "a required item needs a reason readers can see")
        if disabled is True and default is not False:
            c.fail(f"{here}.default", "the default item is always disabled")
        if disabled is True and required is not None:
            c.fail(f"{here}.required", "the item is always disabled")
        facts = raw.get("facts", {})
        if not isinstance(facts, dict) or not all(isinstance(v, conditions.SCALARS) for v in facts.values()):
            c.fail(f"{here}.facts", "expected a mapping of names to plain values")
        for fact in facts:
            if not isinstance(fact, str) or not ID.match(fact):
                c.fail(f"{here}.facts", f"bad fact name {fact!r}")
            if catalogue and fact in catalogue[i]:
                c.fail(f"{here}.facts.{fact}", f"given by hardware profile '{raw['hardware']}' ({hardware.FILE})")
        facts = {**catalogue[i], **facts} if catalogue else facts
        items.append(Item(item_id, c.text(raw["label"], f"{here}.label"),
                          c.text(raw.get("subtitle"), f"{here}.subtitle", optional=True),
                          default, disabled, reason, dict(facts), required))
    # Every item states the same facts, so a condition can't silently miss one.
    names = set(items[0].facts)
    for item in items[1:]:
        if set(item.facts) != names:
            odd = sorted(names ^ set(item.facts))[0]
            c.fail(f"{where}.items.{item.id}.facts", f"fact '{odd}' must be given for every item or none")
    if kind == "radio" and all(item.disabled is True for item in items):
        c.fail(f"{where}.items", "no item can ever be chosen: all are disabled")
    return tuple(items)


def _parse_field(c, raw, where, opt_id, title, kind, when, help_text):
    bounds = {}
    for key in ("min", "max"):
        if key in raw:
            if kind != "integer" or type(raw[key]) is not int:
                c.fail(f"{where}.{key}", "only integer fields have integer bounds")
            bounds[key] = raw[key]
    if "min" in bounds and "max" in bounds and bounds["min"] > bounds["max"]:
        c.fail(f"{where}.min", "min is greater than max")
    pattern = raw.get("pattern")
    if pattern is not None:
        if kind != "text" or not isinstance(pattern, str):
            c.fail(f"{where}.pattern", "only text fields take a pattern (a string)")
        try:
            re.compile(pattern)
        except re.error as exc:
            c.fail(f"{where}.pattern", f"not a valid regular expression: {exc}")
    default = raw.get("default", "")
    if type(default) not in (str, int):
        c.fail(f"{where}.default", "expected a string or an integer")
    opt = Option(opt_id, title, kind, when, help_text, default=str(default),
                 minimum=bounds.get("min"), maximum=bounds.get("max"), pattern=pattern,
                 placeholder=c.text(raw.get("placeholder"), f"{where}.placeholder", optional=True))
    problem = check_field(opt, opt.default) if opt.default else None
    if problem:
        c.fail(f"{where}.default", problem)
    return opt


def parse_programs(c, raw, where, names):
    """`program: sglang serve`, or alternatives `[{when: …, text: …}, …, {text: …}]` (the
    last one without `when`, so some program always applies)."""
    def words(text, here):
        out = tuple(c.text(text, here).split())
        for word in out:
            names.check_template(word, here, what="program word", values=False)
            names.check_program_refs(word, here)
        return out

    if not isinstance(raw, list):
        return (), words(raw, where)
    if not raw:
        c.fail(where, "expected a program or a non-empty list of alternatives")
    alts = []
    for i, alt in enumerate(raw):
        here = f"{where}[{i}]"
        c.keys(alt, here, ("text",), ("when",))
        when = conditions.parse(alt["when"], f"{here}.when", c.fail) if "when" in alt else None
        names.check_cond(when, f"{here}.when")
        alts.append((when, words(alt["text"], f"{here}.text")))
    if alts[-1][0] is not None:
        c.fail(f"{where}[{len(alts) - 1}]", "the last alternative must have no 'when', so a program always applies")
    return tuple(alts[:-1]), alts[-1][1]


def parse_rule(c, kind, raw, where, names):
    if kind == "env":
        c.keys(raw, where, ("name", "value"), ("when", "why", "new-line"))
        name = raw["name"]
        if not isinstance(name, str) or not ENV_NAME.match(name):
            c.fail(f"{where}.name", f"bad environment variable name {name!r}")
    else:
        c.keys(raw, where, (), ("flag", "value", "when", "why", "same-line"))
        name = raw.get("flag")
        if name is None and "value" not in raw:
            c.fail(where, "an argument needs a flag, a value or both")
        if name is not None and (not isinstance(name, str) or not FLAG.match(name)):
            c.fail(f"{where}.flag", f"bad flag {name!r}: expected something like --tp-size")
    value = raw.get("value")
    if value is not None:
        if type(value) in (int, float):
            value = str(value)
        value = c.text(value, f"{where}.value")
        names.check_template(value, f"{where}.value")
    when = conditions.parse(raw["when"], f"{where}.when", c.fail) if "when" in raw else None
    same_line, new_line = raw.get("same-line", False), raw.get("new-line", False)
    for key, flag in (("same-line", same_line), ("new-line", new_line)):
        if not isinstance(flag, bool):
            c.fail(f"{where}.{key}", "expected true or false")
    return Rule(kind, name, value, when, c.text(raw.get("why"), f"{where}.why", optional=True), where,
                same_line, new_line)


def parse_layout(c, raw, where="command.layout"):
    c.keys(raw, where, (), ("indent", "env"))
    indent = raw.get("indent", Layout.indent)
    if type(indent) is not int or not 0 <= indent <= MAX_INDENT:
        c.fail(f"{where}.indent", f"expected a number of spaces from 0 to {MAX_INDENT}")
    env = raw.get("env", Layout.env)
    if env not in ENV_PLACES:
        c.fail(f"{where}.env", f"expected one of {', '.join(ENV_PLACES)}")
    return Layout(indent, env)


def parse_tables(c, raw, by_id):
    if not isinstance(raw, list):
        c.fail("tables", "expected a list")
    tables = {}
    for i, entry in enumerate(raw):
        table = parse_table(c, entry, i, by_id, c.ident)
        if table.id in tables or table.id in by_id or table.id == "model":
            c.fail(f"tables.{table.id}.id", "the id is already used by another table or an option")
        tables[table.id] = table
    return tables


def resolution_order(c, options, deps):
    """Dependencies first, display order among equals. A cycle could oscillate: reject it."""
    done, order = set(), []
    pending = list(options)
    while pending:
        ready = next((o for o in pending if deps[o.id] <= done and o.id not in deps[o.id]), None)
        if ready is None:
            stuck = pending[0]
            cycle = _find_cycle(stuck.id, deps, {o.id for o in pending})
            c.fail(f"options.{stuck.id}",
                   "options depend on each other in a cycle (" + " → ".join(cycle) +
                   "), so choices could oscillate; an option may only depend on options that do not depend on it")
        done.add(ready.id)
        order.append(ready.id)
        pending.remove(ready)
    return tuple(order)


def _find_cycle(start, deps, pending):
    # Every pending option waits on another pending one, so walking those waits must loop.
    path, node = [start], start
    while True:
        node = sorted(deps[node] & pending)[0]
        if node in path:
            return path[path.index(node):] + [node]
        path.append(node)
