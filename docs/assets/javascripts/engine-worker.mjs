// Module Web Worker running the configurator engine (configurator/, pure
// Python) in Pyodide, off the page's main thread. One per tab.
//
// Protocol (JSON text across the boundary, so no proxies leak):
//   in:  {type: "resolve", id, spec: "<spec json>", choices: "<choices json>"}
//   out: {type: "ready", ms}                   once, ms since worker start
//        {type: "view", id, view: "<view json>"}
//        {type: "error", id, message}          Python raised, or runtime unavailable
//        {type: "failed", message}             once, if the runtime cannot load
// Requests sent before "ready" are queued and answered in order.

// Everything is relative to this file, so the site works under any sub-path:
// site/assets/javascripts/engine-worker.mjs → site/assets/{pyodide,servebook}/.
const PYODIDE_URL = new URL("../pyodide/", import.meta.url).href;
const STDLIB_URL = new URL("../pyodide/python_stdlib.pyc.zip", import.meta.url).href;
const ENGINE_URL = new URL("../servebook/configurator.zip", import.meta.url).href;
const ENGINE_DIR = "/home/pyodide/servebook";
// Minimal valid lockfile: loadPyodide only checks `info.abi_version` (must
// match pyodide.asm.wasm) and reads `packages`. Inlining it saves fetching
// the 119 kB pyodide-lock.json. macros/pyodide_runtime.mjs fails the build if
// the ABI no longer matches node_modules/pyodide after an upgrade.
const LOCKFILE = '{"info":{"abi_version":"2026_0"},"packages":{}}';
// If wasm cannot be fetched or compiled, pyodide 314 only console.warn()s
// "wasm instantiation failed!" and loadPyodide never settles; a silent hang
// would leave the page waiting forever, so give up after this long.
const LOAD_TIMEOUT_MS = 60_000;

// Static hosts that send .wasm as application/octet-stream (not application/wasm) make
// WebAssembly.instantiateStreaming reject, and pyodide has no fallback of its own (it
// warns and hangs, see above). Compile from the bytes instead: a bit slower, but it works.
const instantiateStreaming = WebAssembly.instantiateStreaming;
WebAssembly.instantiateStreaming = async (source, imports) => {
  const response = await source;
  if (response.headers.get("content-type")?.split(";")[0].trim() === "application/wasm")
    return instantiateStreaming(response, imports);
  console.info(`Servebook: ${response.url} is not sent as application/wasm; compiling it from its bytes`);
  return WebAssembly.instantiate(await response.arrayBuffer(), imports);
};

let resolveJson = null; // PyProxy of configurator.resolve_json, once ready
let failure = null; // why the runtime is unavailable, once it failed
const pending = [];

self.onmessage = (event) => {
  pending.push(event.data);
  if (resolveJson || failure) drain();
};

function drain() {
  while (pending.length) answer(pending.shift());
}

function answer(msg) {
  if (msg?.type !== "resolve") return;
  const { id, spec, choices } = msg;
  if (failure) return self.postMessage({ type: "error", id, message: failure });
  if (typeof spec !== "string" || typeof choices !== "string")
    return self.postMessage({ type: "error", id, message: "spec and choices must be JSON text" });
  try {
    // str in, str out: nothing to destroy(). Python exceptions arrive as PythonError.
    self.postMessage({ type: "view", id, view: resolveJson(spec, choices) });
  } catch (err) {
    self.postMessage({ type: "error", id, message: String(err?.message ?? err) });
  }
}

async function start() {
  // Both downloads start at once; loading Python dominates.
  const engineZip = fetch(ENGINE_URL).then((r) => {
    if (!r.ok) throw new Error(`${ENGINE_URL}: HTTP ${r.status}`);
    return r.arrayBuffer();
  });
  const { loadPyodide } = await import(`${PYODIDE_URL}pyodide.mjs`);
  const [pyodide, buf] = await Promise.all([
    loadPyodide({ indexURL: PYODIDE_URL, stdLibURL: STDLIB_URL, lockFileContents: LOCKFILE }),
    engineZip,
  ]);
  pyodide.unpackArchive(new Uint8Array(buf), "zip", { extractDir: ENGINE_DIR });
  // gc.freeze(): the start-up objects never die; leaving them out of collections keeps
  // the occasional full GC pass (up to ~13 ms measured) out of a reader's click.
  resolveJson = pyodide.runPython(
    `import gc, sys; sys.path.insert(0, "${ENGINE_DIR}"); import configurator; gc.collect(); gc.freeze(); configurator.resolve_json`,
  );
}

function failed(err) {
  if (resolveJson || failure) return; // "failed" is sent at most once, never after "ready"
  failure = `Python runtime unavailable: ${err?.message ?? err}`;
  self.postMessage({ type: "failed", message: failure });
  drain();
}

// Turn pyodide's warn-and-hang on a wasm failure (see LOAD_TIMEOUT_MS) into
// an immediate "failed": it warns the marker text, then the error itself.
let wasmFailed = false;
const warn = console.warn;
console.warn = (...args) => {
  warn(...args);
  if (wasmFailed) failed(new Error(`wasm instantiation failed: ${args[0]}`));
  wasmFailed ||= args[0] === "wasm instantiation failed!";
};
const timer = setTimeout(() => failed(new Error(`not ready after ${LOAD_TIMEOUT_MS / 1000} s`)), LOAD_TIMEOUT_MS);

start().then(
  () => {
    clearTimeout(timer);
    console.warn = warn;
    if (failure) return; // gave up already; keep answering "error"
    self.postMessage({ type: "ready", ms: Math.round(performance.now()) });
    drain();
  },
  (err) => {
    clearTimeout(timer);
    console.warn = warn;
    failed(err);
  },
);
