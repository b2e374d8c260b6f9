"""Resolution: the reader's choices + a spec → the view the page renders.

Never raises for any input: bad input is ignored and reported in the view.
"""

import re
import reprlib
from typing import Any

from . import conditions, derived, outputs, sources
from .render import _fill, fill_ref, render_command

MAX_SHOWN = 80  # characters of a rejected value echoed back in a report
MAX_TEXT = 200  # characters of a free-form entry
MAX_SET = 64  # ids in one checkbox choice; more is garbage, refused as a whole (a bounded report)
_repr = reprlib.Repr()
_repr.maxstring = _repr.maxother = MAX_SHOWN


def _shown(value: Any) -> str:
    # reprlib stops at a fixed depth, so deeply nested input cannot exhaust the stack.
    text = value if isinstance(value, str) else _repr.repr(value)
    return text if len(text) <= MAX_SHOWN else text[:MAX_SHOWN] + "…"


def check_field(opt, text: str) -> str | None:
    """Why `text` is not a valid value of a free-form field (None if it is)."""
    if len(text) > MAX_TEXT:
        return f"is too long (at most {MAX_TEXT} characters)"
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in text):
        return "must not contain control characters (such as line breaks)"
    if opt.kind == "integer":
        if not re.fullmatch(r"-?[0-9]+", text):
            return "must be a whole number"
        number = int(text)
        if opt.minimum is not None and number < opt.minimum:
            return f"must be at least {opt.minimum}"
        if opt.maximum is not None and number > opt.maximum:
            return f"must be at most {opt.maximum}"
    elif opt.pattern is not None and not re.fullmatch(opt.pattern, text):
        return "does not have the expected form"
    return None


def _holds(flag, lookup) -> bool:
    """An item's default/disabled/required: False/None, True, or a condition on other choices."""
    return flag is True or (isinstance(flag, conditions.Combine) and conditions.holds(flag, lookup))


def _fallback(items_state, lookup):
    """First default item that is enabled, else the first enabled one, else None."""
    for want_default in (True, False):
        for item, enabled in items_state:
            if enabled and (not want_default or _holds(item.default, lookup)):
                return item.id
    return None


def _disabled_reason(spec, opt, item, lookup, values):
    """Why `item` cannot be chosen now, or None."""
    if _holds(item.disabled, lookup):
        return item.reason
    for table in spec.limited_by.get(opt.id, ()):
        if table.row({**values, opt.id: item.id}) is None and all(values.get(k) is not None for k in table.keys[:-1]):
            return table.unavailable
    return None


def resolve(spec, choices: Any = None) -> dict:
    """Resolve `choices` (option id → item id or field text) against `spec`."""
    ignored = []
    if choices is None:
        choices = {}
    if not isinstance(choices, dict):
        ignored.append({"key": "", "value": _shown(choices), "reason": "choices must be a mapping of option to value"})
        choices = {}
    for key in choices:
        if key not in spec.by_id:
            ignored.append({"key": _shown(key), "value": _shown(choices[key]), "reason": "no such option"})

    values = {}  # option id → effective value (a tuple for checkboxes); None when hidden or unset

    def lookup(ref):
        table = spec.tables.get(ref.option)
        if table is not None:
            row = table.row(values)
            return None if row is None else row.get(ref.fact)
        value = values.get(ref.option)
        if value is None or ref.fact is None:
            return value
        return spec.by_id[ref.option].item(value).facts.get(ref.fact)

    views, state, query = {}, {}, {}
    for opt_id in spec.order:
        opt = spec.by_id[opt_id]
        visible = opt.when is None or conditions.holds(opt.when, lookup)
        requested = choices.get(opt_id)
        if opt.kind == "radio":
            view, value, fallback = _radio(spec, opt, requested, visible, lookup, values, ignored)
        elif opt.kind == "checkbox":
            view, value, fallback = _checkbox(spec, opt, requested, visible, lookup, values, ignored)
        else:
            view, value, fallback = _field(opt, requested, visible, ignored)
        view["visible"] = visible
        views[opt_id] = view
        values[opt_id] = value if visible else None
        if visible and value is not None:
            state[opt_id] = list(value) if opt.kind == "checkbox" else value
            if value != fallback:
                query[opt_id] = ",".join(value) if opt.kind == "checkbox" else value

    memo = _memo(spec)
    memo.last = (_key(choices), values, views)  # field_variant() starts from this state
    run = _Run(spec, values, memo)
    field_errors = {o: v["error"] for o, v in views.items() if v.get("error")}
    command, argv, explanations = run.part("command", run.command)
    view = {
        "spec": spec.name,
        "options": [views[o.id] for o in spec.options],
        "state": {o.id: state[o.id] for o in spec.options if o.id in state},
        "query": {o.id: query[o.id] for o in spec.options if o.id in query},
        "command": command,
        "source": run.part("source", run.source),
        # Parts are shared by every state that renders them alike: the view gets its own copies.
        "argv": list(argv),
        "explanations": [dict(e) for e in explanations],
        "notes": [dict(n) for n in run.part("notes", run.notes)],
        "outputs": [dict(o) for o in run.outputs(field_errors)],
        "ignored": ignored,
    }
    return view


