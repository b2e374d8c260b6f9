"""MkDocs hooks: ship the browser side of the configurator with the site.

- assets/pyodide/<hash>/*                   Pyodide + trimmed precompiled stdlib
                                            (macros/pyodide_runtime.mjs → build/pyodide/)
- assets/servebook/configurator.<hash>.zip  the engine package as .pyc, imported by the worker inside Pyodide
                                            (macros/engine_pyc.mjs → build/servebook/)
- assets/javascripts/engine-worker.<hash>.mjs and configurator.<hash>.js
                                            the page script and its worker, pointing at the above
- assets/vendor/mermaid.min.js              self-hosted, so Material uses it instead of fetching a CDN copy

Content hashes in those names mean a deploy never mixes an old engine, runtime or script with
new pages, and hosts may cache them forever. All of it is generated or vendored outside docs/
and added as virtual files, so docs/ holds only sources. The build fails if the engine imports a
standard-library module the trimmed runtime does not ship (macros/stdlib.txt).
"""

import ast
import gzip
import io
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import zipfile
from concurrent.futures import ThreadPoolExecutor
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
ENGINE_PYC_SCRIPT = ROOT / "macros" / "engine_pyc.mjs"
STDLIB_LIST = ROOT / "macros" / "stdlib.txt"
JS_DIR = ROOT / "docs" / "assets" / "javascripts"
PAGE_SCRIPT, WORKER_SCRIPT = "assets/javascripts/configurator.js", "assets/javascripts/engine-worker.mjs"
GENERATED = ROOT / "build" / "servebook"
COMPRESS_CACHE = ROOT / "build" / "cache" / "compressed"
# Files worth precompressing for servers that send .br/.gz: text, and Pyodide's wasm (9.6 MB, 3.1 as
# .br). Not the runtime's stdlib zip: its entries are deflated already (.br saved 0.7%, in 2.9 s).
COMPRESSIBLE = (".html", ".js", ".mjs", ".css", ".json", ".txt", ".xml", ".svg", ".map", ".wasm")
BEST_BELOW = 512 * 1024  # Brotli at its best quality only for files smaller than this (see precompress)

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


def on_config(config):
    check_engine_imports()
    # A first build makes the browser's runtime and the engine's .pyc in Node (~6 s of one core):
    # meanwhile this process checks the specs and tabulates their views (their disk cache), which
    # the pages would otherwise do after.
    node_jobs = start_node_jobs()
    if precompressing():
        # The runtime's files once Node has made them, while the spec tables are made. Not before:
        # beside Node and the two-core spec check, brotli made all of them slower (~3 s more CPU).
        compress_early(lambda: worth_compressing(RUNTIME_DIR / name for name in runtime_stamp().get("files", [])),
                       after=[job.proc.wait for job in node_jobs])
    if node_jobs:
        from macros import widget
        widget.warm_caches()
    for job in node_jobs:
        job.finish()
    # The page script's name carries a hash of everything it leads to (worker, engine, runtime).
    shipped = hashed_scripts()
    for i, entry in enumerate(config.extra_javascript):
        if str(entry) == PAGE_SCRIPT:
            entry.path = shipped["page_uri"]
    return config


class NodeJob:
    """A Node script running in the background; finish() waits for it and fails the build if it failed."""

    def __init__(self, script: Path, *args, cleanup=None):
        node = shutil.which("node")
        if node is None:
            raise PluginError("`node` not found: install Node 20 or newer and run `npm ci`")
        self.script, self.cleanup = script, cleanup
        self.proc = subprocess.Popen([node, str(script), *map(str, args)], cwd=ROOT, text=True,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT)

    def finish(self):
        try:
            output, _ = self.proc.communicate()
        finally:
            if self.cleanup:
                self.cleanup()
        if self.proc.returncode != 0:
            raise PluginError(f"{self.script.relative_to(ROOT)} failed:\n{output}")
        if output.strip():
            log.info(output.strip())


