"""Shared helpers for the headless-browser tests (tests/browser/test_*_browser.py) and tests/bench_browser.py.

Not a test module: constants for the pages and the golden commands, a recorder of what a
page does (requests of every frame and worker, console errors, page errors, dialogs), and
small waits on the configurator's public DOM contract.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
GOLDEN_PATH = ROOT / "tests" / "data" / "kimi-k2.7-code.sglang-docs.golden.json"
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"

SPEC = "kimi-k2.7-code"
ROOT_SEL = f'[data-configurator="{SPEC}"]'
COMMAND_SEL = f"{ROOT_SEL} [data-command]"

# Site paths (relative to the site's base URL). Architecture and Authors are in mkdocs.yml's nav.
PAGES = {
    "home": "",
    "overview": "models/kimi-k2.7-code/",
    "deploy": "models/kimi-k2.7-code/deploy/",
    "use": "models/kimi-k2.7-code/use/",
    "benchmarks": "models/kimi-k2.7-code/benchmarks/",
    "architecture": "models/kimi-k2.7-code/architecture/",
    "authors": "authors/",
}
DEPLOY = PAGES["deploy"]

# Option ids and their items in the spec's order, default first where the tests need it.
OPTIONS = ["hardware", "reasoning", "toolcall", "dpattention"]
# The engine radio (SGLang by default) comes first; the goldens are SGLang's, INT4 (the default
# quantization; the browser tests never pick MXFP4, which tests/engine/test_golden.py covers).
DEFAULTS = {"engine": "sglang", "hardware": "h200", "quantization": "int4", "reasoning": "enabled",
            "toolcall": "enabled", "dpattention": "disabled"}
ITEMS = {
    "hardware": ["h200", "b300", "gb300", "mi300x", "mi325x", "mi350x", "mi355x"],
    "reasoning": ["disabled", "enabled"],
    "toolcall": ["disabled", "enabled"],
    "dpattention": ["disabled", "enabled"],
}

GOLDEN_ROWS = [row for row in json.loads(GOLDEN_PATH.read_text(encoding="utf-8"))["rows"]
               if row["choices"]["quantization"] == "int4"]
GOLDEN = {tuple(row["choices"][k] for k in OPTIONS): row["command"] for row in GOLDEN_ROWS}


def golden(state: dict) -> str:
    """The golden command for a (possibly partial) state; missing options take their default."""
    full = {**DEFAULTS, **state}
    return GOLDEN[tuple(full[k] for k in OPTIONS)]


DEFAULT_COMMAND = golden({})


def render_all(page):
    """Render every block of the page, as each is once the reader scrolls to it.

    The site's blocks far from the viewport are not rendered (content-visibility: auto in
    servebook.css): an audit of the whole page (axe) would skip them as invisible."""
    page.add_style_tag(content="* { content-visibility: visible !important; }")


def gray_walk(start: dict = DEFAULTS) -> list[dict]:
    """Every one of the 56 states, starting at `start`, each differing from the previous one
    in exactly ONE option (a reflected mixed-radix Gray code): what a user changing one
    radio at a time, from the current state, would go through."""
    orders = {k: [start[k]] + [v for v in ITEMS[k] if v != start[k]] for k in OPTIONS}

    def walk(keys):
        if not keys:
            yield {}
            return
        rest = list(walk(keys[1:]))
        for i, value in enumerate(orders[keys[0]]):
            for tail in (rest if i % 2 == 0 else reversed(rest)):
                yield {keys[0]: value, **tail}

    others = {k: v for k, v in start.items() if k not in OPTIONS}  # the engine: SGLang throughout
    states = [{**others, **state} for state in walk(OPTIONS)]
    assert len(states) == len(GOLDEN) == 56 and states[0] == start
    for a, b in zip(states, states[1:]):
        assert sum(a[k] != b[k] for k in OPTIONS) == 1, (a, b)
    return states


def query_of(state: dict) -> dict:
    """The query parameters the widget must write for a state: non-default options only."""
    return {k: v for k, v in state.items() if DEFAULTS[k] != v}


# --- origins --------------------------------------------------------------------------------

def is_other_origin(url: str, base: str) -> bool:
    """True for a request that leaves the local server. data:/blob: (and about:) stay in the page."""
    scheme = urlsplit(url).scheme
    if scheme in ("data", "blob", "about"):
        return False
    a, b = urlsplit(url), urlsplit(base)
    return (a.scheme, a.netloc) != (b.scheme, b.netloc)


@dataclass
class Recorder:
    """Everything a page (and its workers) did that the tests judge."""

    base: str
    requests: list = field(default_factory=list)
    console_errors: list = field(default_factory=list)
    page_errors: list = field(default_factory=list)
    dialogs: list = field(default_factory=list)
    workers: list = field(default_factory=list)

    def attach_context(self, context):
        # Context-level: includes requests made by dedicated workers (Pyodide's fetches, the
        # module worker's own imports) and by any popup, not only the page's main frame.
        context.on("request", lambda r: self.requests.append(r.url))
        return self

    def attach_page(self, page):
        page.on("console", self._console)
        page.on("pageerror", lambda e: self.page_errors.append(str(e)))
        page.on("dialog", self._dialog)
        page.on("worker", self._worker)
        return self

    def _console(self, msg):
        if msg.type == "error":
            self.console_errors.append(f"{msg.text} @ {msg.location}")

    def _dialog(self, dialog):
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def _worker(self, worker):
        self.workers.append(worker.url)
        worker.on("console", self._console)

    def other_origins(self) -> list[str]:
        return sorted({u for u in self.requests if is_other_origin(u, self.base)})

    def engine_workers(self) -> list[str]:
        # engine-worker.<content hash>.mjs, as the build names it
        return [u for u in self.workers if re.search(r"/engine-worker\.[0-9a-f]+\.mjs$", u.split("?")[0])]


# --- the configurator's DOM contract ----------------------------------------------------------

def command(page) -> str:
    return page.evaluate("(sel) => document.querySelector(sel).textContent", COMMAND_SEL)


def engine(page) -> str:
    return page.evaluate("(sel) => document.querySelector(sel).dataset.engine", ROOT_SEL)


def checked(page) -> dict:
    return page.evaluate(
        """(sel) => Object.fromEntries([...document.querySelectorAll(sel + ' input[type=radio][data-option]:checked')]
                                        .filter((i) => !i.closest('[hidden]'))  // a hidden option is not in the state
                                        .map((i) => [i.dataset.option, i.value]))""",
        ROOT_SEL,
    )


def label_of(page, option: str, value: str):
    """The <label> wrapping a radio: what a person clicks."""
    return page.locator(f'{ROOT_SEL} label:has(> input[type=radio][data-option="{option}"][value="{value}"])')


def wait_engine(page, state: str, timeout: float = 60_000):
    page.wait_for_selector(f'{ROOT_SEL}[data-engine="{state}"]', state="attached", timeout=timeout)


def wait_state(page, state: dict, timeout: float = 5_000):
    """Wait until the radios show `state` and the command is its golden command, then assert it
    exactly (so a timeout reports the actual command, not just "timed out")."""
    expected = golden(state)
    try:
        page.wait_for_function(
            """([sel, expected, state]) => {
                 const root = document.querySelector(sel);
                 if (root.querySelector('[data-command]').textContent !== expected) return false;
                 return Object.entries(state).every(([k, v]) =>
                   root.querySelector(`input[data-option="${k}"]:checked`)?.value === v);
               }""",
            arg=[ROOT_SEL, expected, state],
            timeout=timeout,
        )
    except Exception:  # noqa: BLE001 - the asserts below say what is wrong
        pass
    assert checked(page) == {**DEFAULTS, **state}, "checked radios"
    assert command(page) == expected, f"command for {state}"


def hold(page, pattern: str = "**/assets/pyodide/**"):
    """Hold every request matching `pattern` (so the Python engine cannot become ready) until
    the returned `release()` is called. Returns (held_routes, wait_held, release)."""
    held = []
    page.route(pattern, lambda route: held.append(route))

    def wait_held(timeout_ms: int = 15_000):
        waited = 0
        while not held:
            if waited >= timeout_ms:
                raise AssertionError(f"no request matching {pattern} was made")
            page.wait_for_timeout(25)
            waited += 25

    def release():
        for route in held:
            route.continue_()
        held.clear()
        page.unroute(pattern)

    return held, wait_held, release


# --- palette ---------------------------------------------------------------------------------

def scheme(page) -> str:
    return page.evaluate("document.body.getAttribute('data-md-color-scheme')")


def switch_scheme(page, target: str, max_clicks: int = 3):
    """Click Material's palette toggle (the one visible label of form[data-md-component=palette])
    until the body's scheme is `target`; assert it got there."""
    for _ in range(max_clicks):
        if scheme(page) == target:
            break
        page.locator("form[data-md-component=palette] label:visible").click()
    assert scheme(page) == target


