"""Resolution: the reader's choices + a spec → the view the page renders.

Never raises for any input: bad input is ignored and reported in the view.
"""

import re
import reprlib
from typing import Any

from . import conditions, parts

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

    memo = parts.memo(spec)
    memo.last = (_key(choices), values, views)  # field_variant() starts from this state
    run = parts.Run(spec, values, memo)
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


def field_variant(spec, choices, field, text):
    """What the build's check reads of resolve(spec, {**choices, field: text}): its state, command,
    notes and shell outputs (a dict with those keys), where `choices` is a base state (choices of
    radios and checkboxes, the fields unset) just resolved, and `field` is shown in it.

    Only the parts that read the field are rendered again (the others are the base state's), and
    those come from the memo when another state rendered them alike: the check varies every field
    of every state, but a field shows in few parts."""
    memo = parts.memo(spec)
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
    run = parts.Run(spec, {**values, field: value}, memo)
    errors = {o: v["error"] for o, v in {**views, field: view}.items() if v.get("error")}

    def reads(part):
        return any(r.option == field for r in memo.refs.get(part, ()))

    def again(part, render, extra=()):
        return run.part(part, render, extra) if reads(part) else parts.MISSING

    command = again("command", run.command)
    notes = again("notes", run.notes)
    by_id = {o["id"]: o for o in base["outputs"]}
    shown = []
    for out in shell:
        found = run.output_part(out, errors) if reads(("output", out.id)) else by_id.get(out.id)
        if found is not None:
            shown.append(found)
    return {"state": state, "command": base["command"] if command is parts.MISSING else command[0],
            "notes": base["notes"] if notes is parts.MISSING else notes, "outputs": shown}


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