def start_node_jobs() -> list:
    """NodeJobs making what is missing of the precompiled runtime (~4 s in Node, once per Pyodide
    version and script) and the engine's .pyc zip (~3 s, once per engine source): one Pyodide
    start-up does both when both are needed."""
    for needed in (PYODIDE_PKG, MERMAID):
        if not needed.exists():
            raise PluginError(f"{needed.relative_to(ROOT)} is missing: run `npm ci`")
    runtime_stale, engine = not runtime_is_current(), configurator_zip_source()
    if runtime_stale and engine is not None:
        source, dest, cleanup = engine
        return [NodeJob(RUNTIME_SCRIPT, "--engine", source, dest, cleanup=cleanup)]
    jobs = [NodeJob(RUNTIME_SCRIPT)] if runtime_stale else []
    if engine is not None:
        source, dest, cleanup = engine
        jobs.append(NodeJob(ENGINE_PYC_SCRIPT, source, dest, cleanup=cleanup))
    return jobs


def on_files(files, config):
    shipped = hashed_scripts()
    served = {f"{shipped['runtime_dir']}{name}": RUNTIME_DIR / name for name in runtime_stamp()["files"]}
    served[shipped["engine_uri"]] = write_configurator_zip()  # made in on_config, unless removed since
    served[shipped["worker_uri"]] = shipped["worker_path"]
    served[shipped["page_uri"]] = shipped["page_path"]
    data = write_engine_data()
    served[f"assets/servebook/{data.name}"] = data
    served["assets/vendor/mermaid.min.js"] = MERMAID
    for uri in (PAGE_SCRIPT, WORKER_SCRIPT):  # only the hashed copies are served
        if (source := files.get_file_from_path(uri)) is not None:
            files.remove(source)
    for uri, path in served.items():
        files.append(File.generated(config, uri, abs_src_path=str(path)))
    # The other files copied as they are (the theme's, mermaid) while the pages render.
    if precompressing():
        copied = [Path(f.abs_src_path) for f in files if not f.is_documentation_page() and f.abs_src_path]
        compress_early(lambda: worth_compressing(copied))
    return files


def on_post_build(config):
    """Only in `python3 dev.py build` (it sets SERVEBOOK_PRECOMPRESS=1): compressing every page
    took ~16 s of each `mkdocs serve` rebuild and test build, and neither is deployed."""
    if precompressing():
        while _early_compression:
            _early_compression.pop().join()
        precompress(Path(config.site_dir))


def precompressing() -> bool:
    return os.environ.get("SERVEBOOK_PRECOMPRESS") == "1"


_early_compression: list = []  # threads started before the pages, joined by on_post_build


def compress_early(paths, after=()):
    """compress_to_cache(paths()) in a thread, after the ones started before it (which may hold some
    of the same files) and the calls `after`: a deployable build compresses what it copies as is
    while it does the rest."""
    before = [thread.join for thread in _early_compression] + list(after)

    def run():
        for wait in before:
            wait()
        compress_to_cache(paths())
    _early_compression.append(threading.Thread(target=run))
    _early_compression[-1].start()


def precompress(site: Path, cache: Path = COMPRESS_CACHE):
    """.gz and .br next to each file worth it (COMPRESSIBLE), for servers that send them."""
    todo = [p for p in worth_compressing(site.rglob("*")) if not p.with_name(p.name + ".br").exists()]
    keys = compress_to_cache(todo, cache)
    for path, key in keys.items():
        for suffix in (".gz", ".br"):
            if key.with_suffix(suffix).exists():
                shutil.copyfile(key.with_suffix(suffix), path.with_name(path.name + suffix))


def worth_compressing(paths) -> list:
    """Those of `paths` that get .gz/.br copies: COMPRESSIBLE kinds, 1 KB or more."""
    return [p for p in paths if p.suffix in COMPRESSIBLE and p.stat().st_size >= 1024]


