"""The spec model and its load-time validation.

A spec is a plain dict (authors write YAML; the browser gets JSON). `load_spec`
checks everything that can be checked before a reader clicks, so that resolving
choices can never fail: unknown references, duplicate ids, unusable options,
bad templates and dependency cycles are all SpecErrors naming the place.
"""

import re
from dataclasses import dataclass, field
from typing import Any

from . import conditions, derived, outputs, sources as sources_mod
from .errors import SpecError
from .outputs import template_refs  # one parser of {placeholders} for commands and outputs
from .tables import parse_table

ID = re.compile(r"[a-z][a-z0-9_-]*\Z")
# Item ids may also start with a digit and contain dots (`0.8b`, `120b`): they only ever
# appear as values (conditions, URLs), never inside a placeholder, so `{option.fact}` stays unambiguous.
ITEM_ID = re.compile(r"[a-z0-9][a-z0-9._-]*\Z")
SPEC_NAME = re.compile(r"[a-z0-9][a-z0-9._-]*\Z")  # also the page's data-configurator value
FLAG = re.compile(r"--?[A-Za-z0-9][A-Za-z0-9_.-]*(=[\w@%+:,./-]+)?\Z", re.ASCII)  # also --ipc=host
ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
# Literal template text must already be a single safe shell word (what shlex.quote leaves alone).
SAFE_WORD = re.compile(r"[\w@%+=:,./-]*\Z", re.ASCII)
# The one exception: a word the author wrote may start with `~/`, left unquoted so the shell
# expands it to the reader's home directory (`-v ~/.cache/huggingface:/root/.cache/huggingface`).
HOME = "~/"
# And it may end in a shell variable, `$HEAD_IP` or `NAME=$IFACE_NAME`, left unquoted so the shell
# expands it (generators publish such placeholders for values only the reader's machine knows).
SHELL_VAR = re.compile(r"\$[A-Z_][A-Z0-9_]*\Z")
ENV_PLACES = ("own-line", "program-line")
MAX_INDENT = 8
FIELD_KINDS = ("text", "integer")
CHOICE_KINDS = ("radio", "checkbox")
NOTE_LEVELS = ("info", "tip", "warning")


@dataclass(frozen=True)
class Item:
    id: str
    label: str
    subtitle: str | None
    default: Any  # False, True or a condition (a default that depends on other choices)
    disabled: Any  # None (never), True (always) or a condition
    reason: str | None  # why it is disabled, or (checkboxes) why it is required
    facts: dict
    required: Any = None  # checkboxes: None, True or a condition; a required item stays checked


@dataclass(frozen=True)
class Option:
    id: str
    title: str
    kind: str  # "radio" | "checkbox" | "text" | "integer"
    when: Any  # condition or None
    help: str | None
    items: tuple = ()
    default: str = ""  # free-form fields
    minimum: int | None = None
    maximum: int | None = None
    pattern: str | None = None
    placeholder: str | None = None

    def item(self, item_id):
        return next((i for i in self.items if i.id == item_id), None)


@dataclass(frozen=True)
class Rule:
    """One piece of the command: an env assignment or an argument."""
    kind: str  # "env" | "arg"
    name: str | None  # env name or flag (None: positional value)
    value: str | None  # template
    when: Any
    why: str | None
    where: str
    same_line: bool = False  # continues the line above instead of starting its own
    new_line: bool = False  # env: starts a new line of the environment block (own-line layout)


@dataclass(frozen=True)
class Layout:
    """Where the words of a command go; the defaults are the seed generator's layout."""
    indent: int = 2  # spaces before each argument line
    env: str = "own-line"  # or "program-line": `ENV=1 program \\`


@dataclass(frozen=True)
class Note:
    level: str
    text: str
    when: Any
    source: str | None = None  # the id of the source whose text it reproduces


