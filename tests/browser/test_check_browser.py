""""Check a command" in a real browser, on its own page and on the deploy page: real pastes
(an old dp-attention command, `--tp`, a typo, the Lambda guide's docker command), hostile
input, keyboard use, Python loading, no WebAssembly, axe-core and a phone's width."""

import time
from pathlib import Path

import pytest

from browser_helpers import AXE_JS, DEPLOY, Recorder, hold, render_all, switch_scheme
from live_page import LivePage
from test_layout import SEED_001_DOCKER

pytestmark = pytest.mark.browser

CHECK_PAGE = "check/"
ROOT = "[data-command-check]"
OLD_DP = ("python3 -m sglang.launch_server \\\n  --model-path moonshotai/Kimi-K2.7-Code \\\n  --tp 8 \\\n"
          "  --dp 8 \\\n  --enable-dp-attention \\\n  --trust-remote-code")
OLD_DP_FIXED = ("python3 -m sglang.launch_server \\\n  --model-path moonshotai/Kimi-K2.7-Code \\\n"
                "  --tp-size 8 \\\n  --attn-dp-size 8 \\\n  --trust-remote-code")
# The Lambda guide's command (seed 001), as published.
SEED = Path(__file__).resolve().parent.parent.parent.parent / "shared" / "seeds" / "001_5492f142608a0b72.txt"
LAMBDA = SEED_001_DOCKER
PAGES = pytest.mark.parametrize("path", [CHECK_PAGE, DEPLOY], ids=["check-page", "deploy-page"])


@pytest.fixture
def visit(browser, site_url):
    """visit(path, init_script=None, **context options) -> (page, recorder)."""
    contexts = []

    def _visit(path=CHECK_PAGE, init_script=None, **options):
        context = browser.new_context(**options)
        contexts.append(context)
        if init_script:
            context.add_init_script(init_script)
        rec = Recorder(site_url).attach_context(context)
        page = context.new_page()
        rec.attach_page(page)
        page.goto(site_url + path)
        page.wait_for_selector(f"{ROOT}[data-bound]", state="attached")
        return page, rec

    yield _visit
    for context in contexts:
        context.close()


@pytest.fixture(scope="module")
def _live_tab(browser, site_url):
    """One tab whose Python is already running, shared by the tests that paste a command and read
    the answer on the check page or the deploy page (Python starts once, not once per test)."""
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"], color_scheme="light")
    yield LivePage(context, site_url, CHECK_PAGE, _start_python)
    context.close()


