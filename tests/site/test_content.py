"""Content checks on the built site, driven by tests/data/seed_snippets.json.

- Every command block copied from the seed sources appears byte for byte as the text of a
  ``<pre><code>`` block on the page it belongs to, or, for a block a configurator shows instead,
  as that configurator's output at the listed choices.
- Every page has its main headings (h1/h2).
- Pages that put SGLang and vLLM side by side use content tabs with those labels.
- The benchmark chart is an accessible inline SVG (role="img", <title>, <desc>) that draws the
  same numbers as the quality table on its page.
- Content pages load nothing from other origins.

Uses the ``built_site`` fixture (``pathlib.Path`` of the built ``site/`` directory) from
tests/conftest.py. HTML is parsed with the standard library only.
"""

from __future__ import annotations

import json
import os
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

DATA = json.loads((Path(__file__).parent.parent / "data" / "seed_snippets.json").read_text("utf-8"))
SNIPPETS = DATA["snippets"]
ON_PAGES = [s for s in SNIPPETS if "page" in s]
IN_CONFIGURATORS = [s for s in SNIPPETS if "configurator" in s]
HEADINGS = DATA["headings"]
TABS = DATA["tabs"]
CHART = DATA["chart"]


def html_path(site: Path, page: str) -> Path:
    """Map a docs-relative Markdown path to its built HTML file (use_directory_urls)."""
    md = Path(page)
    if md.name == "index.md":
        return site / md.parent / "index.html"
    return site / md.parent / md.stem / "index.html"