@dataclass(frozen=True)
class Spec:
    name: str
    title: str
    model: str
    engine: str
    options: tuple
    order: tuple  # option ids in resolution order (dependencies first)
    program: tuple
    rules: tuple
    notes: tuple
    source: str
    by_id: dict = field(repr=False, default_factory=dict)
    layout: Layout = Layout()
    tables: dict = field(repr=False, default_factory=dict)  # table id → Table
    # option id → tables whose missing cells disable that option's items (their last key)
    limited_by: dict = field(repr=False, default_factory=dict)
    values: tuple = ()  # derived.Value, in order
    outputs: tuple = ()  # outputs.Output
    programs: tuple = ()  # ((condition, words), ...): the first that holds replaces `program`
    sources: dict = field(repr=False, default_factory=dict)  # id → sources.Source, in spec order
    command_source: tuple | None = None  # ((condition, source id), ...): what the command reproduces


@dataclass(frozen=True)
class Command:
    """A command's parts: the spec's own, or a command output's."""
    programs: tuple
    program: tuple
    rules: tuple
    layout: Layout


class _Names:
    """Which references a template, condition or calc may use: options (and their facts),
    table columns, then the derived values defined so far."""

    def __init__(self, by_id, tables, broken=None):
        self.by_id, self.tables, self.values = by_id, tables, set()
        self.broken = set() if broken is None else broken  # names whose definition failed: reported once, where they are defined

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


class _Checker:
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


def _raw_id(raw):
    return raw.get("id") if isinstance(raw, dict) else None