class _Memo:
    """One spec's rendered parts (the command, its source, the notes, each output), each kept under
    the values of the references it read: the options' values, their items' facts and table cells
    ("roots"; derived values count as the roots they read). `refs[part]` lists every root the part
    has ever read, so two states with equal values there render it alike. A state that reads a root
    not listed yet adds it, and the part's results (keyed without it) are dropped."""

    def __init__(self, spec):
        self.values = {v.id: v for v in spec.values}
        self.refs, self.results = {}, {}
        self.last = None  # (choices key, option values, option views) of the last resolved state
        # Options whose value some option's visibility, default, disabled or required flag reads:
        # a field outside this set changes nothing but its own view and the parts that read it.
        flags = [o.when for o in spec.options] + [f for o in spec.options for i in o.items
                                                  for f in (i.default, i.disabled, i.required)]
        self.loop_reads = {r.option for f in flags if isinstance(f, conditions.Combine) for r in conditions.refs(f)}


_memos: dict = {}  # id(spec) → (spec, _Memo), for the last few specs


def _memo(spec) -> _Memo:
    entry = _memos.get(id(spec))
    if entry is None or entry[0] is not spec:
        if len(_memos) >= 4:  # a build loads a few specs; serve keeps loading new ones
            _memos.clear()
        entry = _memos[id(spec)] = (spec, _Memo(spec))
    return entry[1]


_MISSING = object()


class _Run:
    """Rendering one state: the options' values are set; derived values are computed when first
    read (each remembers the roots it read), parts come from the memo when their roots match."""

    def __init__(self, spec, values, memo):
        self.spec, self.values, self.memo = spec, values, memo
        self.derived = {}  # value id → (raw value, as shown, roots read)
        self.trace = set()  # roots read by the part being rendered

    def root(self, ref):
        table = self.spec.tables.get(ref.option)
        if table is not None:
            row = table.row(self.values)
            return None if row is None else row.get(ref.fact)
        value = self.values.get(ref.option)
        if value is None or ref.fact is None:
            return value
        return self.spec.by_id[ref.option].item(value).facts.get(ref.fact)

    def lookup(self, ref):
        if ref.option in self.memo.values and ref.fact is None:
            return self._derived(ref.option)[0]
        self.trace.add(ref)
        return self.root(ref)

    def fill(self, ref):
        """Placeholders read derived values as shown (formatted); conditions read the raw ones."""
        if ref.option in self.memo.values and ref.fact is None:
            return self._derived(ref.option)[1]
        return self.lookup(ref)

    def _derived(self, value_id):
        found = self.derived.get(value_id)
        if found is None:
            outer, self.trace = self.trace, set()
            try:
                raw = _derive(self.spec, self.memo.values[value_id], self.lookup, self.fill)
            finally:
                roots, self.trace = self.trace, outer
            fmt = self.memo.values[value_id].format
            found = self.derived[value_id] = (raw, None if raw is None else derived.shown(raw, fmt), roots)
        self.trace |= found[2]
        return found

    def each(self, repeat):
        """Bind a repeated output's value to each number in turn (then the values as they were)."""
        numbers = outputs.repeat_range(repeat, self.lookup(conditions.Ref(repeat[2])))
        kept = self.derived
        bound = self.memo.values.get(repeat[0])
        try:
            for number in numbers:
                self.derived = {} if bound is None else {
                    bound.id: (number, derived.shown(number, bound.format), frozenset())}
                yield number
        finally:
            self.derived = kept

    def key(self, part):
        refs = self.memo.refs.setdefault(part, [])
        found = tuple(self.root(r) for r in refs)
        return found + tuple(map(type, found))  # typed: True is not 1, as in conditions

    def part(self, name, render, extra=()):
        """render(), or the same part's result for a state whose roots it reads are equal."""
        results = self.memo.results.setdefault(name, {})
        key = self.key(name) + extra
        try:
            found = results.get(key, _MISSING)
        except TypeError:  # an unhashable fact: render it every time
            found, results = _MISSING, None
        if found is not _MISSING:
            return found
        outer, self.trace = self.trace, set()
        try:
            found = render()
        finally:
            read, self.trace = self.trace, outer
        if results is not None:
            refs = self.memo.refs[name]
            new = read.difference(refs)
            if new:  # keys made without these roots no longer tell states apart
                refs += sorted(new, key=repr)
                results.clear()
                key = self.key(name) + extra
            results[key] = found
        return found

    def command(self):
        return render_command(self.spec, self.lookup, fill=self.fill)

    def source(self):
        return sources.pick(self.spec.command_source, lambda cond: conditions.holds(cond, self.lookup))

    def notes(self):
        return [{"level": n.level, "text": n.text, **({"source": n.source} if n.source else {})}
                for n in self.spec.notes if n.when is None or conditions.holds(n.when, self.lookup)]

    def output(self, output, field_errors):
        """The output as the view lists it, or None where it does not apply."""
        shown = outputs.render_outputs(
            (output,), lambda ref: fill_ref(ref, self.spec, self.fill),
            lambda cond: conditions.holds(cond, self.lookup),
            lambda command: render_command(self.spec, self.lookup, command, self.fill)[0],
            field_errors, self.each)
        return shown[0] if shown else None

    def output_part(self, output, field_errors):
        errors = tuple((field_errors or {}).get(f) for f in output.fields)  # they show in the text
        return self.part(("output", output.id), lambda: self.output(output, field_errors), errors)

    def outputs(self, field_errors):
        return [o for o in (self.output_part(out, field_errors) for out in self.spec.outputs) if o is not None]


