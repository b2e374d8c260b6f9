"""The site's models, read from their pages' front matter, so that adding a model touches its
spec and its pages only: the nav, the llms.txt sections and the home page's cards follow.

A model is a folder `docs/models/<name>/`. Each page in it says where it goes in the nav:

    nav_title: Deploy        # its entry under the model's section
    nav_order: 2             # entries by this, then by file name

and the model's `index.md` describes the model:

    model:
      name: Kimi-K2.7-Code   # the nav section, the llms.txt section and the card's heading
      by: Moonshot AI        # after the name on the card
      order: 1               # models by this, then by name (optional)
      card: |                # the card's text (Markdown; keep line breaks with `|`)
        A coding-focused agentic MoE model …
      links: [index.md, deploy.md, use.md, benchmarks.md]   # the card's links, by their nav titles

A missing or malformed field fails the build naming the page and the field.
"""

from dataclasses import dataclass
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.utils.meta import get_data

MODELS = "models"  # under docs/


@dataclass(frozen=True)
class Model:
    name: str
    by: str
    order: float
    card: str
    folder: str  # docs-relative, e.g. models/kimi-k2.7-code
    pages: tuple  # (nav title, docs-relative path), in nav order
    links: tuple  # (nav title, docs-relative path), on the card


def read_models(docs_dir) -> list:
    """Every model under docs/models/, in order."""
    found = []
    for folder in sorted(p for p in (Path(docs_dir) / MODELS).glob("*") if p.is_dir()):
        found.append(_read_model(Path(docs_dir), folder))
    return sorted(found, key=lambda m: (m.order, m.name))


def _fail(page, field, problem):
    raise PluginError(f"{page}: front matter: {field}: {problem}")


def _text(meta, field, page, prefix=""):
    value = meta.get(field)
    if not isinstance(value, str) or not value.strip():
        _fail(page, prefix + field, "expected a non-empty string")
    return value


def _number(meta, field, page, default=None, prefix=""):
    value = meta.get(field, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        _fail(page, prefix + field, "expected a number")
    return value


def _read_model(docs: Path, folder: Path) -> Model:
    rel = folder.relative_to(docs).as_posix()
    entries, metas = [], {}
    for path in sorted(folder.glob("*.md")):
        shown = f"docs/{rel}/{path.name}"
        _, meta = get_data(path.read_text(encoding="utf-8"))
        metas[path.name] = (meta, shown)
        title = _text(meta, "nav_title", shown)
        entries.append((_number(meta, "nav_order", shown), path.name, title, f"{rel}/{path.name}"))
    if "index.md" not in metas:
        raise PluginError(f"docs/{rel}/: a model folder needs an index.md (its overview, with `model:`)")
    meta, shown = metas["index.md"]
    model = meta.get("model")
    if not isinstance(model, dict):
        _fail(shown, "model", "expected a mapping (name, by, card, links)")
    unknown = sorted(set(model) - {"name", "by", "order", "card", "links"})
    if unknown:
        _fail(shown, f"model.{unknown[0]}", "unknown field (allowed: name, by, order, card, links)")
    titles = {name: (title, path) for _, name, title, path in entries}
    links = model.get("links")
    if not isinstance(links, list) or not links or not all(isinstance(x, str) for x in links):
        _fail(shown, "model.links", "expected a non-empty list of this folder's pages (deploy.md, …)")
    for link in links:
        if link not in titles:
            _fail(shown, "model.links", f"no page '{rel}/{link}' (a link names a page of docs/{rel}/)")
    pages = tuple((title, path) for _, _, title, path in sorted(entries))
    return Model(_text(model, "name", shown, "model."), _text(model, "by", shown, "model."),
                 _number(model, "order", shown, default=0, prefix="model."), _text(model, "card", shown, "model."),
                 rel, pages, tuple(titles[link] for link in links))


def nav_sections(models) -> list:
    """mkdocs.yml nav entries: one section per model."""
    return [{m.name: [{title: path} for title, path in m.pages]} for m in models]


def llms_sections(models) -> dict:
    """llms.txt sections: one per model, every page of its folder (the plugin's file order)."""
    return {m.name: [f"{m.folder}/*.md"] for m in models}


def cards(models) -> str:
    """The home page's grid cards (Material's `grid cards` list), one per model."""
    out = []
    for m in models:
        body = "".join(f"    {line}\n" if line.strip() else "\n" for line in m.card.rstrip("\n").split("\n"))
        links = " ·\n".join(f"    [{title}]({path})" for title, path in m.links)
        out.append(f"-   __{m.name}__ · {m.by}\n\n    ---\n\n{body}\n{links}\n")
    return "\n".join(out)