def load_spec(data: Any, source: str = "<spec>", check_states: bool = True) -> Spec:
    """Validate a spec dict and return the immutable Spec. Raises SpecError.

    check_states=False skips resolving every reachable state (most of the load time): only for
    a spec the build has already loaded with the check, such as the one a page sends the browser.
    """
    c = _Checker(source, data)
    required = ("name", "title", "model", "options", "command")
    with c.part():
        c.keys(data, "spec", required,
               ("engine", "notes", "description", "tables", "values", "outputs", "release", "source_deprecations",
                "source_unknown_env", "sources"))
    if not isinstance(data, dict) or any(key not in data for key in required):
        c.done()
    name = data["name"]
    with c.part():
        if not isinstance(name, str) or not SPEC_NAME.match(name):
            c.fail("name", f"bad spec name {name!r}: use lowercase letters, digits, '.', '-' and '_'")
    title = model = None
    with c.part():
        title = c.text(data["title"], "title")
    with c.part():
        model = c.text(data["model"], "model")
        if not SAFE_WORD.match(model):
            c.fail("model", f"{model!r} is not a plain model path")
    raw_options = data["options"]
    if not isinstance(raw_options, list) or not raw_options:
        with c.part():
            c.fail("options", "expected a non-empty list")
        c.done()
    options = []
    for i, raw in enumerate(raw_options):
        with c.part(_raw_id(raw)):
            options.append(_option(c, raw, i))
    by_id = {}
    for opt in options:
        with c.part():
            if opt.id in by_id or opt.id == "model":
                c.fail(f"options.{opt.id}", "duplicate option id" if opt.id in by_id else "'model' is reserved")
        by_id.setdefault(opt.id, opt)
    options = [by_id[opt_id] for opt_id in dict.fromkeys(o.id for o in options)]
    tables = {}
    with c.part():
        tables = _tables(c, data.get("tables", []), by_id)
    if isinstance(data.get("tables"), list):
        c.broken |= {_raw_id(t) for t in data["tables"] if isinstance(_raw_id(t), str)} - set(tables)
    else:
        c.broken.unknown = "tables" in data
    limited_by = {}
    for table in tables.values():
        if table.unavailable is not None:
            limited_by.setdefault(table.keys[-1], []).append(table)

    def needs_of(cond):
        """Options a condition reads; a table reads its keys."""
        out = set()
        for r in conditions.refs(cond):
            out |= set(tables[r.option].keys) if r.option in tables else {r.option}
        return out

    # Conditions may only name known options, items, facts, table columns and derived values.
    names = _Names(by_id, tables, c.broken)

    def check_cond(cond, where):
        if cond is None:
            return
        for m in conditions.matches(cond):
            if m.ref.option in tables:
                if m.ref.fact not in tables[m.ref.option].columns:
                    c.fail(where, f"table '{m.ref.option}' has no column {m.ref.fact!r} "
                                  f"(use {m.ref.option}.<column>: {', '.join(tables[m.ref.option].columns)})")
                continue
            opt = by_id.get(m.ref.option)
            if opt is None and m.ref.fact is None and m.ref.option in names.values:
                continue  # a derived value: compared as it is
            if opt is None and m.ref.option in c.broken:
                continue  # its own problem is reported
            if opt is None:
                c.fail(where, f"unknown option '{m.ref.option}'")
            if m.ref.fact is not None:
                if opt.kind != "radio" or m.ref.fact not in opt.items[0].facts:
                    c.fail(where, f"unknown fact '{m.ref.fact}' of option '{opt.id}'")
            elif opt.kind in ("radio", "checkbox"):
                for v in m.values:
                    if v is not None and opt.item(v) is None:
                        c.fail(where, f"unknown item {v!r} of option '{opt.id}'")

    deps = {}
    for opt in options:
        where = f"options.{opt.id}"
        with c.part():
            check_cond(opt.when, f"{where}.when")
            for item in opt.items:
                for key in ("disabled", "default", "required"):
                    if isinstance(getattr(item, key), conditions.Combine):
                        check_cond(getattr(item, key), f"{where}.items.{item.id}.{key}")
        needs = {n for n in needs_of(opt.when)} if opt.when else set()
        for item in opt.items:
            for key in ("disabled", "default", "required"):
                cond = getattr(item, key)
                if isinstance(cond, conditions.Combine):
                    needs |= needs_of(cond)
        for table in limited_by.get(opt.id, ()):
            needs |= set(table.keys[:-1])
        deps[opt.id] = needs & set(by_id)  # a reference to a broken option is reported already
    order = ()
    with c.part():
        order = _resolution_order(c, options, deps)
    values = ()
    with c.part():
        values = derived.parse_values(
            c, data.get("values", []),
            lambda t, w: _check_template(c, t, w, by_id, tables, what="derived value", names=names), check_cond, names)
    if isinstance(data.get("values"), list):
        c.broken |= {_raw_id(v) for v in data["values"] if isinstance(_raw_id(v), str)} - {v.id for v in values}
    elif "values" in data:
        c.broken.unknown = True

    broken_sources = set()
    spec_sources = sources_mod.parse_sources(c, data.get("sources", []), broken_sources)

    def parse_command(command, where):
        # Only the spec's own command names its source; an output names it beside its title.
        c.keys(command, where, ("program", "args"), ("env", "layout") + (("source",) if where == "command" else ()))
        layout = _layout(c, command.get("layout", {}), f"{where}.layout")
        programs, program = _programs(c, command["program"], f"{where}.program", by_id, tables, check_cond)
        rules = []
        for kind, key in (("env", "env"), ("arg", "args")):
            raw_rules = command.get(key, [])
            if not isinstance(raw_rules, list):
                c.fail(f"{where}.{key}", "expected a list")
            # A list inside the list is spliced in, so a run of rules shared by several
            # commands can be one YAML anchor (`args: [*docker, *serve_args]`).
            raw_rules = [r for raw in raw_rules for r in (raw if isinstance(raw, list) else [raw])]
            for i, raw in enumerate(raw_rules):
                with c.part():
                    rule = _rule(c, kind, raw, f"{where}.{key}[{i}]", by_id, tables, names)
                    check_cond(rule.when, f"{rule.where}.when")
                    rules.append(rule)
                    if rule.new_line and layout.env != "own-line":
                        c.fail(f"{rule.where}.new-line", "needs the environment on its own lines (layout env: own-line)")
        return Command(programs, program, tuple(rules), layout)

    main = main_source = None
    with c.part():
        main = parse_command(data["command"], "command")
    with c.part():
        main_source = sources_mod.parse_ref(c, data["command"].get("source"), "command.source", spec_sources,
                                            check_cond, broken_sources)

    def check_source(raw, where):
        ref = sources_mod.parse_ref(c, raw, where, spec_sources, check_cond, broken_sources) if raw is not None else None
        if ref is not None and len(ref) > 1:
            c.fail(where, "expected one source id")
        return ref[0][1] if ref else None

    def check_ref(ref, where):
        option, _, fact = ref.partition(".")
        if option in c.broken:
            return  # its definition failed, and says so
        if ref != "model" and ("." in fact or not names(option, fact or None)):
            c.fail(where, f"bad placeholder {{{ref}}}: no option or value '{ref}'")

    spec_outputs = ()
    with c.part():
        spec_outputs = outputs.parse_outputs(
            c, data.get("outputs", []), check_ref, check_cond, parse_command,
            lambda f: isinstance(f, str) and f in by_id and by_id[f].kind in ("text", "integer"), check_source)

    notes = []
    raw_notes = data.get("notes", [])
    if not isinstance(raw_notes, list):
        with c.part():
            c.fail("notes", "expected a list")
        raw_notes = []
    for i, raw in enumerate(raw_notes):
        where = f"notes[{i}]"
        with c.part():
            c.keys(raw, where, ("text",), ("level", "when", "source"))
            level = raw.get("level", "info")
            if level not in NOTE_LEVELS:
                c.fail(f"{where}.level", f"expected one of {', '.join(NOTE_LEVELS)}")
            when = conditions.parse(raw["when"], f"{where}.when", c.fail) if "when" in raw else None
            check_cond(when, f"{where}.when")
            notes.append(Note(level, c.text(raw["text"], f"{where}.text"), when,
                              check_source(raw.get("source"), f"{where}.source")))
    engine = None
    with c.part():
        engine = c.text(data.get("engine", "sglang"), "engine")
    c.done()

    spec = Spec(
        name=name, title=title, model=model,
        engine=engine, options=tuple(options),
        order=order, program=main.program, rules=main.rules, notes=tuple(notes),
        source=source, by_id=by_id, layout=main.layout, tables=tables, values=values, outputs=spec_outputs,
        programs=main.programs, sources=spec_sources, command_source=main_source,
        limited_by={k: tuple(v) for k, v in limited_by.items()},
    )
    if check_states:
        _check_every_state(c, spec)
        c.done()
    return spec


