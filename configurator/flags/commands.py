"""Check launch commands against what an engine release's own parser accepts.

Standard library only (it runs in Pyodide too). The facts come from the engine data in
configurator/flags/engine_data/<engine>-<release>.json, written from the real engines by
`python3 dev.py engine-data sglang==0.5.23`; the rules of argparse are in argparse_rules.py.

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

import difflib
import json
import os
import re
import sys

from . import argparse_rules, release_data, shell_text
from .argparse_rules import Options, problem

DATA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "engine_data")
ENV_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=")
MAX_COMMANDS = 50
MAX_PROBLEMS = 100  # per command


def available() -> list[str]:
    """Engine releases shipped with the package, e.g. ["sglang-0.5.23", "vllm-0.33.0"] (full or delta files)."""
    return sorted(f"{e}-{r}" for e, releases in release_data.stored().items() for r in releases)


_expanded = {}


def load(name: str) -> dict:
    """The full data of one release ("sglang-0.5.23"), rebuilt from its engine's base and deltas."""
    engine, _, release = os.path.basename(name).partition("-")
    if engine not in _expanded:
        _expanded[engine] = {d["release"]: d for d in release_data.expand(release_data.chain(engine))} if release_data.stored().get(engine) else {}
    if release not in _expanded[engine]:
        raise FileNotFoundError(f"no engine data for {engine} {release!r} (have: {', '.join(available())})")
    return _expanded[engine][release]


