"""The page script takes what it knows of a spec from the engine's client model (configurator/
client.py), in headless Chromium on the demo-dense configurator of the Authors' guide: a URL id
the model does not list is set aside with the model's reason, and labels come from the model.
Commands are checked against the engine in CPython."""

import html
import json
import re

import pytest

from browser_helpers import PAGES, hold
from configurator import resolve
from macros.specs import load_spec_file, spec_path

pytestmark = pytest.mark.browser

SPEC, _ = load_spec_file(spec_path("demo-dense"))
ROOT = '[data-configurator="demo-dense"]'
# The root's attribute as macros/widget.py writes it (escaped JSON).
VIEWS = re.compile(r"""data-configurator="demo-dense"[^>]*? data-views=(["'])(?P<json>.*?)\1""")


def expected(choices):
    return resolve(SPEC, choices)["command"]


def command(page):
    return page.locator(f"{ROOT} [data-command]").text_content()


def checked(page, option):
    return page.eval_on_selector_all(f'{ROOT} input[data-option="{option}"]:checked', "(els) => els.map((e) => e.value)")


def notice(page):
    return page.locator(f"{ROOT} .sb-ignored")


def test_a_garbage_id_is_set_aside_before_python_and_python_agrees(recorded_page, site_url):
    page = recorded_page
    _, wait_held, release = hold(page)
    # precision's default follows the platform (FP8 on H100), not its first item (BF16)
    page.goto(site_url + PAGES["authors"] + "?platform=%3Cb%3Ebogus&features=tp,nope&size=120b")
    page.locator(ROOT).hover()
    wait_held()
    want = expected({"size": "120b"})
    assert (command(page), checked(page, "platform"), checked(page, "precision")) == (want, ["h100"], ["fp8"])
    assert notice(page).is_visible()
    shown = notice(page).inner_text()
    assert "Ignored platform=<b>bogus: no such choice for Platform." in shown
    assert "Ignored features=tp,nope: no such choice for Serving features." in shown
    assert page.locator(f"{ROOT} .sb-ignored b").count() == 0  # text, never markup
    release()
    page.wait_for_selector(f'{ROOT}[data-engine="python"]', state="attached", timeout=60_000)
    # Python's own report of the same URL (it names the one unknown id of the set)
    page.wait_for_function("(sel) => document.querySelector(sel).textContent.includes('features=nope')",
                           arg=f"{ROOT} .sb-ignored", timeout=5_000)
    assert "Ignored platform=<b>bogus: no such choice for Platform." in notice(page).inner_text()
    assert command(page) == want


def test_ids_reasons_and_labels_come_from_the_model(recorded_page, site_url):
    """The page's model is rewritten in flight: B200 is no item of it, its reason for an unknown id
    and a label differ from the spec's. Before Python the page follows the model; Python, once
    loaded, answers from the spec itself."""
    page = recorded_page

    def rewrite(route):
        response = route.fetch()
        body = response.text()
        match = VIEWS.search(body)
        data = json.loads(html.unescape(match.group("json")))
        options = {o["id"]: o for o in data["spec"]["options"]}
        platform, precision = options["platform"], options["precision"]
        del platform["labels"][platform["items"].index("b200")]
        platform["items"].remove("b200")
        platform["unknown"] = "the model lists no such platform"
        precision["labels"][precision["items"].index("nvfp4")] = "NVFP4 (from the model)"
        attr = html.escape(json.dumps(data), quote=True)  # fits either quote
        route.fulfill(response=response, body=body[:match.start("json")] + attr + body[match.end("json"):])

    page.route(re.compile(r"/authors/(\?.*)?$"), rewrite)
    _, wait_held, release = hold(page)
    page.goto(site_url + PAGES["authors"] + "?platform=b200")
    page.locator(ROOT).hover()
    wait_held()
    assert (command(page), checked(page, "platform")) == (expected({}), ["h100"])
    assert notice(page).inner_text() == "Ignored platform=b200: the model lists no such platform."
    reasons = page.locator(f'{ROOT} [data-option-group="precision"] .sb-reasons')
    assert reasons.inner_text().startswith("NVFP4 (from the model):")
    page.locator(f'{ROOT} label:has(> input[data-option="platform"][value="mi300x"])').click()
    assert command(page) == expected({"platform": "mi300x"})  # from the build's table, at once
    release()
    page.wait_for_selector(f'{ROOT}[data-engine="python"]', state="attached", timeout=60_000)
    page.locator(f'{ROOT} label:has(> input[data-option="platform"][value="b200"])').click()
    page.wait_for_function("([sel, text]) => document.querySelector(sel).textContent === text",
                           arg=[f"{ROOT} [data-command]", expected({"platform": "b200"})], timeout=5_000)
