"""What the build ships for the browser: only the standard library the engine may import,
content-hashed names that point at each other, and precompressed copies."""

import gzip
import re
import shutil
import zipfile
from pathlib import Path
from types import SimpleNamespace

import pytest
from mkdocs.exceptions import PluginError

from macros import hooks

ROOT = Path(__file__).resolve().parent.parent.parent


def test_the_engine_imports_only_listed_stdlib_modules():
    hooks.check_engine_imports()  # the real engine passes


@pytest.mark.parametrize("line, needle", [
    ("import csv", "imports 'csv', a standard-library module"),
    ("from xml.dom import minidom", "imports 'xml.dom', a standard-library module"),
    ("import yaml", "imports 'yaml', which is not in Python's standard library"),
])
def test_an_import_outside_the_list_fails_the_build_naming_file_and_module(tmp_path, monkeypatch, line, needle):
    package = tmp_path / "configurator"
    package.mkdir()
    (package / "__init__.py").write_text("import json\nfrom . import check\n")
    (package / "check.py").write_text(f'"""x"""\nimport re, itertools\n\n\ndef f():\n    {line}\n')
    monkeypatch.setattr(hooks, "ROOT", tmp_path)
    with pytest.raises(PluginError) as error:
        hooks.check_engine_imports(package)
    assert f"configurator/check.py:6: {needle}" in str(error.value)
    if "standard-library" in needle:
        assert "macros/stdlib.txt" in str(error.value)


def test_hashed_names_point_at_each_other(built_site):
    html = (built_site / "models/kimi-k2.7-code/deploy/index.html").read_text(encoding="utf-8")
    (page_script,) = re.findall(r'src="[./]*(assets/javascripts/configurator\.[0-9a-f]{12}\.js)"', html)
    page = (built_site / page_script).read_text(encoding="utf-8")
    (worker_name,) = re.findall(r'"\./(engine-worker\.[0-9a-f]{12}\.mjs)"', page)
    worker = (built_site / "assets/javascripts" / worker_name).read_text(encoding="utf-8")
    (runtime,) = re.findall(r'"\.\./\.\./(assets/pyodide/[0-9a-f]{12}/)"', worker)
    (engine,) = re.findall(r'"\.\./\.\./(assets/servebook/configurator\.[0-9a-f]{12}\.zip)"', worker)
    for name in ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.pyc.zip"):
        assert (built_site / runtime / name).is_file()
    assert (built_site / engine).is_file()
    assert not (built_site / "assets/javascripts/configurator.js").exists()
    assert not (built_site / "assets/pyodide/pyodide.asm.wasm").exists()


@pytest.fixture(scope="module")
def compressed_site(built_site, tmp_path_factory):
    """The built site after the step only `python3 dev.py build` runs (test builds skip it)."""
    site = tmp_path_factory.mktemp("compressed") / "site"
    shutil.copytree(built_site, site)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SERVEBOOK_PRECOMPRESS", "1")
        hooks.on_post_build(SimpleNamespace(site_dir=str(site)))
    return site


def test_precompressed_copies_match_their_originals(compressed_site):
    runtime = next((compressed_site / "assets/pyodide").iterdir())
    samples = [runtime / "pyodide.asm.wasm", runtime / "pyodide.asm.mjs",
               compressed_site / "models/kimi-k2.7-code/deploy/index.html",
               next((compressed_site / "assets/javascripts").glob("configurator.*.js"))]
    for path in samples:
        gz, br = path.with_name(path.name + ".gz"), path.with_name(path.name + ".br")
        assert gzip.decompress(gz.read_bytes()) == path.read_bytes(), gz
        assert 0 < br.stat().st_size <= gz.stat().st_size, br
    wasm = runtime / "pyodide.asm.wasm.br"
    assert wasm.stat().st_size < 0.35 * (runtime / "pyodide.asm.wasm").stat().st_size