MAX_CHECKED_STATES = 4096


def all_states(spec: Spec, unset: bool = False, limit: int | None = None):
    """Every combination of radio items and checkbox sets (disabled items included), in spec order.

    A checkbox set is a list of item ids in the spec's order. With `unset`, each option may
    also be left out (no choice made). Returns None as soon as there would be more than
    `limit` combinations, before building them all.
    """
    combos = [{}]
    for opt in spec.options:
        if opt.kind == "radio":
            per_option = len(opt.items) + unset
        elif opt.kind == "checkbox":
            per_option = 2 ** len(opt.items) + unset
        else:
            continue
        if limit is not None and len(combos) * per_option > limit:
            return None
        if opt.kind == "radio":
            choices = [item.id for item in opt.items]
        else:
            ids = [item.id for item in opt.items]
            choices = [[i for n, i in enumerate(ids) if mask >> n & 1] for mask in range(2 ** len(ids))]
        choices = ([None] if unset else []) + choices
        combos = [c if i is None else {**c, opt.id: i} for c in combos for i in choices]
    return combos


def reachable_states(spec: Spec, limit: int | None = None):
    """Every combination of choices that can give a different view: like all_states, but an
    option hidden by the choices before it (in resolution order) is not varied, since a hidden
    option's choice changes nothing. Returns None past `limit` combinations."""
    from .resolver import resolve  # resolve imports this module; import late

    combos = [{}]
    for opt_id in spec.order:
        opt = spec.by_id[opt_id]
        if opt.kind not in CHOICE_KINDS:
            continue
        if opt.kind == "radio":
            choices = [item.id for item in opt.items]
        else:
            ids = [item.id for item in opt.items]
            choices = [[i for n, i in enumerate(ids) if mask >> n & 1] for mask in range(2 ** len(ids))]
        grown = []
        for combo in combos:
            # Its `when` names only options resolved before it, all chosen in `combo` by now.
            if opt.when is not None and not next(v for v in resolve(spec, combo)["options"] if v["id"] == opt_id)["visible"]:
                grown.append(combo)
            else:
                grown += [{**combo, opt_id: choice} for choice in choices]
            if limit is not None and len(grown) > limit:
                return None
        combos = grown
    return combos


