// Compiles the engine zip (configurator/*.py, made by macros/hooks.py) to the zip the
// browser imports: the same paths as unchecked hash-based .pyc, compiled by Pyodide's
// own CPython (the host's bytecode would not load in it).
//
//   node macros/engine_pyc.mjs SOURCE.zip OUT.zip
//
// Why: in the browser, compiling the engine from source was ~300 ms of the reader's wait
// for Python's first answer; importing the .pyc takes a third of that. hooks.py runs this
// once per engine source (the output is cached under the source's hash). A first build that
// also makes the runtime does it in that script's Pyodide (pyodide_runtime.mjs --engine),
// saving a Pyodide start-up (~2.5 s of CPU).
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

// The stock stdlib (zipfile needs codecs the trimmed one leaves out); a fixed hash seed keeps
// frozenset constants, and so the bytes, the same from build to build.
export async function startPyodide() {
  const { loadPyodide } = await import(pathToFileURL(path.join(ROOT, "node_modules", "pyodide", "pyodide.mjs")).href);
  return loadPyodide({ env: { PYTHONHASHSEED: "0" }, stdout: console.log, stderr: console.error });
}

// The same bytes on a fresh Pyodide as after the runtime's work (tests/pyodide checks it).
export function compileEngine(pyodide, source, out) {
  pyodide.FS.writeFile("/tmp/source.zip", new Uint8Array(readFileSync(source)));
  pyodide.runPython(`
import importlib._bootstrap_external as bootstrap, importlib.util, zipfile

with zipfile.ZipFile("/tmp/source.zip") as src, zipfile.ZipFile("/tmp/out.zip", "w") as out:
    for entry in sorted(src.infolist(), key=lambda e: e.filename):
        text = src.read(entry)
        if entry.filename == "configurator/hardware.json":  # data the engine reads: as is
            out.writestr(entry, text, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
            continue
        if not entry.filename.endswith(".py"):
            raise SystemExit(f"engine_pyc: unexpected {entry.filename} in the engine zip")
        # Tracebacks name the module's path inside the zip the worker imports from.
        code = compile(text, entry.filename, "exec", dont_inherit=True)
        pyc = bootstrap._code_to_hash_pyc(code, importlib.util.source_hash(text), checked=False)
        info = zipfile.ZipInfo(entry.filename + "c", date_time=(1980, 1, 1, 0, 0, 0))
        info.create_system, info.external_attr = 3, 0o100644 << 16
        out.writestr(info, bytes(pyc), compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
`);
  const tmp = `${out}.${process.pid}.tmp`;
  writeFileSync(tmp, pyodide.FS.readFile("/tmp/out.zip"));
  renameSync(tmp, out); // never a half-written zip under the final name
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [source, out] = process.argv.slice(2);
  if (!source || !out) {
    console.error("usage: node macros/engine_pyc.mjs SOURCE.zip OUT.zip");
    process.exit(2);
  }
  compileEngine(await startPyodide(), source, out);
}