@pytest.fixture(scope="module")
def _phone_tab(browser, site_url):
    """The same at a phone's width, for the overflow tests (their context is a phone's)."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2,
                                  is_mobile=True, has_touch=True)
    yield LivePage(context, site_url, CHECK_PAGE, _start_python)
    context.close()


def _start_python(page):
    page.wait_for_selector(f"{ROOT}[data-bound]", state="attached")
    assert check(page, "sglang serve --model-path m") == "ok"


@pytest.fixture
def live(_live_tab):
    """live(path) -> (page, recorder): the shared tab on `path`, its checker rendered afresh (no
    text, no answer, the newest release chosen) by instant navigation; Python already running."""
    return lambda path=CHECK_PAGE: _fresh_checker(_live_tab, path)


def _fresh_checker(tab, path):
    page, rec = tab.go(path)
    page.wait_for_selector(f"{ROOT}[data-bound]", state="attached")
    assert page.locator(f"{ROOT} textarea").input_value() == ""  # a fresh checker
    return page, rec


def start(page, text, how="click"):
    """Paste `text` and ask for a check; the answer is awaited by `answer()`."""
    page.evaluate("(sel) => delete document.querySelector(sel).dataset.verdict", ROOT)
    page.locator(f"{ROOT} textarea").fill(text)
    if how == "click":
        page.locator(f"{ROOT} button[type=submit]").click()
    else:
        page.locator(f"{ROOT} textarea").press("Control+Enter")


def answer(page, timeout=90_000):
    """The verdict ("ok", "warnings", "rejected", "error") once the checker has answered."""
    page.wait_for_selector(f"{ROOT}[data-verdict], {ROOT}[data-engine=unavailable]", state="attached", timeout=timeout)
    root = page.locator(ROOT)
    assert root.get_attribute("data-engine") == "python", root.inner_text()
    return root.get_attribute("data-verdict")


def check(page, text, how="click"):
    start(page, text, how)
    return answer(page)


def status(page):
    return page.locator(f"{ROOT} .sb-status").inner_text()


def lines(page):
    """[(status, text)] of the pasted lines as the result lists them."""
    return [(li.get_attribute("data-status"), li.locator(".sb-check-code").inner_text())
            for li in page.locator(f"{ROOT} .sb-check-line").all()]


@PAGES
def test_old_dp_attention_command_gets_the_replacement_and_a_corrected_command_to_copy(live, path):
    page, rec = live(path)
    assert check(page, OLD_DP) == "warnings"
    assert "accepted, with warnings" in status(page)
    shown = lines(page)
    assert [s for s, _ in shown] == ["ok", "ok", "warning", "warning", "warning", "ok"]
    assert [t for _, t in shown] == OLD_DP.splitlines()
    text = page.locator(ROOT).inner_text()
    assert "--enable-dp-attention is deprecated in sglang 0.5.23; use --attn-dp-size <dp-size> instead" in text
    assert "2026-12-31" in text
    assert "only as an abbreviation of --tp-size" in text  # `--tp` spelled out
    fixed = page.locator(f"{ROOT} [data-fixed-command]")
    assert fixed.text_content() == OLD_DP_FIXED
    page.locator(f"{ROOT} .sb-check-fix summary").click()
    diff = page.locator(f"{ROOT} .sb-check-diff").inner_text().splitlines()
    assert {"-  --tp 8 \\", "-  --dp 8 \\", "-  --enable-dp-attention \\", "+  --tp-size 8 \\", "+  --attn-dp-size 8 \\"} <= set(diff)
    page.evaluate("navigator.clipboard.writeText('stale')")
    page.locator(f"{ROOT} .sb-check-fix .sb-copy").click()
    for _ in range(30):
        if (copied := page.evaluate("navigator.clipboard.readText()")) != "stale":
            break
        page.wait_for_timeout(100)
    assert copied == OLD_DP_FIXED
    assert rec.page_errors == [] and rec.console_errors == [] and rec.other_origins() == []


def test_a_one_line_command_with_tp_and_dp_gets_the_right_correction(live):
    page, _ = live()
    assert check(page, "sglang serve --model-path m --tp 8 --enable-dp-attention --dp 8") == "warnings"
    assert page.locator(f"{ROOT} [data-fixed-command]").text_content() == \
        "sglang serve --model-path m --tp-size 8 --attn-dp-size 8"
    assert page.locator(f"{ROOT} .sb-check-verdict").inner_text().endswith(", line 1")


@PAGES
def test_an_unknown_flag_is_rejected_with_the_nearest_names(live, path):
    page, _ = live(path)
    assert check(page, "sglang serve \\\n  --model-path m \\\n  --tensor-paralel-size 8") == "rejected"
    assert "1 would be rejected" in status(page)
    assert [s for s, _ in lines(page)] == ["ok", "ok", "error"]
    problem = page.locator(f"{ROOT} .sb-check-line--error [data-kind=unknown]").inner_text()
    assert "--tensor-paralel-size" in problem and "did you mean --tensor-parallel-size" in problem
    # Flag names read as code, one word each (not broken at a hyphen).
    names = page.locator(f"{ROOT} .sb-check-line--error [data-kind=unknown] code").all_inner_texts()
    assert {"--tensor-paralel-size", "--tensor-parallel-size"} <= set(names)
    assert page.locator(f"{ROOT} .sb-check-verdict").inner_text().endswith(", lines 1–3")
    assert page.locator(f"{ROOT} [data-fixed-command]").count() == 0  # a typo is not certain to fix


@PAGES
def test_the_lambda_guides_docker_command_shows_the_model_deprecation(live, path):
    if SEED.exists():
        assert LAMBDA in SEED.read_text(encoding="utf-8")
    page, _ = live(path)
    assert check(page, LAMBDA) == "warnings"
    assert "vllm 0.34.0" in page.locator(f"{ROOT} .sb-check-verdict").inner_text()  # the newest covered release
    shown = lines(page)
    assert [i for i, (s, _) in enumerate(shown) if s != "ok"] == [4]  # `--model moonshotai/…` only
    note = page.locator(f"{ROOT} .sb-check-line").nth(4).locator("[data-kind=deprecated]").inner_text()
    assert "--model" in note and "positional argument" in note


def test_release_choice_and_flag_history(live):
    page, _ = live(CHECK_PAGE)
    nsa = "sglang serve --model-path m --tp-size 8 --nsa-decode-backend flashmla_kv"
    assert check(page, nsa) == "rejected"  # latest: sglang 0.5.23
    assert page.locator(f"{ROOT} .sb-check-runs-on").inner_text().startswith("Runs on sglang 0.5.9–0.5.17")
    history = page.locator(f"{ROOT} .sb-check-flag-history [data-flag='--nsa-decode-backend']").inner_text()
    assert "deprecated from sglang 0.5.17" in history and "removed in sglang 0.5.23; use --dsa-decode-backend" in history
    assert page.locator(f"{ROOT} [data-fixed-command]").inner_text().endswith("--dsa-decode-backend flashmla_kv")
    page.locator(f"{ROOT} select").select_option("sglang 0.5.9")
    assert check(page, nsa) == "ok"
    assert "sglang 0.5.9" in page.locator(f"{ROOT} .sb-check-verdict").inner_text()


HOSTILE = {
    "long": ("sglang serve --model-path m " + "x" * 100_000, "too long"),
    "img": ("<img src=x onerror=alert(1)>", "not a command this checker knows"),
    "markup-in-a-command": ('sglang serve --model-path "<script>window.pwned=1</script>" --host <b>x</b> '
                            "--api-key <img/src/onerror=window.pwned=2>", None),
    "nul": ("sglang serve --model-path m\x00 --tp-size 8", "NUL"),
    "unbalanced": ("sglang serve --model-path 'm --tp-size 8", "quotes do not pair up"),
}


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_input_gets_a_clear_message_fast_and_never_markup(live, name):
    text, message = HOSTILE[name]
    page, rec = live()
    assert check(page, "sglang serve --model-path m") == "ok"  # Python is ready: time the check alone
    elements = page.evaluate("(sel) => document.querySelector(sel).querySelectorAll('img, script, b, iframe').length", ROOT)
    began = time.monotonic()
    verdict = check(page, text)
    assert time.monotonic() - began < 5, "the check took too long"
    said = page.locator(ROOT).inner_text()
    if message:
        assert message in said, said
    else:
        assert verdict in ("ok", "warnings", "rejected"), said
    assert page.evaluate("(sel) => document.querySelector(sel).querySelectorAll('img, script, b, iframe').length", ROOT) == elements
    assert page.evaluate("window.pwned") is None and rec.dialogs == []
    assert page.locator(f"{ROOT} textarea").input_value() == text  # nothing lost
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    assert rec.page_errors == [] and rec.console_errors == []


def test_keyboard_only(visit):
    page, rec = visit()
    textarea = page.locator(f"{ROOT} textarea")
    for _ in range(100):  # Tab from the top of the page into the box
        page.keyboard.press("Tab")
        if textarea.evaluate("(t) => t === document.activeElement"):
            break
    else:
        raise AssertionError("Tab never reached the textarea")
    page.keyboard.type("sglang serve --model-path m --tp 8")
    page.keyboard.press("Control+Enter")
    assert answer(page) == "warnings"
    assert "only as an abbreviation of --tp-size" in page.locator(ROOT).inner_text()
    page.keyboard.press("End")
    page.keyboard.type(" --no-such-flag")
    page.keyboard.press("Tab")
    button = page.locator(f"{ROOT} button[type=submit]")
    assert button.evaluate("(b) => b === document.activeElement")
    assert button.evaluate("(b) => getComputedStyle(b).outlineStyle !== 'none' || getComputedStyle(b).boxShadow !== 'none'")
    page.evaluate("(sel) => delete document.querySelector(sel).dataset.verdict", ROOT)
    page.keyboard.press("Enter")
    assert answer(page) == "rejected"
    assert "--no-such-flag" in page.locator(ROOT).inner_text()
    assert rec.page_errors == []


def test_while_python_loads_the_status_says_so(visit):
    page, _ = visit()
    _, wait_held, release = hold(page)
    start(page, "sglang serve --model-path m")
    wait_held()
    assert "Loading the in-browser Python" in status(page)
    release()
    assert answer(page) == "ok"
    assert "accepted" in status(page) and "Loading" not in status(page)


@PAGES
def test_without_webassembly_it_says_what_is_missing(visit, path):
    page, rec = visit(path, init_script="delete window.WebAssembly")
    assert "WebAssembly" in status(page)
    page.locator(f"{ROOT} textarea").fill("sglang serve --model-path m")
    page.locator(f"{ROOT} button[type=submit]").click()
    page.wait_for_timeout(500)
    assert page.locator(ROOT).get_attribute("data-engine") == "unavailable"
    assert "WebAssembly" in status(page)
    assert page.locator(f"{ROOT} textarea").input_value() == "sglang serve --model-path m"
    assert rec.page_errors == []


AXE_RUN = """() => axe.run(document, {resultTypes: ['violations']})
    .then((r) => r.violations.map((v) => v.id + ': ' + v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')))"""


def test_axe_finds_nothing_on_the_check_page_after_a_check(live):
    page, _ = live()
    check(page, OLD_DP)
    page.locator(f"{ROOT} .sb-check-fix summary").click()
    render_all(page)
    page.add_script_tag(path=str(AXE_JS))
    for name in ("default", "slate"):
        switch_scheme(page, name)
        page.wait_for_timeout(300)
        assert page.evaluate(AXE_RUN) == [], name


@PAGES
def test_no_horizontal_overflow_at_phone_width(_phone_tab, path):
    page, _ = _fresh_checker(_phone_tab, path)
    check(page, OLD_DP.replace("moonshotai/Kimi-K2.7-Code", "moonshotai/" + "Kimi-K2.7-Code-" * 12))
    page.locator(f"{ROOT} .sb-check-fix summary").click()
    sizes = page.evaluate("({scroll: document.documentElement.scrollWidth, inner: innerWidth})")
    assert sizes["scroll"] <= sizes["inner"], sizes
    wide = page.evaluate("""(sel) => [...document.querySelector(sel).querySelectorAll('*')]
        .filter((e) => e.getBoundingClientRect().right > innerWidth + 1 && !e.closest('pre'))
        .map((e) => e.tagName + '.' + e.className)""", ROOT)
    assert wide == [], wide