class Checker:
    def __init__(self, datasets):
        self.engines = {}
        for data in datasets:
            env = data.get("env", {})
            commands = {name: Options(data["engine"], data["release"], name, raw, env)
                        for name, raw in data["commands"].items()}
            self.engines[data["engine"]] = {"data": data, "commands": commands}

    def releases(self):
        return [f"{e} {v['data']['release']}" for e, v in sorted(self.engines.items())]

    def check_text(self, text):
        """{"error": message} for text that cannot be read at all, else {"commands": [...]}."""
        hostile = shell_text.too_hostile(text)
        if hostile:
            return {"error": hostile, "commands": []}
        commands = shell_text.split_commands(text)
        if not commands:
            return {"error": "There is no command in the text.", "commands": []}
        if len(commands) > MAX_COMMANDS:
            return {"error": f"There are {len(commands)} commands; paste at most {MAX_COMMANDS}.", "commands": []}
        return {"error": None, "commands": [self.check_command(c) for c in commands]}

    def check_command(self, command, hints=True):
        result = {"engine": None, "release": None, "command": None, "ok": False,
                  "first": command.first, "last": command.last, "problems": [], "seen": {}}
        if command.error:
            result["problems"].append(problem("syntax", None, command.error, command.first, "pre"))
            return result
        found = self.recognise(command.words)
        if found is None:
            result["problems"].append(problem(
                "not-engine", None, "not a command this checker knows: it reads " + ", ".join(
                    ["sglang serve", "python -m sglang.launch_server", "python -m sglang.bench_serving",
                     "vllm serve", "vllm bench serve",
                     "docker run … IMAGE …", "docker exec … CONTAINER …"]), command.first, "pre"))
            return result
        engine, name, env, args, mode = found
        opts = self.engines[engine]["commands"][name]
        result.update(engine=engine, release=opts.release, command=name)
        problems = _env_problems(opts, env) if hints else []
        if engine == "sglang" and mode == "cli":
            args, pre = _sglang_cli(opts, args, command.first)
            problems += pre
        parsed, seen, _ = argparse_rules.parse(opts, args, hints=hints)
        problems += parsed
        problems += _after_parse(opts, seen)
        problems.sort(key=lambda p: (p["kind"] not in argparse_rules.REJECTS, p["stage"], p["line"] or 0))
        if len(problems) > MAX_PROBLEMS:  # a pasted wall of flags must not become a wall of JSON
            more = len(problems) - MAX_PROBLEMS
            problems = problems[:MAX_PROBLEMS] + [problem(problems[MAX_PROBLEMS]["kind"], None, f"and {more} more problems like these",
                                                          problems[MAX_PROBLEMS]["line"], "post")]
        result["problems"] = problems
        result["ok"] = not any(p["kind"] in argparse_rules.REJECTS for p in problems)
        result["seen"] = seen
        return result

    def recognise(self, words):
        """(engine, command name, env [(name, value, line)], args [(word, line)], mode) or None."""
        env, i = [], 0
        texts = [w for w, _ in words]
        if texts[:2] == ["docker", "run"]:
            return self._docker(words)
        if texts[:2] == ["docker", "exec"]:
            return self._docker_exec(words)
        if texts[:1] == ["env"]:
            i = 1
        while i < len(words) and ENV_WORD.match(texts[i]):
            name, value = texts[i].split("=", 1)
            env.append((name, value, words[i][1]))
            i += 1
        prog = [os.path.basename(w) for w in texts[i:i + 3]]
        if "sglang" in self.engines:
            if prog[:2] == ["sglang", "serve"]:
                return "sglang", "serve", env, words[i + 2:], "cli"
            if len(prog) == 3 and re.fullmatch(r"python3?(\.\d+)?", prog[0]) and texts[i + 1:i + 3] == ["-m", "sglang.launch_server"]:
                return "sglang", "serve", env, words[i + 3:], "launch_server"
            # SGLang's benchmark client (the old module name is kept as an alias of the new one)
            if len(prog) == 3 and re.fullmatch(r"python3?(\.\d+)?", prog[0]) and texts[i + 1] == "-m" \
                    and texts[i + 2] in ("sglang.bench_serving", "sglang.benchmark.serving") \
                    and "bench serving" in self.engines["sglang"]["commands"]:
                return "sglang", "bench serving", env, words[i + 3:], "module"
        if "vllm" in self.engines:
            if prog[:2] == ["vllm", "serve"]:
                return "vllm", "serve", env, words[i + 2:], "cli"
            if prog[:3] == ["vllm", "bench", "serve"]:
                return "vllm", "bench serve", env, words[i + 3:], "cli"
        return None

    def _docker(self, words):
        """`docker run [docker options] IMAGE [args]`: the engine's image runs its entry point."""
        env = []
        for at, (word, line) in enumerate(words[2:], start=2):
            repo = re.sub(r"^(docker\.io/)?", "", word.split("@")[0].rsplit(":", 1)[0] if "/" in word else "")
            for engine, info in self.engines.items():
                if repo in info["data"].get("images", []):
                    if engine == "vllm":  # the image's entry point is `vllm serve`
                        return "vllm", "serve", env, words[at + 1:], "cli"
                    inner = self.recognise(words[at + 1:])
                    if inner is None:
                        return None
                    return inner[0], inner[1], env + inner[2], inner[3], inner[4]
            if word in ("-e", "--env") and at + 1 < len(words) and "=" in words[at + 1][0]:
                name, value = words[at + 1][0].split("=", 1)
                env.append((name, value, words[at + 1][1]))
        return None


    def _docker_exec(self, words):
        """`docker exec [options] CONTAINER COMMAND…`: the command, checked as if typed inside."""
        at = 2
        while at < len(words) and words[at][0].startswith("-"):
            # docker exec's options that take a separate value
            at += 2 if words[at][0] in ("-e", "--env", "--env-file", "-u", "--user", "-w", "--workdir",
                                         "--detach-keys") else 1
        return self.recognise(words[at + 1:]) if at + 1 < len(words) else None


def _sglang_cli(opts, args, first_line):
    """What `sglang serve` does before argparse: --model-type out, a leading bare word is the model.
    Releases whose data has no `positional` (0.5.9) need `--model-path` spelled out instead."""
    if not opts.positional:
        texts = [w for w, _ in args]
        if any(w == "--model-path" and j + 1 < len(texts) or w.startswith("--model-path=") for j, w in enumerate(texts)):
            return args, []
        return args, [problem("missing", "--model-path", f"sglang serve in {opts.label()} needs --model-path "
                              "spelled out", first_line, "pre", "--model-path")]
    kept, i = [], 0
    while i < len(args):
        word = args[i][0]
        if word == "--model-type":
            i += 2
            continue
        if not word.startswith("--model-type="):
            kept.append(args[i])
        i += 1
    problems = []
    if kept and not kept[0][0].startswith("-"):
        kept = [("--model-path", kept[0][1])] + kept
    texts = [w for w, _ in kept]
    has_model = any((w in ("--model-path", "--model") and j + 1 < len(texts)) or
                    w.startswith(("--model-path=", "--model=")) for j, w in enumerate(texts))
    if not has_model:
        problems.append(problem("missing", "--model-path", "sglang serve needs --model-path (or the model "
                                "as the first word after `serve`)", first_line, "pre", "--model-path"))
    return kept, problems