def field_variant(spec, choices, field, text):
    """What the build's check reads of resolve(spec, {**choices, field: text}): its state, command,
    notes and shell outputs (a dict with those keys), where `choices` is a base state (choices of
    radios and checkboxes, the fields unset) just resolved, and `field` is shown in it.

    Only the parts that read the field are rendered again (the others are the base state's), and
    those come from the memo when another state rendered them alike: the check varies every field
    of every state, but a field shows in few parts."""
    memo = _memo(spec)
    if field in memo.loop_reads:  # the field steers other options: resolve all of it
        view = resolve(spec, {**choices, field: text})
        return {**view, "outputs": [o for o in view["outputs"] if o["lang"] == "shell"]}
    base = resolve_state(spec, choices)
    if memo.last is None or memo.last[0] != _key(choices):
        resolve(spec, choices)  # its option values, which resolve_state's memo does not keep
    opt = spec.by_id[field]
    _, values, views = memo.last
    view, value, _ = _field(opt, text, True, [])
    state = {o.id: base["state"][o.id] for o in spec.options if o.id in base["state"] and o.id != field}
    if value is not None:
        state = {o.id: value if o.id == field else state[o.id] for o in spec.options
                 if o.id in state or o.id == field}
    shell = [o for o in spec.outputs if o.lang == "shell"]
    if value == values.get(field):  # empty, or refused (so not applied): the base state's parts
        return {"state": state, "command": base["command"], "notes": base["notes"],
                "outputs": [o for o in base["outputs"] if o["lang"] == "shell"]}
    run = _Run(spec, {**values, field: value}, memo)
    errors = {o: v["error"] for o, v in {**views, field: view}.items() if v.get("error")}

    def reads(part):
        return any(r.option == field for r in memo.refs.get(part, ()))

    def again(part, render, extra=()):
        return run.part(part, render, extra) if reads(part) else _MISSING

    command = again("command", run.command)
    notes = again("notes", run.notes)
    by_id = {o["id"]: o for o in base["outputs"]}
    shown = []
    for out in shell:
        found = run.output_part(out, errors) if reads(("output", out.id)) else by_id.get(out.id)
        if found is not None:
            shown.append(found)
    return {"state": state, "command": base["command"] if command is _MISSING else command[0],
            "notes": base["notes"] if notes is _MISSING else notes, "outputs": shown}


def _derive(spec, value, lookup, fill):
    if value.calc is not None:
        return derived.evaluate(value.calc, lookup)
    for when, template in value.alternatives:
        if when is not None and not conditions.holds(when, lookup):
            continue
        if template is None:
            return None
        filled = _fill(template, spec, fill)
        if filled is not None:
            return filled
    return None


def _key(choices):
    return tuple((k, tuple(v) if isinstance(v, list) else v) for k, v in choices.items())


def _radio(spec, opt, requested, visible, lookup, values, ignored):
    reasons = {item.id: _disabled_reason(spec, opt, item, lookup, values) for item in opt.items}
    items_state = [(item, reasons[item.id] is None) for item in opt.items]
    fallback = _fallback(items_state, lookup)
    value = fallback
    if requested is not None:
        match = next(((i, ok) for i, ok in items_state if i.id == requested), None) if isinstance(requested, str) else None
        if match is None:
            ignored.append({"key": opt.id, "value": _shown(requested), "reason": f"no such choice for {opt.title}"})
        elif not visible:
            ignored.append({"key": opt.id, "value": requested, "reason": f"{opt.title} does not apply to the other choices"})
        elif not match[1]:
            ignored.append({"key": opt.id, "value": requested, "reason": f"{match[0].label} is unavailable: {reasons[requested]}"})
        else:
            value = requested
    view = {
        "id": opt.id, "kind": "radio", "value": value,
        "items": [{"id": i.id, "enabled": ok, "reason": reasons[i.id]} for i, ok in items_state],
    }
    return view, value, fallback


