"""The Kimi-K2.7-Code configurator on the deploy page, driven in headless Chromium as a person
would: clicks on labels, keyboard, the URL, the Copy button, instant navigation, a phone.

Only the widget's public DOM contract is used (see browser_helpers): the root
[data-configurator], its data-engine, radios input[data-option][value] inside labels,
[data-command], .sb-command .sb-copy, .sb-status, .sb-ignored. Every command is compared byte for byte
with tests/data/kimi-k2.7-code.sglang.golden.json.
"""

from urllib.parse import parse_qsl, urlencode
from urllib.request import urlopen

import pytest

from browser_helpers import (AXE_JS, COMMAND_SEL, DEFAULT_COMMAND, DEFAULTS, DEPLOY, PAGES, ROOT_SEL,
                             Recorder, checked, command, engine, golden, gray_walk, hold, label_of,
                             eventually, parse_command, query_of, render_all, switch_scheme,
                             wait_engine, wait_state)
from live_page import FRESH, LivePage

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def context(browser):
    """One context for the module (warm HTTP cache keeps Python's start-up short); each test
    opens its own page. Clipboard permissions for the Copy test."""
    ctx = browser.new_context(permissions=["clipboard-read", "clipboard-write"], color_scheme="light")
    yield ctx
    ctx.close()


@pytest.fixture
def open_page(context, site_url):
    """open_page(query="", hold_python=False) -> (page, recorder, release). Pages close after the test."""
    pages = []

    def _open(query: str = "", hold_python: bool = False, base: str = site_url, path: str = DEPLOY,
              intent: bool = True):
        page = context.new_page()
        pages.append(page)
        rec = Recorder(base).attach_page(page)
        release = None
        if hold_python:
            _, wait_held, release = hold(page)
        response = page.goto(base + path + query)
        assert response.status == 200
        if intent and path == DEPLOY:
            use(page)  # Python starts on the first sign of use
        if hold_python:
            wait_held()
        return page, rec, release

    yield _open
    for page in pages:
        page.close()


@pytest.fixture(scope="module")
def _live_tab(context, site_url):
    def start(page):
        use(page)
        wait_engine(page, "python")

    return LivePage(context, site_url, DEPLOY + FRESH, start)


@pytest.fixture
def live(_live_tab):
    """live(query="") -> (page, recorder): the module's shared tab on the deploy page at `query`
    (else at the defaults), its configurator rendered afresh by instant navigation and Python
    already running, for tests that only use the configurator once Python is ready."""

    def _go(query: str = ""):
        page, rec = _live_tab.go(DEPLOY, query or FRESH)
        page.wait_for_selector(f"{ROOT_SEL}[data-bound]", state="attached")
        use(page)
        wait_engine(page, "python")
        return page, rec

    return _go


def use(page):
    """The pointer over the configurator: the first sign of use, which starts Python."""
    page.locator(ROOT_SEL).hover()


def search_params(page, want: dict) -> dict:
    """The URL's query once it is `want` (it is written just after the click's paint), or as it is then."""
    parse = lambda search: parse_qsl(search.lstrip("?"), keep_blank_values=True)  # noqa: E731
    pairs = parse(eventually(page, "location.search", lambda search: dict(parse(search)) == want))
    assert len(pairs) == len({k for k, _ in pairs}), f"duplicate query keys: {pairs}"
    return dict(pairs)


def click(page, option, value):
    label_of(page, option, value).click()


# 1 -----------------------------------------------------------------------------------------------

def test_command_is_in_the_html_before_any_javascript(browser, site_url):
    parsed = parse_command(urlopen(site_url + DEPLOY).read().decode("utf-8"))
    assert parsed.roots == 1 and parsed.commands == [DEFAULT_COMMAND]

    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(site_url + DEPLOY)
        assert command(page) == DEFAULT_COMMAND
        assert engine(page) == "static"
        assert checked(page) == DEFAULTS
        assert page.locator(COMMAND_SEL).is_visible()
        # Without JavaScript nothing can copy: no dead Copy button, and a line saying why.
        copies = page.locator(f"{ROOT_SEL} .sb-copy")
        assert copies.count() > 1 and all(not copies.nth(i).is_visible() for i in range(copies.count()))
        assert "JavaScript is off" in page.locator(f"{ROOT_SEL} .sb-status").inner_text()
    finally:
        context.close()


# 2 -----------------------------------------------------------------------------------------------

