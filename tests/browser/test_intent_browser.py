"""Python on intent: a reader who only reads the deploy page downloads no Python; the first
sign of use (pointer over, focus inside, a touch, on a configurator or a command checker, or a
URL carrying free-form values) starts it, while clicks answer at once from the build's views."""

from collections import Counter

import pytest

from browser_helpers import (DEPLOY, PAGES, ROOT_SEL, Recorder, engine, golden, hold, label_of,
                             wait_engine, wait_state)

pytestmark = pytest.mark.browser
STATUS = f"{ROOT_SEL} .sb-status"


def python_requests(rec):
    return [u for u in rec.requests if "/assets/pyodide/" in u or "/assets/servebook/" in u]


@pytest.fixture
def visit(browser, site_url):
    """visit(path, **context options) -> (page, recorder), the recorder seeing worker requests too."""
    contexts = []

    def _visit(path=DEPLOY, **options):
        context = browser.new_context(**options)
        contexts.append(context)
        rec = Recorder(site_url).attach_context(context)
        page = context.new_page()
        rec.attach_page(page)
        page.goto(site_url + path)
        return page, rec

    yield _visit
    for context in contexts:
        context.close()


def test_a_reader_who_only_reads_downloads_no_python(visit):
    page, rec = visit()
    page.wait_for_load_state("networkidle")
    for y in range(0, page.evaluate("document.body.scrollHeight"), 400):  # reads to the end
        page.evaluate("(y) => window.scrollTo(0, y)", y)
        page.wait_for_timeout(50)
    page.wait_for_timeout(1500)  # no idle-time prefetch either
    assert rec.engine_workers() == [] and python_requests(rec) == []
    assert engine(page) == "static"
    assert "Loading" not in page.locator(STATUS).inner_text()  # nothing is happening
    assert rec.page_errors == [] and rec.console_errors == []


@pytest.mark.parametrize("how", ["pointer", "focus", "touch"])
def test_first_sign_of_use_starts_python_and_clicks_stay_instant(visit, how):
    page, rec = visit(**({"has_touch": True, "is_mobile": True} if how == "touch" else {}))
    _, wait_held, release = hold(page)
    page.wait_for_load_state("networkidle")
    assert python_requests(rec) == []
    if how == "pointer":
        page.locator(ROOT_SEL).hover()
    elif how == "focus":
        page.locator(f"{ROOT_SEL} legend").first.evaluate("(e) => e.scrollIntoView()")
        page.keyboard.press("Tab")  # Tab until the focus is inside the configurator
        for _ in range(200):
            if page.evaluate("(sel) => document.querySelector(sel).contains(document.activeElement)", ROOT_SEL):
                break
            page.keyboard.press("Tab")
    else:
        page.locator(f"{ROOT_SEL} .sb-command-title").tap()
    wait_held()
    # While Python loads, the status line says so and clicks answer from the build's views.
    assert "Loading the Python engine" in page.locator(STATUS).inner_text()
    label_of(page, "hardware", "mi325x").click()
    wait_state(page, {"hardware": "mi325x"}, timeout=1_000)
    assert engine(page) == "static"
    release()
    wait_engine(page, "python")
    assert page.locator(STATUS).inner_text() == ""
    label_of(page, "dpattention", "enabled").click()
    wait_state(page, {"hardware": "mi325x", "dpattention": "enabled"})
    assert len(rec.engine_workers()) == 1
    # Each runtime file is downloaded once: the worker compiles the wasm as it arrives and
    # hands pyodide the compiled module instead of letting it fetch the 9.6 MB again.
    fetched = Counter(python_requests(rec))
    assert any(u.endswith("/pyodide.asm.wasm") for u in fetched) and max(fetched.values()) == 1, fetched
    assert rec.page_errors == [] and rec.console_errors == []


def test_a_command_checker_element_starts_python_too(visit):
    page, rec = visit()
    page.wait_for_load_state("networkidle")
    assert python_requests(rec) == []
    page.locator("[data-command-check]").first.hover()
    wait_engine(page, "python")
    # The same worker answers other page code through the generic call.
    result = page.evaluate("""() => window.servebookEngine.call("nope").then(() => "resolved", (e) => e.message)""")
    assert "unknown request type" in result


def test_a_url_with_free_form_values_starts_python_at_once(visit):
    page, rec = visit(PAGES["authors"] + "?max-model-len=131072")
    wait_engine_demo = '[data-configurator="demo-moe"][data-engine="python"]'
    page.wait_for_selector(wait_engine_demo, state="attached", timeout=60_000)
    assert "--max-model-len 131072" in page.locator('[data-configurator="demo-moe"] [data-command]').text_content()


def test_a_url_with_only_choices_needs_no_python(visit):
    page, rec = visit(DEPLOY + "?hardware=mi300x")
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(1000)
    assert page.locator(f"{ROOT_SEL} [data-command]").text_content() == golden({"hardware": "mi300x"})
    assert python_requests(rec) == []


def test_the_command_checker_runs_in_the_same_worker(visit):
    """The deploy page's "Check a command" asks the engine worker (message type "check")."""
    page, rec = visit()
    page.wait_for_load_state("networkidle")
    assert python_requests(rec) == []
    checker = page.locator("[data-command-check]")
    checker.locator("textarea").fill("python3 -m sglang.launch_server --model-path x --tp-sizee 8")
    checker.locator("button[type=submit]").click()
    page.wait_for_function("(sel) => document.querySelector(sel).dataset.engine !== 'static'",
                           arg="[data-command-check]", timeout=60_000)
    page.wait_for_timeout(500)
    assert checker.get_attribute("data-engine") != "unavailable", checker.inner_text()
    assert "tp-sizee" in checker.inner_text()
    assert len(rec.engine_workers()) == 1
    assert rec.page_errors == [] and rec.console_errors == []
