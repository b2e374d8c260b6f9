"""The site at its real address: built for a sub-path (https://host/servebook/-style) and
served there, then served by a host that sends .wasm with the wrong MIME type."""

import re
from urllib.request import urlopen

import pytest

from browser_helpers import DEPLOY, PAGES, ROOT_SEL, Recorder, golden, label_of, wait_engine, wait_state
from conftest import SiteServer, build_site

pytestmark = pytest.mark.browser
PREFIX = "/servebook/"


@pytest.fixture(scope="module")
def subpath_site(tmp_path_factory):
    """(directory, url): the site built for http://127.0.0.1:PORT/servebook/ and served only there."""
    directory = tmp_path_factory.mktemp("subpath") / "site"
    server = SiteServer(directory, prefix=PREFIX)
    build_site(directory, server.url)
    yield directory, server.url
    server.close()


def get(url) -> str:
    with urlopen(url) as response:
        return response.read().decode("utf-8")


def test_canonical_links_sitemap_and_llms_txt_use_the_sub_path(subpath_site):
    _, url = subpath_site
    assert url.endswith(PREFIX)
    for path in PAGES.values():
        html = get(url + path)
        assert f'<link rel="canonical" href="{url}{path}">' in html
    locs = re.findall(r"<loc>([^<]*)</loc>", get(url + "sitemap.xml"))
    assert locs and all(loc.startswith(url) for loc in locs), locs
    assert {url + p for p in PAGES.values()} <= set(locs)
    links = re.findall(r"\]\((http[^)]*)\)", get(url + "llms.txt"))
    assert links and all(link.startswith(url) for link in links), links
    for link in links:  # every llms.txt link answers
        get(link)


def start_python(page):
    """A reader's first sign of use: the pointer over the configurator."""
    page.locator(ROOT_SEL).hover()


def test_instant_navigation_and_configurator_under_the_sub_path(browser, subpath_site):
    _, url = subpath_site
    context = browser.new_context()
    rec = Recorder(url).attach_context(context)
    try:
        page = context.new_page()
        rec.attach_page(page)
        page.goto(url + PAGES["overview"])
        page.evaluate("window.__sbSamePage = true")
        page.locator(f'.md-sidebar--primary a.md-nav__link[href$="deploy/"]').first.click()
        page.wait_for_selector(f"{ROOT_SEL}[data-bound]", state="attached")
        assert page.evaluate("window.__sbSamePage === true"), "a full page load, not instant navigation"
        assert page.url.split("?")[0] == url + DEPLOY
        start_python(page)
        wait_engine(page, "python")
        label_of(page, "hardware", "mi355x").click()
        wait_state(page, {"hardware": "mi355x"})
        assert page.evaluate("(sel) => document.querySelector(sel).dataset.pythonViews", ROOT_SEL)
        assert rec.other_origins() == []
        assert not [u for u in rec.requests if not u.startswith(url)], "a request outside the sub-path"
        assert rec.page_errors == [] and rec.console_errors == []
    finally:
        context.close()


def test_wasm_sent_as_octet_stream_still_starts_python(browser, subpath_site):
    directory, _ = subpath_site
    server = SiteServer(directory, prefix=PREFIX, types={".wasm": "application/octet-stream"})
    context = browser.new_context()
    try:
        page = context.new_page()
        rec = Recorder(server.url).attach_page(page)
        wasm_types = []
        context.on("response", lambda r: r.url.endswith(".wasm") and wasm_types.append(r.headers.get("content-type")))
        page.goto(server.url + DEPLOY + "?hardware=mi300x")
        start_python(page)
        wait_engine(page, "python")
        assert wasm_types and set(wasm_types) == {"application/octet-stream"}
        wait_state(page, {"hardware": "mi300x"})
        assert golden({"hardware": "mi300x"})
        assert rec.page_errors == []
    finally:
        context.close()
        server.close()