def test_all_56_combinations_clicked_through_after_python_is_ready(live):
    page, rec = live()
    walk = gray_walk()
    wait_state(page, walk[0])
    for before, state in zip(walk, walk[1:]):
        (option,) = [k for k in state if state[k] != before[k]]
        served = python_views(page)
        click(page, option, state[option])
        # The build's table answers first; wait for Python's own view of this click.
        page.wait_for_function("([sel, n]) => Number(document.querySelector(sel).dataset.pythonViews) > n",
                               arg=[ROOT_SEL, served])
        assert (checked(page), command(page)) == ({**DEFAULTS, **state}, golden(state)), state
    assert engine(page) == "python"
    assert rec.page_errors == [] and rec.console_errors == []


def python_views(page) -> int:
    return page.evaluate("(sel) => Number(document.querySelector(sel).dataset.pythonViews || 0)", ROOT_SEL)


# 3 -----------------------------------------------------------------------------------------------

CLICKS = [("hardware", "gb300"), ("reasoning", "disabled"), ("dpattention", "enabled"),
          ("hardware", "mi355x"), ("toolcall", "disabled"), ("dpattention", "disabled"), ("hardware", "b300")]


@pytest.mark.parametrize("start", [
    {},
    {"hardware": "mi300x", "dpattention": "enabled"},
], ids=["from-defaults", "from-url-state"])
def test_clicks_before_python_is_ready_update_the_command_at_once(open_page, start):
    page, rec, release = open_page("?" + urlencode(start) if start else "", hold_python=True)
    state = {**DEFAULTS, **start}
    assert engine(page) == "static"
    assert command(page) == golden(state) and checked(page) == state
    for option, value in CLICKS:
        click(page, option, value)
        state[option] = value
        # No waiting: the precomputed views answer synchronously, in the click's own change event
        # (the URL follows just after the paint).
        assert (engine(page), checked(page), command(page)) == ("static", state, golden(state)), (option, value)
        assert search_params(page, query_of(state)) == query_of(state)

    release()
    wait_engine(page, "python")
    wait_state(page, state, timeout=2_000)
    assert search_params(page, query_of(state)) == query_of(state)
    assert rec.page_errors == [] and rec.console_errors == []


# 4 -----------------------------------------------------------------------------------------------

def test_copy_puts_exactly_the_command_on_the_clipboard(live):
    page, rec = live()
    state = {**DEFAULTS, "hardware": "mi325x", "toolcall": "disabled", "dpattention": "enabled"}
    for option in ("hardware", "toolcall", "dpattention"):
        click(page, option, state[option])
    wait_state(page, state)
    page.evaluate("navigator.clipboard.writeText('stale')")
    page.locator(f"{ROOT_SEL} .sb-command .sb-copy").click()
    text = "stale"
    for _ in range(30):
        text = page.evaluate("navigator.clipboard.readText()")
        if text != "stale":
            break
        page.wait_for_timeout(100)
    assert rec.page_errors == [], "clicking Copy threw"
    assert text == golden(state)
    toast = page.locator(".md-dialog")
    toast.wait_for(state="visible", timeout=3_000)
    assert toast.inner_text().strip(), "no toast"


# 5 -----------------------------------------------------------------------------------------------

URL_STEPS = [  # (option, value, expected query after the click)
    ("hardware", "mi300x", {"hardware": "mi300x"}),
    ("dpattention", "enabled", {"hardware": "mi300x", "dpattention": "enabled"}),
    ("reasoning", "disabled", {"hardware": "mi300x", "reasoning": "disabled", "dpattention": "enabled"}),
    ("hardware", "h200", {"reasoning": "disabled", "dpattention": "enabled"}),
    ("reasoning", "enabled", {"dpattention": "enabled"}),
    ("dpattention", "disabled", {}),
]


@pytest.mark.parametrize("ready", [False, True], ids=["before-python", "after-python"])
def test_clicks_write_the_state_to_the_url_without_defaults(open_page, live, ready):
    if ready:
        (page, rec), release = live(), None
    else:
        page, rec, release = open_page(hold_python=True)
    state = dict(DEFAULTS)
    for option, value, query in URL_STEPS:
        click(page, option, value)
        state[option] = value
        wait_state(page, state)
        assert query_of(state) == query  # the table above is right
        assert search_params(page, query) == query, (option, value)
    assert eventually(page, "location.search", lambda search: search == "") == ""
    assert page.evaluate("location.pathname").endswith("/" + DEPLOY)
    assert engine(page) == ("python" if ready else "static")
    if not ready:
        release()


