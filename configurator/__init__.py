"""Servebook's configurator engine: spec + reader's choices → launch command view.

Pure standard library, so the same code runs in CPython (build, tests) and in
Pyodide (the browser).
"""

import json

from .errors import SpecError
from .resolver import resolve
from .loader import load_spec
from .spec import Spec
from .states import all_states

__all__ = ["SpecError", "Spec", "load_spec", "resolve", "resolve_json", "all_states"]

_cache: dict[str, Spec] = {}


def resolve_json(spec_json: str, choices_json: str) -> str:
    """JSON in, JSON out: the browser's single entry point (no proxies to leak)."""
    spec = _cache.get(spec_json)
    if spec is None:
        data = json.loads(spec_json)
        name = data.get("name") if isinstance(data, dict) else None
        # The page's spec passed the every-state check when the site was built; repeating it
        # here would be most of the reader's wait for Python's first view.
        spec = load_spec(data, source=f"{name if isinstance(name, str) else 'spec'} (JSON)", check_states=False)
        _cache.clear()  # one page shows one spec at a time; keep memory flat
        _cache[spec_json] = spec
    try:
        choices = json.loads(choices_json)
    except (ValueError, RecursionError):
        choices = "(not JSON)"
    return json.dumps(resolve(spec, choices), ensure_ascii=False, separators=(",", ":"))
