"""The nav, llms.txt sections and home page cards come from the model pages' front matter
(macros/models.py, macros/navhooks.py): a new model's folder shows up in all three, alone."""

import shutil
from pathlib import Path

import pytest
from mkdocs.config import load_config
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import get_files

from macros import navhooks
from macros.models import cards, read_models

ROOT = Path(__file__).resolve().parent.parent.parent

EXTRA = {
    "index.md": """---
title: Demo-X overview
nav_title: Overview
nav_order: 1
model:
  name: Demo-X
  by: Example Labs
  order: 2
  card: |
    A throwaway model, two lines
    of card text.
  links: [index.md, deploy.md]
---

# Demo-X
""",
    "deploy.md": "---\ntitle: Deploy Demo-X\nnav_title: Deploy\nnav_order: 2\n---\n\n# Deploy\n",
}


@pytest.fixture
def docs(tmp_path):
    """A copy of docs/ with one more model folder, docs/models/demo-x/, and nothing else changed."""
    copy = tmp_path / "docs"
    shutil.copytree(ROOT / "docs", copy)
    (copy / "models" / "demo-x").mkdir()
    for name, text in EXTRA.items():
        (copy / "models" / "demo-x" / name).write_text(text, encoding="utf-8")
    return copy


def configured(docs_dir):
    config = load_config(str(ROOT / "mkdocs.yml"), docs_dir=str(docs_dir))
    return navhooks.on_config(config)


def test_the_site_keeps_its_nav_and_llms_sections():
    config = configured(ROOT / "docs")
    assert config.nav == [
        {"Home": "index.md"},
        {"Kimi-K2.7-Code": [
            {"Overview": "models/kimi-k2.7-code/index.md"},
            {"Deploy": "models/kimi-k2.7-code/deploy.md"},
            {"Use": "models/kimi-k2.7-code/use.md"},
            {"Benchmarks": "models/kimi-k2.7-code/benchmarks.md"},
            {"Architecture & training": "models/kimi-k2.7-code/architecture.md"}]},
        {"Check a command": "check.md"},
        {"For authors": [{"Authors' guide": "authors.md"}]},
    ]
    assert config.plugins["llmstxt"].config.sections == {
        "Kimi-K2.7-Code": ["models/kimi-k2.7-code/*.md"], "Authors": ["authors.md"]}


def test_a_new_model_folder_is_in_nav_llms_txt_and_cards(docs):
    config = configured(docs)
    assert [next(iter(entry)) for entry in config.nav] == [
        "Home", "Kimi-K2.7-Code", "Demo-X", "Check a command", "For authors"]
    assert config.nav[2] == {"Demo-X": [{"Overview": "models/demo-x/index.md"}, {"Deploy": "models/demo-x/deploy.md"}]}
    # The llms.txt plugin's own expansion of its sections over the site's files.
    plugin = config.plugins["llmstxt"]
    plugin.on_files(get_files(config), config=config)
    assert list(plugin._sections) == ["Kimi-K2.7-Code", "Demo-X", "Authors"]
    assert set(plugin._sections["Demo-X"]) == {"models/demo-x/index.md", "models/demo-x/deploy.md"}
    home = cards(read_models(docs))
    assert home.index("__Kimi-K2.7-Code__ · Moonshot AI") < home.index("__Demo-X__ · Example Labs")
    assert ("-   __Demo-X__ · Example Labs\n\n    ---\n\n    A throwaway model, two lines\n    of card text.\n\n"
            "    [Overview](models/demo-x/index.md) ·\n    [Deploy](models/demo-x/deploy.md)\n") in home


def test_the_home_page_calls_the_cards_macro():
    assert "{{ model_cards() }}" in (ROOT / "docs" / "index.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("page, old, new, message", [
    ("deploy.md", "nav_title: Deploy\n", "", "docs/models/demo-x/deploy.md: front matter: nav_title: expected a non-empty string"),
    ("index.md", "  by: Example Labs\n", "", "docs/models/demo-x/index.md: front matter: model.by: expected a non-empty string"),
    ("index.md", "  order: 2\n", "  ordre: 2\n", "docs/models/demo-x/index.md: front matter: model.ordre: unknown field"),
    ("index.md", "links: [index.md, deploy.md]", "links: [index.md, use.md]",
     "docs/models/demo-x/index.md: front matter: model.links: no page 'models/demo-x/use.md'"),
])
def test_a_broken_front_matter_names_page_and_field(docs, page, old, new, message):
    path = docs / "models" / "demo-x" / page
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    with pytest.raises(PluginError) as error:
        read_models(docs)
    assert str(error.value).startswith(message)
