// Prepares the browser's Python runtime for the site: the Pyodide files the
// engine worker loads, plus the part of the standard library the engine and
// Pyodide's start-up import (macros/stdlib.txt and what those import), precompiled
// to .pyc. Compressed copies are made with the site's (macros/hooks.py, precompress), only
// for a deployable build.
//
//   node macros/pyodide_runtime.mjs [OUT_DIR] [--engine SOURCE.zip OUT.zip]
//
// OUT_DIR defaults to build/pyodide. --engine also compiles the engine's .pyc zip
// (macros/engine_pyc.mjs) in this script's Pyodide: a first build needs both.
//
// Why precompile: almost all of Pyodide's start-up is CPython compiling the
// stdlib from source inside wasm; shipping .pyc cuts it by ~2/3. The .pyc must
// be made by Pyodide's own CPython (3.14) — the host's 3.11 bytecode would not
// load — so we run py_compile inside Pyodide under Node.
//
// Output is deterministic (fixed hash seed, sorted entries, fixed timestamps)
// and the work is skipped when OUT_DIR/.stamp.json matches the installed
// pyodide version and this script's hash. macros/hooks.py reads the same stamp.
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { compileEngine, startPyodide } from "./engine_pyc.mjs";

const started = performance.now();
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const PYODIDE_DIR = path.join(ROOT, "node_modules", "pyodide");
const WORKER = path.join(ROOT, "docs", "assets", "javascripts", "engine-worker.mjs");
const STDLIB_LIST = path.join(ROOT, "macros", "stdlib.txt");
const args = process.argv.slice(2);
const at = args.indexOf("--engine");
const engine = at < 0 ? null : args.splice(at, 3).slice(1);
if (engine && engine.length !== 2) {
  console.error("usage: node macros/pyodide_runtime.mjs [OUT_DIR] [--engine SOURCE.zip OUT.zip]");
  process.exit(2);
}
const outDir = path.resolve(args[0] ?? path.join(ROOT, "build", "pyodide"));

// What the browser fetches when loadPyodide gets stdLibURL + lockFileContents
// (checked against chromium's request log): the loader, the Emscripten glue,
// the wasm. Not python_stdlib.zip (replaced) nor pyodide-lock.json (inlined).
const COPIED = ["pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm"];
const STDLIB = "python_stdlib.pyc.zip";
const STAMP = path.join(outDir, ".stamp.json");
const shown = outDir.startsWith(ROOT + path.sep) ? path.relative(ROOT, outDir) : outDir;

function fail(message) {
  console.error(`pyodide_runtime: ${message}`);
  process.exit(1);
}

if (!existsSync(path.join(PYODIDE_DIR, "package.json"))) fail("node_modules/pyodide is missing: run `npm ci`");
const version = JSON.parse(readFileSync(path.join(PYODIDE_DIR, "package.json"), "utf8")).version;
const scriptHash = createHash("sha256").update(readFileSync(fileURLToPath(import.meta.url))).digest("hex");
const listText = readFileSync(STDLIB_LIST, "utf8");
const roots = listText.split("\n").map((line) => line.replace(/#.*/, "").trim()).filter(Boolean);
const listHash = createHash("sha256").update(listText).digest("hex");
const files = [...COPIED, STDLIB];
const stamp = { pyodide: version, script: scriptHash, stdlib: listHash, files };

const current = existsSync(STAMP) ? readFileSync(STAMP, "utf8") : "";
if (current === JSON.stringify(stamp) && stamp.files.every((f) => existsSync(path.join(outDir, f)))) {
  if (engine) compileEngine(await startPyodide(), ...engine);
  console.log(`pyodide_runtime: ${shown} is up to date (pyodide ${version}), checked in ${(performance.now() - started).toFixed(0)} ms`);
  process.exit(0);
}

// The worker inlines a minimal lockfile whose ABI must match this pyodide;
// catch an upgrade that forgot to update it here rather than in a browser.
const abi = JSON.parse(readFileSync(path.join(PYODIDE_DIR, "pyodide-lock.json"), "utf8")).info.abi_version;
if (existsSync(WORKER) && !readFileSync(WORKER, "utf8").includes(`"abi_version":"${abi}"`))
  fail(`update the inline lockfile in ${path.relative(ROOT, WORKER)} to "abi_version":"${abi}" (pyodide ${version})`);

mkdirSync(outDir, { recursive: true });
rmSync(STAMP, { force: true }); // until the stamp is rewritten at the end, the output counts as stale
for (const name of COPIED) copyFileSync(path.join(PYODIDE_DIR, name), path.join(outDir, name));

// Which stdlib modules to ship: whatever is imported once Pyodide has started (its own
// start-up) plus the listed roots and everything they import, as the worker does it.
// A fixed hash seed keeps frozenset constants (and so the .pyc bytes) stable.
const pyodide = await startPyodide();
const summary = pyodide.runPython(`
import os, py_compile, sys, zipfile

import gc, importlib
stock = next(p for p in sys.path if p.endswith(".zip"))  # /lib/python314.zip
for root in ${JSON.stringify(roots)}:
    importlib.import_module(root)
wanted = set()
for module in list(sys.modules.values()):
    origin = getattr(getattr(module, "__spec__", None), "origin", None) or ""
    if origin.startswith(stock + "/"):
        wanted.add(origin[len(stock) + 1:])
tree = "/tmp/stdlib"
with zipfile.ZipFile(stock) as z:
    names = sorted(n for n in z.namelist() if n in wanted)
    z.extractall(tree, names)

compiled = kept = 0
with zipfile.ZipFile("/tmp/${STDLIB}", "w") as out:
    for name in names:
        src = f"{tree}/{name}"
        if name.endswith(".py"):
            try:
                # dfile: tracebacks name the path the module has at run time.
                # Unchecked hash pycs: zipimport never looks for the source.
                py_compile.compile(src, cfile=src + "c", dfile=f"{stock}/{name}", doraise=True,
                                   invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
                name, src = name + "c", src + "c"  # zipimport finds x.pyc next to where x.py was
                compiled += 1
            except py_compile.PyCompileError:
                kept += 1  # keep the source; it imports (or fails) as it would from stock
        info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
        if name.endswith("/"):
            info.external_attr = (0o40755 << 16) | 0x10
            out.writestr(info, b"")
        else:
            info.external_attr = 0o100644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            with open(src, "rb") as f:
                out.writestr(info, f.read(), compresslevel=9)
f"{compiled} of {len(z.namelist())} modules compiled and shipped, {kept} kept as source"
`);
// After the above, which ships what is imported: the engine's compile imports more.
if (engine) compileEngine(pyodide, ...engine);
const tmp = path.join(outDir, `${STDLIB}.tmp`);
writeFileSync(tmp, pyodide.FS.readFile(`/tmp/${STDLIB}`));
renameSync(tmp, path.join(outDir, STDLIB));
writeFileSync(STAMP, JSON.stringify(stamp)); // last: a crash above leaves the output stale

const size = (f) => (readFileSync(path.join(outDir, f)).length / 1e6).toFixed(2);
console.log(
  `pyodide_runtime: pyodide ${version} → ${shown}: copied ${COPIED.join(", ")}; ` +
    `${STDLIB} (${size(STDLIB)} MB, ${summary})${engine ? `; the engine's .pyc` : ""} ` +
    `in ${((performance.now() - started) / 1000).toFixed(1)} s`,
);
