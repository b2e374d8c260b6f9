"""Shared fixtures: the built site, a local static server for it, and headless Chromium."""

import functools
import http.server
import os
import shutil
import socketserver
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest

from browser_helpers import Recorder

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("SERVEBOOK_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-quic", "--no-first-run", "--disable-sync"]
MKDOCS = Path(sys.executable).with_name("mkdocs")


def build_site(dest: Path, site_url: str, precompress: bool = False) -> Path:
    """`mkdocs build --strict` into dest; .br/.gz copies only with `precompress` (as `dev.py build`)."""
    env = {**os.environ, "SERVEBOOK_SITE_URL": site_url, "SERVEBOOK_PRECOMPRESS": "1" if precompress else "0"}
    done = subprocess.run([str(MKDOCS), "build", "--strict", "-d", str(dest)], cwd=ROOT,
                          capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise AssertionError(f"mkdocs build failed:\n{done.stdout}\n{done.stderr}")
    return dest


class _Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                      ".mjs": "text/javascript", ".wasm": "application/wasm", ".js": "text/javascript"}

    def log_message(self, *args):
        pass


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # Browsers drop connections mid-response when a test navigates away; not a failure.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _PrefixHandler(_Handler):
    """Serves the directory under `prefix` only (e.g. /servebook/), as a static host of a sub-path."""

    prefix = "/"

    def translate_path(self, path):
        if not path.startswith(self.prefix):
            return str(Path(self.directory) / "no such file (outside the prefix)")
        return super().translate_path("/" + path[len(self.prefix):])


class SiteServer:
    """Serves a directory on 127.0.0.1 in a background thread, at `prefix` (a sub-path like
    "/servebook/"), with `types` overriding MIME types by extension (e.g. a badly set-up host)."""

    def __init__(self, directory: Path, prefix: str = "/", types: dict | None = None):
        self.directory = directory
        handler = type("Handler", (_PrefixHandler,), {
            "prefix": prefix, "extensions_map": {**_Handler.extensions_map, **(types or {})}})
        self.httpd = _Server(("127.0.0.1", 0), functools.partial(handler, directory=str(directory)))
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}{prefix}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


# --- one built site for the whole run, also with pytest-xdist (`dev.py test` runs `-n 2`) -----------
# Under xdist the controller process (alive until every worker is done) serves a shared directory,
# and the first worker that needs the site builds it there, once, for that server's URL.
SHARED_SITE = "SERVEBOOK_TEST_SHARED_SITE"  # "directory url", set by the controller for its workers


def pytest_configure(config):
    if getattr(config.option, "numprocesses", None) and not hasattr(config, "workerinput"):
        directory = Path(tempfile.mkdtemp(prefix="servebook-site-"))
        server = SiteServer(directory / "site")
        config._servebook_shared = (directory, server)
        os.environ[SHARED_SITE] = f"{directory} {server.url}"  # workers start after this, inheriting it


def pytest_unconfigure(config):
    shared = getattr(config, "_servebook_shared", None)
    if shared:
        shared[1].close()
        shutil.rmtree(shared[0], ignore_errors=True)
        os.environ.pop(SHARED_SITE, None)


class _SharedSite:
    def __init__(self, value: str):
        directory, self.url = value.split(" ")
        self.root = Path(directory)
        self.directory = self.root / "site"


@pytest.fixture(scope="session")
def _site_server(tmp_path_factory):
    if os.environ.get(SHARED_SITE):
        yield _SharedSite(os.environ[SHARED_SITE])
        return
    # Bound before the build, so the site is built for the URL it is served at.
    server = SiteServer(tmp_path_factory.mktemp("site") / "site")
    yield server
    server.close()


@pytest.fixture(scope="session")
def built_site(_site_server) -> Path:
    """The whole site, built once per run with `mkdocs build --strict`."""
    if not isinstance(_site_server, _SharedSite):
        return build_site(_site_server.directory, _site_server.url)
    import fcntl  # POSIX, as the rest of the suite (sh, Chromium)

    with open(_site_server.root / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # the other worker waits here while one builds
        done = _site_server.root / "built"
        if not done.exists():  # a failed build leaves no mark: the next worker fails the same way
            build_site(_site_server.directory, _site_server.url)
            done.touch()
    return _site_server.directory


@pytest.fixture(scope="session")
def site_url(built_site, _site_server):
    return _site_server.url


@pytest.fixture(scope="session")
def site_without_pyodide(built_site, tmp_path_factory):
    """A copy of the built site with the Pyodide runtime removed (the engine cannot start)."""
    copy = tmp_path_factory.mktemp("broken") / "site"
    shutil.copytree(built_site, copy)
    shutil.rmtree(copy / "assets" / "pyodide")
    server = SiteServer(copy)
    yield server.url
    server.close()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: install Debian's `chromium` "
                    "(sudo apt-get install chromium) or set SERVEBOOK_CHROMIUM")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def recorded_page(browser, site_url):
    """A page in a fresh context; the test fails if the page raised or logged a console error."""
    context = browser.new_context()
    page = context.new_page()
    page.recorder = Recorder(site_url).attach_page(page)
    yield page
    assert page.recorder.page_errors == [] and page.recorder.console_errors == []
    context.close()


# The longest modules first, so that under xdist (a file per worker at a time) neither worker is
# left with a long file at the end while the other idles. Measured with --durations; order only
# (dev.py turns off xdist's own reordering, by number of tests, which undid this one).
LONG_FIRST = ["test_spec_release_check.py", "test_configurator_browser.py", "test_deploy.py", "test_pyodide_engine.py",
              "test_devserver.py", "test_demo_widget_browser.py", "test_intent_browser.py", "test_deploy_browser.py",
              "test_check_browser.py", "test_widget.py", "test_sources_cli.py"]


def pytest_collection_modifyitems(config, items):
    rank = {name: i for i, name in enumerate(LONG_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: the rest keep their order
