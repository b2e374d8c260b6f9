"""The hardware catalogue, configurator/hardware.json: one profile per GPU platform, each fact
with its source, so that no spec re-declares (or contradicts) what a GPU is.

A spec's radio item refers to a profile with `hardware: h200` and gets its facts as if it had
written them, next to its own (facts of its published command: tp, gpus, KV-cache type). An
option gets the catalogue facts that every one of its profiles gives: a fact only some give
(gpu_gib where no source was found) is left out, so a condition or calc naming it fails as an
unknown fact instead of silently having no value on some items.

The file ships inside the engine zip the browser imports (macros/hooks.py), so it is read through
this module's loader: a plain file here, the zip in Pyodide.
"""

import json
import os

from .errors import SpecError

FILE = "configurator/hardware.json"  # as errors name it
FACTS = {"vendor": (str,), "generation": (str,), "gpu_gib": (int, float), "default_tp": (int,)}
REQUIRED = ("vendor", "generation")
VENDORS = ("nvidia", "amd")

_profiles: dict | None = None


def profiles() -> dict:
    """Profile id → its facts (validated once per process)."""
    global _profiles
    if _profiles is None:
        path = os.path.join(os.path.dirname(__file__), "hardware.json")
        try:
            data = json.loads(__loader__.get_data(path))  # noqa: F821 (the module's own loader)
        except (OSError, ValueError) as exc:
            raise SpecError(FILE, "", f"cannot read the hardware catalogue ({exc})") from None
        _profiles = _validate(data)
    return _profiles


def _validate(data) -> dict:
    def fail(where, problem):
        raise SpecError(FILE, where, problem)

    if not isinstance(data, dict) or set(data) - {"about", "sources", "profiles"} or "profiles" not in data:
        fail("", "expected a mapping with 'profiles' (and 'about', 'sources')")
    sources = data.get("sources", {})
    if not isinstance(sources, dict) or not all(isinstance(v, str) and v.strip() for v in sources.values()):
        fail("sources", "expected a mapping of source ids to citations")
    if not isinstance(data["profiles"], dict) or not data["profiles"]:
        fail("profiles", "expected a non-empty mapping of profile ids to profiles")
    out = {}
    for pid, raw in data["profiles"].items():
        here = f"profiles.{pid}"
        if not isinstance(raw, dict):
            fail(here, "expected a mapping")
        for key in raw:
            if key not in FACTS and key != "sources":
                fail(f"{here}.{key}", f"unknown field (allowed: {', '.join(FACTS)}, sources)")
        for key in REQUIRED:
            if key not in raw:
                fail(here, f"missing required field '{key}'")
        facts = {k: v for k, v in raw.items() if k != "sources"}
        for key, value in facts.items():
            if isinstance(value, bool) or not isinstance(value, FACTS[key]):
                fail(f"{here}.{key}", f"expected {' or '.join(t.__name__ for t in FACTS[key])}, got {value!r}")
        if facts["vendor"] not in VENDORS:
            fail(f"{here}.vendor", f"unknown vendor {facts['vendor']!r} (use {', '.join(VENDORS)})")
        cited = raw.get("sources")
        if not isinstance(cited, dict):
            fail(f"{here}.sources", "expected a mapping of each fact to a source id")
        for key in facts:
            if key not in cited:
                fail(f"{here}.sources", f"fact '{key}' has no source")
        for key, source in cited.items():
            if key not in facts:
                fail(f"{here}.sources.{key}", "a source for a fact the profile does not give")
            if source not in sources:
                fail(f"{here}.sources.{key}", f"unknown source {source!r}")
        out[pid] = facts
    return out


def item_facts(c, raw_items, where) -> list:
    """The catalogue facts of each raw item (`{}` without `hardware:`): those every referenced
    profile of the option gives. An unknown id fails the spec at `<where>.items.<id>.hardware`."""
    found = []
    for i, raw in enumerate(raw_items):
        if not isinstance(raw, dict) or "hardware" not in raw:
            found.append(None)
            continue
        here = f"{where}.items.{raw['id']}" if isinstance(raw.get("id"), str) else f"{where}.items[{i}]"
        pid = raw["hardware"]
        if not isinstance(pid, str) or pid not in profiles():
            known = ", ".join(sorted(profiles()))
            c.fail(f"{here}.hardware", f"unknown hardware profile {pid!r} (in {FILE}: {known})")
        found.append(profiles()[pid])
    given = [facts for facts in found if facts is not None]
    shared = set.intersection(*(set(f) for f in given)) if given else set()
    return [{k: v for k, v in facts.items() if k in shared} if facts is not None else {} for facts in found]
