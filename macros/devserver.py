"""`mkdocs serve` that survives an author's mistake.

Out of the box, a broken spec or macro makes mkdocs-macros call exit(), which silently kills
the dev server's rebuild thread (or the server itself, on the first build): edits are no longer
picked up and fixing the file brings nothing back. A strict-mode warning (e.g. a broken link)
aborts the build with a long traceback. Here, during `mkdocs serve` only:

- every build runs inside `guarded_build`, which turns any failure into ONE error line naming
  the file and the field (or the link); a broken spec, one line per problem, all of them, keeps the last good pages, and lets the server go on
  watching; the next good build clears it;
- every HTML page the server sends carries that error in a banner at the top (the browser
  reloads on each build, so the banner appears and goes with the error).

`install()` is called from the hooks' on_startup("serve"); `mkdocs build` is not affected.
"""

from __future__ import annotations

import html
import logging
import os
import re
import shutil
import tempfile
from pathlib import Path

import mkdocs.commands.serve as serve_command
from mkdocs.livereload import LiveReloadServer

log = logging.getLogger("mkdocs.servebook")
current = {"error": None, "page": None}  # the last build's error (None when it built), page being built
BANNER_ID = "sb-build-error"


class _Collect(logging.Handler):
    """Warnings and errors logged during one build (mkdocs logs a strict-mode problem, then aborts)."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record):
        if record.name != log.name:
            self.messages.append(record.getMessage())


def describe(exc: BaseException, logged: list[str], page: str | None) -> str:
    """One line: the page being built, then the underlying problem (a SpecError names file and field)."""
    cause = exc.__context__ if isinstance(exc, SystemExit) and exc.__context__ else exc  # macros: exit() in except
    text = str(cause).strip()
    if type(cause).__name__ == "Abort" or not text:  # strict mode: the warnings (which name their file)
        shown = [m for m in logged if "Macro Rendering Error" not in m and "strict mode" not in m]
        return re.sub(r"\s+", " ", "; ".join(dict.fromkeys(shown)) or text or type(cause).__name__)
    if type(cause).__name__ != "SpecError":
        text = re.sub(r"\s+", " ", f"{type(cause).__name__}: {text}")
    else:  # a spec's problems, all of them, one line each (the banner keeps the lines)
        text = "\n".join(re.sub(r"\s+", " ", line).strip() for line in text.splitlines() if line.strip())
    return f"{page}: {text}" if page and page not in text else text


def guarded_build(config, **kwargs):
    collect = _Collect()
    loggers = [logging.getLogger(), logging.getLogger("mkdocs")]  # "mkdocs" does not propagate to the root
    for logger in loggers:
        logger.addHandler(collect)
    current["page"] = None
    site = Path(config.site_dir)
    # mkdocs empties the site directory first; keep the last good pages (hard links: instant).
    keep = Path(tempfile.mkdtemp(prefix="servebook-last-good-")) / "site"
    if site.is_dir():
        shutil.copytree(site, keep, copy_function=os.link)
    try:
        _real_build(config, **kwargs)
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # noqa: BLE001 - SystemExit from mkdocs-macros, Abort from strict mode
        if keep.is_dir():
            shutil.rmtree(site, ignore_errors=True)
            keep.rename(site)
        error = describe(exc, collect.messages, current["page"])
        if error != current["error"]:  # a rebuild with the same mistake (one save can fire twice): said once
            log.error(f"BUILD FAILED: {error}\n"
                      "  The pages served are from the last good build; still watching, fix the file to rebuild.")
        current["error"] = error
        index = site / "index.html"
        if not index.exists():  # a first build that failed: give the browser a page to show the banner on
            index.write_text("<!doctype html><title>Build failed</title><body></body>", encoding="utf-8")
        return  # returning lets the server reload the browsers, which then show the error
    finally:
        for logger in loggers:
            logger.removeHandler(collect)
        shutil.rmtree(keep.parent, ignore_errors=True)
    if current["error"]:
        log.info("Build fixed: serving the new pages.")
    current["error"] = None


def _inject(self, content, epoch):
    content = _real_inject(self, content, epoch)
    if not current["error"]:
        return content
    banner = (f'<div id="{BANNER_ID}" role="alert" style="position:fixed;inset:0 0 auto 0;z-index:1000;'
              'padding:1em;background:#b00020;color:#fff;font:16px/1.4 monospace;white-space:pre-wrap">'
              f"Build failed: {html.escape(current['error'])}\n"
              "This page is from the last good build. Fix the file and save: the page reloads.</div>")
    return content.replace(b"</body>", banner.encode() + b"</body>", 1)


_real_build = serve_command.build
_real_inject = LiveReloadServer._inject_js_into_html


def _not_a_macro_traceback(record) -> bool:
    # mkdocs-macros logs each failure as a page-long traceback; the BUILD FAILED line says it all.
    message = record.getMessage()
    return "Macro Rendering Error" not in message and "Macro Syntax Error" not in message


def install():
    if serve_command.build is not guarded_build:
        serve_command.build = guarded_build
        LiveReloadServer._inject_js_into_html = _inject
        logging.getLogger("mkdocs.plugins.mkdocs_macros.util").addFilter(_not_a_macro_traceback)
        serve_command.LiveReloadServer = QuickerWatch  # made after on_startup, which calls this
        _remember_llms_markdown()


class QuickerWatch(LiveReloadServer):
    """Looks for saved files every 0.1 s instead of MkDocs' 0.5 s: the rebuild starts up to 0.4 s
    sooner after a save. A look at the watched files' times takes under 1 ms here."""

    def __init__(self, *args, polling_interval: float = 0.1, **kwargs):
        super().__init__(*args, polling_interval=polling_interval, **kwargs)


def _remember_llms_markdown():
    """mkdocs-llmstxt turns every page's HTML into Markdown on every build, ~0.6 s of a 1.6 s
    rebuild after a Markdown edit: here a page whose HTML is unchanged keeps its Markdown. The
    conversion is a function of its arguments (the HTML, the page's paths and options); if the
    plugin no longer has it under this name, nothing changes but the time."""
    try:
        from mkdocs_llmstxt._internal import plugin
    except ImportError:
        return
    convert = getattr(plugin, "_generate_page_markdown", None)
    if convert is None or getattr(convert, "remembers", False):
        return
    done: dict = {}

    def remembered(html, **options):
        key = (html, tuple(sorted(options.items())))
        if key not in done:
            if len(done) >= 256:
                done.clear()
            done[key] = convert(html, **options)
        return done[key]
    remembered.remembers = True
    plugin._generate_page_markdown = remembered


def page_started(src_uri: str | None):
    current["page"] = src_uri and "docs/" + src_uri