def test_the_stdlib_zip_ships_deflated_without_compressed_copies(compressed_site):
    """Its entries are deflated already: a .br saved 0.7% of it and cost 2.9 s of every first build."""
    stdlib = next((compressed_site / "assets/pyodide").iterdir()) / "python_stdlib.pyc.zip"
    with zipfile.ZipFile(stdlib) as z:
        files = [i for i in z.infolist() if not i.is_dir()]
    assert files and all(i.compress_type == zipfile.ZIP_DEFLATED for i in files)
    assert sorted(p.name for p in stdlib.parent.glob("python_stdlib*")) == ["python_stdlib.pyc.zip"]


def test_only_the_deployable_build_precompresses(built_site, monkeypatch, tmp_path):
    page = built_site / "models/kimi-k2.7-code/deploy/index.html"
    assert not page.with_name("index.html.gz").exists()  # serve and test builds skip compressing
    (tmp_path / "a.html").write_text("x" * 2000)
    monkeypatch.delenv("SERVEBOOK_PRECOMPRESS", raising=False)
    hooks.on_post_build(SimpleNamespace(site_dir=str(tmp_path)))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.html"]
    assert "SERVEBOOK_PRECOMPRESS" in (ROOT / "dev.py").read_text()


def test_a_rebuild_compresses_only_changed_files(tmp_path, monkeypatch):
    site, cache = tmp_path / "site", tmp_path / "cache"
    site.mkdir()
    for name in ("a.html", "b.css", "c.js"):
        (site / name).write_text(name * 1000)
    hooks.precompress(site, cache)
    compressed = []
    real = gzip.compress
    monkeypatch.setattr(hooks.gzip, "compress", lambda data, *a, **k: compressed.append(data) or real(data, *a, **k))
    for p in list(site.glob("*.gz")) + list(site.glob("*.br")):
        p.unlink()  # a fresh build's output: originals only
    (site / "b.css").write_text("changed" * 1000)
    hooks.precompress(site, cache)
    assert compressed == [("changed" * 1000).encode()]
    for name in ("a.html", "b.css", "c.js"):
        assert gzip.decompress((site / f"{name}.gz").read_bytes()) == (site / name).read_bytes()
        assert (site / f"{name}.br").stat().st_size > 0


def test_the_shipped_engine_is_precompiled_bytecode_for_every_module(built_site):
    """Compiling the engine from source was ~300 ms of a reader's wait in the browser."""
    (engine,) = (built_site / "assets/servebook").glob("configurator.*.zip")
    with zipfile.ZipFile(engine) as z:
        shipped = sorted(z.namelist())
        headers = {z.read(name)[4:8] for name in shipped if name.endswith(".pyc")}
        catalogue = z.read("configurator/hardware.json")
    sources = sorted(p.relative_to(ROOT).as_posix() + "c" for p in (ROOT / "configurator").rglob("*.py"))
    assert shipped == sorted([*sources, "configurator/hardware.json"])  # the engine's data: the hardware catalogue
    assert catalogue == (ROOT / "configurator" / "hardware.json").read_bytes()
    assert headers == {(1).to_bytes(4, "little")}  # unchecked hash-based .pyc: no source needed


def test_the_engine_zip_name_changes_with_its_sources(monkeypatch):
    """A deploy with a changed engine never serves the old zip under the new name, or the reverse."""
    before = hooks.engine_zip_hash()
    monkeypatch.setattr(hooks, "configurator_zip_bytes", lambda: b"changed engine sources")
    assert hooks.engine_zip_hash() != before


def test_materials_bundle_is_deferred_and_nothing_else_is(built_site):
    """overrides/main.html defers the first script of Material's block: it must be the bundle."""
    html = (built_site / "models/kimi-k2.7-code/deploy/index.html").read_text(encoding="utf-8")
    deferred = re.findall(r'<script defer src="([^"]+)"', html)
    assert len(deferred) == 1 and re.search(r"assets/javascripts/bundle\.[0-9a-f]+\.min\.js$", deferred[0]), deferred
    assert (built_site / "models/kimi-k2.7-code/deploy" / deferred[0]).resolve().is_file()
