"""Build-time check of every command a spec can produce, against its engine release's data.

A spec opts in with `release: "0.5.23"` (its `engine` names the data file,
configurator/engine_data/<engine>-<release>.json). Every reachable radio state is resolved
with each free-form field (shown in that state) empty, at its bounds and with a hostile value; each command is
checked like a pasted one. An unknown flag, a bad value or an undeclared engine variable is
a SpecError naming the spec, the state and the flag. A deprecated flag or value passes only
if the spec lists it in `source_deprecations` (the source publishes it); the page then gets a
note written from the engine data (replacement, removal date), never by hand. Likewise an
environment variable the release does not declare passes only if the spec lists it in
`source_unknown_env` (the source sets it), and the page says so in a generated note.
"""

from .check import Checker, available, load
from .errors import SpecError
from .resolve import MAX_TEXT, resolve, resolve_state
from .spec import FIELD_KINDS, reachable_states

MAX_STATES = 20_000
HOSTILE = "$(reboot); rm -rf ~ '\"<b>`"
ALLOWED = ("abbreviation",)  # argparse accepts these; the published commands use `--tp`


def field_values(opt):
    """Empty, each bound, and hostile: what a reader can type that changes the command most."""
    values = [""]
    if opt.kind == "integer":
        values += [str(v) for v in (opt.minimum, opt.maximum) if v is not None] + ["-1", "99999999999"]
    else:
        values += ["a", "a" * MAX_TEXT]
    return values + [HOSTILE]


def states(spec):
    """Every combination of choices, then each free-form field varied alone over field_values."""
    combos = reachable_states(spec, limit=MAX_STATES)
    if combos is None:
        raise SpecError(spec.source, "release", f"more than {MAX_STATES:,} combinations of choices: "
                        "too many to check every command")
    fields = [o for o in spec.options if o.kind in FIELD_KINDS]
    for base in combos:
        yield base
        # A field hidden in this state changes nothing (its own `when` reads only choices).
        visible = {v["id"] for v in resolve_state(spec, base)["options"] if v["visible"]}
        for opt in fields:
            if opt.id in visible:
                for value in field_values(opt):
                    yield {**base, opt.id: value}


def check_spec(spec, data):
    """Notes (dicts as in a spec) for the deprecations the source publishes; raises SpecError."""
    release = data.get("release")
    if release is None:
        return []
    # One release (of the spec's engine), or one per engine when the spec offers several.
    releases = release if isinstance(release, dict) else {spec.engine: release}
    for engine, version in releases.items():
        if not isinstance(version, str) or f"{engine}-{version}" not in available():
            known = ", ".join(available())
            raise SpecError(spec.source, "release", f"no engine data for {engine} {version!r} (have: {known})")
    allowed = data.get("source_deprecations", [])
    if not isinstance(allowed, list) or not all(isinstance(a, str) for a in allowed):
        raise SpecError(spec.source, "source_deprecations", "expected a list of flags, e.g. [--enable-dp-attention]")
    unknown_env = data.get("source_unknown_env", [])
    if not isinstance(unknown_env, list) or not all(isinstance(a, str) for a in unknown_env):
        raise SpecError(spec.source, "source_unknown_env", "expected a list of variable names, e.g. [SGLANG_X]")
    allowed = list(allowed) + list(unknown_env)
    checker = Checker([load(f"{engine}-{version}") for engine, version in releases.items()])
    notes, done, used = {}, set(), set()
    fields = {o.id for o in spec.options if o.kind in FIELD_KINDS}
    for choices in states(spec):
        # The base states are the ones the every-state check and the page's view table
        # resolve too; each field variant is resolved once, here only.
        view = (resolve if fields & choices.keys() else resolve_state)(spec, choices)
        state = ", ".join(f"{k}={v!r}" for k, v in view["state"].items())
        if view["command"] not in done:
            done.add(view["command"])
            [result] = checker.check_text(view["command"])["commands"]
            if result["engine"] not in releases:
                raise SpecError(spec.source, "command",
                                f"in state {state}: not a {' or '.join(releases)} command the checker reads")
            _judge(spec, data, checker, result, f"in state {state}", allowed, used, notes)
        # Command-shaped outputs (`vllm serve`, `vllm bench serve`…) too; other lines
        # (curl, python, prose) are not engine commands and the checker leaves them alone.
        for output in view["outputs"]:
            key = (output["id"], output["text"])
            if output["lang"] != "shell" or key in done:
                continue
            done.add(key)
            for result in checker.check_text(output["text"])["commands"]:
                if result["engine"] is not None:
                    _judge(spec, data, checker, result, f"in output {output['id']!r}, state {state}",
                           allowed, used, notes, field=f"outputs.{output['id']}")
    for flag in allowed:
        if flag not in used:
            if flag in unknown_env:
                raise SpecError(spec.source, "source_unknown_env", f"{flag} is declared by "
                                f"{', '.join(f'{e} {v}' for e, v in releases.items())} or in no command; remove it")
            raise SpecError(spec.source, "source_deprecations", f"{flag} is not deprecated in any command "
                            f"(checked against {', '.join(f'{e} {v}' for e, v in releases.items())}); remove it")
    return [_note(text, when) for text, when in notes.items()]


