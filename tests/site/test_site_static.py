"""The built site references no resource on another origin (no CDN, no Google Fonts), and the
configurator's command is in the HTML itself, before any JavaScript runs.

What is checked, and where:
- Every built .html page: parsed with html.parser; each attribute that makes the browser
  *fetch* something (src/srcset/poster/data, <link href> except non-fetching rels such as
  canonical/prev/next, SVG <image>/<use>/<feImage> href) must be local, and so must each CSS
  url()/@import in <style> blocks and style="" attributes; inline <script>s must not import,
  importScripts or start a Worker from another origin. Hyperlinks (<a href>) are fine: they
  fetch nothing until clicked.
- Every built .css file: url() and @import. data: URLs are fine (Material's icons are inline
  SVGs whose text contains "http://www.w3.org/2000/svg" and licence URLs, so url() arguments
  are parsed, not grepped).
- .js/.mjs: only our own scripts (built from docs/**/*.js|mjs), for http(s) URLs in import
  specifiers, dynamic import(), importScripts(), new Worker()/SharedWorker(), fetch() and
  string constants. The vendored bundles (Material's bundle and search worker, mermaid,
  Pyodide) hold harmless URL constants: Material's fallback mermaid CDN address (unused,
  since the site self-hosts mermaid.min.js and Material only fetches it when window.mermaid
  is undefined), Pyodide's default package CDN (unused: no packages are loaded), XML
  namespaces, licence and docs links in error messages. Grepping them would only flag
  those. They are covered instead by (a) every page referencing only local scripts and
  styles (below), and (b) tests/browser/test_site_browser.py recording every request of every page
  and worker at run time.
- Anywhere (vendored files included): no Google Fonts host names; mkdocs.yml has theme.font off.
"""

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from browser_helpers import DEFAULT_COMMAND, DEPLOY, ROOT, parse_command

# <link rel> values that make the browser fetch nothing by themselves.
NON_FETCHING_RELS = {"canonical", "prev", "next", "alternate", "author", "license", "help",
                     "bookmark", "me", "external", "nofollow", "noopener", "noreferrer", "tag"}
FETCHING_ATTRS = {"src", "srcset", "poster", "data", "background", "lowsrc", "imagesrcset"}
SVG_FETCHING = {"image", "use", "feimage", "script"}

CSS_URL = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)'"\s]*))\s*\)""", re.I)
CSS_IMPORT = re.compile(r"""@import\s+(?:url\(\s*)?["']?([^"')\s;]+)""", re.I)
JS_REMOTE = [
    re.compile(r"""\bimport\s*(?:[\w*{}\s,$]+\s*from\s*)?["'`]((?:https?:)?//[^"'`]+)""", re.I),
    re.compile(r"""\bimport\s*\(\s*["'`]((?:https?:)?//[^"'`]+)""", re.I),
    re.compile(r"""\bimportScripts\s*\(\s*["'`]((?:https?:)?//[^"'`]+)""", re.I),
    re.compile(r"""\bnew\s+(?:Shared)?Worker\s*\(\s*(?:new\s+URL\s*\(\s*)?["'`]((?:https?:)?//[^"'`]+)""", re.I),
    re.compile(r"""\bfetch\s*\(\s*["'`]((?:https?:)?//[^"'`]+)""", re.I),
]
# In our own scripts, any absolute URL constant at all is suspicious: they fetch by relative URL.
JS_ANY_URL = re.compile(r"""["'`]((?:https?:)?//[^"'`\s]+)""")
GOOGLE_FONTS = re.compile(rb"fonts\.(?:googleapis|gstatic)\.com", re.I)


def is_remote(url: str) -> bool:
    """A reference the browser would resolve to another origin than the page's own."""
    url = url.strip()
    if not url or url.startswith(("data:", "blob:", "#", "about:")):
        return False
    if url.startswith("//"):
        return True
    return bool(urlsplit(url).scheme) and urlsplit(url).scheme.lower() not in ("data", "blob", "about")


def css_remote_refs(css: str) -> list[str]:
    refs = [next(g for g in m.groups() if g is not None) for m in CSS_URL.finditer(css)]
    refs += CSS_IMPORT.findall(css)
    return [r for r in refs if is_remote(r)]