def compress_to_cache(todo: list, cache: Path = COMPRESS_CACHE) -> dict:
    """{path: its entry in `cache`}, with the entry's .gz and .br made if missing.

    Each compressed copy is kept in `cache` under its original's content hash, so a rebuild
    compresses only the files that changed (pages differ build to build only where edited)."""
    cache.mkdir(parents=True, exist_ok=True)
    keys = {path: cache / sha256(path.read_bytes()).hexdigest() for path in todo}
    # Largest first: the wasm's brotli (~2.3 s) must not start last.
    missing = sorted(((path, key) for path, key in keys.items()
                      if not (key.with_suffix(".gz").exists() and key.with_suffix(".br").exists())),
                     key=lambda pk: -pk[0].stat().st_size)
    node, brotli = shutil.which("node"), None
    if missing and node:  # Brotli: not in Python's standard library, but in Node's
        # Asynchronous calls run on Node's thread pool: every core compresses. Quality 11 (the best)
        # costs ten times quality 9's time for ~10% on the large vendored files (mermaid: 6.5 s of
        # CPU for 745 kB instead of 0.6 s for 828 kB), so 11 only below BEST_BELOW bytes: pages.
        script = ("const z=require('zlib'),fs=require('fs'),a=process.argv.slice(2),best=+process.argv[1];"
                  "for(let i=0;i<a.length;i+=2){const d=fs.readFileSync(a[i]),t=a[i+1]+'.'+process.pid+'.tmp';"
                  "z.brotliCompress(d,{params:{[z.constants.BROTLI_PARAM_QUALITY]:d.length<best?11:9,"
                  "[z.constants.BROTLI_PARAM_SIZE_HINT]:d.length}},(e,b)=>{if(e)throw e;"
                  "fs.writeFileSync(t,b);fs.renameSync(t,a[i+1])})}")
        pairs = [str(x) for path, key in missing for x in (path, key.with_suffix(".br"))]
        brotli = subprocess.Popen([node, "-e", script, str(BEST_BELOW), *pairs],
                                  env={**os.environ, "UV_THREADPOOL_SIZE": str(os.cpu_count() or 4)})
    # gzip meanwhile, in threads (zlib lets go of the GIL while it compresses)
    with ThreadPoolExecutor(os.cpu_count() or 2) as pool:
        list(pool.map(lambda pk: _write_atomic(pk[1].with_suffix(".gz"), gzip.compress(pk[0].read_bytes(), 9, mtime=0)),
                      missing))
    if brotli is not None and brotli.wait() != 0:
        raise PluginError(f"brotli compression failed (node exited with {brotli.returncode})")
    return keys


