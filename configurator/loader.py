"""Loading a spec: the authored dict validated, every problem at once, into a spec.Spec.

A spec is a plain dict (authors write YAML; the browser gets JSON). `load_spec`
checks everything that can be checked before a reader clicks, so that resolving
choices can never fail: unknown references, duplicate ids, unusable options,
bad templates and dependency cycles are all SpecErrors naming the place.
"""

from typing import Any

from . import conditions, derived, outputs, sources as sources_mod
from .parse_parts import parse_layout, parse_option, parse_programs, parse_rule, parse_tables, resolution_order
from .placeholders import SAFE_WORD
from .scope import Names
from .spec import NOTE_LEVELS, SPEC_NAME, Command, Note, Spec
from .states import check_every_state
from .validator import Validator, raw_id


def load_spec(data: Any, source: str = "<spec>", check_states: bool = True) -> Spec:
    """Validate a spec dict and return the immutable Spec. Raises SpecError.

    check_states=False skips resolving every reachable state (most of the load time): only for
    a spec the build has already loaded with the check, such as the one a page sends the browser.
    """
    c = Validator(source, data)
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
        with c.part(raw_id(raw)):
            options.append(parse_option(c, raw, i))
    by_id = {}
    for opt in options:
        with c.part():
            if opt.id in by_id or opt.id == "model":
                c.fail(f"options.{opt.id}", "duplicate option id" if opt.id in by_id else "'model' is reserved")
        by_id.setdefault(opt.id, opt)
    options = [by_id[opt_id] for opt_id in dict.fromkeys(o.id for o in options)]
    tables = {}
    with c.part():
        tables = parse_tables(c, data.get("tables", []), by_id)
    if isinstance(data.get("tables"), list):
        c.broken |= {raw_id(t) for t in data["tables"] if isinstance(raw_id(t), str)} - set(tables)
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

    # Conditions, templates and calcs may only name known options, items, facts, table columns
    # and derived values.
    names = Names(by_id, tables, c.broken, c.fail)
    check_cond = names.check_cond

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
        order = resolution_order(c, options, deps)
    values = ()
    with c.part():
        values = derived.parse_values(
            c, data.get("values", []),
            lambda t, w: names.check_template(t, w, what="derived value"), check_cond, names)
    if isinstance(data.get("values"), list):
        c.broken |= {raw_id(v) for v in data["values"] if isinstance(raw_id(v), str)} - {v.id for v in values}
    elif "values" in data:
        c.broken.unknown = True

    broken_sources = set()
    spec_sources = sources_mod.parse_sources(c, data.get("sources", []), broken_sources)

    def parse_command(command, where):
        # Only the spec's own command names its source; an output names it beside its title.
        c.keys(command, where, ("program", "args"), ("env", "layout") + (("source",) if where == "command" else ()))
        layout = parse_layout(c, command.get("layout", {}), f"{where}.layout")
        programs, program = parse_programs(c, command["program"], f"{where}.program", names)
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
                    rule = parse_rule(c, kind, raw, f"{where}.{key}[{i}]", names)
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

    spec_outputs = ()
    with c.part():
        spec_outputs = outputs.parse_outputs(
            c, data.get("outputs", []), names.check_ref, check_cond, parse_command,
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
        release=data.get("release"), source_deprecations=data.get("source_deprecations", ()),
        source_unknown_env=data.get("source_unknown_env", ()),
    )
    if check_states:
        check_spec_states(spec, data)
    return spec


def check_spec_states(spec: Spec, data: Any) -> None:
    """The every-state check of load_spec (raises SpecError), for a spec loaded with
    check_states=False whose caller runs it later (the build: beside its forked check)."""
    c = Validator(spec.source, data)
    check_every_state(c, spec)
    c.done()
