"""The made-up demo-moe configurator on the Authors' guide, in headless Chromium.

It exercises what the Kimi spec does not have: an item disabled by another choice (with its
reason shown), an option hidden by another choice, and free-form fields that only the Python
engine serves. Commands are checked against the same engine in CPython.
"""

import pytest

from browser_helpers import PAGES, Demo, eventually
from live_page import LivePage

pytestmark = pytest.mark.browser

DEMO = Demo("demo-moe")
ROOT = DEMO.root
expected, open_demo, command, item, wait_python, wait_command = (
    DEMO.expected, DEMO.open, DEMO.command, DEMO.label, DEMO.wait_python, DEMO.wait_command)


# The default hardware spelled out: the shared tab's configurator starts at its defaults (the
# hardware's default depends on nothing and no choice changes it), whatever an earlier test chose.
FRESH = "?hardware=h100"


@pytest.fixture
def page(recorded_page):
    return recorded_page


@pytest.fixture(scope="module")
def _live_tab(browser, site_url):
    context = browser.new_context()

    def start(page):
        page.locator(ROOT).hover()
        wait_python(page)

    yield LivePage(context, site_url, PAGES["authors"] + FRESH, start)
    context.close()


@pytest.fixture
def live(_live_tab):
    """The module's shared tab on the guide, its configurators rendered afresh by instant
    navigation, Python already running; fails the test on a page error or console error."""
    page, rec = _live_tab.go(PAGES["authors"], FRESH)
    page.wait_for_selector(f"{ROOT}[data-bound]", state="attached")
    page.locator(ROOT).hover()
    wait_python(page)
    yield page
    assert rec.page_errors == [] and rec.console_errors == []


@pytest.mark.parametrize("hold_python", [True, False], ids=["before-python", "python"])
def test_disabled_item_stays_visible_with_its_reason_and_the_choice_falls_back(request, site_url, hold_python):
    if hold_python:
        page = request.getfixturevalue("page")
        release = open_demo(page, site_url, hold_python=True)
    else:
        page, release = request.getfixturevalue("live"), None
    item(page, "hardware", "b200").click()
    wait_command(page, expected({"hardware": "b200"}))
    assert page.locator(f'{ROOT} input[data-option="quantization"]:checked').get_attribute("value") == "fp4"

    item(page, "hardware", "h100").click()
    wait_command(page, expected({"hardware": "h100"}))
    fp4 = item(page, "quantization", "fp4")
    assert fp4.is_visible()
    assert fp4.locator("input").is_disabled()
    assert page.locator(f'{ROOT} input[data-option="quantization"]:checked').get_attribute("value") == "fp8"
    # The reason is seen once per option, after its items, and stays in the label (visually
    # hidden), so it is part of the radio's accessible name.
    reasons = page.locator(f'{ROOT} [data-option-group="quantization"] .sb-reasons')
    assert reasons.is_visible() and reasons.inner_text() == "FP4: FP4 kernels need Blackwell GPUs (B200, GB200)."
    reason = fp4.locator(".sb-reason")
    assert reason.text_content() == "FP4 kernels need Blackwell GPUs (B200, GB200)."
    name = page.evaluate("""(sel) => document.querySelector(sel).labels[0].textContent""",
                         f'{ROOT} input[data-option="quantization"][value="fp4"]')
    assert "FP4 kernels need Blackwell GPUs" in name

    # An automatic fallback does not stick: back on Blackwell, FP4 (the default) returns ...
    item(page, "hardware", "gb200").click()
    wait_command(page, expected({"hardware": "gb200"}))
    assert "--quantization modelopt_fp4" in command(page)
    # ... while a choice the reader made does.
    item(page, "quantization", "bf16").click()
    item(page, "hardware", "b200").click()
    wait_command(page, expected({"hardware": "b200", "quantization": "bf16"}))
    assert "--dtype bfloat16" in command(page)
    if release:
        release()


def test_hidden_option_disappears_and_adds_nothing(live):
    page = live
    item(page, "speculative", "mtp3").click()
    wait_command(page, expected({"speculative": "mtp3"}))
    assert "--speculative-config.num_speculative_tokens 3" in command(page)

    item(page, "hardware", "mi300x").click()
    wait_command(page, expected({"hardware": "mi300x"}))
    assert not page.locator(f'{ROOT} [data-option-group="speculative"]').is_visible()
    assert "speculative" not in command(page)

    # Back on NVIDIA the option reappears with what the reader chose for it.
    item(page, "hardware", "h100").click()
    wait_command(page, expected({"hardware": "h100", "speculative": "mtp3"}))
    assert page.locator(f'{ROOT} input[data-option="speculative"]:checked').get_attribute("value") == "mtp3"


def test_fields_wait_for_python_then_quote_validate_and_round_trip_the_url(page, site_url):
    release = open_demo(page, site_url, hold_python=True)
    field = page.locator(f'{ROOT} [data-field="served-name"]')
    assert field.evaluate("(e) => e.readOnly")
    assert "Python engine" in page.locator(f"{ROOT} .sb-status").inner_text()
    release()
    wait_python(page)
    assert not field.evaluate("(e) => e.readOnly")

    # The reader's own values sit in the closed Customize group under the command.
    customize = page.locator(f"{ROOT} .sb-customize")
    assert not customize.evaluate("(d) => d.open") and not field.is_visible()
    customize.locator("summary").click()
    field.fill("my model; rm -rf /")  # refused by the field's pattern: flagged, not applied
    error = page.locator(f'{ROOT} [data-field-group="served-name"] .sb-error')
    error.wait_for(state="visible")
    assert error.inner_text() == "Served model name does not have the expected form"
    assert field.get_attribute("aria-invalid") == "true"
    assert field.input_value() == "my model; rm -rf /"  # nothing the reader typed is lost
    assert "--served-model-name" not in command(page)

    field.fill("my-demo")
    page.locator(f'{ROOT} [data-field="max-model-len"]').fill("131072")
    choices = {"served-name": "my-demo", "max-model-len": "131072"}
    wait_command(page, expected(choices))
    assert "--max-model-len 131072" in command(page) and "--served-model-name my-demo" in command(page)
    want = "?max-model-len=131072&served-name=my-demo"
    assert eventually(page, "location.search", lambda search: search == want) == want

    # The URL brings the fields back, invalid ones flagged.
    page.goto(site_url + PAGES["authors"] + "?max-model-len=12&served-name=my-demo")
    wait_python(page)
    wait_command(page, expected({"max-model-len": "12", "served-name": "my-demo"}))
    assert page.locator(f"{ROOT} .sb-customize").evaluate("(d) => d.open")  # the URL carries values: open
    assert page.locator(f'{ROOT} [data-field="max-model-len"]').input_value() == "12"
    error = page.locator(f'{ROOT} [data-field-group="max-model-len"] .sb-error')
    # The reader sees it at the field: scrolled to, the field's block is rendered on the next frame.
    error.scroll_into_view_if_needed()
    error.evaluate("(e) => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")
    assert error.inner_text() == "Max model length must be at least 4096"
