"""MkDocs hooks: ship the browser side of the configurator with the site.

- assets/pyodide/*                   Pyodide + precompiled stdlib (macros/pyodide_runtime.mjs → build/pyodide/)
- assets/servebook/configurator.zip  the engine package, unpacked by engine-worker.mjs inside Pyodide
- assets/vendor/mermaid.min.js       self-hosted, so Material uses it instead of fetching a CDN copy

All of it is generated or vendored outside docs/ and added as virtual files, so docs/ holds only sources.
"""

import io
import json
import logging
import shutil
import subprocess
import zipfile
from hashlib import sha256
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File

ROOT = Path(__file__).resolve().parent.parent
PYODIDE_PKG = ROOT / "node_modules" / "pyodide" / "package.json"
MERMAID = ROOT / "node_modules" / "mermaid" / "dist" / "mermaid.min.js"
RUNTIME_SCRIPT = ROOT / "macros" / "pyodide_runtime.mjs"
RUNTIME_DIR = ROOT / "build" / "pyodide"
ENGINE_PKG = ROOT / "configurator"
ENGINE_ZIP = ROOT / "build" / "servebook" / "configurator.zip"

log = logging.getLogger("mkdocs.hooks.servebook")


def on_startup(command, dirty):
    if command == "serve":  # keep the dev server alive through authors' mistakes
        from macros import devserver
        devserver.install()


def on_pre_page(page, config, files):
    from macros import devserver
    devserver.page_started(page.file.src_uri)  # lets a failed build name the page it was on
    return page


def on_env(env, config, files):
    from macros import devserver
    devserver.page_started(None)  # all pages read: later failures are not about one page
    return env


def on_pre_build(config):
    for needed in (PYODIDE_PKG, MERMAID):
        if not needed.exists():
            raise PluginError(f"{needed.relative_to(ROOT)} is missing: run `npm ci`")
    if not runtime_is_current():
        # The precompile takes ~6 s, so only when pyodide or the script changed.
        node = shutil.which("node")
        if node is None:
            raise PluginError("`node` not found: install Node 20 and run `npm ci`")
        done = subprocess.run([node, str(RUNTIME_SCRIPT)], cwd=ROOT, capture_output=True, text=True)
        if done.returncode != 0:
            raise PluginError(f"macros/pyodide_runtime.mjs failed:\n{done.stdout}{done.stderr}")
        log.info(done.stdout.strip())


def on_files(files, config):
    served = {f"assets/pyodide/{name}": RUNTIME_DIR / name for name in runtime_stamp()["files"]}
    served["assets/servebook/configurator.zip"] = write_configurator_zip()
    served["assets/vendor/mermaid.min.js"] = MERMAID
    for uri, path in served.items():
        files.append(File.generated(config, uri, abs_src_path=str(path)))
    return files


def runtime_stamp() -> dict:
    """Written last by pyodide_runtime.mjs: pyodide version, script hash, files to serve."""
    try:
        return json.loads((RUNTIME_DIR / ".stamp.json").read_text())
    except (OSError, ValueError):
        return {}


def runtime_is_current() -> bool:
    """Same test as the script's own, without paying for a node start-up."""
    stamp = runtime_stamp()
    return (
        stamp.get("pyodide") == json.loads(PYODIDE_PKG.read_text())["version"]
        and stamp.get("script") == sha256(RUNTIME_SCRIPT.read_bytes()).hexdigest()
        and all((RUNTIME_DIR / name).exists() for name in stamp["files"])
    )


def configurator_zip_bytes(package: Path = ENGINE_PKG) -> bytes:
    """The engine's .py files (specs are sent to the worker by the page), byte-for-byte reproducible."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for path in sorted(package.rglob("*.py")):
            info = zipfile.ZipInfo(path.relative_to(package.parent).as_posix(), date_time=(1980, 1, 1, 0, 0, 0))
            info.create_system, info.external_attr = 3, 0o100644 << 16
            zf.writestr(info, path.read_bytes(), compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    return buf.getvalue()


def write_configurator_zip(dest: Path = ENGINE_ZIP) -> Path:
    """Rebuilt on every build (a few ms), so `mkdocs serve` picks up engine edits; rewritten only if changed."""
    data = configurator_zip_bytes()
    if not dest.exists() or dest.read_bytes() != data:
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(data)
    return dest
