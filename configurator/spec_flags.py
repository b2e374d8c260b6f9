"""Build-time check of every command a spec can produce, against its engine release's data.

A spec opts in with `release: "0.5.23"` (its `engine` names the data file,
configurator/flags/engine_data/<engine>-<release>.json). Every reachable radio state is resolved
with each free-form field (shown in that state) empty, at its bounds and with a hostile value; each command is
checked like a pasted one. An unknown flag, a bad value or an undeclared engine variable is
a SpecError naming the spec, the state and the flag. A deprecated flag or value passes only
if the spec lists it in `source_deprecations` (the source publishes it); the page then gets a
note written from the engine data (replacement, removal date), never by hand. Likewise an
environment variable the release does not declare passes only if the spec lists it in
`source_unknown_env` (the source sets it), and the page says so in a generated note.
"""

import re
import sys

from .flags import release_data as history
from .flags.checker import Checker, available, load
from .flags.release_data import version_key
from .flags.releases import Releases, runs_on
from .errors import SpecError
from .resolver import MAX_TEXT, field_variant, resolve_state
from .spec import FIELD_KINDS
from .states import reachable_states

MAX_STATES = 20_000
HOSTILE = "$(reboot); rm -rf ~ '\"<b>`"
ALLOWED = ("abbreviation",)  # argparse accepts these; the published commands use `--tp`
# An engine image with a release tag in a note or command pins that release for the states it shows
# in (`lmsysorg/sglang:v0.5.9-rocm700-mi35x`): those commands must run on it.
PINNED_IMAGE = re.compile(r"\b(lmsysorg/sglang|vllm/vllm-openai):v(\d+\.\d+\.\d+)")
IMAGE_ENGINE = {"lmsysorg/sglang": "sglang", "vllm/vllm-openai": "vllm"}
SOON_DAYS = 60  # a removal date this close to the build is announced


def _day(text):
    """Days since 1970-01-01 of a "YYYY-MM-DD" date, or None (the browser's Python has no datetime)."""
    found = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text or "")
    if not found:
        return None
    y, m, d = map(int, found.groups())
    y -= m <= 2  # days_from_civil (H. Hinnant): the proleptic Gregorian calendar in integers
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    return era * 146097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719468


def _releases_of(spec, data):
    """{engine: [release, ...]} the spec's `release` names: "0.5.23" (that one) or ">=0.19.1" (every
    covered release from that one on, e.g. a recipe's minimum version); raises SpecError."""
    release = data.get("release")
    releases = release if isinstance(release, dict) else {spec.engine: release}
    out = {}
    for engine, version in releases.items():
        covered = sorted((n.split("-", 1)[1] for n in available() if n.split("-", 1)[0] == engine), key=version_key)
        low = version[2:].strip() if isinstance(version, str) and version.startswith(">=") else None
        if not isinstance(version, str) or (low or version) not in covered:
            raise SpecError(spec.source, "release", f"no engine data for {engine} {version!r} "
                            f"(have: {', '.join(available())})")
        out[engine] = [r for r in covered if version_key(r) >= version_key(low)] if low else [version]
    return out


def field_values(opt):
    """Empty, each bound, and hostile: what a reader can type that changes the command most."""
    values = [""]
    if opt.kind == "integer":
        values += [str(v) for v in (opt.minimum, opt.maximum) if v is not None] + ["-1", "99999999999"]
    else:
        values += ["a", "a" * MAX_TEXT]
    return values + [HOSTILE]


def base_states(spec):
    """Every combination of choices the check visits (states() varies the fields of each)."""
    combos = reachable_states(spec, limit=MAX_STATES)
    if combos is None:
        raise SpecError(spec.source, "release", f"more than {MAX_STATES:,} combinations of choices: "
                        "too many to check every command")
    return combos


