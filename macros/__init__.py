"""mkdocs-macros entry point: the macros pages can call."""

import importlib
import sys

# Modules re-imported on every build: `mkdocs serve` calls define_env again after an edit,
# but Python would keep serving the first import of the engine and of these macros.
FRESH = ("configurator", "macros.specs", "macros.widget", "macros.charts", "macros.engines", "macros.checker")


def define_env(env):
    for name in [m for m in sys.modules if m.startswith(FRESH)]:
        del sys.modules[name]
    widget = importlib.import_module("macros.widget")
    charts = importlib.import_module("macros.charts")
    engines = importlib.import_module("macros.engines")
    checker = importlib.import_module("macros.checker")
    env.macro(widget.render_configurator, "configurator")
    env.macro(engines.checked_against, "checked_against")
    env.macro(engines.what_changed, "what_changed")
    env.macro(checker.render_command_checker, "command_checker")
    charts.register(env)
