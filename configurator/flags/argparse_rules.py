"""One engine command's arguments against its engine data: argparse's rules, re-done.

The engine data (configurator/flags/engine_data/*.json, written by `python3 dev.py engine-data`)
lists what the engine's own parser declares. This module applies Python 3.11's argparse
rules to it (how words become options and values, prefix abbreviations, `--name=value`,
`--` ends options) plus vLLM's FlexibleArgumentParser rewrites (`_` for `-` in names,
`-O3`, dotted `--config.key value`, `vllm serve --model M`). Every problem carries a
`stage` so that the first rejecting one is what the real parser would stop at.
"""

import difflib
import re

MAX_REPORTED = 20  # leftover words reported one by one; the rest are counted
MAX_HINTS = 5  # of them, with the nearest real names (each costs a difflib pass over every name)
NEGATIVE = re.compile(r"-\d+\Z|-\d*\.\d+\Z")
# Problem kinds that make the real parser refuse the command; the others are warnings.
REJECTS = ("unknown", "ambiguous", "missing-value", "bad-type", "bad-choice", "unexpected-value",
           "missing", "not-engine", "syntax")
# Order of the engine's own checks: preprocessing, argparse's word classification, consuming
# values left to right, required options, leftover words, then checks after parsing.
STAGES = {"pre": 0, "classify": 1, "consume": 2, "required": 3, "leftover": 4, "post": 5}


class Options:
    """Lookup tables for one command (e.g. `vllm serve`) of one engine release."""

    def __init__(self, engine, release, name, raw, env):
        self.engine, self.release, self.name = engine, release, name
        self.allow_abbrev = raw.get("allow_abbrev", True)
        self.dialect = engine  # vllm's parser rewrites words before argparse sees them
        self.positional = raw.get("positional")
        self.required = [o for o in raw["options"] if o.get("required")]
        self.by_name = {}
        for opt in raw["options"]:
            for option_string in opt["names"]:
                self.by_name[option_string] = opt
        self.long_names = sorted(n for n in self.by_name if n.startswith("--"))
        self.env = env

    def label(self):
        return f"{self.engine} {self.release}"

    def nearest(self, word, names=None):
        # `--tp` where the engine has `-tp`: the short name written with two dashes, which no
        # spelling distance finds; name it with its long form so the reader can pick either.
        short = "-" + word[2:] if word.startswith("--") else None
        if short in self.by_name and names is None:
            return [f"{short} ({self.by_name[short]['names'][0]})"]
        return difflib.get_close_matches(word, names or self.long_names, n=3, cutoff=0.75)


def problem(kind, flag, message, line, stage, option=None):
    return {"flag": flag, "kind": kind, "message": message, "line": line,
            "stage": STAGES[stage], "option": option}


def _is_number(word):
    return bool(NEGATIVE.match(word))


def classify(opts, word):
    """argparse's _parse_optional: (option dict or None, option string used, explicit value, how).

    how: "exact", "abbrev", "ambiguous" (matches: list), "unknown" or "positional".
    """
    if not word or word[0] != "-" or word == "-":
        return None, None, None, "positional"
    if word in opts.by_name:
        return opts.by_name[word], word, None, "exact"
    if "=" in word:
        head, value = word.split("=", 1)
        if head in opts.by_name:
            return opts.by_name[head], head, value, "exact"
    if opts.allow_abbrev and len(word) > 1:
        matches = _prefix_matches(opts, word)
        if len(matches) > 1:
            return None, [m[0] for m in matches], None, "ambiguous"
        if len(matches) == 1:
            name, value = matches[0]
            return opts.by_name[name], name, value, "abbrev"
    if _is_number(word) and not any(_is_number(n) for n in opts.by_name):
        return None, None, None, "positional"
    if " " in word:
        return None, None, None, "positional"
    return None, None, None, "unknown"


def _prefix_matches(opts, word):
    """argparse 3.11 _get_option_tuples: [(option string, explicit value)]."""
    found = []
    if word.startswith("--"):
        prefix, _, value = word.partition("=")
        value = value if "=" in word else None
        found = [(n, value) for n in opts.long_names if n.startswith(prefix)]
    else:
        prefix, short, rest = word.partition("=")[0], word[:2], word[2:]
        value = word.split("=", 1)[1] if "=" in word else None
        for name in sorted(opts.by_name):
            if name == short:
                found.append((name, rest))
            elif name.startswith(prefix):
                found.append((name, value))
    return found