def states(spec):
    """Every combination of choices, then each free-form field varied alone over field_values."""
    combos = base_states(spec)
    fields = [o for o in spec.options if o.kind in FIELD_KINDS]
    for base in combos:
        yield base
        # A field hidden in this state changes nothing (its own `when` reads only choices).
        visible = {v["id"] for v in resolve_state(spec, base)["options"] if v["visible"]}
        for opt in fields:
            if opt.id in visible:
                for value in field_values(opt):
                    yield {**base, opt.id: value}


# The checker's answers by text, for the texts it found nothing wrong with: kept across checks
# (and on disk by macros/specs.py, under a hash of the engine's code and data), since an edited
# spec renders mostly the texts its last check read. Also each command's "runs on" range.
known: dict = {}
MAX_KNOWN = 200_000


def _check_text(checker, text):
    key = f"{'|'.join(checker.releases())}\0{text}"
    found = known.get(key)
    if found is not None:
        return {"error": None, "commands": [{"engine": e, "ok": ok, "problems": []} for e, ok in found]}
    answer = checker.check_text(text)
    if answer.get("error") is None and not any(r["problems"] for r in answer["commands"]):
        if len(known) >= MAX_KNOWN:
            known.clear()
        known[key] = [[r["engine"], r["ok"]] for r in answer["commands"]]
    return answer


def views(spec, combos=None):
    """What check_spec reads of each state's view, in the order of states(): a base state's view
    (marked "base"), then each field variant's (field_variant renders only what the field changes).
    `combos`: only these base states (a part of base_states(), for a build that splits the work)."""
    combos = base_states(spec) if combos is None else combos
    fields = [o for o in spec.options if o.kind in FIELD_KINDS]
    for base in combos:
        view = resolve_state(spec, base)
        yield {**view, "base": True}
        visible = {v["id"] for v in view["options"] if v["visible"]}
        for opt in fields:
            if opt.id in visible:
                for value in field_values(opt):
                    yield field_variant(spec, base, opt.id, value)


def check_spec(spec, data, state_views=None):
    """Notes (dicts as in a spec) for the deprecations the source publishes and for the releases each
    engine's commands run on; raises SpecError. `state_views`: views(spec), or the same views as
    another process computed them (see macros/two_cores.py), in the same order."""
    if data.get("release") is None:
        return []
    per_engine = _releases_of(spec, data)
    allowed = data.get("source_deprecations", [])
    if not isinstance(allowed, list) or not all(isinstance(a, str) for a in allowed):
        raise SpecError(spec.source, "source_deprecations", "expected a list of flags, e.g. [--enable-dp-attention]")
    unknown_env = data.get("source_unknown_env", [])
    if not isinstance(unknown_env, list) or not all(isinstance(a, str) for a in unknown_env):
        raise SpecError(spec.source, "source_unknown_env", "expected a list of variable names, e.g. [SGLANG_X]")
    allowed = list(allowed) + list(unknown_env)
    # The newest named release of each engine gives the page's notes; older ones only must accept.
    checker = _checker(*(f"{engine}-{versions[-1]}" for engine, versions in per_engine.items()))
    extra = {(e, v): _checker(f"{e}-{v}") for e, versions in per_engine.items() for v in versions[:-1]}
    notes, done, used, runs, engines = {}, set(), set(), {}, {}
    for view in views(spec) if state_views is None else state_views:
        state = ", ".join(f"{k}={v!r}" for k, v in view["state"].items())
        if view["command"] not in done:
            done.add(view["command"])
            [result] = _check_text(checker, view["command"])["commands"]
            if result["engine"] not in per_engine:
                raise SpecError(spec.source, "command",
                                f"in state {state}: not a {' or '.join(per_engine)} command the checker reads")
            _judge(spec, data, checker, result, f"in state {state}", allowed, used, notes)
            engines[view["command"]] = result["engine"]
            for pin in _pins(view, result["engine"]) | {(result["engine"], v) for v in per_engine[result["engine"]][:-1]}:
                _must_run(spec, view["command"], state, pin, extra)
        if view.get("base"):
            runs.setdefault(engines[view["command"]], []).append((view["state"], view["command"]))
        # Command-shaped outputs (`vllm serve`, `vllm bench serve`…) too; other lines
        # (curl, python, prose) are not engine commands and the checker leaves them alone.
        for output in view["outputs"]:
            key = (output["id"], output["text"])
            if output["lang"] != "shell" or key in done:
                continue
            done.add(key)
            for result in _check_text(checker, output["text"])["commands"]:
                if result["engine"] is not None:
                    _judge(spec, data, checker, result, f"in output {output['id']!r}, state {state}",
                           allowed, used, notes, field=f"outputs.{output['id']}")
    for flag in allowed:
        if flag not in used:
            if flag in unknown_env:
                raise SpecError(spec.source, "source_unknown_env", f"{flag} is declared by "
                                f"{', '.join(f'{e} {v[-1]}' for e, v in per_engine.items())} or in no command; remove it")
            raise SpecError(spec.source, "source_deprecations", f"{flag} is not deprecated in any command "
                            f"(checked against {', '.join(f'{e} {v[-1]}' for e, v in per_engine.items())}); remove it")
    return [_note(text, when) for text, when in notes.items()] + _runs_on_notes(spec, runs)


