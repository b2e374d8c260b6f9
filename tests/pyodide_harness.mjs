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
// --runtime DIR: load what the site ships from DIR instead of the npm package as is
// (tests/pyodide_load.mjs).
// --check-stdlib: import every module in the stdlib zip and raise through one.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

import { loadLikeTheWorker } from "./pyodide_load.mjs";

const started = performance.now();
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

const { pyodide, loaded } = await loadLikeTheWorker({ zip: opts.zip, runtimeDir: opts.runtime });
const resolveJson = pyodide.runPython("import configurator; configurator.resolve_json");
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
