"""`mkdocs serve` (what `python3 dev.py serve` runs) survives an author's mistake: one clear error
naming the file and the field, the same error on the page in the browser, and recovery on the fix."""

import os
import queue
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

ROOT = Path(__file__).resolve().parent.parent.parent
MKDOCS = Path(sys.executable).with_name("mkdocs")
SPEC = "configurator/specs/kimi-k2.7-code.yaml"
DEPLOY_MD = "docs/models/kimi-k2.7-code/deploy.md"
USE_MD = "docs/models/kimi-k2.7-code/use.md"
BANNER = "#sb-build-error"


class Serve:
    """`mkdocs serve` of a project copy on a free port, its output read line by line."""

    def __init__(self, project: Path):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}/"
        env = {**os.environ, "PYTHONPATH": str(project)}
        self.proc = subprocess.Popen([str(MKDOCS), "serve", "--strict", "-a", f"127.0.0.1:{port}"], cwd=project,
                                     env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.lines: queue.Queue = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=lambda: [self.lines.put(line) for line in self.proc.stdout], daemon=True).start()

    def wait_for(self, pattern: str, timeout: float = 240) -> list[str]:
        """The lines printed until one matching `pattern` (returned with it)."""
        got, deadline = [], time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=1)
            except queue.Empty:
                if self.proc.poll() is not None:
                    raise AssertionError("the server exited:\n" + "".join(self.seen)) from None
                continue
            self.seen.append(line)
            got.append(line)
            if re.search(pattern, line):
                return got
        raise AssertionError(f"no line matching {pattern!r} within {timeout} s:\n" + "".join(self.seen))

    def close(self):
        self.proc.terminate()
        self.proc.wait(timeout=30)


@pytest.fixture
def project(tmp_path):
    for name in ("docs", "configurator", "macros", "overrides"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "mkdocs.yml", tmp_path / "mkdocs.yml")
    os.symlink(ROOT / "node_modules", tmp_path / "node_modules")
    shutil.copytree(ROOT / "build", tmp_path / "build")  # the prepared Python runtime (a copy: builds write to it)
    return tmp_path


def edit(path: Path, old: str, new: str):
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def errors_in(lines):
    return [line for line in lines if "BUILD FAILED" in line]


@pytest.mark.browser
def test_serve_reports_each_mistake_once_shows_it_on_the_page_and_recovers(project, browser):
    server = Serve(project)
    page = browser.new_page()
    try:
        server.wait_for(r"Serving on")
        page.goto(server.url + "models/kimi-k2.7-code/deploy/")
        assert page.locator(BANNER).count() == 0
        mistakes = [
            # (file, old, new, what the one error line must say)
            (SPEC, "label: H200\n", "labl: H200\n", f"{SPEC}: options.hardware.items.h200: missing required field 'label'"),
            (DEPLOY_MD, 'configurator("kimi-k2.7-code")', 'configurator("kimi-k2.7-cod")',
             "configurator/specs/kimi-k2.7-cod.yaml: cannot read spec file"),
            # After the front matter: the link goes in the page's text, not in its metadata.
            (USE_MD, "\n# Use Kimi-K2.7-Code\n", "\n# Use Kimi-K2.7-Code\n\nSee [the missing page](missing.md).\n",
             "contains a link 'missing.md'"),
        ]
        for name, old, new, expected in mistakes:
            original = (project / name).read_text()
            edit(project / name, old, new)
            lines = server.wait_for(r"BUILD FAILED")
            (error,) = errors_in(lines)
            assert expected in error, error
            assert not any("Traceback" in line for line in lines), "".join(lines)
            # The browser reloads by itself and shows the same error.
            page.wait_for_selector(BANNER, timeout=30_000)
            assert expected in page.locator(BANNER).inner_text()
            assert page.locator(BANNER).is_visible()
            (project / name).write_text(original)
            lines = server.wait_for(r"Build fixed")
            assert errors_in(lines) == []
            page.wait_for_selector(BANNER, state="detached", timeout=30_000)
            # The banner goes with the old document; wait for the reloaded one to show the configurator.
            expect(page.locator("[data-configurator] [data-command]")).to_have_count(1, timeout=30_000)
        assert server.proc.poll() is None
    finally:
        page.close()
        server.close()


def test_the_banner_lists_every_problem_of_a_spec_one_line_each(monkeypatch):
    from configurator import SpecError
    from macros import devserver

    error = SpecError("configurator/specs/x.yaml", "model", "bad  model", more=(
        ("options.gpu.title", "expected a non-empty string"), ("notes[0].level", "expected one of info")))
    try:
        raise error
    except SpecError:
        try:
            exit(1)  # what mkdocs-macros does with a macro's exception
        except SystemExit as exc:
            text = devserver.describe(exc, [], "docs/models/x/deploy.md")
    assert text.splitlines() == [
        "docs/models/x/deploy.md: configurator/specs/x.yaml: model: bad model",
        "configurator/specs/x.yaml: options.gpu.title: expected a non-empty string",
        "configurator/specs/x.yaml: notes[0].level: expected one of info",
    ]
    monkeypatch.setitem(devserver.current, "error", text)
    monkeypatch.setattr(devserver, "_real_inject", lambda server, content, epoch: content)
    page = devserver._inject(None, b"<html><body><p>page</p></body></html>", 0).decode()
    banner = page[page.index('id="sb-build-error"'):]
    assert "white-space:pre-wrap" in banner
    for line in text.splitlines():
        assert line in banner


def test_serve_turns_an_unchanged_page_into_llms_markdown_once(monkeypatch):
    """devserver keeps mkdocs-llmstxt's Markdown of a page whose HTML did not change (most of a
    rebuild's time after a Markdown edit); any different argument converts again."""
    from mkdocs_llmstxt._internal import plugin

    from macros import devserver
    assert callable(plugin._generate_page_markdown)  # the plugin still converts under this name
    calls = []

    def convert(html, **options):
        calls.append(html)
        return f"{html} as Markdown for {options['page_uri']}"
    monkeypatch.setattr(plugin, "_generate_page_markdown", convert)
    devserver._remember_llms_markdown()
    options = dict(should_autoclean=True, preprocess=None, path="site/a.md", base_uri="http://x/", page_uri="a/")
    assert plugin._generate_page_markdown("<p>A</p>", **options) == "<p>A</p> as Markdown for a/"
    assert plugin._generate_page_markdown("<p>A</p>", **options) == "<p>A</p> as Markdown for a/"
    assert calls == ["<p>A</p>"]
    assert plugin._generate_page_markdown("<p>B</p>", **options) == "<p>B</p> as Markdown for a/"
    assert plugin._generate_page_markdown("<p>A</p>", **{**options, "page_uri": "b/"}) == "<p>A</p> as Markdown for b/"
    assert calls == ["<p>A</p>", "<p>B</p>", "<p>A</p>"]


def test_serve_looks_for_saved_files_every_tenth_of_a_second(tmp_path):
    from mkdocs.livereload import LiveReloadServer

    from macros.devserver import QuickerWatch
    default = LiveReloadServer(builder=lambda: None, host="127.0.0.1", port=0, root=str(tmp_path))
    quicker = QuickerWatch(builder=lambda: None, host="127.0.0.1", port=0, root=str(tmp_path))
    assert (default.observer.timeout, quicker.observer.timeout) == (0.5, 0.1)
