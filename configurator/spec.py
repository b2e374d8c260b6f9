"""The spec model: the immutable dataclasses a loaded spec is made of.

A spec is a plain dict (authors write YAML; the browser gets JSON); `loader.load_spec`
validates it and builds these. Nothing here validates or resolves.
"""

import re
from dataclasses import dataclass, field
from typing import Any

ID = re.compile(r"[a-z][a-z0-9_-]*\Z")
# Item ids may also start with a digit and contain dots (`0.8b`, `120b`): they only ever
# appear as values (conditions, URLs), never inside a placeholder, so `{option.fact}` stays unambiguous.
ITEM_ID = re.compile(r"[a-z0-9][a-z0-9._-]*\Z")
SPEC_NAME = re.compile(r"[a-z0-9][a-z0-9._-]*\Z")  # also the page's data-configurator value
FLAG = re.compile(r"--?[A-Za-z0-9][A-Za-z0-9_.-]*(=[\w@%+:,./-]+)?\Z", re.ASCII)  # also --ipc=host
ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
ENV_PLACES = ("own-line", "program-line")
MAX_INDENT = 8
FIELD_KINDS = ("text", "integer")
CHOICE_KINDS = ("radio", "checkbox")
NOTE_LEVELS = ("info", "tip", "warning")


@dataclass(frozen=True)
class Item:
    id: str
    label: str
    subtitle: str | None
    default: Any  # False, True or a condition (a default that depends on other choices)
    disabled: Any  # None (never), True (always) or a condition
    reason: str | None  # why it is disabled, or (checkboxes) why it is required
    facts: dict
    required: Any = None  # checkboxes: None, True or a condition; a required item stays checked


@dataclass(frozen=True)
class Option:
    id: str
    title: str
    kind: str  # "radio" | "checkbox" | "text" | "integer"
    when: Any  # condition or None
    help: str | None
    items: tuple = ()
    default: str = ""  # free-form fields
    minimum: int | None = None
    maximum: int | None = None
    pattern: str | None = None
    placeholder: str | None = None

    def item(self, item_id):
        # An index made on first use (a build looks items up ~a million times); kept in the
        # instance's __dict__ directly, as the dataclass is frozen. Not a field: not compared.
        index = self.__dict__.get("_items_by_id")
        if index is None:
            index = self.__dict__["_items_by_id"] = {i.id: i for i in self.items}
        return index.get(item_id)


@dataclass(frozen=True)
class Rule:
    """One piece of the command: an env assignment or an argument."""
    kind: str  # "env" | "arg"
    name: str | None  # env name or flag (None: positional value)
    value: str | None  # template
    when: Any
    why: str | None
    where: str
    same_line: bool = False  # continues the line above instead of starting its own
    new_line: bool = False  # env: starts a new line of the environment block (own-line layout)


@dataclass(frozen=True)
class Layout:
    """Where the words of a command go; the defaults are the seed generator's layout."""
    indent: int = 2  # spaces before each argument line
    env: str = "own-line"  # or "program-line": `ENV=1 program \\`


@dataclass(frozen=True)
class Note:
    level: str
    text: str
    when: Any
    source: str | None = None  # the id of the source whose text it reproduces


@dataclass(frozen=True)
class Spec:
    name: str
    title: str
    model: str
    engine: str
    options: tuple
    order: tuple  # option ids in resolution order (dependencies first)
    program: tuple
    rules: tuple
    notes: tuple
    source: str
    by_id: dict = field(repr=False, default_factory=dict)
    layout: Layout = Layout()
    tables: dict = field(repr=False, default_factory=dict)  # table id → Table
    # option id → tables whose missing cells disable that option's items (their last key)
    limited_by: dict = field(repr=False, default_factory=dict)
    values: tuple = ()  # derived.Value, in order
    outputs: tuple = ()  # outputs.Output
    programs: tuple = ()  # ((condition, words), ...): the first that holds replaces `program`
    sources: dict = field(repr=False, default_factory=dict)  # id → sources.Source, in spec order
    command_source: tuple | None = None  # ((condition, source id), ...): what the command reproduces
    # The engine release the spec's commands are checked against, and what its source publishes
    # that the release deprecates or does not declare: as authored (spec_flags.py checks them
    # against the engine data, so a spec loads without it, as in the browser).
    release: Any = None
    source_deprecations: Any = ()
    source_unknown_env: Any = ()


@dataclass(frozen=True)
class Command:
    """A command's parts: the spec's own, or a command output's."""
    programs: tuple
    program: tuple
    rules: tuple
    layout: Layout
