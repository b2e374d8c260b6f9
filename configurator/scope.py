"""Names in scope: which references a condition, template, output line or calc may use.

One home for "is this name valid here": options (and their facts), table columns, then the
derived values defined so far. A name whose own definition failed is not reported again
where it is used. `loader.load_spec` makes one `Names` per spec and passes its checks on
(derived.py's calcs ask it too).
"""

from . import conditions
from .placeholders import SAFE_WORD, split_home, split_var, template_refs
from .spec import ID


class Names:
    """Which references a template, condition or calc may use: options (and their facts),
    table columns, then the derived values defined so far."""

    def __init__(self, by_id, tables, broken, fail):
        self.by_id, self.tables, self.values = by_id, tables, set()
        self.broken = broken  # names whose definition failed: reported once, where they are defined
        self.fail = fail  # (where, problem): raises the spec's SpecError

    def __call__(self, name, fact=None):
        if set.__contains__(self.broken, name):  # not "any name" (values' ids are checked against this)
            return True
        if name in self.tables:
            return fact in self.tables[name].columns
        opt = self.by_id.get(name)
        if opt is not None:
            return fact is None and opt.kind != "checkbox" or (opt.kind == "radio" and fact in opt.items[0].facts)
        return fact is None and name in self.values

    def add(self, name):
        self.values.add(name)

    def check_cond(self, cond, where):
        """A condition may only name known options, items, facts, table columns and derived values."""
        if cond is None:
            return
        by_id, tables = self.by_id, self.tables
        for m in conditions.matches(cond):
            if m.ref.option in tables:
                if m.ref.fact not in tables[m.ref.option].columns:
                    self.fail(where, f"table '{m.ref.option}' has no column {m.ref.fact!r} "
                                     f"(use {m.ref.option}.<column>: {', '.join(tables[m.ref.option].columns)})")
                continue
            opt = by_id.get(m.ref.option)
            if opt is None and m.ref.fact is None and m.ref.option in self.values:
                continue  # a derived value: compared as it is
            if opt is None and m.ref.option in self.broken:
                continue  # its own problem is reported
            if opt is None:
                self.fail(where, f"unknown option '{m.ref.option}'")
            if m.ref.fact is not None:
                if opt.kind != "radio" or m.ref.fact not in opt.items[0].facts:
                    self.fail(where, f"unknown fact '{m.ref.fact}' of option '{opt.id}'")
            elif opt.kind in ("radio", "checkbox"):
                for v in m.values:
                    if v is not None and opt.item(v) is None:
                        self.fail(where, f"unknown item {v!r} of option '{opt.id}'")

    def check_ref(self, ref, where):
        """An output line's placeholder: {model}, an option (or its fact), a table column or a value."""
        option, _, fact = ref.partition(".")
        if option in self.broken:
            return  # its definition failed, and says so
        if ref != "model" and ("." in fact or not self(option, fact or None)):
            self.fail(where, f"bad placeholder {{{ref}}}: no option or value '{ref}'")

    def check_template(self, template, where, what="value", values=True):
        """A template's literal text and placeholders; `values`: derived values may be named (not in
        program words, which are filled before any value is derived)."""
        by_id, tables = self.by_id, self.tables
        try:
            parts = template_refs(split_var(split_home(template)[1])[0])
        except ValueError as exc:
            self.fail(where, f"bad template {template!r}: {exc}")
        for literal, ref, spec, conversion in parts:
            if literal and any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in literal):
                self.fail(where, f"literal text {literal!r} contains control characters")
            if literal and not SAFE_WORD.match(literal) and what != "derived value":
                # A derived value is not shell text: it is quoted or escaped wherever it is used.
                if what == "program word":
                    self.fail(where, f"{template!r} is not a plain shell word")
                self.fail(where, f"literal text {literal!r} needs shell quoting; put it in a field or simplify it")
            if ref is None:
                continue
            if spec or conversion:
                self.fail(where, f"placeholder {{{ref}}} may not carry a format spec or conversion")
            if ref == "model":
                continue
            option, _, fact = ref.partition(".")
            if option in tables:
                if fact not in tables[option].columns:
                    self.fail(where, f"bad placeholder {{{ref}}}: table '{option}' has columns "
                                  + ", ".join(f"{{{option}.{col}}}" for col in tables[option].columns))
                continue
            opt = by_id.get(option)
            if opt is None and not fact and values and option in self.values:
                continue  # a derived value
            if opt is None and values and option in self.broken:
                continue  # its definition failed, and says so
            if opt is None or not ID.match(option) or "." in fact:
                self.fail(where, f"bad placeholder {{{ref}}}: no option '{option}' (use {{model}}, {{option}} or {{option.fact}})")
            if fact and (opt.kind != "radio" or fact not in opt.items[0].facts):
                self.fail(where, f"bad placeholder {{{ref}}}: option '{option}' has no fact '{fact}'")
            if opt.kind == "checkbox":
                self.fail(where, f"bad placeholder {{{ref}}}: a checkbox option has no single value; "
                              f"use a rule with `when: {{{option}: <item>}}` per item")

    def check_program_refs(self, word, where="command.program"):
        """A program word must always have a value: {model}, or an option that is always shown
        and always has a choosable item."""
        for _, ref, _, _ in template_refs(word):
            if ref is None or ref == "model":
                continue
            opt = self.by_id.get(ref.partition(".")[0])
            if opt is None or opt.kind != "radio" or opt.when is not None or all(i.disabled is not None for i in opt.items):
                self.fail(where, f"placeholder {{{ref}}} may have no value; a program word can use "
                                          "{model} or an option that is always shown and has an item that is never disabled")
