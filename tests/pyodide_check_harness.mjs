// Runs the command checker (configurator.flags.commands.check_json) in real Pyodide under Node,
// loaded as tests/pyodide_harness.mjs loads the engine (the site's configurator.zip).
//
//   node tests/pyodide_check_harness.mjs REQUEST.json --zip configurator.zip [--runtime DIR] [--repeat N]
//
// REQUEST.json: {"engine_data": "<JSON text: a list of engine data files>", "texts": ["<pasted text>", ...]}
// stdout: {"python", "ready_ms", "answers": ["<check_json answer>", ...], "pass_ms": [ms per pass, N passes]}
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

import { loadLikeTheWorker } from "./pyodide_load.mjs";

const started = performance.now();
const { values: opts, positionals } = parseArgs({
  allowPositionals: true,
  options: { zip: { type: "string" }, runtime: { type: "string" }, repeat: { type: "string", default: "1" } },
});
if (positionals.length !== 1 || !opts.zip) {
  console.error("usage: node tests/pyodide_check_harness.mjs REQUEST.json --zip configurator.zip [--runtime DIR] [--repeat N]");
  process.exit(2);
}
const request = JSON.parse(readFileSync(positionals[0], "utf8"));
const { pyodide } = await loadLikeTheWorker({ zip: opts.zip, runtimeDir: opts.runtime });
const checkJson = pyodide.runPython("import configurator.flags.commands; configurator.flags.commands.check_json");
const ready = performance.now();
let answers;
const passMs = [];
for (let i = 0; i < Number(opts.repeat); i++) {
  const t = performance.now();
  answers = request.texts.map((text) => checkJson(text, request.engine_data));
  passMs.push(performance.now() - t);
}
process.stdout.write(JSON.stringify({
  python: pyodide.runPython("import sys; sys.version.split()[0]"),
  ready_ms: ready - started, answers, pass_ms: passMs,
}));
