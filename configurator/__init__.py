"""Servebook's configurator engine: spec + reader's choices → launch command view.

Pure standard library, so the same code runs in CPython (build, tests) and in
Pyodide (the browser).
"""

import json

from .errors import SpecError
from .resolve import resolve
from .spec import Spec, load_spec

__all__ = ["SpecError", "Spec", "load_spec", "resolve", "resolve_json", "all_states"]

_cache: dict[str, Spec] = {}


def resolve_json(spec_json: str, choices_json: str) -> str:
    """JSON in, JSON out: the browser's single entry point (no proxies to leak)."""
    spec = _cache.get(spec_json)
    if spec is None:
        data = json.loads(spec_json)
        spec = load_spec(data, source=f"{data.get('name', 'spec')} (JSON)")
        _cache.clear()  # one page shows one spec at a time; keep memory flat
        _cache[spec_json] = spec
    try:
        choices = json.loads(choices_json)
    except ValueError:
        choices = "(not JSON)"
    return json.dumps(resolve(spec, choices), ensure_ascii=False, separators=(",", ":"))


def all_states(spec: Spec):
    """Every combination of radio items (disabled ones included), in spec order."""
    combos = [{}]
    for opt in spec.options:
        if opt.kind == "radio":
            combos = [dict(c, **{opt.id: item.id}) for c in combos for item in opt.items]
    return combos
