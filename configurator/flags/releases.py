"""One command against every covered release of its engine: where it runs, each flag's history,
and the command corrected for a chosen release. Standard library only (runs in Pyodide).

The facts are the engine data of each release (configurator/flags/release_data.py rebuilds them from the
stored base and deltas); a flag's history is read off by checking it against each release in
turn, and renames come from release_data.changes (the engine's own deprecation text, or an option
of the same kind under a close name that takes the old one's place).
"""

import re

from . import argparse_rules, release_data, shell_text
from .checker import Checker
from .fix import _apply

RANGE_DASH = "–"
# Flags gone before the oldest covered release, so the engine data cannot know them: each with the
# engine's own public record of what replaced it. Only options with nothing to carry over (no value).
EARLIER = {
    ("vllm", "--enable-reasoning"): {
        "text": "--enable-reasoning was deprecated in vLLM 0.9.0 and is gone: --reasoning-parser alone turns "
                "reasoning output on; drop --enable-reasoning",
        "drop": True, "requires": "--reasoning-parser",
        "sources": ["https://github.com/vllm-project/vllm/pull/17452", "https://github.com/vllm-project/vllm/pull/18404"]},
}


class Releases:
    """Full engine data of several releases per engine ({engine: [full data, oldest first]})."""

    def __init__(self, engines):
        self.engines = {e: sorted(full, key=lambda d: release_data.version_key(d["release"])) for e, full in engines.items()}
        self._checkers, self._changes = {}, {}

    @classmethod
    def from_files(cls, files_by_engine):
        return cls({e: release_data.expand(files) for e, files in files_by_engine.items()})

    def names(self, engine):
        return [d["release"] for d in self.engines.get(engine, [])]

    def covered(self):
        return [f"{e} {r}" for e in sorted(self.engines) for r in self.names(e)]

    def latest(self):
        return {e: self.names(e)[-1] for e in self.engines}

    def pick(self, text):
        """{engine: release} for "latest", "sglang 0.5.9", "sglang-0.5.9" or "0.5.9"; ValueError with a
        message a reader can act on otherwise."""
        picks = self.latest()
        text = (text or "latest").strip()
        if text == "latest":
            return picks
        match = re.fullmatch(r"(?:([a-z]+)(?:\s+|-|==))?v?(\d+(?:\.\d+){1,3}(?:[a-z0-9.+-]*)?)", text[:60])
        known = ", ".join(self.covered()) or "none"
        if not match:
            raise ValueError(f"{text[:60]!r} is not a release: give one of {known}, or latest")
        engine, release = match.groups()
        found = [e for e in (self.engines if engine is None else [engine]) if release in self.names(e)]
        if engine is not None and engine not in self.engines:
            raise ValueError(f"no engine data for {engine}: the checker knows {known}")
        if not found:
            raise ValueError(f"no engine data for {engine or 'any engine'} {release}: the checker knows {known}")
        return {**picks, found[0]: release}

    def checker(self, picks):
        key = tuple(sorted(picks.items()))
        if key not in self._checkers:
            data = [next(d for d in self.engines[e] if d["release"] == r) for e, r in key]
            self._checkers[key] = Checker(data)
        return self._checkers[key]

    def one(self, engine, release):
        return self.checker({engine: release}).engines[engine]["commands"]

    def changes(self, engine, release):
        """release_data.changes from the release before `release` to it (cached)."""
        key = (engine, release)
        if key not in self._changes:
            names = self.names(engine)
            at = names.index(release)
            self._changes[key] = release_data.changes(self.engines[engine][at - 1], self.engines[engine][at]) if at else {}
        return self._changes[key]

    # --- one command across releases -------------------------------------------------------

    def verdicts(self, engine, text, known=None):
        """[(release, ok)] for one command's text, every covered release of its engine (`known`: a
        release already checked, {release: ok}). Only accept/reject: no spelling hints (difflib is slow)."""
        commands = shell_text.split_commands(text)
        out = []
        for release in self.names(engine):
            if known and release in known:
                out.append((release, known[release]))
                continue
            checker = self.checker({engine: release})
            results = [checker.check_command(c, hints=False) for c in commands]
            out.append((release, len(results) == 1 and results[0]["ok"]))
        return out

    def flag_history(self, engine, command, words):
        """[{"flag", "value", "events": [{"release", "change", "text"}]}] for the flags of one command
        whose standing differs between covered releases (added, removed, renamed, deprecated, ambiguous,
        a choice added or removed)."""
        out = []
        names = self.names(engine)
        for flag, value in words:
            states = [self._state(engine, r, command, flag, value) for r in names]
            events = []
            for i, (release, state) in enumerate(zip(names, states)):
                prev = states[i - 1] if i else None
                events += self._events(engine, command, release, prev, state, flag, value)
            earlier = EARLIER.get((engine, flag))
            if earlier and all(st["how"] == "unknown" for st in states):
                events.append({"release": None, "change": "removed-earlier", "to": earlier.get("requires"),
                               "text": earlier["text"], "sources": earlier["sources"]})
            if events:
                out.append({"flag": flag, "value": value, "events": events})
        return out

    def _state(self, engine, release, command, flag, value):
        opts = self.one(engine, release).get(command)
        if opts is None:
            return {"how": "unknown"}
        opt, used, _, how = argparse_rules.classify(opts, flag)
        state = {"how": how, "option": opt["names"][0] if opt else None, "deprecated": None, "choice": None,
                 "matches": used if how == "ambiguous" else None}
        if opt is not None:
            state["deprecated"] = opt.get("deprecated")
            if value is not None and opt.get("choices"):
                state["choice"] = value in opt["choices"]
        return state

    def _events(self, engine, command, release, prev, state, flag, value):
        label = f"{engine} {release}"
        known = state["how"] in ("exact", "abbrev")
        if prev is None:
            if state["how"] == "ambiguous":
                return [{"release": release, "change": "ambiguous", "text": f"{flag} is ambiguous in {label}"}]
            return []
        was = prev["how"] in ("exact", "abbrev")
        events = []
        if was and not known:
            change = self.changes(engine, release).get(command, {})
            renamed = dict(change.get("renamed", []))
            to = renamed.get(prev["option"])
            if state["how"] == "ambiguous":
                events.append({"release": release, "change": "ambiguous", "to": " or ".join(state["matches"][:3]),
                               "text": f"{flag} became ambiguous in {label}: write "
                                       + " or ".join(state["matches"][:3])})
            elif to:
                events.append({"release": release, "change": "renamed", "to": to,
                               "text": f"{flag} was renamed to {to} in {label}"})
            else:
                repl = (prev["deprecated"] or {}).get("replacement")
                events.append({"release": release, "change": "removed", "to": repl,
                               "text": f"{flag} was removed in {label}" + (f"; use {repl} instead" if repl else "")})
        elif known and not was:
            events.append({"release": release, "change": "added", "text": f"{flag} was added in {label}"})
        if known and state["deprecated"] and not (was and prev["deprecated"]):
            dep = state["deprecated"]
            text = f"{flag} is deprecated from {label}"
            if dep.get("replacement"):
                text += f"; use {dep['replacement']} instead"
            if dep.get("removal"):
                text += f"; marked for removal after {dep['removal']}"
            events.append({"release": release, "change": "deprecated", "to": dep.get("replacement"),
                           "removal": dep.get("removal"), "text": text})
        if known and was and state["choice"] is not None and prev["choice"] is not None and state["choice"] != prev["choice"]:
            verb = "added as a choice of" if state["choice"] else "no longer a choice of"
            events.append({"release": release, "change": "choice-added" if state["choice"] else "choice-removed",
                           "text": f"{value} was {verb} {flag} in {label}"})
        return events


