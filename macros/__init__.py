"""mkdocs-macros entry point: the macros pages can call."""

from .widget import render_configurator


def define_env(env):
    env.macro(render_configurator, "configurator")
    try:
        from . import charts
    except ImportError:  # charts are being written
        return
    charts.register(env)