def _requested_set(opt, requested, ignored):
    """A checkbox choice as a list of ids (a JSON list, or the URL's comma-separated form), or None."""
    if isinstance(requested, str):
        requested = [part for part in requested.split(",") if part]
    if isinstance(requested, list) and len(requested) > MAX_SET:
        ignored.append({"key": opt.id, "value": _shown(requested), "reason": f"{opt.title}: too many choices"})
        return None
    if isinstance(requested, list) and all(isinstance(part, str) for part in requested):
        return requested
    ignored.append({"key": opt.id, "value": _shown(requested), "reason": f"{opt.title} takes a list of choices"})
    return None



def _checkbox(spec, opt, requested, visible, lookup, values, ignored):
    """A set of items: the reader's, else the defaults; required items always in, disabled ones never."""
    reasons = {item.id: _disabled_reason(spec, opt, item, lookup, values) for item in opt.items}
    required = {item.id for item in opt.items if reasons[item.id] is None and _holds(item.required, lookup)}
    defaults = {item.id for item in opt.items if reasons[item.id] is None and _holds(item.default, lookup)}
    chosen = defaults | required
    wanted = _requested_set(opt, requested, ignored) if requested is not None else None
    if wanted is not None:
        chosen = set(required)
        for item_id in dict.fromkeys(wanted):
            item = opt.item(item_id)
            if item is None:
                ignored.append({"key": opt.id, "value": _shown(item_id), "reason": f"no such choice for {opt.title}"})
            elif not visible:
                ignored.append({"key": opt.id, "value": item_id, "reason": f"{opt.title} does not apply to the other choices"})
            elif reasons[item_id] is not None:
                ignored.append({"key": opt.id, "value": item_id, "reason": f"{item.label} is unavailable: {reasons[item_id]}"})
            else:
                chosen.add(item_id)
        for item in opt.items:
            if visible and item.id in required and item.id not in wanted:
                ignored.append({"key": opt.id, "value": f"-{item.id}",
                                "reason": f"{item.label} cannot be turned off: {item.reason}"})
    order = [item.id for item in opt.items]
    value = tuple(i for i in order if i in chosen)
    view = {
        "id": opt.id, "kind": "checkbox", "value": list(value),
        # A required item is checked and cannot be unchecked: shown as not changeable, with its reason.
        "items": [{"id": i.id, "enabled": reasons[i.id] is None and i.id not in required,
                   "reason": reasons[i.id] if reasons[i.id] is not None else (i.reason if i.id in required else None),
                   "required": _holds(i.required, lookup)} for i in opt.items],
    }
    return view, value, tuple(i for i in order if i in defaults | required)


def _field(opt, requested, visible, ignored):
    text, error = opt.default, None
    if requested is not None:
        if type(requested) is int:
            requested = str(requested)
        if not isinstance(requested, str):
            ignored.append({"key": opt.id, "value": _shown(requested), "reason": f"{opt.title} takes text"})
        else:
            text = requested.strip()
            error = check_field(opt, text) if text else None
    # An invalid entry stays visible (nothing the reader typed is lost) but is not applied;
    # an empty one means "the default".
    applied = opt.default if error or not text else text
    if opt.kind == "integer" and applied:
        applied = str(int(applied))  # 007 → 7
    view = {"id": opt.id, "kind": opt.kind, "value": text if len(text) <= 1000 else text[:1000],
            "applied": applied, "error": f"{opt.title} {error}" if error else None}
    return view, applied or None, opt.default or None


_views: dict = {}  # id(spec) → (spec, {state: view}) for the last few specs; see resolve_state


def resolve_state(spec, choices: dict) -> dict:
    """resolve(spec, choices), memoised per state: the build's checks and its view table visit
    the same states of a spec (the every-state check, the engine-release check, static views).
    The view is shared between callers: read it, never change it."""
    entry = _views.get(id(spec))
    if entry is None or entry[0] is not spec:
        if len(_views) >= 4:  # a build loads a few specs; serve keeps loading new ones
            _views.clear()
        entry = _views[id(spec)] = (spec, {})
    key = tuple((k, tuple(v) if isinstance(v, list) else v) for k, v in choices.items())
    view = entry[1].get(key)
    if view is None:
        view = entry[1][key] = resolve(spec, choices)
    return view
