// Module Web Worker running the configurator engine (configurator/, pure
// Python) in Pyodide, off the page's main thread. One per tab.
//
// Protocol (strings across the boundary, so no proxies leak):
//   in:  {type, id, args: [string, ...]}        type: a key of ENTRY_POINTS
//   out: {type: "ready", ms}                   once, ms since worker start
//        {type: "result", id, result: string}  what the entry point returned
//        {type: "error", id, message}          Python raised, bad request, or runtime unavailable
//        {type: "failed", message}             once, if the runtime cannot load
// Requests sent before "ready" are queued and answered in order.

// Everything is relative to this file, so the site works under any sub-path:
// site/assets/javascripts/engine-worker.mjs → site/assets/{pyodide,servebook}/.
// The build (macros/hooks.py) ships a copy named with a content hash whose two URLs
// below point at the content-hashed runtime directory and engine zip.
const PYODIDE_URL = new URL("../pyodide/", import.meta.url).href;
const STDLIB_URL = `${PYODIDE_URL}python_stdlib.pyc.zip`;
const ENGINE_URL = new URL("../servebook/configurator.zip", import.meta.url).href;
const ENGINE_DIR = "/home/pyodide/servebook";
// Message type → Python function (module.attr) taking and returning str. A new kind of
// request is one line here (and its module's imports in the runtime's stdlib list).
const ENTRY_POINTS = {
  resolve: "configurator.resolve_json", // (spec json: the root's data-spec, choices json) → view json
  check: "configurator.flags.commands.check_json", // (pasted text, engine data json, spec json?) → answer json
};
// Minimal valid lockfile: loadPyodide only checks `info.abi_version` (must
// match pyodide.asm.wasm) and reads `packages`. Inlining it saves fetching
// the 119 kB pyodide-lock.json. macros/pyodide_runtime.mjs fails the build if
// the ABI no longer matches node_modules/pyodide after an upgrade.
const LOCKFILE = '{"info":{"abi_version":"2026_0"},"packages":{}}';
// If wasm cannot be fetched or compiled, pyodide 314 only console.warn()s
// "wasm instantiation failed!" and loadPyodide never settles; a silent hang
// would leave the page waiting forever, so give up after this long.
const LOAD_TIMEOUT_MS = 60_000;

// Pyodide fetches its wasm (9.6 MB) early but starts compiling it only once pyodide.asm.mjs
// has loaded, ~200 ms later. Compiling from the worker's first moment overlaps the two:
// this worker fetches the wasm, compiles it as it arrives, and hands pyodide the compiled
// module. Pyodide's own fetch of the same URL gets this response, so it is downloaded once.
// Static hosts that send .wasm as application/octet-stream (not application/wasm) make
// compileStreaming reject, and pyodide has no fallback of its own (it warns and hangs,
// see above): compile from the bytes instead.
const WASM_URL = `${PYODIDE_URL}pyodide.asm.wasm`;
const wasmResponse = fetch(WASM_URL);
const wasmModule = wasmResponse.then((response) => {
  if (!response.ok) throw new Error(`${WASM_URL}: HTTP ${response.status}`);
  if (response.headers.get("content-type")?.split(";")[0].trim() === "application/wasm")
    return WebAssembly.compileStreaming(response);
  console.info(`Servebook: ${response.url} is not sent as application/wasm; compiling it from its bytes`);
  return response.arrayBuffer().then((bytes) => WebAssembly.compile(bytes));
});
wasmModule.catch(() => {}); // reported when pyodide asks for it, through loadPyodide
const networkFetch = self.fetch;
self.fetch = (url, init) => (String(url) === WASM_URL ? wasmResponse : networkFetch(url, init));
WebAssembly.instantiateStreaming = async (_response, imports) => {
  const module = await wasmModule;
  return { module, instance: await WebAssembly.instantiate(module, imports) };
};

let runtime = null; // the loaded pyodide, once ready
let entryPoints = null; // message type → PyProxy of its function, once imported (after ready)
let failure = null; // why the runtime is unavailable, once it failed
const pending = [];

self.onmessage = (event) => {
  pending.push(event.data);
  if (entryPoints || failure) drain();
};

function drain() {
  while (pending.length) answer(pending.shift());
}

function answer(msg) {
  const { type, id, args } = msg ?? {};
  if (failure) return self.postMessage({ type: "error", id, message: failure });
  if (!Object.hasOwn(ENTRY_POINTS, type))
    return self.postMessage({ type: "error", id, message: `unknown request type ${JSON.stringify(type)}` });
  if (!Array.isArray(args) || !args.every((a) => typeof a === "string"))
    return self.postMessage({ type: "error", id, message: "args must be a list of strings" });
  const first = !entryPoints[type];
  try {
    // str in, str out: nothing to destroy(). Python exceptions arrive as PythonError.
    self.postMessage({ type: "result", id, result: entryPoint(type)(...args) });
  } catch (err) {
    self.postMessage({ type: "error", id, message: String(err?.message ?? err) });
  }
  // gc.freeze() after the first answer, once it has been sent: what the import and the first
  // call built (modules, the parsed spec, caches) lives for good; leaving it out of
  // collections keeps the occasional full GC pass (up to ~13 ms measured) out of later answers.
  if (first && entryPoints[type]) runtime.runPython("import gc; gc.collect(); gc.freeze()");
}

async function start() {
  // The engine zip downloads alongside the runtime; loading Python dominates.
  const engineZip = fetch(ENGINE_URL).then((r) => {
    if (!r.ok) throw new Error(`${ENGINE_URL}: HTTP ${r.status}`);
    return r.arrayBuffer();
  });
  const { loadPyodide } = await import(`${PYODIDE_URL}pyodide.mjs`);
  const [pyodide, buf] = await Promise.all([
    loadPyodide({ indexURL: PYODIDE_URL, stdLibURL: STDLIB_URL, lockFileContents: LOCKFILE }),
    engineZip,
  ]);
  // Imported straight from the zip (zipimport is built in): unpacking it would need
  // zipfile's codecs, which the trimmed stdlib does not ship.
  pyodide.FS.mkdirTree(ENGINE_DIR);
  pyodide.FS.writeFile(`${ENGINE_DIR}/configurator.zip`, new Uint8Array(buf));
  pyodide.runPython(`import sys; sys.path.insert(0, "${ENGINE_DIR}/configurator.zip")`);
  entryPoints = {};
  runtime = pyodide;
}

// An entry point's module is imported on its first request, so a configurator never waits
// for the command checker's import, nor the reverse.
function entryPoint(type) {
  if (!entryPoints[type]) {
    const target = ENTRY_POINTS[type];
    const dot = target.lastIndexOf(".");
    entryPoints[type] = runtime.pyimport(target.slice(0, dot))[target.slice(dot + 1)];
  }
  return entryPoints[type];
}

function failed(err) {
  if (entryPoints || failure) return; // "failed" is sent at most once, never after "ready"
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