# --- the command in the HTML, without JavaScript ---------------------------------------------

VOID_TAGS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class CommandText(HTMLParser):
    """Text of every [data-command] element inside a configurator root, in document order."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.roots = 0
        self.commands: list[str] = []
        self._root_depth = 0  # >0 while inside the configurator root
        self._depth = 0  # >0 while inside a [data-command] element

    def handle_starttag(self, tag, attrs):
        if tag in VOID_TAGS:
            return
        a = dict(attrs)
        if self._root_depth:
            self._root_depth += 1
        elif a.get("data-configurator") == SPEC:
            self.roots += 1
            self._root_depth = 1
        if self._depth:
            self._depth += 1
        elif self._root_depth and "data-command" in a:
            self._depth = 1
            self.commands.append("")

    def handle_endtag(self, tag):
        if tag in VOID_TAGS:
            return
        self._depth = max(self._depth - 1, 0)
        self._root_depth = max(self._root_depth - 1, 0)

    def handle_data(self, data):
        if self._depth:
            self.commands[-1] += data


def parse_command(html: str) -> CommandText:
    parser = CommandText()
    parser.feed(html)
    parser.close()
    return parser


def eventually(page, js: str, check, timeout: int = 5_000):
    """page.evaluate(js) once check(value) holds, or its last value after `timeout` ms (the caller
    asserts on it). For the URL: the configurator writes it just after a click's paint, not in the
    click's handler (history.replaceState is slow; see configurator.js writeUrl)."""
    deadline = time.monotonic() + timeout / 1000
    value = page.evaluate(js)
    while not check(value) and time.monotonic() < deadline:
        page.wait_for_timeout(20)
        value = page.evaluate(js)
    return value


