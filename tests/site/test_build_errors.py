"""A broken or unknown spec must fail `mkdocs build`, naming the file and the field.

One case runs a real `mkdocs build` in a subprocess (the macro's error fails the build and its
output names file and field); the others build in this process: a spec through the configurator
macro (what the build calls), a page problem through MkDocs' own build of the copy.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
MKDOCS = Path(sys.executable).with_name("mkdocs")
SPEC = "configurator/specs/kimi-k2.7-code.yaml"


@pytest.fixture
def project(tmp_path):
    """A throwaway copy of the project sources (dependencies and build caches linked)."""
    for name in ("docs", "configurator", "macros", "overrides"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "mkdocs.yml", tmp_path / "mkdocs.yml")
    for name in ("node_modules", "build"):
        if (ROOT / name).exists():
            os.symlink(ROOT / name, tmp_path / name)
    return tmp_path


def build(project):
    """`mkdocs build --strict` of the copy, in a subprocess: (exit code, output)."""
    env = {**os.environ, "PYTHONPATH": str(project)}  # the copy's engine, not the installed one
    done = subprocess.run([str(MKDOCS), "build", "--strict", "-d", str(project / "out")], cwd=project,
                          capture_output=True, text=True, env=env)
    return done.returncode, done.stdout + done.stderr


def render(project, name="kimi-k2.7-code"):
    """The configurator macro a page calls, reading the copy's spec files: the message it fails with."""
    from macros import specs, widget

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(specs, "SPEC_DIR", project / "configurator" / "specs")
        patch.setattr(specs, "_shown", lambda path: str(path.relative_to(project)))
        try:
            widget.render_configurator(name)
        except Exception as exc:  # noqa: BLE001 - the build fails on any
            return str(exc)
    return None


def build_in_process(project):
    """MkDocs' own build of the copy's pages (strict): None, or the problems it fails with.
    The macros are this process's (the copy's specs and engine are the same as the project's)."""
    import logging

    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config
    from mkdocs.exceptions import Abort

    logged = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = lambda record: logged.append(record.getMessage())
    logging.getLogger("mkdocs").addHandler(handler)
    # The macros may re-import the engine (as after an edit in `mkdocs serve`); the modules other
    # tests imported must stay the ones in sys.modules (their SpecError is the one raised).
    ours = {name: module for name, module in sys.modules.items() if name.startswith(("configurator", "macros"))}
    path = list(sys.path)  # mkdocs-macros puts the copy first: later imports must not come from it
    # ...and importing sets each submodule as its package's attribute (`from macros import specs`)
    attrs = {(parent, child): getattr(ours[parent], child, None)
             for parent, _, child in (name.rpartition(".") for name in ours) if parent in ours}
    try:
        config = load_config(str(project / "mkdocs.yml"), strict=True, site_dir=str(project / "out"))
        mkdocs_build(config)
    except Abort as exc:  # strict mode: the warnings say what
        return "\n".join(logged + [str(exc)])
    except SystemExit as exc:  # mkdocs-macros exits on a macro's error, raised while handling it
        return "\n".join(logged + [str(exc.__context__)])
    finally:
        logging.getLogger("mkdocs").removeHandler(handler)
        for name in [n for n in sys.modules if n.startswith(("configurator", "macros"))]:
            del sys.modules[name]
        sys.modules.update(ours)
        for (parent, child), value in attrs.items():
            setattr(ours[parent], child, value)
        sys.path[:] = path
    return None


def test_unknown_fact_in_spec_fails_the_build(project):
    spec = project / SPEC
    spec.write_text(spec.read_text().replace("{hardware.vendor: amd}", "{hardware.vendr: amd}", 1))
    code, output = build(project)  # the one real build: the macro's error fails `mkdocs build`
    assert code != 0
    assert f"{SPEC}: values.sglang_frac.first[2].when: unknown fact 'vendr' of option 'hardware'" in output


def test_malformed_yaml_fails_the_build_with_the_line(project):
    spec = project / SPEC
    lines = spec.read_text().splitlines()
    index = next(i for i, line in enumerate(lines) if line.startswith("  - id: reasoning"))
    lines[index] = "  - id: reasoning: [oops"
    spec.write_text("\n".join(lines))
    output = render(project)
    assert f"{SPEC}: line {index + 1}, column" in output
    assert "malformed YAML" in output


def test_unknown_spec_name_fails_the_build(project):
    page = project / "docs/models/kimi-k2.7-code/deploy.md"
    page.write_text(page.read_text().replace('configurator("kimi-k2.7-code")', 'configurator("kimi-k2.8")'))
    output = build_in_process(project)
    assert "configurator/specs/kimi-k2.8.yaml: cannot read spec file" in output


def test_unbroken_copy_builds(project):
    # Guards the tests around: they must fail because of the injected fault only.
    assert render(project) is None
    assert build_in_process(project) is None


def test_broken_internal_link_fails_the_build(project):
    page = project / "docs/models/kimi-k2.7-code/use.md"
    page.write_text(page.read_text() + "\n\nSee [the missing page](missing.md).\n")
    output = build_in_process(project)
    assert "contains a link 'missing.md'" in output


def test_page_missing_from_nav_target_fails_the_build(project):
    (project / "docs/models/kimi-k2.7-code/benchmarks.md").unlink()
    output = build_in_process(project)
    assert "'models/kimi-k2.7-code/benchmarks.md'" in output


def test_a_bad_flag_in_a_benchmark_output_fails_the_build(project):
    spec = project / SPEC
    text = spec.read_text()
    assert text.count("flag: --num-prompts") == 1
    spec.write_text(text.replace("flag: --num-prompts", "flag: --num-prompt-count"))
    output = render(project)
    assert f"{SPEC}: outputs.bench: in output 'bench', state engine='sglang'" in output
    assert "--num-prompt-count: unknown option" in output