_checkers: dict = {}  # release names → their Checker (it keeps no state between texts)


def _checker(*names):
    if names not in _checkers:
        _checkers[names] = Checker([load(name) for name in names])
    return _checkers[names]


def answers_ahead(spec, data, state_views):
    """check_spec's reading of these views, done ahead by another process (its share of the work,
    see macros/two_cores.py): the entries it added to `known`, for the process that checks every
    view in order. A problem found here is left for that check to report."""
    before = set(known)
    try:
        check_spec(spec, data, state_views)
    except SpecError:
        pass
    return {key: known[key] for key in known.keys() - before}


def _pins(view, engine):
    """(engine, release) pinned by an engine image tag in the command or in a note shown with it."""
    texts = [view["command"]] + [n.get("text", "") for n in view.get("notes", [])]
    return {(IMAGE_ENGINE[m.group(1)], m.group(2)) for t in texts for m in PINNED_IMAGE.finditer(t)
            if IMAGE_ENGINE[m.group(1)] == engine}


def _must_run(spec, command, state, pin, extra):
    engine, version = pin
    if pin not in extra:
        if f"{engine}-{version}" not in available():
            raise SpecError(spec.source, "notes", f"in state {state}: the page pins {engine} {version} "
                            f"(an image tag), but there is no engine data for it (have: {', '.join(available())})")
        extra[pin] = _checker(f"{engine}-{version}")
    [result] = _check_text(extra[pin], command)["commands"]
    bad = [p for p in result["problems"] if p["kind"] not in ALLOWED + ("deprecated",)]
    if not result["ok"] or bad:
        first = bad[0] if bad else result["problems"][0]
        raise SpecError(spec.source, "command", f"in state {state}: the page says this command runs on "
                        f"{engine} {version}, which rejects it: {first['flag'] or 'the command'}: {first['message']}")


def result_engine(checker, command):
    return checker.check_text(command)["commands"][0]["engine"]


