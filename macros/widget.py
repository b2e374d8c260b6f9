"""Build-time rendering of a configurator: the engine's default view as HTML,
plus the views of every radio state so clicks work before Python has loaded."""

import json
import re
from pathlib import Path

import jinja2
import markupsafe

import configurator
from configurator.resolve import resolve_state

from .specs import cached, load_spec_file, spec_path

# Above these bounds the page ships no precomputed views; the widget shows a
# "loading" state until Python is ready instead of bloating every page load.
# Kimi-K2.7-Code: 3*9*3*3*3*3 = 2,187 keys, about 196 kB of JSON (about 13 kB compressed).
MAX_STATIC_STATES = 4096
MAX_STATIC_BYTES = 250_000

_templates = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=True, trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined,
)


def inline_code(text: str) -> markupsafe.Markup:
    """`backticked` spans of a note or explanation as <code>, the rest escaped (as the page script does)."""
    parts = text.split("`")
    return markupsafe.Markup("").join(
        markupsafe.Markup("<code>{}</code>").format(part) if i % 2 else part for i, part in enumerate(parts))


_templates.filters["inline_code"] = inline_code


def keep_lines(text: str) -> markupsafe.Markup:
    """Escaped text whose line breaks are character references: Markdown ends a raw HTML
    block at a blank line, and a snippet may have some (textContent still reads "\n")."""
    return markupsafe.Markup(str(markupsafe.escape(text)).replace("\n", "&#10;"))


_templates.filters["keep_lines"] = keep_lines


def render_configurator(name: str) -> str:
    path = spec_path(name)
    spec, source = load_spec_file(path)
    view = configurator.resolve(spec)
    # Every state resolved (~1 s for Kimi): kept in build/cache/ with the spec's check.
    static = cached(path, "static", lambda: static_views(spec), Path(__file__),
                    params=f"{MAX_STATIC_STATES}/{MAX_STATIC_BYTES}")
    data = {"spec": source, "static": static}
    html = _templates.get_template("configurator.html").render(
        spec=spec, view=view, options={o["id"]: o for o in view["options"]},
        outputs={o["id"]: o for o in view["outputs"]}, reasons=reasons(spec, view),
        command_sources=[spec.sources[i] for i in dict.fromkeys(sid for _, sid in spec.command_source or ())],
        first_output=view["outputs"][0]["id"] if view["outputs"] else None,
        # ids are CSS selectors too (data-clipboard-target): no dots
        uid="sb-" + re.sub(r"[^a-z0-9_-]", "-", spec.name),
        # An attribute, not an inline <script>: Material re-creates inline scripts on
        # instant navigation, and search/llms.txt would index script text.
        data=json.dumps(data, ensure_ascii=False, separators=(",", ":")),
    )
    # Markdown treats a blank line as the end of a raw HTML block: keep it one block.
    return "\n".join(line for line in html.splitlines() if line.strip())


def reasons(spec, view):
    """{option id: [(item labels, reason)]}: each distinct reason of an option's disabled items
    once, with the items it covers (the page script groups them the same way)."""
    out = {}
    for option in view["options"]:
        grouped = {}
        labels = {i.id: i.label for i in spec.by_id[option["id"]].items or ()}
        for item in option.get("items", []):
            if not item["enabled"] and item["reason"]:
                grouped.setdefault(item["reason"], []).append(labels[item["id"]])
        out[option["id"]] = [(", ".join(labels), reason) for reason, labels in grouped.items()]
    return out


def static_views(spec):
    """{"keys": {"item|item|…": n}, "views": [compact view], "texts": [...]} or None if too big.

    A key lists, per choice option (radio or checkbox, in "radios"), the reader's explicit
    choice or "" for none; a checkbox set is "[id,id]" in the spec's item order ("[]": all
    unchecked). Keys cover every combination (disabled and hidden items too), so the page can
    look up the effect of any click without knowing any rule.
    """
    combos = configurator.all_states(spec, unset=True, limit=MAX_STATIC_STATES)
    if combos is None:
        return None
    radios = [o for o in spec.options if o.kind in ("radio", "checkbox")]
    texts, text_ids, views, view_ids, keys = [], {}, [], {}, {}

    def text_id(text):
        if text not in text_ids:
            text_ids[text] = len(texts)
            texts.append(text)
        return text_ids[text]

    for choices in combos:
        compact = _compact(resolve_state(spec, choices), text_id)
        encoded = json.dumps(compact, sort_keys=True)
        if encoded not in view_ids:
            view_ids[encoded] = len(views)
            views.append(compact)
        keys["|".join(key_part(choices.get(o.id)) for o in radios)] = view_ids[encoded]
    table = {"radios": [o.id for o in radios], "keys": keys, "views": views, "texts": texts}
    return table if len(json.dumps(table)) <= MAX_STATIC_BYTES else None


def key_part(choice):
    """One option's part of a table key (the page builds the same string)."""
    if choice is None:
        return ""
    return "[" + ",".join(choice) + "]" if isinstance(choice, list) else choice


def _compact(view, text_id):
    """A view with repeated strings replaced by indexes into `texts` (the page expands it back)."""
    return {
        "options": [[o["id"], o["visible"], o["value"],
                     {i["id"]: text_id(i["reason"]) for i in o.get("items", []) if not i["enabled"]}]
                    for o in view["options"]],
        "state": view["state"], "query": view["query"], "command": view["command"], "source": view["source"],
        "explanations": [[text_id(e["code"]), text_id(e["text"])] for e in view["explanations"]],
        "notes": [[n["level"], text_id(n["text"])] for n in view["notes"]],
        "outputs": [[o["id"], text_id(o["title"]), o["lang"], text_id(o["text"])] for o in view["outputs"]],
    }
