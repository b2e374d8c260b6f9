"""One engine release's checker: the engine data shipped, and one pasted text checked against it.

`Checker` reads a pasted text (shell_text), finds each command's engine and subcommand, and
applies argparse's rules to its words (argparse_rules) against one release's data per engine,
which `load` rebuilds from the stored base and deltas (release_data). What the page and the
command line make of its results is commands.py.
"""

import difflib
import os
import re

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


def latest() -> list[str]:
    """The newest shipped release of each engine."""
    best = {}
    for name in available():
        engine, _, release = name.partition("-")
        version = tuple(int(p) if p.isdigit() else 0 for p in release.split("."))
        if engine not in best or version > best[engine][0]:
            best[engine] = (version, name)
    return [name for _, name in best.values()]
