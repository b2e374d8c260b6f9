// Runs the configurator engine in real Pyodide under Node, loaded the way
// docs/assets/javascripts/engine-worker.mjs loads it in the browser.
//
//   node tests/pyodide_harness.mjs REQUEST.json --zip configurator.zip
//        [--runtime build/pyodide] [--repeat N] [--check-stdlib]
//
// REQUEST.json: {"spec": "<spec json>", "choices": ["<choices json>", ...]}
// stdout: {"python", "load_ms", "ready_ms", "views": ["<view json>", ...],
//          "pass_ms": [ms per pass over all choices, N passes], "stdlib"?}
//
// Without --runtime: the pinned npm package as is (source stdlib, its lockfile).
// With --runtime DIR: what the site ships — DIR's files (macros/pyodide_runtime.mjs),
// the precompiled python_stdlib.pyc.zip and the worker's own inline lockfile.
// --check-stdlib: import every module in the stdlib zip and raise through one.
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

const started = performance.now();
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const WORKER = path.join(ROOT, "docs", "assets", "javascripts", "engine-worker.mjs");
const { values: opts, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    zip: { type: "string" },
    runtime: { type: "string" },
    repeat: { type: "string", default: "1" },
    "check-stdlib": { type: "boolean", default: false },
  },
});
if (positionals.length !== 1 || !opts.zip) {
  console.error("usage: node tests/pyodide_harness.mjs REQUEST.json --zip configurator.zip [--runtime DIR] [--repeat N] [--check-stdlib]");
  process.exit(2);
}
const request = JSON.parse(readFileSync(positionals[0], "utf8"));

const { loadPyodide } = await import(pathToFileURL(path.join(ROOT, "node_modules", "pyodide", "pyodide.mjs")).href);
const config = { stdout: (s) => console.error(s), stderr: (s) => console.error(s) }; // keep stdout for our JSON
if (opts.runtime) {
  const dir = path.resolve(opts.runtime) + path.sep;
  const lockfile = readFileSync(WORKER, "utf8").match(/const LOCKFILE = '([^']+)'/)?.[1];
  if (!lockfile) throw new Error(`no LOCKFILE constant in ${WORKER}`);
  Object.assign(config, { indexURL: dir, stdLibURL: `${dir}python_stdlib.pyc.zip`, lockFileContents: lockfile });
}
const pyodide = await loadPyodide(config);
const loaded = performance.now();

// Same steps as the worker: the shipped zip on sys.path (zipimport), import, keep a proxy.
pyodide.FS.mkdirTree("/home/pyodide/servebook");
pyodide.FS.writeFile("/home/pyodide/servebook/configurator.zip", new Uint8Array(readFileSync(opts.zip)));
const resolveJson = pyodide.runPython(
  `import sys; sys.path.insert(0, "/home/pyodide/servebook/configurator.zip"); import configurator; configurator.resolve_json`,
);
const ready = performance.now();

let views;
const passMs = [];
for (let i = 0; i < Number(opts.repeat); i++) {
  const t = performance.now();
  views = request.choices.map((choices) => resolveJson(request.spec, choices));
  passMs.push(performance.now() - t);
}

const result = {
  python: pyodide.runPython("import sys; sys.version.split()[0]"),
  load_ms: loaded - started,
  ready_ms: ready - started,
  views,
  pass_ms: passMs,
};
if (opts["check-stdlib"]) {
  result.stdlib = JSON.parse(
    pyodide.runPython(`
import json, sys, traceback, zipfile
stdlib_zip = next(p for p in sys.path if p.endswith(".zip") and p.startswith("/lib/"))
names = set()
for entry in zipfile.ZipFile(stdlib_zip, metadata_encoding="ascii").namelist():
    if entry.endswith((".py", ".pyc")):
        mod = entry.rsplit(".", 1)[0].replace("/", ".").removesuffix(".__init__")
        # skip modules that print, open a browser or run a CLI on import
        if mod not in ("antigravity", "this", "__phello__.spam") and not mod.endswith("__main__"):
            names.add(mod)
failed = {}
for mod in sorted(names):
    try:
        __import__(mod)
    except BaseException as exc:
        failed[mod] = type(exc).__name__
try:
    json.loads("{")
except ValueError:
    tb = traceback.format_exc()
json.dumps({"modules": len(names), "failed": failed, "traceback": tb,
            "json_file": json.__file__, "sources_in_zip": sum(n.endswith(".py") for n in zipfile.ZipFile(stdlib_zip, metadata_encoding="ascii").namelist())})
`),
  );
}
process.stdout.write(JSON.stringify(result));