def _judge(spec, data, checker, result, where, allowed, used, notes, field="command"):
    """Raise on a problem the engine would reject; note a deprecation the source publishes."""
    for p in result["problems"]:
        if p["kind"] in ALLOWED:
            continue
        if p["kind"] == "deprecated" and p["flag"] in allowed:
            used.add(p["flag"])
            notes.setdefault(_note_text(checker, result, p), _rule_when(data, p["flag"], value=_deprecated_value(checker, result, p)))
            continue
        if p["kind"] == "unknown-env" and p["flag"] in allowed:
            used.add(p["flag"])
            label = checker.engines[result["engine"]]["commands"][result["command"]].label()
            notes.setdefault(f"`{p['flag']}` is set as the source publishes it, but {label} does not declare "
                             f"it: that release may ignore it.", _rule_when(data, p["flag"], "env", "name"))
            continue
        raise SpecError(spec.source, field, f"{where}: {p['flag'] or 'the command'}: "
                        f"{p['message']}" + (" (if the source publishes this deprecated flag, list it in "
                                             "source_deprecations)" if p["kind"] == "deprecated" else ""))


def _deprecated_value(checker, result, p):
    """The deprecated value the command gives `p`'s flag, or None when the flag itself is deprecated."""
    opt = checker.engines[result["engine"]]["commands"][result["command"]].by_name[p["option"]]
    if opt.get("deprecated"):
        return None
    return next(v for v in result["seen"][p["option"]][0][2] if v in opt.get("deprecated_values", {}))


def _rule_when(data, flag, section="args", key="flag", value=None):
    """The `when` of the spec rule that writes `flag` (with `value`, for a deprecated value), so the
    note shows exactly with it."""
    for rule in data["command"].get(section, []):
        for rule in rule if isinstance(rule, list) else [rule]:  # a spliced run of rules
            if rule.get(key) == flag and (value is None or rule.get("value") == value):
                return rule.get("when")
    return None


def _note_text(checker, result, p):
    """The engine data's own facts, in the words of a note (backticks mark code)."""
    opts = checker.engines[result["engine"]]["commands"][result["command"]]
    opt, label = opts.by_name[p["option"]], opts.label()
    dep = opt.get("deprecated")
    if dep:
        text = f"`{p['flag']}` is deprecated in {label}"
        if dep.get("replacement"):
            text += f": use `{dep['replacement']}` instead"
        if dep.get("removal"):
            text += f" (marked for removal after {dep['removal']})"
        return text + f". {label} still accepts the command."
    values = result["seen"][p["option"]][0][2]
    value = next(v for v in values if v in opt.get("deprecated_values", {}))
    dv = opt["deprecated_values"][value]
    text = f"`{p['flag']} {value}` is deprecated in {label}"
    if dv.get("replacement"):
        text += f": use `{dv['replacement']}` instead"
    text += "."
    if dv.get("also"):
        text += " The engine also says: " + _code(dv["also"])
    return text


def _note(message, when):
    note = {"level": "warning", "text": message}
    if when is not None:
        note["when"] = when
    return note


def _code(message):
    """Flags (`--x` or `--x=y`) in backticks, the way notes mark code."""
    words = []
    for word in message.split(" "):
        core = word.rstrip(".,;:")
        words.append(f"`{core}`{word[len(core):]}" if core.startswith("--") else word)
    return " ".join(words)
