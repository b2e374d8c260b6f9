"""Resolution: the reader's choices + a spec → the view the page renders.

Never raises for any input: bad input is ignored and reported in the view.
"""

import re
import reprlib
from typing import Any

from . import conditions, derived, outputs
from .render import _fill, render_command

MAX_SHOWN = 80  # characters of a rejected value echoed back in a report
MAX_TEXT = 200  # characters of a free-form entry
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


def _fallback(items_state):
    """First default item that is enabled, else the first enabled one, else None."""
    for want_default in (True, False):
        for item, enabled in items_state:
            if enabled and (item.default or not want_default):
                return item.id
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

    values = {}  # option id → effective value; None when hidden or unset

    def lookup(ref):
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
            view, value, fallback = _radio(opt, requested, visible, lookup, ignored)
        else:
            view, value, fallback = _field(opt, requested, visible, ignored)
        view["visible"] = visible
        views[opt_id] = view
        values[opt_id] = value if visible else None
        if visible and value is not None:
            state[opt_id] = value
            if value != fallback:
                query[opt_id] = value

    texts = dict(values)  # what placeholders read: option values, then derived values as shown
    for value in spec.values:
        values[value.id] = _derive(spec, value, lookup, texts)
        texts[value.id] = None if values[value.id] is None else derived.shown(values[value.id], value.format)
    command, argv, explanations = render_command(spec, lookup, texts)
    notes = [{"level": n.level, "text": n.text} for n in spec.notes
             if n.when is None or conditions.holds(n.when, lookup)]
    return {
        "spec": spec.name,
        "options": [views[o.id] for o in spec.options],
        "state": {o.id: state[o.id] for o in spec.options if o.id in state},
        "query": {o.id: query[o.id] for o in spec.options if o.id in query},
        "command": command,
        "argv": argv,
        "explanations": explanations,
        "notes": notes,
        "outputs": outputs.render_outputs(
            spec.outputs, lambda ref: _fill("{" + ref + "}", spec, texts),
            lambda cond: conditions.holds(cond, lookup),
            lambda command: render_command(spec, lookup, texts, command)[0]),
        "ignored": ignored,
    }


def _derive(spec, value, lookup, texts):
    if value.calc is not None:
        return derived.evaluate(value.calc, lookup)
    for when, template in value.alternatives:
        if when is not None and not conditions.holds(when, lookup):
            continue
        if template is None:
            return None
        filled = _fill(template, spec, texts)
        if filled is not None:
            return filled
    return None


def _radio(opt, requested, visible, lookup, ignored):
    items_state = []
    for item in opt.items:
        disabled = item.disabled is True or (item.disabled is not None and conditions.holds(item.disabled, lookup))
        items_state.append((item, not disabled))
    fallback = _fallback(items_state)
    value = fallback
    if requested is not None:
        match = next(((i, ok) for i, ok in items_state if i.id == requested), None) if isinstance(requested, str) else None
        if match is None:
            ignored.append({"key": opt.id, "value": _shown(requested), "reason": f"no such choice for {opt.title}"})
        elif not visible:
            ignored.append({"key": opt.id, "value": requested, "reason": f"{opt.title} does not apply to the other choices"})
        elif not match[1]:
            ignored.append({"key": opt.id, "value": requested, "reason": f"{match[0].label} is unavailable: {match[0].reason}"})
        else:
            value = requested
    view = {
        "id": opt.id, "kind": "radio", "value": value,
        "items": [{"id": i.id, "enabled": ok, "reason": None if ok else i.reason} for i, ok in items_state],
    }
    return view, value, fallback


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
