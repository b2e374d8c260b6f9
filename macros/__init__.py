"""mkdocs-macros entry point: the macros pages can call."""

import importlib
import sys
from pathlib import Path

# Modules re-imported when their sources change: `mkdocs serve` calls define_env again after an
# edit, but Python would keep serving the first import of the engine and of these macros.
# Re-importing them on every rebuild threw away the engine's caches, so only after an edit.
FRESH = ("configurator", "macros.specs", "macros.two_cores", "macros.widget", "macros.charts", "macros.engines",
         "macros.checker")
ROOT = Path(__file__).resolve().parent.parent
_imported = {"sources": None}


def sources() -> tuple:
    """(file, mtime, size) of every file those modules are made of or read once at import."""
    files = [*(ROOT / "configurator").rglob("*.py"), *(ROOT / "configurator").rglob("*.json"),
             *(ROOT / "macros").glob("*.py")]
    return tuple(sorted((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files))


def define_env(env):
    current = sources()
    if current != _imported["sources"]:
        for name in [m for m in sys.modules if m.startswith(FRESH)]:
            del sys.modules[name]
        _imported["sources"] = current
    widget = importlib.import_module("macros.widget")
    charts = importlib.import_module("macros.charts")
    engines = importlib.import_module("macros.engines")
    checker = importlib.import_module("macros.checker")
    env.macro(widget.render_configurator, "configurator")
    env.macro(engines.checked_against, "checked_against")
    env.macro(engines.what_changed, "what_changed")
    env.macro(checker.render_command_checker, "command_checker")
    models = importlib.import_module("macros.models")  # the home page's cards, from the models' pages
    env.macro(lambda: models.cards(models.read_models(env.conf["docs_dir"])), "model_cards")
    charts.register(env)
