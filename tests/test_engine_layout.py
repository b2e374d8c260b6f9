"""The engine's layout stays one a newcomer can change: short modules, imports that flow one way.

Imports are read with `ast`, function-level ones included (an import made late to dodge a
circle is still a circle). The checks run on a package given as a path, so the synthetic
packages below prove they catch what they are for.
"""

import ast
import importlib
import re
from pathlib import Path


ROOT = Path(__file__).resolve().parent.parent
ENGINE = ROOT / "configurator"
MAX_LINES = 400


def modules(package: Path) -> dict[str, Path]:
    """{dotted module name: file} of every module of the package, subpackages included."""
    out = {}
    for path in sorted(package.rglob("*.py")):
        parts = path.relative_to(package.parent).with_suffix("").parts
        out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


def imports(package: Path) -> dict[str, set[str]]:
    """{module: the package's modules it imports anywhere in its code, at any depth}."""
    known = modules(package)
    graph = {}
    for name, path in known.items():
        here = name if path.name == "__init__.py" else name.rpartition(".")[0]  # what `from .` means
        found = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = here.split(".")[:len(here.split(".")) - (node.level - 1)]
                    base = ".".join(anchor + ([base] if base else []))
                # `from pkg import mod` imports the module pkg.mod; `from mod import name`, mod.
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]
            else:
                continue
            found |= {t for t in targets if t in known and t != name}
        graph[name] = found
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Each import circle once, as the path that closes it (depth-first search)."""
    out, state = [], {}  # state: 1 on the current path, 2 done

    def visit(node, path):
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                out.append(path[path.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    return out


def long_modules(package: Path) -> list[str]:
    return [f"{path.relative_to(package.parent)}: {n} lines" for path in sorted(package.rglob("*.py"))
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES]


def test_no_engine_module_is_over_400_lines():
    assert long_modules(ENGINE) == []


def test_no_import_circle_in_the_engine_counting_function_level_imports():
    graph = imports(ENGINE)
    assert "configurator.resolver" in graph["configurator.states"]  # the reader sees real edges
    assert cycles(graph) == []


def test_the_state_space_sits_above_the_resolver_and_the_flag_checker_knows_no_spec():
    graph = imports(ENGINE)

    def below(name):
        seen, todo = set(), [name]
        while todo:
            for nxt in graph[todo.pop()] - seen:
                seen.add(nxt)
                todo.append(nxt)
        return seen

    assert not below("configurator.resolver") & {"configurator.states", "configurator.loader", "configurator.spec_flags"}
    assert all(m.startswith("configurator.flags") for m in below("configurator.flags.commands"))


def test_the_checks_catch_a_late_import_circle_and_a_long_module(tmp_path):
    package = tmp_path / "configurator"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("from .a import f\n")
    (package / "a.py").write_text("from .sub import b\n\n\ndef f():\n    return b\n")
    (package / "sub" / "__init__.py").write_text("")
    (package / "sub" / "b.py").write_text("def g():\n    from ..a import f  # late, to dodge the circle\n    return f\n")
    (package / "long.py").write_text("x = 1\n" * (MAX_LINES + 1))
    assert cycles(imports(package)) == [["configurator.a", "configurator.sub.b", "configurator.a"]]
    assert long_modules(package) == [f"configurator/long.py: {MAX_LINES + 1} lines"]


def test_every_name_the_browser_worker_calls_exists():
    """The worker imports these by name inside Pyodide (module.attr); a rename must not strand it."""
    worker = (ROOT / "docs/assets/javascripts/engine-worker.mjs").read_text(encoding="utf-8")
    table = re.search(r"const ENTRY_POINTS = \{(.*?)\};", worker, re.S)[1]
    targets = re.findall(r":\s*\"(configurator[\w.]*)\"", table)
    assert "configurator.resolve_json" in targets
    for target in targets:
        module, _, attr = target.rpartition(".")
        assert callable(getattr(importlib.import_module(module), attr)), target


def test_every_engine_name_a_pyodide_harness_imports_exists():
    found = [(harness.name, module, attr) for harness in sorted((ROOT / "tests").glob("*.mjs"))
             for module, attr in re.findall(r"import (configurator[\w.]*); \1\.(\w+)", harness.read_text(encoding="utf-8"))]
    assert {name for name, _, _ in found} >= {"pyodide_harness.mjs", "pyodide_check_harness.mjs"}
    for name, module, attr in found:
        assert callable(getattr(importlib.import_module(module), attr)), f"{name}: {module}.{attr}"
