"""The deployment configurator in headless Chromium: engine choice, the reader's own values and
the snippet tabs (issue 8). Every text on the page is compared with the engine's own view."""

from urllib.parse import parse_qsl, urlsplit

import pytest

from browser_helpers import (AXE_JS, DEPLOY, ROOT_SEL, command, eventually, hold, label_of,
                             render_all, wait_engine)
from configurator import resolve
from live_page import FRESH, LivePage
from macros.specs import load_spec_file, spec_path
from macros.table_output import text_content
from test_configurator_browser import AXE_RUN

pytestmark = pytest.mark.browser
SPEC, _ = load_spec_file(spec_path("kimi-k2.7-code"))

SNIPPETS = """(sel) => Object.fromEntries([...document.querySelectorAll(sel + ' [data-output]')]
    .map((c) => [c.dataset.output, c.closest('[data-output-block]').hidden ? null : c.textContent]))"""


@pytest.fixture(scope="module")
def context(browser):
    ctx = browser.new_context(color_scheme="light")
    yield ctx
    ctx.close()


@pytest.fixture
def page(context):
    page = context.new_page()
    yield page
    page.close()


@pytest.fixture(scope="module")
def _live_tab(context, site_url):
    def start(page):
        page.locator(ROOT_SEL).hover()  # the first sign of use starts Python
        wait_engine(page, "python")

    return LivePage(context, site_url, DEPLOY + FRESH, start)


@pytest.fixture
def live(_live_tab):
    """live(query="") -> (page, recorder): the module's shared tab on the deploy page at `query`
    (else at the defaults), rendered afresh by instant navigation, Python already running."""

    def _go(query: str = ""):
        page, rec = _live_tab.go(DEPLOY, query or FRESH)
        page.wait_for_selector(f"{ROOT_SEL}[data-bound]", state="attached")
        page.locator(ROOT_SEL).hover()
        wait_engine(page, "python")
        return page, rec

    return _go


def expected_snippets(choices):
    view = resolve(SPEC, choices)
    shown = {o["id"]: text_content(o["text"]) if o["lang"] == "table" else o["text"] for o in view["outputs"]}
    return view["command"], {o.id: shown.get(o.id) for o in SPEC.outputs}


def wait_for_view(page, choices, timeout=10_000):
    """Wait until the command and every snippet are the engine's view of `choices`, then assert it."""
    want_command, want_snippets = expected_snippets(choices)
    try:
        page.wait_for_function(
            """([sel, cmd, snippets]) => {
                 const root = document.querySelector(sel);
                 if (root.querySelector('[data-command]').textContent !== cmd) return false;
                 return Object.entries(snippets).every(([id, text]) => {
                   const code = root.querySelector(`[data-output="${id}"]`);
                   return text === null ? code.closest('[data-output-block]').hidden : code.textContent === text;
                 });
               }""", arg=[ROOT_SEL, want_command, want_snippets], timeout=timeout)
    except Exception:  # noqa: BLE001 - the asserts say what differs
        pass
    assert command(page) == want_command
    assert page.evaluate(SNIPPETS, ROOT_SEL) == want_snippets


def field(page, field_id):
    """A field of the Customize group (closed unless the URL carries a value): opened first."""
    customize = page.locator(f"{ROOT_SEL} .sb-customize")
    if not customize.evaluate("(d) => d.open"):
        customize.locator("summary").click()
    return page.locator(f'{ROOT_SEL} [data-field="{field_id}"]')


def test_typing_a_served_name_updates_the_command_and_every_snippet(live):
    page, rec = live("?engine=vllm")
    wait_for_view(page, {"engine": "vllm"})
    field(page, "name").fill("my-kimi")
    wait_for_view(page, {"engine": "vllm", "name": "my-kimi"})
    snippets = page.evaluate(SNIPPETS, ROOT_SEL)
    for output_id in ("serve", "chat-curl", "chat-python", "tools-python", "bench", "claude-code", "noumena"):
        assert "my-kimi" in snippets[output_id], output_id
    assert "--served-model-name my-kimi" in command(page)
    # An invalid entry is flagged and kept, and changes nothing.
    field(page, "name").fill("my kimi; rm -rf ~")
    wait_for_view(page, {"engine": "vllm", "name": "my kimi; rm -rf ~"})
    assert "--served-model-name kimi-k2.7-code" in command(page)
    assert page.locator(f'{ROOT_SEL} [data-field-group="name"] .sb-error').text_content().strip()
    assert rec.page_errors == [] and rec.console_errors == []


def test_a_shared_link_restores_fields_and_radios_and_lands_on_the_configurator(live, context):
    page, _ = live()
    label_of(page, "hardware", "mi300x").click()
    for field_id, value in (("port", "9000"), ("ctx", "131072"), ("weights", "/data/my kimi")):
        field(page, field_id).fill(value)
    choices = {"hardware": "mi300x", "port": "9000", "ctx": "131072", "weights": "/data/my kimi"}
    wait_for_view(page, choices)
    url = eventually(page, "location.href", lambda href: dict(parse_qsl(urlsplit(href).query)) == choices)
    parts = urlsplit(url)
    assert dict(parse_qsl(parts.query)) == choices
    assert parts.fragment == page.evaluate("(sel) => document.querySelector(sel).id", ROOT_SEL) != ""

    other = context.new_page()
    try:
        other.goto(url)
        other.locator(ROOT_SEL).hover()  # the first sign of use starts Python
        wait_engine(other, "python")
        wait_for_view(other, choices)
        assert other.locator(f"{ROOT_SEL} .sb-customize").evaluate("(d) => d.open")  # opened by the URL
        for field_id in ("port", "ctx", "weights"):
            assert field(other, field_id).input_value() == choices[field_id]
        top = other.evaluate("(sel) => document.querySelector(sel).getBoundingClientRect().top", ROOT_SEL)
        assert 0 <= top < other.viewport_size["height"] / 2  # scrolled to the configurator
    finally:
        other.close()


