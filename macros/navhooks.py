"""MkDocs hook: the models' nav sections and llms.txt sections, from their pages' front matter
(macros/models.py). mkdocs.yml lists only what is not a model: the hook puts the models' sections
right after the home page in the nav, and before the other llms.txt sections."""

from macros.models import llms_sections, nav_sections, read_models


def on_config(config):
    models = read_models(config.docs_dir)
    if config.nav is None:  # MkDocs' own nav of every page: nothing to add
        return _llms(config, models)
    nav = list(config.nav)
    taken = {name for entry in nav if isinstance(entry, dict) for name in entry}
    new = [entry for entry in nav_sections(models) if not taken & set(entry)]
    home = next((i + 1 for i, entry in enumerate(nav) if _target(entry) == "index.md"), 0)
    config.nav = nav[:home] + new + nav[home:]
    return _llms(config, models)


def _llms(config, models):
    llms = config.plugins.get("llmstxt")
    if llms is not None:
        llms.config.sections = {**llms_sections(models), **llms.config.sections}
    return config


def _target(entry):
    if isinstance(entry, dict) and len(entry) == 1:
        return next(iter(entry.values()))
    return entry