def js_remote_refs(js: str, strict: bool = False) -> list[str]:
    found = [m for rx in JS_REMOTE for m in rx.findall(js)]
    if strict:
        found += JS_ANY_URL.findall(js)
    return sorted(set(found))


class ResourceRefs(HTMLParser):
    """Collects every remote reference of an HTML document that the browser would fetch."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.remote: list[str] = []
        self.scripts: list[str] = []  # src of every <script>
        self.styles: list[str] = []  # href of every stylesheet <link>
        self._in = None  # "script" | "style" while inside one
        self._text: list[str] = []

    def flag(self, tag, attr, value):
        self.remote.append(f"<{tag} {attr}={value!r}>")

    def handle_starttag(self, tag, attrs):
        a = {k.lower(): (v or "") for k, v in attrs}
        rels = set(a.get("rel", "").lower().split())
        if tag == "link":
            if "stylesheet" in rels:
                self.styles.append(a.get("href", ""))
            if rels - NON_FETCHING_RELS and is_remote(a.get("href", "")):
                self.flag(tag, "href", a["href"])
        if tag == "script" and "src" in a:
            self.scripts.append(a["src"])
        if tag in SVG_FETCHING:
            for attr in ("href", "xlink:href"):
                if is_remote(a.get(attr, "")):
                    self.flag(tag, attr, a[attr])
        if tag == "object" and is_remote(a.get("data", "")):
            self.flag(tag, "data", a["data"])
        for attr in FETCHING_ATTRS - {"data"}:
            if attr in a:
                urls = [part.strip().split()[0] for part in a[attr].split(",") if part.strip()] \
                    if "srcset" in attr else [a[attr]]
                for url in urls:
                    if is_remote(url):
                        self.flag(tag, attr, url)
        if tag == "meta" and a.get("http-equiv", "").lower() == "refresh":
            target = re.search(r"url\s*=\s*['\"]?([^'\"\s]+)", a.get("content", ""), re.I)
            if target and is_remote(target.group(1)):
                self.flag(tag, "content", a["content"])
        if "style" in a:
            self.remote += [f"<{tag} style> {r}" for r in css_remote_refs(a["style"])]
        if tag in ("script", "style"):
            self._in, self._text = tag, []

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag in ("script", "style"):
            self.handle_endtag(tag)

    def handle_data(self, data):
        if self._in:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == self._in:
            text = "".join(self._text)
            if tag == "style":
                self.remote += [f"<style> {r}" for r in css_remote_refs(text)]
            else:
                self.remote += [f"<script> {r}" for r in js_remote_refs(text)]
            self._in = None


def built_files(site: Path, *suffixes):
    return sorted(p for p in site.rglob("*") if p.is_file() and p.suffix in suffixes)


def test_the_checks_themselves_catch_remote_references():
    """The scanners flag what they must and pass what they must (so a green run means something)."""
    page = ResourceRefs()
    page.feed("""<html><head>
      <link rel="stylesheet" href="https://fonts.googleapis.com/css?family=Roboto">
      <link rel="preconnect" href="https://fonts.gstatic.com">
      <link rel="canonical" href="https://example.org/x/">
      <script src="//cdn.example.org/a.js"></script>
      <style>@import "https://example.org/b.css"; .x{background:url(data:image/svg+xml;utf8,<svg xmlns='http://www.w3.org/2000/svg'/>)}</style>
      <script type="module">import x from "https://esm.example.org/x.mjs"; new Worker("https://w.example.org/w.js")</script>
      </head><body><a href="https://example.org/">fine</a>
      <img src="https://img.example.org/i.png" srcset="a.png 1x, https://img.example.org/i2.png 2x">
      <svg xmlns="http://www.w3.org/2000/svg"><image href="https://img.example.org/s.png"/></svg>
      <div style="background: url('https://img.example.org/bg.png')"></div>
      <meta http-equiv="refresh" content="0; url=https://example.net/moved"></body></html>""")
    flagged = "\n".join(page.remote)
    for needle in ("fonts.googleapis", "fonts.gstatic", "cdn.example.org", "b.css", "esm.example.org",
                   "w.example.org", "i.png", "i2.png", "s.png", "bg.png", "example.net/moved"):
        assert needle in flagged, needle
    assert "example.org/x/" not in flagged and "w3.org" not in flagged  # canonical link, SVG namespaces
    assert not any(entry.startswith("<a ") for entry in page.remote)  # hyperlinks fetch nothing
    assert len(page.remote) == 11, page.remote
    assert css_remote_refs("""a{b:url("data:x,<svg xmlns='http://www.w3.org/2000/svg'>url(#a)</svg>")}""") == []
    assert css_remote_refs("@font-face{src:url(//fonts.example.org/f.woff2)}") == ["//fonts.example.org/f.woff2"]
    assert js_remote_refs('importScripts("https://x.org/lunr.js")') == ["https://x.org/lunr.js"]
    assert js_remote_refs('const u = new URL("./engine-worker.mjs", import.meta.url)', strict=True) == []


def test_html_pages_reference_only_local_resources(built_site):
    pages = built_files(built_site, ".html")
    assert len(pages) >= 7
    problems = {}
    for path in pages:
        refs = ResourceRefs()
        refs.feed(path.read_text(encoding="utf-8"))
        refs.close()
        assert refs.scripts and refs.styles, f"{path}: no script/stylesheet found: is the parser right?"
        if refs.remote:
            problems[str(path.relative_to(built_site))] = refs.remote
    assert problems == {}


def test_css_references_only_local_resources(built_site):
    sheets = built_files(built_site, ".css")
    assert any(p.name.startswith("main.") for p in sheets) and any(p.name == "servebook.css" for p in sheets)
    problems = {str(p.relative_to(built_site)): refs for p in sheets
                if (refs := css_remote_refs(p.read_text(encoding="utf-8")))}
    assert problems == {}


def test_our_own_scripts_reference_only_local_resources(built_site):
    ours = sorted(p.relative_to(ROOT / "docs") for p in (ROOT / "docs").rglob("*") if p.suffix in (".js", ".mjs"))
    assert Path("assets/javascripts/configurator.js") in ours
    assert Path("assets/javascripts/engine-worker.mjs") in ours
    problems = {}
    for rel in ours:
        # The page script and its worker are shipped under content-hashed names only.
        hashed = rel.name in ("configurator.js", "engine-worker.mjs")
        found = sorted((built_site / rel.parent).glob(f"{rel.stem}.*{rel.suffix}" if hashed else rel.name))
        assert len(found) == 1, f"{rel} is not (exactly once) in the built site: {found}"
        assert not hashed or not (built_site / rel).exists()
        built = found[0]
        if refs := js_remote_refs(built.read_text(encoding="utf-8"), strict=True):
            problems[str(rel)] = refs
    assert problems == {}


def test_no_google_fonts_anywhere(built_site):
    hits = [str(p.relative_to(built_site)) for p in built_files(built_site, ".html", ".css", ".js", ".mjs", ".json", ".txt")
            if GOOGLE_FONTS.search(p.read_bytes())]
    assert hits == []


def test_theme_font_is_off():
    # MkDocs' own loader: it knows the !ENV and !!python/name tags mkdocs.yml uses.
    from mkdocs.utils.yaml import yaml_load

    with open(ROOT / "mkdocs.yml", encoding="utf-8") as file:
        config = yaml_load(file)
    assert config["theme"].get("font", None) is False


def test_configurator_html_has_the_golden_default_command_without_js(built_site):
    parser = parse_command((built_site / DEPLOY / "index.html").read_text(encoding="utf-8"))
    assert parser.roots == 1
    assert parser.commands == [DEFAULT_COMMAND]


@pytest.mark.parametrize("html, expected", [
    ('<div data-configurator="kimi-k2.7-code"><pre><code data-command>a &amp;&amp; b\n  --x</code></pre></div>',
     ["a && b\n  --x"]),
    ('<div data-configurator="kimi-k2.7-code"><input type=radio checked><code data-command><span>a</span> b</code>'
     '<p>not it</p></div>', ["a b"]),
    ('<code data-command>outside</code><div data-configurator="kimi-k2.7-code"><br></div><code data-command>x</code>', []),
])
def test_command_parser(html, expected):
    assert parse_command(html).commands == expected