def command_source(page):
    """The visible source line's link text (the source the shown command reproduces)."""
    return page.evaluate("""(sel) => [...document.querySelectorAll(sel + ' .sb-command .sb-source a')]
                              .filter((a) => !a.hidden && !a.closest('[hidden]')).map((a) => a.textContent).join('|')""",
                         ROOT_SEL)


def test_before_python_radios_are_instant_and_fields_visibly_wait(page, site_url):
    _, wait_held, release = hold(page)
    page.goto(site_url + DEPLOY)
    page.locator(ROOT_SEL).hover()  # the first sign of use starts Python
    wait_held()
    assert field(page, "name").evaluate("(f) => f.readOnly")
    assert "Python" in page.locator(f"{ROOT_SEL} .sb-status").text_content()
    assert command_source(page) == "SGLang docs generator as of 2026-08-25 (00d56e2)"
    label_of(page, "engine", "vllm").click()
    wait_for_view(page, {"engine": "vllm"}, timeout=2_000)  # the build's table, no Python
    assert page.evaluate("(sel) => document.querySelector(sel).dataset.engine", ROOT_SEL) == "static"
    assert command_source(page) == "Lambda's vLLM guide as of 2026-11-23"  # follows the view
    label_of(page, "toolcall", "disabled").click()
    wait_for_view(page, {"engine": "vllm", "toolcall": "disabled"}, timeout=2_000)
    assert page.evaluate(SNIPPETS, ROOT_SEL)["tools-python"] is None  # no tool example
    release()
    wait_engine(page, "python")
    assert not field(page, "name").evaluate("(f) => f.readOnly")
    field(page, "port").fill("9000")
    wait_for_view(page, {"engine": "vllm", "toolcall": "disabled", "port": "9000"})


def test_a_hidden_tab_hands_the_selection_to_a_visible_one(live):
    page, _ = live("?engine=vllm")
    page.locator(f'{ROOT_SEL} [data-output-tab="serve"]').click()
    assert page.locator(f'{ROOT_SEL} [data-output="serve"]').is_visible()
    label_of(page, "engine", "sglang").click()
    wait_for_view(page, {})
    visible = page.locator(f"{ROOT_SEL} [data-output]:visible")
    assert visible.count() == 1 and visible.get_attribute("data-output") != "serve"


def test_axe_finds_nothing_with_fields_and_tabs_in_use(live):
    page, _ = live("?engine=vllm&name=bad%20name")
    page.locator(f'{ROOT_SEL} [data-output-tab="memory"]').click()
    render_all(page)
    page.add_script_tag(path=str(AXE_JS))
    page.wait_for_timeout(300)
    assert page.evaluate(AXE_RUN, ROOT_SEL) == []


MEMORY = f'{ROOT_SEL} [data-output="memory"]'


def test_memory_tab_is_a_table_without_javascript_and_the_script_renders_the_same(browser, live, site_url):
    static = browser.new_context(java_script_enabled=False)
    try:
        plain = static.new_page()
        plain.goto(site_url + DEPLOY)
        built = plain.locator(MEMORY).inner_html()
        rows = plain.locator(f"{MEMORY} tbody tr")
        assert rows.first.locator("th").text_content() == "What you have"
        assert plain.locator(f"{MEMORY} thead th").all_text_contents() == ["Per GPU", "Estimate", "How", "Source"]
        links = plain.locator(f"{MEMORY} td a").evaluate_all("(as) => as.map((a) => a.href)")
        assert len(links) >= 6 and all(href.startswith("https://") for href in links)
        assert plain.locator(f"{MEMORY} strong").text_content().startswith("Context length 262,144 tokens: ")
    finally:
        static.close()
    page, _ = live()
    label_of(page, "hardware", "mi300x").click()
    wait_for_view(page, {"hardware": "mi300x"})
    assert "191.69 GiB" in page.locator(MEMORY).text_content()
    label_of(page, "hardware", "h200").click()
    wait_for_view(page, {})
    assert page.locator(MEMORY).inner_html() == built  # the page script lays out the same table


def test_memory_tab_names_an_entry_it_cannot_use(live):
    page, _ = live("?frac=1.5&ctx=0")
    wait_for_view(page, {"frac": "1.5", "ctx": "0"})
    text = page.locator(MEMORY).text_content()
    assert text.count("Not applied: ") == 2 and "NaN" not in text and "undefined" not in text


def test_phone_width_fits_with_the_snippets(browser, site_url):
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=3,
                                  is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        page.goto(site_url + DEPLOY + "?engine=vllm&weights=/a/very/long/path/to/the/weights/of/kimi-k2.7-code")
        page.locator(ROOT_SEL).hover()  # the first sign of use starts Python
        wait_engine(page, "python")
        for tab in ("memory", "noumena", "tools-python"):
            page.locator(f'{ROOT_SEL} [data-output-tab="{tab}"]').tap()
            sizes = page.evaluate("""(sel) => ({scroll: document.documentElement.scrollWidth, inner: innerWidth,
                                                right: document.querySelector(sel).getBoundingClientRect().right})""",
                                  ROOT_SEL)
            assert sizes["scroll"] <= sizes["inner"] and sizes["right"] <= sizes["inner"], (tab, sizes)
        field(page, "port").tap()
        page.keyboard.type("9000")
        wait_for_view(page, {"engine": "vllm", "weights": "/a/very/long/path/to/the/weights/of/kimi-k2.7-code",
                             "port": "9000"})
    finally:
        context.close()