def _write_atomic(dest: Path, data: bytes):
    """Builds may run side by side (tests): never leave a half-written cache entry."""
    tmp = dest.with_name(f"{dest.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    tmp.replace(dest)


def short_hash(data: bytes) -> str:
    return sha256(data).hexdigest()[:12]


def hashed_scripts() -> dict:
    """Hashed URIs of the runtime, engine zip, worker and page script; the last two written to build/."""
    runtime_dir = f"assets/pyodide/{short_hash(json.dumps(runtime_stamp(), sort_keys=True).encode())}/"
    engine_uri = f"assets/servebook/configurator.{engine_zip_hash()}.zip"
    worker = (JS_DIR / "engine-worker.mjs").read_text(encoding="utf-8")
    for old, new in (('"../pyodide/"', f'"../../{runtime_dir}"'),
                     ('"../servebook/configurator.zip"', f'"../../{engine_uri}"')):
        if old not in worker:
            raise PluginError(f"docs/{WORKER_SCRIPT} no longer contains {old}: update macros/hooks.py")
        worker = worker.replace(old, new)
    worker_name = f"engine-worker.{short_hash(worker.encode())}.mjs"
    page = (JS_DIR / "configurator.js").read_text(encoding="utf-8")
    if '"./engine-worker.mjs"' not in page:
        raise PluginError(f'docs/{PAGE_SCRIPT} no longer contains "./engine-worker.mjs": update macros/hooks.py')
    page = page.replace('"./engine-worker.mjs"', f'"./{worker_name}"')
    page_name = f"configurator.{short_hash(page.encode())}.js"
    GENERATED.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, text in ((worker_name, worker), (page_name, page)):
        paths[name] = GENERATED / name
        if not paths[name].exists() or paths[name].read_text(encoding="utf-8") != text:
            paths[name].write_text(text, encoding="utf-8")
    return {"runtime_dir": runtime_dir, "engine_uri": engine_uri,
            "worker_uri": f"assets/javascripts/{worker_name}", "worker_path": paths[worker_name],
            "page_uri": f"assets/javascripts/{page_name}", "page_path": paths[page_name]}


def allowed_stdlib() -> set[str]:
    lines = STDLIB_LIST.read_text(encoding="utf-8").splitlines()
    return {line.split("#")[0].strip() for line in lines} - {""}


def check_engine_imports(package: Path = ENGINE_PKG):
    """The engine runs in a runtime that ships only the stdlib modules in macros/stdlib.txt (and what
    they import): an import outside that list would work here and fail in the browser."""
    allowed = allowed_stdlib()
    for path in sorted(package.rglob("*.py")):
        shown = path.relative_to(ROOT)
        for node in ast.walk(ast.parse(path.read_bytes(), str(shown))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                # Built into the interpreter (itertools, math, sys, ...): nothing to ship.
                if top == package.name or name in allowed or top in allowed or top in sys.builtin_module_names:
                    continue
                if top in sys.stdlib_module_names:
                    raise PluginError(
                        f"{shown}:{node.lineno}: imports '{name}', a standard-library module the browser's "
                        f"Python runtime does not ship. Add '{top}' to macros/stdlib.txt and rebuild.")
                raise PluginError(f"{shown}:{node.lineno}: imports '{name}', which is not in Python's standard "
                                  "library; the engine must be pure standard-library Python (it runs in Pyodide).")


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
        and stamp.get("stdlib") == sha256(STDLIB_LIST.read_bytes()).hexdigest()
        and all((RUNTIME_DIR / name).exists() for name in stamp["files"])
    )


def configurator_zip_bytes(package: Path = ENGINE_PKG) -> bytes:
    """The engine's .py files and its hardware catalogue (specs refer to it; the specs themselves are
    sent to the worker by the page) as a zip, byte-for-byte reproducible."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for path in sorted([*package.rglob("*.py"), *package.glob("hardware.json")]):
            info = zipfile.ZipInfo(path.relative_to(package.parent).as_posix(), date_time=(1980, 1, 1, 0, 0, 0))
            info.create_system, info.external_attr = 3, 0o100644 << 16
            zf.writestr(info, path.read_bytes(), compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    return buf.getvalue()


def engine_zip_hash() -> str:
    """Names the shipped engine zip: its sources, the script compiling them and the Pyodide doing it."""
    pyodide = json.loads(PYODIDE_PKG.read_text())["version"]
    return short_hash(configurator_zip_bytes() + ENGINE_PYC_SCRIPT.read_bytes() + pyodide.encode())


def write_configurator_zip() -> Path:
    """The engine zip the site ships: its modules precompiled to .pyc by Pyodide (macros/engine_pyc.mjs).

    Compiled once per engine source (about 2 s, in Node), so `mkdocs serve` picks up engine edits.
    """
    if (engine := configurator_zip_source()) is not None:
        source, dest, cleanup = engine
        NodeJob(ENGINE_PYC_SCRIPT, source, dest, cleanup=cleanup).finish()
    return configurator_zip_path()


def configurator_zip_path() -> Path:
    return GENERATED / f"configurator.{engine_zip_hash()}.zip"


def configurator_zip_source():
    """(source zip, destination, cleanup) for compiling the engine zip, or None if it is on disk."""
    dest = configurator_zip_path()
    if dest.exists():
        return None
    GENERATED.mkdir(parents=True, exist_ok=True)
    for stale in GENERATED.glob("configurator.*.zip"):
        if stale != dest:  # another build may have just made it
            stale.unlink(missing_ok=True)
    tmp = tempfile.TemporaryDirectory(dir=GENERATED)  # builds may run side by side
    source = Path(tmp.name) / "configurator-source.zip"
    source.write_bytes(configurator_zip_bytes())
    return source, dest, tmp.cleanup


def write_engine_data(dest_dir: Path = GENERATED) -> Path:
    """Every release of every engine, in one file named by its content hash (macros/engines.py)."""
    from macros.engines import data_bundle
    name, data = data_bundle()
    dest = dest_dir / name
    dest.parent.mkdir(parents=True, exist_ok=True)
    if not dest.exists() or dest.read_bytes() != data:
        dest.write_bytes(data)
    return dest
