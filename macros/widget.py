"""Build-time rendering of a configurator: the engine's default view as HTML,
plus the views of every radio state so clicks work before Python has loaded."""

import collections
import itertools
import json
import re
from pathlib import Path

import jinja2
import markupsafe

import configurator
from configurator.client import client_model
from configurator.resolver import resolve_state

from .specs import SPEC_DIR, cached, checked_spec, load_spec_file, spec_path, taken_ahead
from .table_output import table_html

# Above these bounds the page ships only the views of the choices nearest the default (fewest
# explicit choices first); a click beyond them waits for Python instead of every page load
# paying for views few readers reach.
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
_templates.filters["table_html"] = table_html  # `lang: table` outputs (the memory tab)


def attribute_json(value) -> markupsafe.Markup:
    """JSON for an attribute in single quotes: only &, < and ' escaped. Its many double quotes
    stay as they are: escaped as &#34;, they made the deploy page's HTML a fifth larger."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return markupsafe.Markup(text.replace("&", "&amp;").replace("<", "&lt;").replace("'", "&#39;"))


def static_table(path, spec):
    """static_views(spec), resolving states (~1 s for Kimi) only when build/cache/ does not have
    it next to the spec's check, nor did the check compute it meanwhile (checked_spec's `ahead`)."""
    return cached(path, "static", lambda: taken_ahead(spec) or static_views(spec), Path(__file__),
                  params=f"{MAX_STATIC_STATES}/{MAX_STATIC_BYTES}")


def warm_caches():
    """Every spec checked and its views tabulated into build/cache/, ahead of its page (see
    hooks.on_config). A spec that fails is left for its page, which reports it with the page."""
    for path in sorted(SPEC_DIR.glob("*.yaml")):
        try:
            static_table(path, checked_spec(path, ahead=static_views)[0])
        except Exception:  # noqa: BLE001 - reported by the page's own load
            continue


def render_configurator(name: str) -> str:
    path = spec_path(name)
    spec, source = load_spec_file(path, ahead=static_views)
    view = configurator.resolve(spec)
    static = static_table(path, spec)
    # The page script reads the client model (what the page needs, decided by the engine) and
    # the table; the authored spec goes to the Python engine in the worker only (data-spec,
    # passed through unread).
    data = {"spec": client_model(spec), "static": static}
    html = _templates.get_template("configurator.html").render(
        spec=spec, view=view, options={o["id"]: o for o in view["options"]},
        outputs={o["id"]: o for o in view["outputs"]}, reasons=reasons(spec, view),
        command_sources=[spec.sources[i] for i in dict.fromkeys(sid for _, sid in spec.command_source or ())],
        first_output=view["outputs"][0]["id"] if view["outputs"] else None,
        # ids are CSS selectors too (data-clipboard-target): no dots
        uid="sb-" + re.sub(r"[^a-z0-9_-]", "-", spec.name),
        # An attribute, not an inline <script>: Material re-creates inline scripts on
        # instant navigation, and search/llms.txt would index script text.
        data=attribute_json(data), engine_spec=attribute_json(source),
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
    """{"keys": {"item|item|…": n}, "views": [compact view], "texts": [...]}, or None without choices.

    A key lists, per choice option (radio or checkbox, in "radios"), the reader's explicit
    choice or "" for none; a checkbox set is "[id,id]" in the spec's item order ("[]": all
    unchecked). Keys cover every combination (disabled and hidden items too) while they fit
    in MAX_STATIC_STATES and MAX_STATIC_BYTES, so the page can look up the effect of any click
    without knowing any rule; beyond that, the choice sets readers reach by clicking shown
    items (see _shown_choices_first) until the bounds are reached.
    """
    radios = [o for o in spec.options if o.kind in ("radio", "checkbox")]
    texts, text_ids, views, view_ids, keys = [], {}, [], {}, {}
    size = 0

    def text_id(text):
        if text not in text_ids:
            text_ids[text] = len(texts)
            texts.append(text)
        return text_ids[text]

    every = configurator.all_states(spec, unset=True, limit=MAX_STATIC_STATES) is not None
    combos = _nearest_first(spec, radios) if every else _shown_choices_first(spec, radios)
    for choices in combos:
        if len(keys) >= MAX_STATIC_STATES:
            break
        known = len(texts)
        compact = _compact(resolve_state(spec, choices), text_id)
        encoded = json.dumps(compact, sort_keys=True)
        key = "|".join(key_part(choices.get(o.id)) for o in radios)
        cost = len(key) + 8 + sum(len(json.dumps(t)) + 1 for t in texts[known:])
        cost += 0 if encoded in view_ids else len(json.dumps(compact)) + 1
        if size + cost > MAX_STATIC_BYTES:
            for text in texts[known:]:  # this view does not fit: forget its new texts
                del text_ids[text]
            del texts[known:]
            break
        size += cost
        if encoded not in view_ids:
            view_ids[encoded] = len(views)
            views.append(compact)
        keys[key] = view_ids[encoded]
    if not keys:
        return None
    return {"radios": [o.id for o in radios], "keys": keys, "views": views, "texts": texts}


def _shown_choices_first(spec, radios):
    """Too many combinations for the page: the explicit-choice sets a reader reaches by clicking
    shown items, fewest choices first, each keeping only the choices of the options its own view
    shows (a hidden option's choice changes nothing in the view; where dropping one would change
    it, the set is kept whole). The first option is the page's top-level switch (the engine):
    every state under its default comes before any other item of it. The page looks a key up as
    is, then without the choices of the options its current view hides."""
    def shown(view):
        return {o["id"] for o in view["options"] if o["visible"]}

    def same(a, b):  # the same view but for the query string the choices write
        return {k: v for k, v in a.items() if k != "query"} == {k: v for k, v in b.items() if k != "query"}

    def key(choices):
        return tuple(key_part(choices.get(o.id)) for o in radios)

    def trimmed(following):
        view = resolve_state(spec, following)
        kept = {k: v for k, v in following.items() if k in shown(view)}
        return following if kept != following and not same(resolve_state(spec, kept), view) else kept

    first = radios[0]
    first_default = resolve_state(spec, {})["state"].get(first.id)
    # A click's state is trimmed and compared with those seen when it leaves the queue, not when
    # it joins: the last clicks queued (most of them, as the page's bounds end the walk) are never
    # resolved. A state still comes out where it first joined the queue.
    seen, queue, later = set(), collections.deque([{}]), collections.deque()
    while queue or later:
        choices = trimmed((queue or later).popleft())
        if key(choices) in seen:
            continue
        seen.add(key(choices))
        yield choices
        visible = shown(resolve_state(spec, choices))
        for opt in radios:
            if opt.id not in visible or opt.kind != "radio":
                continue
            for item in opt.items:
                following = {**choices, opt.id: item.id}
                deferred = following.get(first.id, first_default) != first_default
                (later if deferred else queue).append(following)


def _nearest_first(spec, radios):
    """Every combination of explicit choices (none is one of them), fewest choices first."""
    domains = []
    for opt in radios:
        ids = [item.id for item in opt.items]
        if opt.kind == "radio":
            domains.append(ids)
        else:
            domains.append([[i for n, i in enumerate(ids) if mask >> n & 1] for mask in range(2 ** len(ids))])
    for count in range(len(radios) + 1):
        for chosen in itertools.combinations(range(len(radios)), count):
            for picks in itertools.product(*(domains[i] for i in chosen)):
                yield {radios[i].id: pick for i, pick in zip(chosen, picks)}


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