@pytest.mark.parametrize("query, state", [
    ("?hardware=mi300x&dpattention=enabled", {"hardware": "mi300x", "dpattention": "enabled"}),
    ("?hardware=gb300&reasoning=disabled&toolcall=disabled&dpattention=enabled",
     {"hardware": "gb300", "reasoning": "disabled", "toolcall": "disabled", "dpattention": "enabled"}),
    # defaults spelled out: accepted, and dropped from the URL
    ("?hardware=h200&reasoning=enabled&toolcall=disabled", {"toolcall": "disabled"}),
], ids=["two", "all-four", "explicit-defaults"])
@pytest.mark.parametrize("ready", [False, True], ids=["before-python", "after-python"])
def test_loading_a_url_shows_its_state(open_page, live, query, state, ready):
    full = {**DEFAULTS, **state}
    if ready:  # Python is running when the URL is opened (the shared tab follows a link to it)
        (page, rec), release = live(query), None
        wait_state(page, full, timeout=2_000)
    else:
        page, rec, release = open_page(query, hold_python=True)
        assert engine(page) == "static"
        # in the first paint's DOM already: no waiting
        assert (checked(page), command(page)) == (full, golden(full))
    assert search_params(page, query_of(full)) == query_of(full)
    assert page.locator(f"{ROOT_SEL} .sb-ignored").is_hidden()
    assert rec.page_errors == [] and rec.console_errors == []
    if release:
        release()


# 6 -----------------------------------------------------------------------------------------------

XSS = "<img src=x onerror=alert(1)>"
LONG = "x" * 5_000


@pytest.mark.parametrize("query, bad", [
    (f"?hardware={XSS}&dpattention=%00%ff&reasoning=enabled&unknown=1",
     {"hardware": XSS, "dpattention": "\x00\ufffd"}),
    (f"?hardware={LONG}&toolcall=enabled", {"hardware": LONG}),
], ids=["markup-and-bytes", "5000-chars"])
def test_garbage_in_the_query_is_ignored_with_a_visible_notice(open_page, query, bad):
    page, rec, release = open_page(query, hold_python=True)

    def check(phase):
        # unknown values fall back to defaults; reasoning=enabled / toolcall=enabled are the defaults
        assert (checked(page), command(page)) == (DEFAULTS, DEFAULT_COMMAND), phase
        notice = page.locator(f"{ROOT_SEL} .sb-ignored")
        assert notice.is_visible(), f"{phase}: no visible notice"
        text = notice.text_content()
        for key, value in bad.items():
            assert key in text, f"{phase}: the notice does not name {key}: {text[:300]!r}"
            printable = value.strip("\x00\ufffd")
            if printable:
                assert printable[:64] in text, f"{phase}: the notice does not show the bad value: {text[:300]!r}"
        assert page.locator("img[src=x], [onerror]").count() == 0, f"{phase}: markup from the URL was injected"
        assert page.evaluate("document.documentElement.scrollWidth <= innerWidth"), \
            f"{phase}: the notice makes the page scroll sideways"
        assert rec.page_errors == [] and rec.dialogs == [], phase

    check("before Python")
    release()
    wait_engine(page, "python")
    page.wait_for_timeout(100)  # let the Python view's notice replace the static one
    check("after Python")
    click(page, "hardware", "b300")
    wait_state(page, {"hardware": "b300"})
    assert rec.page_errors == [] and rec.dialogs == []


# 7 -----------------------------------------------------------------------------------------------

def focused(page) -> dict:
    return page.evaluate("""() => { const el = document.activeElement;
        return {tag: el.tagName.toLowerCase(), option: el.dataset?.option ?? null, value: el.value ?? null}; }""")