def vllm_rewrite(opts, words):
    """FlexibleArgumentParser.parse_args before argparse: returns (words, problems).

    Words are (text, line, original text) so problems can name what the reader wrote.
    """
    problems, out = [], []
    texts = [w for w, _ in words]
    if opts.name == "serve":
        at = next((i for i, w in enumerate(texts) if re.match(r"--model(=.+|\Z)", w)), None)
        if at is not None and (texts[at] != "--model" or at + 1 < len(texts)):
            # vLLM moves `--model M` to the front, where the positional model goes.
            span = 2 if texts[at] == "--model" else 1
            model = texts[at + 1] if span == 2 else texts[at].split("=", 1)[1]
            moved = [(model, words[at][1])]
            dep = opts.by_name.get("--model", {}).get("deprecated")
            if dep:
                problems.append(problem("deprecated", "--model", f"{opts.label()}: {dep['message']}",
                                        words[at][1], "post", "--model"))
            words = moved + words[:at] + words[at + span:]
            texts = [w for w, _ in words]
        if (texts and texts[0].startswith("-") and "--config" not in " ".join(texts)
                and any(re.match(r"--served[-_]model[-_]name(=.+|\Z)", w) for w in texts)):
            problems.append(problem("missing", None, "vllm serve needs the model as its first word "
                                    "(`vllm serve <model> --flag value`) when --served-model-name is given",
                                    words[0][1], "pre"))
    i, dotted = 0, {}
    while i < len(words):
        word, line = words[i]
        if word.startswith("--"):
            key, eq, value = word.partition("=")
            head, dot, tail = key[2:].partition(".")
            key = "--" + head.replace("_", "-") + dot + tail
            word = key + eq + value
        elif word.startswith("-O") and word != "-O":
            out += [("--optimization-level", line, word), (word[3:] if word[2:3] == "=" else word[2:], line, word)]
            i += 1
            continue
        elif word == "-O" and i + 1 < len(words) and words[i + 1][0] in ("0", "1", "2", "3"):
            word = "--optimization-level"
        if word.startswith("-") and "." in word.split("=", 1)[0]:
            # `--config.key value`: vLLM folds these into `--config '{"key": value}'` at the end.
            dotted.setdefault(word.split("=", 1)[0].split(".")[0], (line, words[i][0]))
            i += 1 if "=" in word else 2  # without `=`, the next word is the value, whatever it is
            continue
        out.append((word, line, words[i][0]))
        i += 1
    for name, (line, original) in dotted.items():
        out += [(name, line, original), ("{}", line, original)]
    return out, problems