class PageParser(HTMLParser):
    """Collects code blocks, headings, tab labels, SVG charts and external references."""

    HEADING_TAGS = {"h1", "h2"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.code_blocks: list[str] = []
        self.headings: list[tuple[str, str]] = []
        self.tab_labels: list[list[str]] = []
        self.svgs: list[dict] = []
        self.external: list[str] = []
        self._stack: list[str] = []
        self._pre_depth = 0
        self._code: list[str] | None = None
        self._code_depth = 0
        self._heading: list[str] | None = None
        self._heading_tag = ""
        self._skip_depth = 0  # inside a heading's permalink anchor
        self._labels_depth = 0
        self._label: list[str] | None = None
        self._svg: dict | None = None
        self._svg_depth = 0
        self._svg_field: str | None = None

    # -- helpers ---------------------------------------------------------------------------
    def _text(self, data: str) -> None:
        if self._code is not None:
            self._code.append(data)
        if self._heading is not None and not self._skip_depth:
            self._heading.append(data)
        if self._label is not None:
            self._label.append(data)
        if self._svg is not None:
            if self._svg_field:
                self._svg[self._svg_field].append(data)
            if self._stack and self._stack[-1] in ("text", "tspan"):
                self._svg["texts"].append(data)

    # -- HTMLParser API --------------------------------------------------------------------
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self._stack.append(tag)
        depth = len(self._stack)
        classes = (a.get("class") or "").split()

        for attr in ("src", "href" if tag == "link" else None, "data" if tag == "object" else None):
            if attr == "href" and a.get("rel") == "canonical":
                continue  # the page's own canonical URL, not a resource
            if attr and re.match(r"^(https?:)?//", a.get(attr) or ""):
                self.external.append(f"<{tag} {attr}={a[attr]}>")
        if tag == "iframe":
            self.external.append("<iframe>")

        if tag == "pre":
            self._pre_depth += 1
        elif tag == "code" and self._pre_depth and self._code is None:
            self._code, self._code_depth = [], depth
        elif tag in self.HEADING_TAGS and self._heading is None:
            self._heading, self._heading_tag = [], tag
        elif tag == "a" and self._heading is not None and "headerlink" in classes:
            self._skip_depth = depth
        elif tag == "div" and "tabbed-labels" in classes:
            self._labels_depth = depth
            self.tab_labels.append([])
        elif tag == "label" and self._labels_depth:
            self._label = []
        elif tag == "svg" and self._svg is None:
            self._svg = {"attrs": a, "title": [], "desc": [], "texts": [], "title_id": None}
            self._svg_depth = depth
        elif self._svg is not None and tag in ("title", "desc") and depth == self._svg_depth + 1:
            self._svg_field = tag
            if tag == "title":
                self._svg["title_id"] = a.get("id")

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if not self._stack:
            return
        # tolerate unclosed tags: pop up to the matching one
        while self._stack:
            depth = len(self._stack)
            top = self._stack.pop()
            self._close(top, depth)
            if top == tag:
                break

    def _close(self, tag: str, depth: int) -> None:
        if tag == "pre":
            self._pre_depth -= 1
        elif tag == "code" and self._code is not None and depth == self._code_depth:
            self.code_blocks.append("".join(self._code))
            self._code = None
        elif tag == self._heading_tag and self._heading is not None:
            self.headings.append((tag, " ".join("".join(self._heading).split())))
            self._heading = None
        elif tag == "a" and self._skip_depth == depth:
            self._skip_depth = 0
        elif tag == "label" and self._label is not None:
            self.tab_labels[-1].append("".join(self._label).strip())
            self._label = None
        elif tag == "div" and self._labels_depth == depth:
            self._labels_depth = 0
        elif tag in ("title", "desc") and self._svg_field == tag:
            self._svg_field = None
        elif tag == "svg" and self._svg is not None and depth == self._svg_depth:
            self.svgs.append(self._svg)
            self._svg = None

    def handle_data(self, data):
        self._text(data)


_CACHE: dict[Path, PageParser] = {}


def parse(path: Path) -> PageParser:
    if path not in _CACHE:
        assert path.is_file(), f"built page missing: {path}"
        parser = PageParser()
        parser.feed(path.read_text("utf-8"))
        parser.close()
        _CACHE[path] = parser
    return _CACHE[path]


# -- seed command blocks --------------------------------------------------------------------
@pytest.mark.parametrize("snippet", ON_PAGES, ids=[s["id"] for s in ON_PAGES])
def test_seed_command_block_is_exact(built_site, snippet):
    page = parse(html_path(built_site, snippet["page"]))
    blocks = [b[:-1] if b.endswith("\n") else b for b in page.code_blocks]
    assert snippet["text"] in blocks, (
        f"{snippet['id']}: no <pre><code> block on {snippet['page']} equals the seed command "
        f"byte for byte. Closest blocks starting alike:\n"
        + "\n---\n".join(b for b in blocks if b.split("\n")[0] == snippet["text"].split("\n")[0])
    )


@pytest.mark.parametrize("snippet", IN_CONFIGURATORS, ids=[s["id"] for s in IN_CONFIGURATORS])
def test_seed_block_shown_by_a_configurator_is_exact(snippet):
    """A seed block moved off the page into a configurator is its output, byte for byte, at the
    listed choices with the reader's fields empty; `site_adds` names what the site adds around
    it (its own words before and after, with why), and nothing else may differ."""
    from configurator import resolve
    from macros.specs import load_spec_file, spec_path

    where = snippet["configurator"]
    spec, _ = load_spec_file(spec_path(where["spec"]))
    view = resolve(spec, where["choices"])
    shown = {"command": view["command"], **{o["id"]: o["text"] for o in view["outputs"]}}
    adds = where.get("site_adds", {})
    assert not adds or adds["why"].startswith("The site's own")
    assert shown.get(where["output"]) == adds.get("prefix", "") + snippet["text"] + adds.get("suffix", ""), snippet["id"]


def test_snippet_data_is_well_formed():
    ids = [s["id"] for s in SNIPPETS]
    assert len(ids) == len(set(ids)), "duplicate snippet ids"
    for s in SNIPPETS:
        assert ("page" in s) != ("configurator" in s), f"{s['id']}: give a page or a configurator"
        assert s["text"] and not s["text"].endswith("\n"), s["id"]
        assert "\t" not in s["text"], s["id"]
        if s["reconstructed"]:
            # Reconstruction only indents continuation lines by two spaces.
            lines = s["text"].split("\n")
            for prev, line in zip(lines, lines[1:]):
                expected_indent = "  " if prev.endswith(" \\") else ""
                assert line.startswith(expected_indent) and not line.startswith(expected_indent + " "), (
                    s["id"], line)


# The seed documents sit beside the checkout on the authors' machines; optional elsewhere.
SEEDS_DIR = os.environ.get("SERVEBOOK_SEEDS_DIR") or str(
    Path(__file__).resolve().parent.parent.parent.parent / "shared" / "seeds")


SEEDED = [s for s in SNIPPETS if s["source"].get("seed")]


@pytest.mark.skipif(not SEEDS_DIR or not Path(SEEDS_DIR).is_dir(),
                    reason="seed documents not found (../shared/seeds or SERVEBOOK_SEEDS_DIR)")
@pytest.mark.parametrize("snippet", SEEDED, ids=[s["id"] for s in SEEDED])
def test_snippet_matches_seed_source(snippet):
    """Optional: each snippet from a seed (reconstruction undone) occurs verbatim in that seed."""
    text = snippet["text"]
    if snippet["reconstructed"]:
        text = "\n".join(line[2:] if line.startswith("  ") else line for line in text.split("\n"))
    seeds = list(Path(SEEDS_DIR).glob(f"{snippet['source']['seed']}_*.txt"))
    assert len(seeds) == 1, f"{snippet['id']}: seed {snippet['source']['seed']} not found"
    assert text in seeds[0].read_text("utf-8"), snippet["id"]


def test_every_snippet_names_its_source():
    for s in SNIPPETS:
        source = s["source"]
        assert source.get("title") and source.get("section"), s["id"]
        assert re.match(r"^https://[^\s]+$", source.get("url") or ""), f"{s['id']}: no public url"


# -- every command block on a model page is accounted for -----------------------------------
COMMAND_LANGUAGES = {"bash", "shell", "sh", "console", "zsh"}
OWN_CLASS = "sb-own"  # a block the site wrote itself: ```{ .shell .sb-own }, engine-checked


class CommandBlocks(HTMLParser):
    """Shell-language <pre> blocks outside configurators: (text, marked as the site's own)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[tuple[str, bool]] = []
        self._stack: list[tuple[str, set[str], bool]] = []  # tag, classes, in a configurator
        self._text: list[str] | None = None
        self._own = False
        self._depth = 0

    def handle_starttag(self, tag, attrs):
        if tag in VOID_TAGS:
            return
        a = dict(attrs)
        classes = set((a.get("class") or "").split())
        inside = bool(self._stack and self._stack[-1][2]) or "data-configurator" in a
        self._stack.append((tag, classes, inside))
        if tag == "pre" and self._text is None and not inside:
            ancestors = set().union(*(c for _, c, _ in self._stack))
            langs = {c.removeprefix("language-") for c in ancestors if c.startswith("language-")}
            if langs & COMMAND_LANGUAGES:
                self._text, self._own, self._depth = [], OWN_CLASS in ancestors, len(self._stack)

    def handle_endtag(self, tag):
        if tag in VOID_TAGS:
            return
        while self._stack:
            depth = len(self._stack)
            top = self._stack.pop()[0]
            if top == "pre" and self._text is not None and depth == self._depth:
                text = "".join(self._text)
                self.blocks.append((text[:-1] if text.endswith("\n") else text, self._own))
                self._text = None
            if top == tag:
                break

    def handle_data(self, data):
        if self._text is not None:
            self._text.append(data)


VOID_TAGS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
MODEL_PAGES = sorted(p for p in HEADINGS if p.startswith("models/"))


def command_blocks(built_site, page):
    parser = CommandBlocks()
    parser.feed(html_path(built_site, page).read_text("utf-8"))
    parser.close()
    return parser.blocks


@pytest.mark.parametrize("page", MODEL_PAGES)
def test_every_command_block_is_sourced_or_own(built_site, page):
    """A command block is either byte-identical to a snippet listed for the page (with its
    source) or marked as the site's own (then tests/site/test_commands_engines.py checks it)."""
    listed = {s["text"] for s in ON_PAGES if s["page"] == page}
    blocks = command_blocks(built_site, page)
    stray = [text for text, own in blocks if not own and text not in listed]
    assert not stray, f"{page}: command blocks with no listed source:\n" + "\n---\n".join(stray)


def test_command_block_finder_sees_the_deploy_page(built_site):
    """Guards the test above against finding nothing: the deploy page's listed blocks are seen."""
    texts = [text for text, _ in command_blocks(built_site, "models/kimi-k2.7-code/deploy.md")]
    assert "docker pull lmsysorg/sglang:latest" in texts
    assert all(s["text"] in texts for s in ON_PAGES if s["page"].endswith("deploy.md"))


# -- links that open a configurator in a given state ----------------------------------------
class Links(HTMLParser):
    """Hrefs of <a> elements, and every element id, on a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []
        self.ids: dict[str, dict] = {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            self.ids[a["id"]] = a
        if tag == "a" and a.get("href"):
            self.hrefs.append(a["href"])


def configurator_links(built_site):
    """(page, href, target html path, fragment, query choices) for links to a configurator."""
    from urllib.parse import parse_qsl, urljoin, urlsplit

    found = []
    for page in MODEL_PAGES:
        path = html_path(built_site, page)
        links = Links()
        links.feed(path.read_text("utf-8"))
        base = "http://site/" + path.relative_to(built_site).as_posix()
        for href in links.hrefs:
            url = urlsplit(urljoin(base, href))
            if url.netloc == "site" and url.fragment.startswith("sb-"):
                target = built_site / url.path.lstrip("/")
                target = target / "index.html" if url.path.endswith("/") else target
                found.append((page, href, target, url.fragment, dict(parse_qsl(url.query))))
    return found


def test_links_open_a_configurator_in_a_state_it_accepts(built_site):
    """Text that replaced a snippet links to the configurator (by its root id) in the state that
    shows it: the target exists, and the engine takes every choice in the query as given."""
    from configurator import resolve
    from macros.specs import load_spec_file, spec_path

    found = configurator_links(built_site)
    assert any(q == {"engine": "vllm"} for *_, q in found), "no link opens the configurator on vLLM"
    for page, href, target, fragment, query in found:
        links = Links()
        links.feed(target.read_text("utf-8"))
        root = links.ids.get(fragment)
        assert root and root.get("data-configurator"), f"{page}: {href} lands on no configurator"
        view = resolve(load_spec_file(spec_path(root["data-configurator"]))[0], query)
        assert not view["ignored"], f"{page}: {href}: {view['ignored']}"
        assert all(view["state"][key] == value for key, value in query.items()), (page, href)


# -- the site speaks to the reader, not about itself ----------------------------------------
BANNED_PHRASES = ["our copy", "our notes", "these requests are ours", "we computed", "our own",
                  "our calculation", "we use", "we ran", "our interpretation", "our sources",
                  "we draw on", "servebook notes"]
FIRST_PERSON = re.compile(r"\b(we|our|ours|we've|we're|ourselves)\b", re.IGNORECASE)


class ProseText(HTMLParser):
    """Visible prose of the page's article: no code, no scripts."""

    SKIP = {"pre", "code", "script", "style", "svg"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0
        self._article = 0

    def handle_starttag(self, tag, attrs):
        if tag == "article":
            self._article += 1
        elif tag in self.SKIP:
            self._skip += 1

    def handle_endtag(self, tag):
        if tag == "article":
            self._article -= 1
        elif tag in self.SKIP:
            self._skip = max(self._skip - 1, 0)

    def handle_data(self, data):
        if self._article and not self._skip:
            self.parts.append(data)


@pytest.mark.parametrize("page", sorted(HEADINGS))
def test_no_editorial_first_person(built_site, page):
    parser = ProseText()
    parser.feed(html_path(built_site, page).read_text("utf-8"))
    prose = " ".join(" ".join(parser.parts).split())
    assert prose, f"{page}: no article text found"
    unquoted = re.sub(r'"[^"]*"|“[^”]*”', " ", prose)  # quoting a source (or a rule) is fine
    lowered = unquoted.lower()
    assert not [p for p in BANNED_PHRASES if re.search(rf"\b{re.escape(p)}\b", lowered)], page
    hits = [m.group(0) for m in FIRST_PERSON.finditer(unquoted)]
    if page == "authors.md":
        return  # the authors' guide addresses contributors; only the phrases above apply
    assert not hits, f"{page}: first-person words {hits}"


def test_first_person_check_catches_the_old_wording():
    assert FIRST_PERSON.search("These requests are ours, not from a source")
    assert not FIRST_PERSON.search("Write it in your own words")


# -- headings and tabs ----------------------------------------------------------------------
@pytest.mark.parametrize("page", sorted(HEADINGS))
def test_page_has_main_headings(built_site, page):
    parsed = parse(html_path(built_site, page))
    h1 = [text for tag, text in parsed.headings if tag == "h1"]
    h2 = [text for tag, text in parsed.headings if tag == "h2"]
    expected = HEADINGS[page]
    assert h1 == [expected[0]], f"{page}: h1 is {h1}"
    missing = [h for h in expected[1:] if h not in h2]
    assert not missing, f"{page}: missing h2 headings {missing}; found {h2}"


@pytest.mark.parametrize("page", sorted(TABS))
def test_engines_side_by_side_in_tabs(built_site, page):
    parsed = parse(html_path(built_site, page))
    assert TABS[page] in parsed.tab_labels, f"{page}: tab sets are {parsed.tab_labels}"


# -- benchmark chart ------------------------------------------------------------------------
def _chart(built_site):
    parsed = parse(html_path(built_site, CHART["page"]))
    charts = [s for s in parsed.svgs if s["attrs"].get("role") == "img"]
    assert charts, f"no <svg role=img> on {CHART['page']}"
    return charts[0]


def test_chart_is_accessible_svg(built_site):
    svg = _chart(built_site)
    title = "".join(svg["title"]).strip()
    assert title, "chart <svg> has no <title>"
    assert "".join(svg["desc"]).strip(), "chart <svg> has no <desc>"
    assert svg["title_id"] and svg["title_id"] in (svg["attrs"].get("aria-labelledby") or "").split()
    assert svg["attrs"].get("viewbox"), "chart needs a viewBox to scale"
    assert svg["attrs"].get("width") == "100%"


def test_chart_draws_legend_and_values(built_site):
    svg = _chart(built_site)
    texts = [t.strip() for t in svg["texts"]]
    for model in CHART["models"]:
        assert model in texts, f"legend lacks {model}"
    labels = [t for t in texts if re.fullmatch(r"\d+\.\d", t)]
    assert sorted(labels) == sorted(f"{v:.1f}" for v in CHART["values"])
    desc = "".join(svg["desc"])
    for value in CHART["values"]:
        assert f"{value:.1f}" in desc


def test_chart_uses_no_script(built_site):
    html = html_path(built_site, CHART["page"]).read_text("utf-8")
    start = html.index('role="img"')
    svg = html[html.rindex("<svg", 0, start): html.index("</svg>", start)]
    assert "<script" not in svg
    assert not re.search(r"\son[a-z]+\s*=", svg), "event-handler attribute in chart"


# -- self-containment -----------------------------------------------------------------------
@pytest.mark.parametrize("page", sorted(HEADINGS))
def test_page_loads_nothing_from_other_origins(built_site, page):
    parsed = parse(html_path(built_site, page))
    assert not parsed.external, f"{page} references other origins: {parsed.external}"