# --- the demo configurators on the Authors' guide -----------------------------------------------

class Demo:
    """A demo spec's configurator on the Authors' guide (demo-moe, demo-dense): what it exercises
    that the Kimi spec does not. Its commands are checked against the same engine in CPython."""

    def __init__(self, name: str):
        from configurator import resolve
        from macros.specs import load_spec_file, spec_path

        self.spec, _ = load_spec_file(spec_path(name))
        self._resolve = resolve
        self.root = f'[data-configurator="{name}"]'

    def expected(self, choices: dict) -> str:
        return self._resolve(self.spec, choices)["command"]

    def open(self, page, site_url: str, query: str = "", hold_python: bool = False):
        """Open the guide (at `query`) and show the first sign of use, which starts Python; with
        `hold_python`, Python's files are held: returns their `release()` (else None)."""
        release = None
        if hold_python:
            _, wait_held, release = hold(page)
        page.goto(site_url + PAGES["authors"] + query)
        page.locator(self.root).hover()
        if hold_python:
            wait_held()
        return release

    def command(self, page) -> str:
        return page.locator(f"{self.root} [data-command]").text_content()

    def label(self, page, option: str, value: str):
        """The <label> wrapping an item's input: what a person clicks."""
        return page.locator(f'{self.root} label:has(> input[data-option="{option}"][value="{value}"])')

    def wait_python(self, page):
        page.wait_for_selector(f'{self.root}[data-engine="python"]', state="attached", timeout=60_000)

    def wait_command(self, page, text: str):
        page.wait_for_function("([sel, text]) => document.querySelector(sel).textContent === text",
                               arg=[f"{self.root} [data-command]", text], timeout=5_000)