def _runs_on_notes(spec, runs):
    """"Runs on sglang 0.5.9–0.5.23" for each engine's commands, from every covered release's data: one
    note per engine, or one per value of the choice that decides the range (e.g. the hardware)."""
    releases = Releases.from_files({e: history.chain(e) for e in runs if e})
    notes = []
    for engine, seen in sorted((e, s) for e, s in runs.items() if e):
        rows = []
        for state, command in seen:
            key = f"runs on\0{engine}\0{command}"
            if key not in known:
                known[key] = runs_on(engine, releases.verdicts(engine, command)) or f"none of the covered {engine} releases"
            rows.append((state, known[key]))
        base = {"engine": engine} if any(o.id == "engine" for o in spec.options) else {}
        ranges = sorted({r for _, r in rows})
        if len(ranges) == 1:
            notes.append(_runs_note(ranges[0], base))
            continue
        for opt in spec.options:  # the first choice whose value alone decides the range
            by_value = {}
            for state, r in rows:
                by_value.setdefault(state.get(opt.id), set()).add(r)
            if opt.id != "engine" and all(len(v) == 1 for v in by_value.values()):
                for r in ranges:
                    values = sorted(str(k) for k, v in by_value.items() if v == {r})
                    notes.append(_runs_note(r, {**base, opt.id: values}))
                break
        else:
            pair = _deciding_pair(spec, rows)
            if pair is None:
                notes.append(_runs_note(" or ".join(ranges) + ", depending on the choices", base))
                continue
            a, b, by_pair = pair  # e.g. hardware and quantization: one note per range, an `any` of pairs
            for r in ranges:
                cases = [{a: x, b: y} for (x, y), v in sorted(by_pair.items(), key=str) if v == {r}]
                notes.append(_runs_note(r, {**base, "any": cases}))
    return notes


def _deciding_pair(spec, rows):
    """(option a, option b, {(value a, value b): ranges}) for the first two choices (in spec order)
    whose values together decide the range, or None."""
    radios = [o.id for o in spec.options if o.kind == "radio" and o.id != "engine"]
    for i, a in enumerate(radios):
        for b in radios[i + 1:]:
            by_pair = {}
            for state, r in rows:
                by_pair.setdefault((state.get(a), state.get(b)), set()).add(r)
            if all(len(v) == 1 for v in by_pair.values()):
                return a, b, by_pair
    return None


def _runs_note(text, when):
    return {"level": "info", "text": f"Runs on {text} (checked against each covered release's own parser data)",
            **({"when": when} if when else {})}


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


def removal_warnings(spec, data, today):
    """Build warnings for the published deprecated flags (`source_deprecations`) whose removal date,
    in the newest named release's data, is SOON_DAYS or less after `today` ("YYYY-MM-DD"): each names
    the flag, the spec's rule that writes it (with its `when`) and the engine's replacement."""
    if data.get("release") is None or _day(today) is None:
        return []
    out = []
    for engine, versions in _releases_of(spec, data).items():
        for command in load(f"{engine}-{versions[-1]}")["commands"].values():
            for opt in command["options"]:
                dep = opt.get("deprecated") or {}
                flag = next((n for n in opt["names"] if n in data.get("source_deprecations", [])), None)
                removal = _day(dep.get("removal"))
                if flag is None or removal is None or removal - _day(today) > SOON_DAYS:
                    continue
                rules = [r for r in _raw_rules(data, "args") if r.get("flag") == flag]
                where = "; ".join(f"command rule {flag}" + (f" when {r['when']}" if r.get("when") else "") for r in rules)
                out.append(f"{spec.source}: {flag} is marked for removal after {dep['removal']} "
                           f"({removal - _day(today)} days from this build) in {engine} {versions[-1]}; "
                           f"{where or 'a command'} uses it; replacement: {dep.get('replacement') or 'none given'}")
    return out


def _deprecated_value(checker, result, p):
    """The deprecated value the command gives `p`'s flag, or None when the flag itself is deprecated."""
    opt = checker.engines[result["engine"]]["commands"][result["command"]].by_name[p["option"]]
    if opt.get("deprecated"):
        return None
    return next(v for v in result["seen"][p["option"]][0][2] if v in opt.get("deprecated_values", {}))


def _rule_when(data, flag, section="args", key="flag", value=None):
    """The `when` of the spec rule that writes `flag` (with `value`, for a deprecated value), so the
    note shows exactly with it."""
    for rule in _raw_rules(data, section):
        if rule.get(key) == flag and (value is None or rule.get("value") == value):
            return rule.get("when")
    return None


def _raw_rules(data, section):
    """The command's rules in `section` as written, with spliced runs (a list in the list) flattened."""
    return [r for raw in data["command"].get(section, []) for r in (raw if isinstance(raw, list) else [raw])]


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
