"""The made-up demo-dense configurator on the Authors' guide, in headless Chromium: a checkbox
group (required and disabled items with their reasons, its URL form), a default that follows
another choice, and a table-driven value. Commands are checked against the engine in CPython.
"""

import pytest

from browser_helpers import Demo, eventually

pytestmark = pytest.mark.browser

DEMO = Demo("demo-dense")
ROOT = DEMO.root
expected, label, wait_command = DEMO.expected, DEMO.label, DEMO.wait_command


@pytest.fixture
def page(recorded_page):
    return recorded_page


def box(page, value):
    return page.locator(f'{ROOT} input[type=checkbox][data-option="features"][value="{value}"]')


def checked(page):
    return page.eval_on_selector_all(f'{ROOT} input[data-option="features"]:checked', "(els) => els.map((e) => e.value)")


@pytest.mark.parametrize("hold_python", [True, False], ids=["before-python", "python"])
def test_checkbox_group_required_and_disabled_items(page, site_url, hold_python):
    release = DEMO.open(page, site_url, hold_python=hold_python)  # the first sign of use starts Python
    if not hold_python:
        DEMO.wait_python(page)
    assert checked(page) == ["tp"]

    box(page, "dp-attention").check()
    wait_command(page, expected({"features": ["tp", "dp-attention"]}))
    assert "--dp 2 --enable-dp-attention" in expected({"features": ["tp", "dp-attention"]})
    want = "?features=tp%2Cdp-attention"
    assert eventually(page, "location.search", lambda search: search == want) == want

    box(page, "tp").uncheck()
    wait_command(page, expected({"features": ["dp-attention"]}))
    assert "--tp" not in page.locator(f"{ROOT} [data-command]").text_content()

    # 120B: tensor parallelism becomes required (checked, not changeable, reason in the label).
    label(page, "size", "120b").click()
    wait_command(page, expected({"features": ["dp-attention"], "size": "120b"}))
    assert checked(page) == ["tp", "dp-attention"]
    assert box(page, "tp").is_disabled()
    reason = label(page, "features", "tp").locator(".sb-reason")
    assert reason.text_content() == "The 120B model does not fit on one GPU."  # its accessible name
    shown = page.locator(f'{ROOT} [data-option-group="features"] .sb-reasons')
    assert shown.is_visible() and "The 120B model does not fit on one GPU." in shown.inner_text()

    # MI300X has no 120B row in the table: disabled with the table's reason.
    mi = label(page, "platform", "mi300x")
    assert mi.locator("input").is_disabled()
    assert mi.locator(".sb-reason").text_content() == "The 120B model has no MI300X recipe in this demo."
    assert page.locator(f'{ROOT} [data-option-group="platform"] .sb-reasons').inner_text() == \
        "MI300X: The 120B model has no MI300X recipe in this demo."
    if release:
        release()


def test_url_form_of_a_set_and_dependent_default(page, site_url):
    # choices only in the URL: the build's views serve them until used
    DEMO.open(page, site_url, "?platform=mi300x&features=mtp,dp-attention&size=8b")
    DEMO.wait_python(page)
    wanted = {"platform": "mi300x", "features": "mtp,dp-attention", "size": "8b"}
    wait_command(page, expected(wanted))
    # MTP is disabled on AMD: dropped and reported; BF16 is AMD's default precision.
    assert checked(page) == ["dp-attention"]
    assert box(page, "mtp").is_disabled()
    assert page.locator(f'{ROOT} input[data-option="precision"]:checked').get_attribute("value") == "bf16"
    ignored = page.locator(f"{ROOT} .sb-ignored").inner_text()
    assert "Ignored features=mtp: Multi-token prediction is unavailable" in ignored
    assert expected(wanted).startswith("SGLANG_USE_AITER=1 sglang serve --model-path example/Demo-Dense-8B \\\n")
    # An explicitly empty set stays empty (not the default) and is kept in the URL.
    box(page, "dp-attention").uncheck()
    wait_command(page, expected({"platform": "mi300x", "features": []}))
    has_empty_set = lambda search: "features=&" in search + "&"  # noqa: E731
    assert has_empty_set(eventually(page, "location.search", has_empty_set))