def _env_problems(opts, env):
    problems = []
    prefixes, names = tuple(opts.env.get("prefixes", [])), opts.env.get("names", [])
    for n, (name, _, line) in enumerate(env):
        if prefixes and name.startswith(prefixes) and name not in names:
            near = difflib.get_close_matches(name, names, n=3, cutoff=0.8) if n < argparse_rules.MAX_HINTS else []
            hint = f"; did you mean {' or '.join(near)}?" if near else ""
            problems.append(problem("unknown-env", name, f"{name} is not an environment variable "
                                    f"{opts.label()} declares{hint}", line, "post"))
    return problems


def _after_parse(opts, seen):
    """Warnings about what parsed: deprecations (with the engine's own words) and repeats."""
    problems = []
    for canonical, uses in seen.items():
        opt = opts.by_name[canonical]
        word, line, values = uses[0]
        dep = opt.get("deprecated")
        if dep:
            problems.append(problem("deprecated", word.split("=")[0], _deprecation_text(opts, word.split("=")[0], dep),
                                    line, "post", canonical))
        for value in values:
            dep_value = opt.get("deprecated_values", {}).get(value)
            if dep_value:
                text = f"{opts.label()}: {dep_value['message']}" + (f" {dep_value['also']}" if dep_value.get("also") else "")
                problems.append(problem("deprecated", word.split("=")[0], text, line, "post", canonical))
        needs = opt.get("requires")
        if needs and argparse_rules.classify(opts, word)[1] == needs[0] and opts.by_name[needs[1]]["names"][0] not in seen:
            problems.append(problem("missing", word.split("=")[0], f"{needs[0]} requires {needs[1]} "
                                    f"in {opts.label()}", line, "post", canonical))
        if len(uses) > 1 and not opt.get("repeatable"):
            problems.append(problem("repeated", uses[-1][0].split("=")[0], f"{canonical} is given {len(uses)} times; "
                                    "only the last one counts", uses[-1][1], "post", canonical))
    return problems


def _deprecation_text(opts, word, dep):
    parts = [f"{word} is deprecated in {opts.label()}"]
    if dep.get("replacement"):
        parts.append(f"use {dep['replacement']} instead")
    if dep.get("removal"):
        parts.append(f"marked for removal after {dep['removal']}")
    text = "; ".join(parts) + "."
    if dep.get("message") and not dep.get("replacement"):
        text += f" The engine says: {dep['message']}"
    return text


# --- what the page shows ----------------------------------------------------------------------

def public(result, lines, spec_why, checker):
    """A command's result as check_json returns it (lines, explanations, fix)."""
    from .fix import fixed_command

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
    from .releases import Releases

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


def latest() -> list[str]:
    """The newest shipped release of each engine."""
    best = {}
    for name in available():
        engine, _, release = name.partition("-")
        version = tuple(int(p) if p.isdigit() else 0 for p in release.split("."))
        if engine not in best or version > best[engine][0]:
            best[engine] = (version, name)
    return [name for _, name in best.values()]


def check_json(text, engine_data=None, spec=None, release=None) -> str:
    """The browser's entry point: JSON in, JSON out, never raises (see the module docstring).

    With several releases per engine (the page's bundle, or engine_data None), `release` picks the
    one to check against ("latest" by default, "sglang 0.5.9"); each command then also gets
    "verdicts" [{"release", "ok"}] over every covered release, "runs_on" and "history" (releases.py)."""
    from .releases import Releases, annotate

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
    from .releases import Releases, runs_on

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