@pytest.mark.parametrize("start", [
    "content-top",
    "skip-link",
])
def test_keyboard_reaches_and_drives_the_radios_with_a_visible_focus(open_page, live, start):
    if start == "skip-link":  # the page's first Tab stop: a page of its own, as loaded
        page, rec, _ = open_page()
        wait_engine(page, "python")
    else:  # the click below sets where Tab starts: the shared tab will do
        page, rec = live()
    if start == "skip-link":
        page.keyboard.press("Tab")  # the first stop of the page: Material's "Skip to content"
        assert page.evaluate("document.activeElement.classList.contains('md-skip')")
        page.keyboard.press("Enter")
    else:
        # A click on the page title's text: sequential focus navigation starts there.
        box = page.locator("article h1").first.bounding_box()
        page.mouse.click(box["x"] + 4, box["y"] + box["height"] / 2)
    for presses in range(1, 61):
        page.keyboard.press("Tab")
        if focused(page)["option"]:
            break
    assert focused(page) == {"tag": "input", "option": "engine", "value": "sglang"}, \
        f"after {presses} Tab presses from the top of the content, focus is not on the first radio group"
    page.keyboard.press("Tab")  # the next group's checked radio
    assert focused(page) == {"tag": "input", "option": "hardware", "value": "h200"}

    for key, value in [("ArrowRight", "b300"), ("ArrowDown", "gb300"), ("ArrowLeft", "b300")]:
        page.keyboard.press(key)
        assert focused(page) == {"tag": "input", "option": "hardware", "value": value}
        wait_state(page, {"hardware": value})
        outline = page.evaluate("""() => { const input = document.activeElement;
            return [input, input.closest('label')].map((el) => {
              const s = getComputedStyle(el);
              return {style: s.outlineStyle, width: parseFloat(s.outlineWidth)}; }); }""")
        assert any(o["style"] != "none" and o["width"] > 0 for o in outline), f"no visible focus indicator: {outline}"
    assert rec.page_errors == []


# 8 -----------------------------------------------------------------------------------------------

def click_nav(page, site_url, path):
    """Click the visible primary-sidebar link to `path` (a person following the nav), and check
    that Material swapped the page in place (instant navigation) rather than loading it."""
    page.evaluate("window.__sbSamePage = true")
    target = site_url + path
    for link in page.locator(".md-sidebar--primary a.md-nav__link").all():
        if link.is_visible() and link.evaluate("(a) => a.href") == target:
            link.click()
            # The widget may add its remembered choices as a query (?hardware=…) at once.
            page.wait_for_url(lambda url: url.split("?")[0].split("#")[0] == target, wait_until="commit")
            page.wait_for_function("(path) => document.querySelector('link[rel=canonical]')?.href.endsWith(path)",
                                   arg="/" + path)
            assert page.evaluate("window.__sbSamePage === true"), "a full page load, not instant navigation"
            return
    raise AssertionError(f"no visible nav link to {target}")


def arrive(page, site_url, path):
    click_nav(page, site_url, path)
    if path == DEPLOY:
        page.wait_for_selector(f"{ROOT_SEL}[data-bound]", state="attached")
        use(page)
    else:
        page.wait_for_function("(sel) => !document.querySelector(sel)", arg=ROOT_SEL)


def test_instant_navigation_keeps_exactly_one_engine_worker(open_page, site_url):
    page, rec, _ = open_page(path=PAGES["overview"])
    page.wait_for_load_state("networkidle")
    assert rec.engine_workers() == [], "a page without a configurator must not start Python"
    for path in (DEPLOY, PAGES["overview"], DEPLOY, PAGES["use"], DEPLOY):
        arrive(page, site_url, path)
    page.wait_for_timeout(500)  # a second worker, if any, would be reported by now
    assert len(rec.engine_workers()) == 1 and rec.engine_workers()[0].startswith(site_url + "assets/javascripts/")


def test_widget_works_after_each_instant_navigation(open_page, site_url):
    page, rec, _ = open_page(path=PAGES["overview"])
    state = dict(DEFAULTS)
    for option, value in [("hardware", "b300"), ("dpattention", "enabled")]:
        arrive(page, site_url, DEPLOY)
        wait_engine(page, "python", timeout=10_000)
        # Choices made earlier in this tab are kept across navigation (and put in the URL).
        assert (checked(page), command(page)) == (state, golden(state))
        assert search_params(page, query_of(state)) == query_of(state)
        click(page, option, value)
        state[option] = value
        wait_state(page, state)
        assert command(page) == golden(state)
        arrive(page, site_url, PAGES["overview"])
    assert len(rec.engine_workers()) == 1 and rec.engine_workers()[0].startswith(site_url + "assets/javascripts/")
    assert rec.page_errors == [] and rec.console_errors == []


def test_table_of_contents_click_keeps_the_widget_and_its_state(live):
    page, rec = live()
    state = {"hardware": "mi300x", "dpattention": "enabled"}
    for option, value in state.items():
        click(page, option, value)
    wait_state(page, state)
    page.locator(".md-sidebar--secondary a.md-nav__link").filter(has_text="Launch command").first.click()
    page.wait_for_function("location.hash !== ''")
    page.wait_for_timeout(500)  # Material's re-render, if any
    wait_engine(page, "python", timeout=5_000)
    wait_state(page, state)
    click(page, "hardware", "b300")
    wait_state(page, {**state, "hardware": "b300"})
    assert rec.page_errors == []


