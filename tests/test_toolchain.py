"""The Node the README asks for runs every pinned npm package: no `engines` warning on set-up."""

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def readme_node_major() -> int:
    (major,) = re.findall(r"Node ≥ (\d+) with npm", (ROOT / "README.md").read_text(encoding="utf-8"))
    return int(major)


def lowest_node(range_text: str) -> tuple:
    """The lowest Node version a simple engines range allows (">=22.12.0", ">= 20", "^18 || >=20")."""
    bounds = [tuple(int(n) for n in m.split(".")) for m in re.findall(r"(?:>=|\^|~)\s*(\d+(?:\.\d+)*)", range_text)]
    return min(bounds) if bounds else (0,)


def test_every_pinned_package_runs_on_the_node_the_readme_asks_for():
    major = readme_node_major()
    lock = json.loads((ROOT / "package-lock.json").read_text(encoding="utf-8"))
    too_new = {name: info["engines"]["node"] for name, info in lock["packages"].items()
               if isinstance(info.get("engines"), dict) and "node" in info["engines"]
               and lowest_node(info["engines"]["node"]) > (major, 999, 999)}
    assert too_new == {}, f"README asks for Node ≥ {major}; these need newer: {too_new}"
    assert lowest_node(">=22.12.0") > (20, 999, 999)  # the check catches what mermaid 12 declares


def test_dev_py_says_the_same_node():
    assert f"Node.js {readme_node_major()} or newer" in (ROOT / "dev.py").read_text(encoding="utf-8")
