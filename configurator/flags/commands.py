"""Check launch commands against what an engine release's own parser accepts.

Standard library only (it runs in Pyodide too). The facts come from the engine data in
configurator/flags/engine_data/<engine>-<release>.json, written from the real engines by
`python3 dev.py engine-data sglang==0.5.23`; the rules of argparse are in argparse_rules.py,
one release's checker in checker.py.

Command line (tests and tools rely on it): one JSON line per command read from stdin,

    python -m configurator.flags.commands [sglang-0.5.23 vllm-0.33.0] < commands.txt
    {"engine": "sglang", "release": "0.5.23", "ok": true, "problems": [{"flag", "kind", "message"}]}

`ok` means the real parser would accept the command (warnings allowed). Problem kinds:
rejecting — unknown (with the nearest real names), ambiguous, missing-value, bad-type,
bad-choice (listing them), unexpected-value, missing, not-engine, syntax; warnings —
deprecated (replacement, removal date), abbreviation (the full name), repeated, unknown-env.
The first problem of a rejected command is the one the engine stops at.

Browser entry point: `check_json(text, engine_data, spec=None) -> str` (JSON in, JSON out;
never raises, answers hostile input — 100,000 characters, HTML, NUL, unbalanced quotes —
with a message at once). `engine_data` is the JSON text of one engine data file or of a
list of them (or, in CPython, a name like "sglang-0.5.23"); `spec` optionally is the page's
spec JSON, whose `why` texts explain the flags it uses. The answer:

    {"error": str | null,                 # set when the text as a whole cannot be checked
     "releases": ["sglang 0.5.23", ...],  # what was checked against
     "commands": [{
        "engine": "sglang" | "vllm" | null, "release": "0.5.23" | null,
        "command": "serve" | "bench serve" | "bench serving" | null, "ok": bool,
        "first": 3, "last": 9,            # 1-based lines of the pasted text
        "problems": [{"flag", "kind", "message", "line", "option", "severity": "error"|"warning"}],
        "lines": [{"line": 3, "text": "...", "status": "ok"|"warning"|"error",
                   "flags": [{"flag": "--tp", "option": "--tp-size", "why": str | null}],
                   "problems": [indexes into problems]}],
        "fixed": null | {"command": str, "diff": str, "changes": [str]}}]}

`fixed` is offered only for a command the parser accepts, when every change is certain (an
abbreviation spelled out, a flag renamed with its value kept; see fix.py) and the corrected
command, checked again, has fewer problems. Warnings with no certain rewrite stay listed.
"""

import json
import re
import sys

from . import argparse_rules, release_data
from .checker import Checker, latest, load
from .fix import fixed_command
from .releases import Releases, annotate, runs_on


# --- what the page shows ----------------------------------------------------------------------

def public(result, lines, spec_why, checker):
    """A command's result as check_json returns it (lines, explanations, fix)."""
    problems = [{k: p[k] for k in ("flag", "kind", "message", "line", "option")} |
                {"severity": "error" if p["kind"] in argparse_rules.REJECTS else "warning"} for p in result["problems"]]
    flags_by_line = {}
    for canonical, uses in result["seen"].items():
        for word, line, _ in uses:
            flags_by_line.setdefault(line, []).append(
                {"flag": word.split("=")[0], "option": canonical, "why": spec_why.get(canonical)})
    out_lines = []
    for number in range(result["first"], result["last"] + 1):
        mine = [i for i, p in enumerate(problems) if p["line"] == number]
        status = "error" if any(problems[i]["severity"] == "error" for i in mine) else ("warning" if mine else "ok")
        out_lines.append({"line": number, "text": lines[number - 1] if number - 1 < len(lines) else "",
                          "status": status, "flags": flags_by_line.get(number, []), "problems": mine})
    fixed = fixed_command(result, lines, checker) if result["engine"] else None
    keep = ("engine", "release", "command", "ok", "first", "last")
    return {k: result[k] for k in keep} | {"problems": problems, "lines": out_lines, "fixed": fixed}


def _spec_why(spec_text, checker):
    """{canonical option: why} for the flags a page's spec explains."""
    try:
        spec = json.loads(spec_text) if isinstance(spec_text, str) else None
        rules = spec["command"]["args"] if isinstance(spec, dict) else []
        engine = checker.engines.get(spec.get("engine", "sglang")) if isinstance(spec, dict) else None
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return {}
    if engine is None or not isinstance(rules, list):
        return {}
    out = {}
    for opts in engine["commands"].values():
        for rule in rules:
            if isinstance(rule, dict) and isinstance(rule.get("flag"), str) and isinstance(rule.get("why"), str):
                opt, _, _, how = argparse_rules.classify(opts, rule["flag"])
                if opt is not None:
                    out.setdefault(opt["names"][0], rule["why"])
    return out


_checkers = {}


def _checker_for(engine_data):
    """(Checker of one release per engine, releases.Releases or None) for check_json's engine_data:
    None (every shipped release), "sglang-0.5.23,vllm-0.33.0" (CPython), the JSON text of one data
    file or a list of them (one release each), or the page's bundle {"engines": {engine: [files]}}."""
    # The page sends the same data text with every check: parse it once (a hash of 160 KB is ~0.1 ms).
    key = engine_data if not isinstance(engine_data, str) or len(engine_data) < 200 else (len(engine_data), hash(engine_data))
    if key in _checkers:
        return _checkers[key]
    if engine_data is None:
        found = Releases.from_files({e: release_data.chain(e) for e in release_data.stored()})
    elif re.fullmatch(r"[a-z0-9.,-]+", engine_data):
        found = Checker([load(n) for n in engine_data.split(",")])
    else:
        parsed = json.loads(engine_data)
        if isinstance(parsed, dict) and isinstance(parsed.get("engines"), dict):
            found = Releases.from_files(parsed["engines"])
        else:
            found = Checker(parsed if isinstance(parsed, list) else [parsed])
    _checkers.clear()  # one page checks against one set of releases; keep memory flat
    _checkers[key] = found
    return found