def _check_every_state(c, spec):
    """In every state, each shown radio keeps a choosable item and no checkbox is both required and disabled."""
    from .resolver import resolve_state  # resolve imports this module; import late

    states = reachable_states(spec, limit=MAX_CHECKED_STATES)
    if states is None:
        return  # too many to enumerate; resolution still degrades safely (no value, no flags)
    reported = set()  # each place once, in the first state that shows the problem
    for choices in states:
        for view in resolve_state(spec, choices)["options"]:
            if view["visible"] and view["kind"] == "radio" and view["value"] is None:
                others = ", ".join(f"{k}={v}" for k, v in choices.items() if k != view["id"])
                where = f"options.{view['id']}.items"
                with c.part():
                    if where not in reported:
                        reported.add(where)
                        c.fail(where, f"no item can be chosen when {others}: all are disabled")
            if view["visible"] and view["kind"] == "checkbox":
                for item in view["items"]:
                    if item["required"] and item["id"] not in view["value"]:
                        others = ", ".join(f"{k}={v}" for k, v in choices.items() if k != view["id"])
                        where = f"options.{view['id']}.items.{item['id']}"
                        with c.part():
                            if where not in reported:
                                reported.add(where)
                                c.fail(where, f"is both required and disabled when {others}")


def _option(c, raw, index):
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
    return _field(c, raw, where, opt_id, title, kind, when, help_text)


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
    for i, raw in enumerate(raw_items):
        here = f"{where}.items[{i}]"
        if isinstance(raw, dict) and isinstance(raw.get("id"), str):
            here = f"{where}.items.{raw['id']}"
        extra = ("facts",) if kind == "radio" else ("required",)
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


def _field(c, raw, where, opt_id, title, kind, when, help_text):
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
    from .resolver import check_field  # shared with resolution: one definition of "valid"
    problem = check_field(opt, opt.default) if opt.default else None
    if problem:
        c.fail(f"{where}.default", problem)
    return opt


def _programs(c, raw, where, by_id, tables, check_cond):
    """`program: sglang serve`, or alternatives `[{when: …, text: …}, …, {text: …}]` (the
    last one without `when`, so some program always applies)."""
    def words(text, here):
        out = tuple(c.text(text, here).split())
        for word in out:
            _check_template(c, word, here, by_id, tables, what="program word")
            _check_program_refs(c, word, by_id, here)
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
        check_cond(when, f"{here}.when")
        alts.append((when, words(alt["text"], f"{here}.text")))
    if alts[-1][0] is not None:
        c.fail(f"{where}[{len(alts) - 1}]", "the last alternative must have no 'when', so a program always applies")
    return tuple(alts[:-1]), alts[-1][1]


def _rule(c, kind, raw, where, by_id, tables, names=None):
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
        _check_template(c, value, f"{where}.value", by_id, tables, names=names)
    when = conditions.parse(raw["when"], f"{where}.when", c.fail) if "when" in raw else None
    same_line, new_line = raw.get("same-line", False), raw.get("new-line", False)
    for key, flag in (("same-line", same_line), ("new-line", new_line)):
        if not isinstance(flag, bool):
            c.fail(f"{where}.{key}", "expected true or false")
    return Rule(kind, name, value, when, c.text(raw.get("why"), f"{where}.why", optional=True), where,
                same_line, new_line)


