// Loads real Pyodide under Node the way docs/assets/javascripts/engine-worker.mjs loads it in
// the browser, for the harnesses (tests/pyodide_harness.mjs, tests/pyodide_check_harness.mjs).
//
// Without runtimeDir: the pinned npm package as is (source stdlib, its lockfile).
// With runtimeDir: what the site ships — that directory's files (macros/pyodide_runtime.mjs),
// the precompiled python_stdlib.pyc.zip and the worker's own inline lockfile.
// Then, as the worker does, the engine zip goes on sys.path (zipimport: the trimmed stdlib
// cannot unpack archives).
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const WORKER = path.join(ROOT, "docs", "assets", "javascripts", "engine-worker.mjs");
const ENGINE_DIR = "/home/pyodide/servebook";

export async function loadLikeTheWorker({ zip, runtimeDir }) {
  const { loadPyodide } = await import(pathToFileURL(path.join(ROOT, "node_modules", "pyodide", "pyodide.mjs")).href);
  const config = { stdout: (s) => console.error(s), stderr: (s) => console.error(s) }; // stdout is the harness's JSON
  if (runtimeDir) {
    const dir = path.resolve(runtimeDir) + path.sep;
    const lockfile = readFileSync(WORKER, "utf8").match(/const LOCKFILE = '([^']+)'/)?.[1];
    if (!lockfile) throw new Error(`no LOCKFILE constant in ${WORKER}`);
    Object.assign(config, { indexURL: dir, stdLibURL: `${dir}python_stdlib.pyc.zip`, lockFileContents: lockfile });
  }
  const pyodide = await loadPyodide(config);
  const loaded = performance.now();
  pyodide.FS.mkdirTree(ENGINE_DIR);
  pyodide.FS.writeFile(`${ENGINE_DIR}/configurator.zip`, new Uint8Array(readFileSync(zip)));
  pyodide.runPython(`import sys; sys.path.insert(0, "${ENGINE_DIR}/configurator.zip")`);
  return { pyodide, loaded };
}
