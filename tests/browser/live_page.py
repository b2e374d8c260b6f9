"""One page whose Python is already running, shared by a test module's read-only tests.

Not a test module. Starting Python (Pyodide) costs a few seconds per page; tests that only use
a configurator or a command checker once Python is ready share one tab instead. Between tests
the tab goes to the test's page by Material's instant navigation (as a click on a link does):
the page's content is rendered afresh from the server (radios, fields, the release choice, the
result of a check), while the tab's engine worker, and so Python, keeps running.

Each `go()` first leaves for a page without any widget when the tab is already on the target
page (Material does not re-render a page for a link to itself), then asserts that no full page
load happened (the tab would have lost its Python). The recorder's lists are cleared for each
test, so what a test asserts of them is what happened during that test. What instant navigation
keeps and a test may have changed is put back as a fresh load has it: the colour scheme the tab
started with, no style added by `render_all`, and an empty toast (Material's .md-dialog keeps
the text of its last message, "Copied to clipboard", which axe would report as content outside
a landmark).

A configurator keeps the choices made in a tab across instant navigation (configurator.js
`remembered`); they apply only when the URL carries no choice, so for the Kimi configurator
`go()` is given a query: `FRESH` (the default engine spelled out, which names no other option
and is dropped from the URL) starts it at its defaults, as a first visit does.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from browser_helpers import PAGES, Recorder, scheme, switch_scheme

NEUTRAL = PAGES["overview"]  # a page with no configurator and no command checker
FRESH = "?engine=sglang"

_FOLLOW = """(href) => { const a = document.createElement('a'); a.href = href; a.textContent = href;
  document.body.append(a); a.click(); a.remove(); }"""


_AS_LOADED = """() => {
  for (const style of document.querySelectorAll('style'))  // render_all's
    if (style.textContent.includes('content-visibility: visible !important')) style.remove();
  const toast = document.querySelector('.md-dialog .md-dialog__inner');
  if (toast) toast.textContent = '';
}"""


class LivePage:
    def __init__(self, context, base: str, path: str, start):
        """Open `base + path` in a new page of `context` and call `start(page)`, which must leave
        Python running (e.g. hover a configurator and wait for data-engine="python")."""
        self.base = base
        self.rec = Recorder(base).attach_context(context)
        self.page = context.new_page()
        self.rec.attach_page(self.page)
        self.page.goto(base + path)
        start(self.page)
        self.page.evaluate("window.__sbLivePage = true")
        self.scheme = scheme(self.page)

    def go(self, path: str, query: str = ""):
        """Instant navigation to `path` + `query`; returns (page, recorder), the recorder emptied."""
        page = self.page
        if page.evaluate("location.pathname") == urlsplit(self.base + path).path:
            self._follow(NEUTRAL)
        self._follow(path, query)
        assert page.evaluate("window.__sbLivePage === true"), "a full page load: the shared page lost its Python"
        if scheme(page) != self.scheme:
            switch_scheme(page, self.scheme)
        page.wait_for_function("() => !document.querySelector('.md-dialog--active')")  # a toast shows 2 s
        page.evaluate(_AS_LOADED)
        page.evaluate("window.scrollTo(0, 0)")
        for seen in (self.rec.requests, self.rec.console_errors, self.rec.page_errors, self.rec.dialogs):
            seen.clear()
        return page, self.rec

    def _follow(self, path: str, query: str = ""):
        self.page.evaluate(_FOLLOW, self.base + path + query)
        self.page.wait_for_function(
            "(path) => document.querySelector('link[rel=canonical]')?.href.endsWith(path)", arg="/" + path)
