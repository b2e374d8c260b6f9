"""A broken or unknown spec must fail `mkdocs build`, naming the file and the field."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
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
    env = {**os.environ, "PYTHONPATH": str(project)}  # the copy's engine, not the installed one
    done = subprocess.run([str(MKDOCS), "build", "--strict", "-d", str(project / "out")], cwd=project,
                          capture_output=True, text=True, env=env)
    return done.returncode, done.stdout + done.stderr


def test_unknown_fact_in_spec_fails_the_build(project):
    spec = project / SPEC
    spec.write_text(spec.read_text().replace("{hardware.vendor: amd}", "{hardware.vendr: amd}", 1))
    code, output = build(project)
    assert code != 0
    assert f"{SPEC}: values.sglang_frac.first[2].when: unknown fact 'vendr' of option 'hardware'" in output


def test_malformed_yaml_fails_the_build_with_the_line(project):
    spec = project / SPEC
    lines = spec.read_text().splitlines()
    index = next(i for i, line in enumerate(lines) if line.startswith("  - id: reasoning"))
    lines[index] = "  - id: reasoning: [oops"
    spec.write_text("\n".join(lines))
    code, output = build(project)
    assert code != 0
    assert f"{SPEC}: line {index + 1}, column" in output
    assert "malformed YAML" in output


def test_unknown_spec_name_fails_the_build(project):
    page = project / "docs/models/kimi-k2.7-code/deploy.md"
    page.write_text(page.read_text().replace('configurator("kimi-k2.7-code")', 'configurator("kimi-k2.8")'))
    code, output = build(project)
    assert code != 0
    assert "configurator/specs/kimi-k2.8.yaml: cannot read spec file" in output


def test_unbroken_copy_builds(project):
    # Guards the three tests above: they must fail because of the injected fault only.
    code, output = build(project)
    assert code == 0, output


def test_broken_internal_link_fails_the_build(project):
    page = project / "docs/models/kimi-k2.7-code/use.md"
    page.write_text(page.read_text() + "\n\nSee [the missing page](missing.md).\n")
    code, output = build(project)
    assert code != 0
    assert "contains a link 'missing.md'" in output


def test_page_missing_from_nav_target_fails_the_build(project):
    (project / "docs/models/kimi-k2.7-code/benchmarks.md").unlink()
    code, output = build(project)
    assert code != 0
    assert "'models/kimi-k2.7-code/benchmarks.md'" in output


def test_a_bad_flag_in_a_benchmark_output_fails_the_build(project):
    spec = project / SPEC
    text = spec.read_text()
    assert text.count("flag: --num-prompts") == 1
    spec.write_text(text.replace("flag: --num-prompts", "flag: --num-prompt-count"))
    code, output = build(project)
    assert code != 0
    assert f"{SPEC}: outputs.bench: in output 'bench', state engine='sglang'" in output
    assert "--num-prompt-count: unknown option" in output