def check_json(text, engine_data=None, spec=None, release=None) -> str:
    """The browser's entry point: JSON in, JSON out, never raises (see the module docstring).

    With several releases per engine (the page's bundle, or engine_data None), `release` picks the
    one to check against ("latest" by default, "sglang 0.5.9"); each command then also gets
    "verdicts" [{"release", "ok"}] over every covered release, "runs_on" and "history" (releases.py)."""
    try:
        found = _checker_for(engine_data)
        many = isinstance(found, Releases)
        if many:
            try:
                picks = found.pick(release if isinstance(release, str) else None)
            except ValueError as exc:
                return json.dumps({"error": str(exc), "releases": [], "covered": found.covered(), "commands": []})
            checker = found.checker(picks)
        else:
            checker = found
    except (OSError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError) as exc:
        return json.dumps({"error": f"The engine data could not be read ({type(exc).__name__}).",
                           "releases": [], "commands": []})
    try:
        answer = checker.check_text(text)
        lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n") if not answer["error"] else []
        why = _spec_why(spec, checker) if spec else {}
        commands = [public(r, lines, why, checker) for r in answer["commands"]]
        out = {"error": answer["error"], "releases": checker.releases(), "commands": commands}
        if many:
            out["covered"] = found.covered()
            for raw, shown in zip(answer["commands"], commands):
                annotate(found, raw, shown, lines)
    except Exception as exc:  # noqa: BLE001  (a bug must not break the page; say so instead)
        out = {"error": f"The checker failed on this text ({type(exc).__name__}); please report it.",
               "releases": checker.releases(), "commands": []}
    return json.dumps(out, ensure_ascii=False, separators=(",", ":"))


def check(engine: str, text: str) -> tuple[bool, str]:
    """(accepted, report) for `text` against the newest data of `engine`: for tests and tools."""
    answer = Checker([load(n) for n in latest() if n.startswith(engine + "-")]).check_text(text)
    lines = [json.dumps(cli_line(r), ensure_ascii=False) for r in answer["commands"]]
    ok = not answer["error"] and bool(lines) and all(r["ok"] and r["engine"] == engine for r in answer["commands"])
    return ok, answer["error"] or "\n".join(lines)


def cli_line(result) -> dict:
    """The command-line form of one command's result."""
    return {"engine": result["engine"], "release": result["release"], "ok": result["ok"],
            "problems": [{k: p[k] for k in ("flag", "kind", "message")} for p in result["problems"]]}


USAGE = """usage: python -m configurator.flags.commands [NAME ...] [--release RELEASE] [--all-releases] < commands.txt
  NAME            data to check against, e.g. sglang-0.5.23 (default: the newest of each engine)
  --release R     check against release R, e.g. 'sglang 0.5.9' or 0.5.9 (default: latest)
  --all-releases  also give each covered release's verdict ("releases", "runs_on")"""


def _options(argv):
    """(names, release, all_releases) from the command line; ValueError with a message on bad input.
    (Not argparse: the browser's Python ships without it, and this module runs there too.)"""
    names, release, every, i = [], None, False, 0
    while i < len(argv):
        word = argv[i]
        if word in ("-h", "--help"):
            raise ValueError(USAGE)
        if word == "--all-releases":
            every = True
        elif word == "--release" or word.startswith("--release="):
            if "=" not in word and i + 1 >= len(argv):
                raise ValueError("--release needs a release, e.g. --release 'sglang 0.5.9'")
            release = word.split("=", 1)[1] if "=" in word else argv[i + 1]
            i += "=" not in word
        elif word.startswith("-"):
            raise ValueError(f"unknown option {word!r}\n{USAGE}")
        else:
            names.append(word)
        i += 1
    return names, release, every


def main(argv=None) -> int:
    try:
        names, release, every = _options(argv if argv is not None else sys.argv[1:])
        releases = Releases.from_files({e: release_data.chain(e) for e in release_data.stored()})
        if release or every:
            checker = releases.checker(releases.pick(release))
        else:
            checker = Checker([load(n) for n in (names or latest())])
    except (ValueError, OSError) as exc:
        print(f"python -m configurator.flags.commands: {exc}", file=sys.stderr)
        return 2
    text = sys.stdin.read()
    answer = checker.check_text(text)
    if answer["error"]:
        print(json.dumps({"engine": None, "release": None, "ok": False,
                          "problems": [{"flag": None, "kind": "syntax", "message": answer["error"]}]}))
        return 1
    for result in answer["commands"]:
        line = cli_line(result)
        if every and result["engine"]:
            verdicts = releases.verdicts(result["engine"], _command_text(text, result))
            line["releases"] = {r: ok for r, ok in verdicts}
            line["runs_on"] = runs_on(result["engine"], verdicts)
        print(json.dumps(line, ensure_ascii=False))
    return 0 if all(r["ok"] for r in answer["commands"]) else 1


def _command_text(text, result):
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(lines[result["first"] - 1:result["last"]])


if __name__ == "__main__":
    sys.exit(main())