def runs_on(engine, verdicts):
    """"sglang 0.5.9–0.5.23" (or a list of ranges) from [(release, ok)], or None if none accepts it."""
    ranges, start, prev = [], None, None
    for release, ok in verdicts + [(None, False)]:
        if ok and start is None:
            start = release
        if not ok and start is not None:
            ranges.append(start if start == prev else f"{start}{RANGE_DASH}{prev}")
            start = None
        prev = release
    return f"{engine} {', '.join(ranges)}" if ranges else None


def flag_words(result):
    """[(flag as written, value or None)] of one checked command, in order, for flag_history."""
    out, seen = [], set()
    for canonical, uses in result.get("seen", {}).items():
        for word, _, values in uses:
            flag = word.split("=")[0]
            value = values[0] if len(values) == 1 else None
            if (flag, value) not in seen:
                seen.add((flag, value))
                out.append((flag, value))
    for p in result.get("problems", []):
        if p["kind"] in ("unknown", "ambiguous") and p["flag"] and p["flag"].startswith("-") and (p["flag"], None) not in seen:
            seen.add((p["flag"], None))
            out.append((p["flag"], None))
    return out


def annotate(releases, raw, shown, lines):
    """Add "verdicts", "runs_on" and "history" to one command of check_json's answer, and a
    corrected command where the only rejections are flags renamed in the target release."""
    engine = raw.get("engine")
    if engine is None or engine not in releases.engines:
        shown.update(verdicts=[], runs_on=None, history=[])
        return
    text = "\n".join(lines[raw["first"] - 1:raw["last"]])
    verdicts = releases.verdicts(engine, text, {raw["release"]: raw["ok"]})
    shown["verdicts"] = [{"release": r, "ok": ok} for r, ok in verdicts]
    shown["runs_on"] = runs_on(engine, verdicts)
    shown["history"] = releases.flag_history(engine, raw["command"], flag_words(raw))
    said = {e["flag"]: e["events"][-1]["text"] for e in shown["history"]}
    for p in shown["problems"]:  # what the reader sees first says what happened to the flag
        if p["kind"] in ("unknown", "ambiguous", "bad-choice") and p["flag"] in said:
            p["message"] += f" ({said[p['flag']]})"
    if shown.get("fixed") is None and not raw["ok"]:
        shown["fixed"] = _renamed_fix(releases, raw, shown, lines)