def parse(opts, words, hints=True):
    """argparse over `words` [(text, line)]: (problems, seen {canonical: [(word, line, value)]}, positionals)."""
    problems = []
    if opts.dialect == "vllm":
        triples, problems = vllm_rewrite(opts, words)
    else:
        triples = [(w, line, w) for w, line in words]
    classes, after_dashes = [], False
    for word, line, original in triples:
        if after_dashes:
            classes.append((None, None, None, "positional"))
            continue
        if word == "--":  # the rest are positionals; `--` itself is left over unless one takes it
            after_dashes = True
            classes.append((None, None, None, "dashes"))
            continue
        found = classify(opts, word)
        classes.append(found)
        if found[3] == "ambiguous":
            problems.append(problem("ambiguous", original, f"{original.split('=')[0]} is ambiguous: it could be "
                                    + ", ".join(found[1][:6]) + "; spell the option out", line, "classify"))
    seen, positionals, extras = {}, [], []
    i = 0
    while i < len(triples):
        word, line, original = triples[i]
        opt, used, explicit, how = classes[i]
        i += 1
        if how in ("positional", "dashes"):
            (positionals if how == "positional" else extras).append((i, word, line, original))
            continue
        if how == "ambiguous":
            continue
        if how == "unknown":
            extras.append((i, word, line, original))
            continue
        canonical = opt["names"][0]
        if how == "abbrev":
            problems.append(problem("abbreviation", original.split("=")[0],
                                    f"{original.split('=')[0]} is not an option name: argparse accepts it only as an "
                                    f"abbreviation of {used}, which breaks if another option with that prefix is added",
                                    line, "classify", canonical))
        values, nargs = [], opt["nargs"]
        if explicit is not None:
            if nargs == 0:
                problems.append(problem("unexpected-value", original, f"{used} takes no value, so "
                                        f"{original!r} is refused", line, "consume", canonical))
                continue
            values = [explicit]
        else:
            take = {0: 0, 1: 1, "?": 1, "*": 10**6, "+": 10**6}.get(nargs, nargs if isinstance(nargs, int) else 1)
            while len(values) < take and i < len(triples) and classes[i][3] == "positional":
                values.append(triples[i][0])
                i += 1
            need = {"+": 1, "?": 0, "*": 0}.get(nargs, take)
            if len(values) < need:
                problems.append(problem("missing-value", original, f"{used} needs a value" if need == 1
                                        else f"{used} needs {need} values", line, "consume", canonical))
                continue
        for value in values:
            bad = _bad_value(opts, opt, used, value)
            if bad:
                problems.append(problem(bad[0], original.split("=")[0], bad[1], line, "consume", canonical))
                break
        seen.setdefault(canonical, []).append((original, line, values))
    if opts.positional and not opts.positional.startswith("-") and positionals:
        positionals, extras = positionals[:1], extras + positionals[1:]  # `vllm serve MODEL`
    else:
        positionals, extras = [], extras + positionals
    for opt in opts.required:
        if opt["names"][0] not in seen:
            names = "/".join(opt["names"])
            problems.append(problem("missing", opt["names"][0], f"{opts.engine} {opts.name} needs {names}",
                                    words[0][1] if words else None, "required", opt["names"][0]))
    previous = None
    for n, (index, word, line, original) in enumerate(sorted(extras)):
        follows = previous is not None and index == previous[0] + 1 and previous[1].startswith("-")
        previous = (index, word if not follows else previous[1])
        if follows and not word.startswith("-"):
            continue  # the value of an unknown option: argparse lists it too, but it is one mistake
        if n >= MAX_REPORTED:
            problems.append(problem("unknown", None, f"and {len(extras) - n} more words not accepted", line, "leftover"))
            break
        flag = word.split("=")[0] if word.startswith("-") else word
        shown = original.split("=")[0] if original.startswith("-") else original
        near = opts.nearest(flag) if hints and word.startswith("-") and n < MAX_HINTS else []  # difflib is slow
        hint = f"; did you mean {' or '.join(near)}?" if near else ""
        what = "unknown option" if word.startswith("-") and word != "--" else "unexpected word"
        text = (f"{what} {shown!r} for {opts.engine} {opts.name} {opts.release}{hint}" if n == 0
                else f"also not accepted: {shown!r}{hint}")
        problems.append(problem("unknown", flag, text, line, "leftover"))
    return problems, seen, positionals


def _bad_value(opts, opt, used, value):
    kind = opt.get("type", "str")
    converted = value
    if value in opt.get("also", ()):  # e.g. vLLM's optional numbers take "None"
        return None
    if kind in ("int", "float"):
        try:
            converted = (int if kind == "int" else float)(value)
        except ValueError:
            return "bad-type", f"{used} takes {'a whole number' if kind == 'int' else 'a number'}, not {value!r}"
    choices = opt.get("choices")
    if choices is not None and str(converted) not in choices:
        near = _nearest_choice(value, choices)
        hint = f" (did you mean {near[0]}?)" if near else ""
        return "bad-choice", f"{value!r} is not one of the choices of {used}{hint}: {', '.join(choices)}"
    return None


def _nearest_choice(value, choices):
    """The choice a reader most likely meant: one that spells out what they wrote (`fp8` →
    `fp8_e4m3`, the first such in the engine's order) before one that merely looks alike (`mxfp8`)."""
    longer = [c for c in choices if c.startswith(value) and value and c[len(value):][:1] in ("_", "-", ".")]
    return longer[:1] or difflib.get_close_matches(value, choices, n=1, cutoff=0.6)
