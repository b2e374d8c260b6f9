"""`{{ command_checker("spec-name") }}`: the "Check a command" form. The checking itself
is configurator/flags/commands.py, run in the reader's browser by the engine worker; this only
renders the form and says what it checks, from the engine data (never typed by hand)."""

import re
from pathlib import Path

import jinja2

from .engines import covered, data_bundle, releases
from .specs import spec_path

_templates = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=True, trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined,
)


def render_command_checker(spec: str | None = None) -> str:
    if spec is not None and not spec_path(spec).exists():
        raise ValueError(f"command_checker: no spec named {spec!r} in configurator/specs/")
    names = releases()
    listed = " and ".join(names) if len(names) <= 2 else ", ".join(names[:-1]) + " and " + names[-1]
    html = _templates.get_template("command-check.html").render(
        spec=spec, releases=listed, data=data_bundle()[0], covered=covered(), uid="sb-check-" + re.sub(r"[^a-z0-9_-]", "-", spec or "page"))
    return "\n".join(line for line in html.splitlines() if line.strip())