def _renamed_fix(releases, raw, shown, lines):
    """Rename each rejected flag the history says was renamed (or removed with a one-flag replacement)."""
    to = {}
    opts = releases.one(raw["engine"], raw["release"])[raw["command"]]
    for entry in shown["history"]:
        for event in entry["events"]:
            if event["change"] in ("renamed", "removed") and re.fullmatch(r"--[\w-]+", event.get("to") or ""):
                to[entry["flag"]] = event["to"]
            earlier = EARLIER.get((raw["engine"], entry["flag"]), {})
            if event["change"] == "removed-earlier" and earlier.get("drop") and earlier["requires"] in raw["seen"]:
                to[entry["flag"]] = ""
    rejecting = [p for p in raw["problems"] if p["kind"] in argparse_rules.REJECTS]
    for p in rejecting:  # `--tp` for the engine's `-tp`: its long name, as certain as a rename
        short = "-" + (p["flag"] or "")[2:]
        if p["kind"] == "unknown" and (p["flag"] or "").startswith("--") and short in opts.by_name:
            to[p["flag"]] = opts.by_name[short]["names"][0]
    if not rejecting or any(p["kind"] != "unknown" or p["flag"] not in to for p in rejecting):
        return None
    edits = [(p["line"], p["flag"], to[p["flag"]]) for p in rejecting]
    after = _apply(lines, raw["first"], raw["last"], edits)
    if after is None:
        return None
    picks = {raw["engine"]: raw["release"]}
    again = releases.checker(picks).check_text("\n".join(after))["commands"]
    if len(again) != 1 or not again[0]["ok"]:
        return None
    import difflib
    before = lines[raw["first"] - 1:raw["last"]]
    diff = "\n".join(difflib.unified_diff(before, after, "pasted", "corrected", lineterm="", n=max(len(before), 1)))
    return {"command": "\n".join(after), "diff": diff,
            "changes": [f"{p['flag']} → {to[p['flag']]}" if to[p["flag"]] else f"{p['flag']} dropped" for p in rejecting]}