def _layout(c, raw, where="command.layout"):
    c.keys(raw, where, (), ("indent", "env"))
    indent = raw.get("indent", Layout.indent)
    if type(indent) is not int or not 0 <= indent <= MAX_INDENT:
        c.fail(f"{where}.indent", f"expected a number of spaces from 0 to {MAX_INDENT}")
    env = raw.get("env", Layout.env)
    if env not in ENV_PLACES:
        c.fail(f"{where}.env", f"expected one of {', '.join(ENV_PLACES)}")
    return Layout(indent, env)


def _tables(c, raw, by_id):
    if not isinstance(raw, list):
        c.fail("tables", "expected a list")
    tables = {}
    for i, entry in enumerate(raw):
        table = parse_table(c, entry, i, by_id, c.ident)
        if table.id in tables or table.id in by_id or table.id == "model":
            c.fail(f"tables.{table.id}.id", "the id is already used by another table or an option")
        tables[table.id] = table
    return tables


def _check_program_refs(c, word, by_id, where="command.program"):
    """A program word must always have a value: {model}, or an option that is always shown
    and always has a choosable item."""
    for _, ref, _, _ in template_refs(word):
        if ref is None or ref == "model":
            continue
        opt = by_id.get(ref.partition(".")[0])
        if opt is None or opt.kind != "radio" or opt.when is not None or all(i.disabled is not None for i in opt.items):
            c.fail(where, f"placeholder {{{ref}}} may have no value; a program word can use "
                                      "{model} or an option that is always shown and has an item that is never disabled")


def split_home(template):
    """('~/', rest) for a word the author starts with ~/ (left unquoted for the shell), else ('', word)."""
    return (HOME, template[len(HOME):]) if template.startswith(HOME) else ("", template)


def split_var(template):
    """(rest, '$NAME') for a word the author ends with a shell variable (left unquoted), else (word, '')."""
    match = SHELL_VAR.search(template)
    return (template[:match.start()], match.group()) if match else (template, "")


def _check_template(c, template, where, by_id, tables, what="value", names=None):
    try:
        parts = template_refs(split_var(split_home(template)[1])[0])
    except ValueError as exc:
        c.fail(where, f"bad template {template!r}: {exc}")
    for literal, ref, spec, conversion in parts:
        if literal and any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in literal):
            c.fail(where, f"literal text {literal!r} contains control characters")
        if literal and not SAFE_WORD.match(literal) and what != "derived value":
            # A derived value is not shell text: it is quoted or escaped wherever it is used.
            if what == "program word":
                c.fail(where, f"{template!r} is not a plain shell word")
            c.fail(where, f"literal text {literal!r} needs shell quoting; put it in a field or simplify it")
        if ref is None:
            continue
        if spec or conversion:
            c.fail(where, f"placeholder {{{ref}}} may not carry a format spec or conversion")
        if ref == "model":
            continue
        option, _, fact = ref.partition(".")
        if option in tables:
            if fact not in tables[option].columns:
                c.fail(where, f"bad placeholder {{{ref}}}: table '{option}' has columns "
                              + ", ".join(f"{{{option}.{col}}}" for col in tables[option].columns))
            continue
        opt = by_id.get(option)
        if opt is None and not fact and names is not None and option in names.values:
            continue  # a derived value
        if opt is None and names is not None and option in names.broken:
            continue  # its definition failed, and says so
        if opt is None or not ID.match(option) or "." in fact:
            c.fail(where, f"bad placeholder {{{ref}}}: no option '{option}' (use {{model}}, {{option}} or {{option.fact}})")
        if fact and (opt.kind != "radio" or fact not in opt.items[0].facts):
            c.fail(where, f"bad placeholder {{{ref}}}: option '{option}' has no fact '{fact}'")
        if opt.kind == "checkbox":
            c.fail(where, f"bad placeholder {{{ref}}}: a checkbox option has no single value; "
                          f"use a rule with `when: {{{option}: <item>}}` per item")


def _resolution_order(c, options, deps):
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
