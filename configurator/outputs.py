"""Named outputs: snippets beside the command (verify, chat, benchmark, agent set-ups…).

    outputs:
      - id: verify                 # the page's hook: [data-output="verify"]
        title: Verify
        lang: shell                # shell | python | json | text | table
        when: {engine: vllm}       # optional: shown only when this holds
        fields: [frac, ctx]        # optional (text outputs): a typed entry of these fields that
                                   # cannot be applied is named at the top of the output
        lines:
          - "curl http://{client_host:dq}:{api_port:dq}/v1/models"
          - {text: '  -H "Content-Type: application/json"', when: {engine: vllm}}
      - id: serve
        title: vllm serve
        lang: shell
        command: {program: vllm serve, args: [...]}   # same shape as the spec's command
      - id: workers                # one command per worker node, separated by a blank line:
        title: Worker nodes        # rendered for rank = 1, 2, … up to (not including) the
        lang: shell                # value `nodes`, the values after `rank` derived again each time
        repeat: {value: rank, from: 1, below: nodes}
        command: {program: vllm serve, args: [{flag: --node-rank, value: "{rank}"}]}

Every placeholder in a line names how its value is escaped for where it stands, so no
value a reader types can break out of its context:
  sh    a whole shell word (shlex.quote)
  dq    inside a shell "double-quoted" string
  py    inside a Python "string" literal
  json  inside a JSON "string" (also safe inside a shell '…' string)
  text  as is: only in `lang: text` or `lang: table` outputs, which are read, not run

A `lang: table` output is text whose lines holding " | " are table rows (the first row of a run
is its header); `[label](https://…)` is a link and `**…**` strong. The page renders it as a table, the
text stays readable as it is (llms.txt, copy).
A line whose placeholder has no value (a field left empty, a hidden option) is left out.
"""

import json
import shlex
from dataclasses import dataclass
from typing import Any

from . import conditions
from .placeholders import template_refs

LANGS = ("shell", "python", "json", "text", "table")
READ = ("text", "table")  # outputs that are read, not run: values go in as they are
ESCAPES = ("sh", "dq", "py", "json", "text")


@dataclass(frozen=True)
class Line:
    text: str
    when: Any


@dataclass(frozen=True)
class Output:
    id: str
    title: str
    lang: str
    when: Any
    lines: tuple  # of Line, or () for a command output
    command: Any  # (program, rules) or None
    where: str
    fields: tuple = ()  # field option ids whose invalid entries the output names
    repeat: Any = None  # (value id, first, value id of the bound) or None
    source: str | None = None  # the id of the source it reproduces

MAX_REPEAT = 64  # renderings of one repeated output, whatever its bound says


def escape(value: str, how: str) -> str:
    if how == "sh":
        return shlex.quote(value)
    if how == "dq":
        return "".join("\\" + ch if ch in '\\"$`' else ch for ch in value)
    if how in ("py", "json"):
        inner = json.dumps(value, ensure_ascii=False)[1:-1]
        return inner.replace("'", "\\u0027") if how == "json" else inner
    return value


def parse_outputs(c, raw_outputs, check_template_refs, check_cond, parse_command, is_field=lambda f: False,
                  check_source=None):
    if not isinstance(raw_outputs, list):
        c.fail("outputs", "expected a list")
    out, seen = [], set()
    for i, raw in enumerate(raw_outputs):
        where = c.place("outputs", i, raw)
        c.keys(raw, where, ("id", "title", "lang"), ("when", "lines", "command", "fields", "repeat", "source"))
        output_id = c.ident(raw["id"], f"{where}.id")
        if output_id in seen or output_id == "command":
            c.fail(f"{where}.id", "duplicate output id" if output_id in seen else "'command' is reserved")
        seen.add(output_id)
        lang = raw["lang"]
        if lang not in LANGS:
            c.fail(f"{where}.lang", f"expected one of {', '.join(LANGS)}")
        when = conditions.parse(raw["when"], f"{where}.when", c.fail) if "when" in raw else None
        check_cond(when, f"{where}.when")
        if ("lines" in raw) == ("command" in raw):
            c.fail(where, "give either 'lines' (a snippet) or 'command' (a command like the spec's)")
        lines, command = (), None
        if "command" in raw:
            if lang != "shell":
                c.fail(f"{where}.lang", "a command output is shell")
            command = parse_command(raw["command"], f"{where}.command")
        else:
            lines = tuple(_line(c, raw_line, f"{where}.lines[{j}]", lang, check_template_refs, check_cond)
                          for j, raw_line in enumerate(_list(c, raw["lines"], f"{where}.lines")))
        fields = raw.get("fields", [])
        if not isinstance(fields, list) or (fields and lang not in READ) or not all(is_field(f) for f in fields):
            c.fail(f"{where}.fields", "expected a list of text or integer field ids, in a lang: text or table output")
        repeat = _repeat(c, raw["repeat"], f"{where}.repeat", check_template_refs) if "repeat" in raw else None
        source = check_source(raw.get("source"), f"{where}.source") if check_source else None
        out.append(Output(output_id, c.text(raw["title"], f"{where}.title"), lang, when, lines, command, where,
                          fields=tuple(fields), repeat=repeat, source=source))
    return tuple(out)