# 9 -----------------------------------------------------------------------------------------------

def test_without_pyodide_the_radios_still_work_and_the_page_says_why(open_page, site_without_pyodide):
    page, rec, _ = open_page(base=site_without_pyodide)
    wait_engine(page, "unavailable", timeout=30_000)
    status = page.locator(f"{ROOT_SEL} .sb-status")
    assert status.is_visible() and status.inner_text().strip(), "no visible explanation"
    walk = gray_walk()
    for before, state in zip(walk, walk[1:]):
        (option,) = [k for k in state if state[k] != before[k]]
        click(page, option, state[option])
        assert (checked(page), command(page)) == (state, golden(state))
    assert engine(page) == "unavailable"
    assert rec.page_errors == []


# 10 ----------------------------------------------------------------------------------------------

def test_deploy_page_asks_only_the_local_server_and_logs_no_error(browser, site_url):
    context = browser.new_context()
    rec = Recorder(site_url).attach_context(context)
    try:
        page = context.new_page()
        rec.attach_page(page)
        page.goto(site_url + DEPLOY)
        use(page)
        wait_engine(page, "python")
        page.wait_for_load_state("networkidle")
        click(page, "hardware", "mi350x")
        wait_state(page, {"hardware": "mi350x"})
        assert any("/assets/pyodide/" in u for u in rec.requests)  # the worker's requests are recorded
        assert rec.other_origins() == []
        assert rec.console_errors == [] and rec.page_errors == []
    finally:
        context.close()


AXE_RUN = """(sel) => axe.run(sel ? document.querySelector(sel) : document, {resultTypes: ['violations']})
    .then((r) => r.violations.map((v) => ({id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.slice(0, 4).map((n) => n.target.join(' ') + ' :: ' + n.failureSummary.replace(/\\s+/g, ' '))})))"""


@pytest.fixture(scope="module")
def axe_results(_live_tab):
    """axe-core on the deploy page once Python is ready (the shared tab, light):
    {(scope, scheme): [violation]}."""
    page, _ = _live_tab.go(DEPLOY, FRESH)
    page.wait_for_selector(f"{ROOT_SEL}[data-bound]", state="attached")
    use(page)
    wait_engine(page, "python")
    render_all(page)
    page.add_script_tag(path=str(AXE_JS))
    results = {}
    for scheme_name in ("default", "slate"):
        switch_scheme(page, scheme_name)
        page.wait_for_timeout(300)  # the widget's 125 ms colour transitions
        for scope, sel in (("page", None), ("configurator", ROOT_SEL)):
            results[(scope, scheme_name)] = page.evaluate(AXE_RUN, sel)
    return results


@pytest.mark.parametrize("scope, scheme_name", [
    ("page", "default"),
    ("page", "slate"),
    ("configurator", "default"),
    ("configurator", "slate"),
], ids=["page-light", "page-dark", "configurator-light", "configurator-dark"])
def test_axe_reports_no_violation(axe_results, scope, scheme_name):
    found = axe_results[(scope, scheme_name)]
    assert found == [], f"axe violations ({scope}, {scheme_name}):\n" + "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']}\n    " + "\n    ".join(v["nodes"]) for v in found)


# 11 ----------------------------------------------------------------------------------------------

def test_phone_width_fits_and_the_radios_work(browser, site_url):
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=3,
                                  is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        rec = Recorder(site_url).attach_page(page)
        page.goto(site_url + DEPLOY)

        def fits(phase):
            sizes = page.evaluate("""(sel) => ({scroll: document.documentElement.scrollWidth, inner: innerWidth,
                                               right: document.querySelector(sel).getBoundingClientRect().right})""",
                                  ROOT_SEL)
            assert sizes["scroll"] <= sizes["inner"] and sizes["right"] <= sizes["inner"], (phase, sizes)

        fits("static")
        state = dict(DEFAULTS)
        for option, value in [("hardware", "mi355x"), ("dpattention", "enabled"), ("reasoning", "disabled")]:
            label = label_of(page, option, value)
            label.scroll_into_view_if_needed()
            label.tap()
            state[option] = value
            wait_state(page, state)
        fits("longest command")
        wait_engine(page, "python")
        label_of(page, "hardware", "b300").tap()
        state["hardware"] = "b300"
        wait_state(page, state)
        fits("python")
        assert rec.page_errors == []
    finally:
        context.close()