def _repeat(c, raw, where, check_ref):
    if not isinstance(raw, dict):
        c.fail(where, "expected {value: <value id>, from: <integer>, below: <value or option id>}")
    c.keys(raw, where, ("value", "from", "below"), ())
    for key in ("value", "below"):
        if not isinstance(raw[key], str):
            c.fail(f"{where}.{key}", "expected the id of a value or option")
        check_ref(raw[key], f"{where}.{key}")
    if type(raw["from"]) is not int or not 0 <= raw["from"] <= MAX_REPEAT:
        c.fail(f"{where}.from", f"expected a whole number from 0 to {MAX_REPEAT}")
    return (raw["value"], raw["from"], raw["below"])


def repeat_range(repeat, bound):
    """The integers a repeated output is rendered for; empty when the bound has no number."""
    try:
        below = int(bound)
    except (TypeError, ValueError):
        return range(0)
    return range(repeat[1], min(below, repeat[1] + MAX_REPEAT))


def _list(c, raw, where):
    if not isinstance(raw, list) or not raw:
        c.fail(where, "expected a non-empty list")
    return raw


def _line(c, raw, where, lang, check_template_refs, check_cond):
    when = None
    if isinstance(raw, dict):
        c.keys(raw, where, ("text",), ("when",))
        when = conditions.parse(raw["when"], f"{where}.when", c.fail) if "when" in raw else None
        check_cond(when, f"{where}.when")
        raw = raw["text"]
    if not isinstance(raw, str):
        c.fail(where, "expected a line of text")
    if any(ord(ch) < 0x20 and ch != "\t" for ch in raw):
        c.fail(where, "one line per entry: no line breaks or control characters")
    try:
        parts = template_refs(raw)
    except ValueError as exc:
        c.fail(where, f"bad template {raw!r}: {exc}")
    for _, ref, how, conversion in parts:
        if ref is None:
            continue
        if conversion or how not in ESCAPES:
            c.fail(where, f"placeholder {{{ref}}} must say how it is escaped: {{{ref}:sh}}, :dq, :py, :json or :text")
        if how == "text" and lang not in READ:
            c.fail(where, f"{{{ref}:text}} is unescaped: only for lang: text or table outputs")
        check_template_refs(ref, where)
    return Line(raw, when)


def render_outputs(outputs, fill, holds, render_command, field_errors=None, each=None):
    """[{id, title, lang, text}] of the outputs that apply. `fill(ref)` → str or None;
    `field_errors`: field id → the message for an entry that was not applied.

    `each(repeat)` iterates over a repeated output's renderings, binding its value each time.
    A repeated output with nothing to render does not apply."""
    shown = []
    for output in outputs:
        if output.when is not None and not holds(output.when):
            continue
        texts = [_text(output, fill, holds, render_command, field_errors)
                 for _ in (each(output.repeat) if output.repeat else [0])]
        if not texts:
            continue
        shown.append({"id": output.id, "title": output.title, "lang": output.lang, "text": "\n\n".join(texts),
                      "source": output.source})
    return shown


def _text(output, fill, holds, render_command, field_errors):
    if output.command is not None:
        return render_command(output.command)
    text = "\n".join(line for line in (_fill_line(l, fill, holds) for l in output.lines) if line is not None)
    errors = [field_errors[f] for f in output.fields if (field_errors or {}).get(f)]
    if errors:  # otherwise the figures read as if the typed value had been used
        text = "\n".join([f"Not applied: {e}; the figures below use the published value instead."
                          for e in errors] + ["", text])
    return text


def _fill_line(line, fill, holds):
    if line.when is not None and not holds(line.when):
        return None
    out = []
    for literal, ref, how, _ in template_refs(line.text):
        out.append(literal)
        if ref is None:
            continue
        value = fill(ref)
        if value is None:
            return None
        out.append(escape(value, how))
    return "".join(out)
