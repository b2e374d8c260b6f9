// Page side of "Check a command" ([data-command-check]). It holds no rules: the text goes to
// configurator/flags/commands.py in the engine worker (window.servebookEngine, from configurator.js)
// and the answer is rendered as text, never as HTML. Python starts on intent (configurator.js
// watches [data-command-check] too); the engine data is fetched on the first check.

// The data's file name carries its content hash (data-engine-data, written by the build from
// configurator/flags/engine_data/: every covered release), so it may be cached forever.
const MAX_SHOWN_LINE = 400; // characters of one pasted line echoed back
let engineData = null; // Promise of the data's JSON text, fetched once per tab

function fetchEngineData(name) {
  if (!/^engine-data\.[0-9a-f]{12}\.json$/.test(name || "")) return Promise.reject(new Error("no engine data named on the page"));
  engineData ??= fetch(new URL(`../servebook/${name}`, import.meta.url).href).then((r) => {
    if (!r.ok) throw new Error(`engine data: HTTP ${r.status}`);
    return r.text();
  });
  engineData.catch(() => (engineData = null)); // a later check may try again
  return engineData;
}

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else node.setAttribute(key, value);
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

// Control characters and overlong lines shown visibly, not interpreted.
function shown(text) {
  const clean = String(text).replace(/[\x00-\x08\x0b-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
  return clean.length > MAX_SHOWN_LINE ? `${clean.slice(0, MAX_SHOWN_LINE)}…` : clean;
}

// `backticked` spans as <code>, the rest as text (the same convention as the configurator).
// The checker's messages name flags bare (--tp-size): shown as code too, so they read as one word.
function withCode(text) {
  return String(text).split("`").flatMap((part, i) => (i % 2 ? [el("code", { text: part })]
    : part.split(/(?<![\w-])(--?[A-Za-z][\w.-]*\w)/).map((bit, j) => (j % 2 ? el("code", { text: bit }) : document.createTextNode(bit)))));
}

let uid = 0;

class Checker {
  constructor(root) {
    this.root = root;
    this.text = root.querySelector("textarea");
    this.status = root.querySelector(".sb-status");
    this.result = root.querySelector(".sb-check-result");
    this.release = root.querySelector(".sb-check-release-choice");
    this.seq = 0;
    const form = root.querySelector("form");
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.run();
    });
    this.text.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        this.run();
      }
    });
    if (typeof WebAssembly !== "object") {
      this.unavailable("This checker runs Python in your browser, which needs WebAssembly; this browser has none (or it is turned off).");
    }
  }

  specText() {
    const name = this.root.dataset.spec;
    const widget = name && document.querySelector(`[data-configurator="${CSS.escape(name)}"]`);
    try {
      return widget ? JSON.stringify(JSON.parse(widget.dataset.views).spec) : "";
    } catch {
      return "";
    }
  }

  unavailable(message) {
    this.root.dataset.engine = "unavailable";
    this.status.textContent = message;
  }

  async run() {
    const engine = window.servebookEngine;
    if (!engine || typeof WebAssembly !== "object") {
      return this.unavailable("This checker runs Python in your browser, which needs JavaScript modules and WebAssembly; they are not available here.");
    }
    const text = this.text.value;
    if (!text.trim()) {
      this.status.textContent = "Paste a command into the box first.";
      return;
    }
    const seq = ++this.seq;
    this.status.textContent = engine.state() === "ready" ? "Checking…" : "Loading the in-browser Python that runs the check (once per visit)…";
    let answer;
    try {
      const data = await fetchEngineData(this.root.dataset.engineData);
      answer = JSON.parse(await engine.call("check", text, data, this.specText(), this.release ? this.release.value : "latest"));
    } catch (error) {
      if (seq === this.seq) this.unavailable(`The checker could not run here: ${error.message}. The commands on this page are checked at build time.`);
      return;
    }
    if (seq !== this.seq) return;
    this.root.dataset.engine = "python";
    this.render(answer);
  }

  render(answer) {
    const parts = [];
    if (answer.error) {
      this.status.textContent = answer.error;
      this.result.replaceChildren();
      this.root.dataset.verdict = "error";
      return;
    }
    const commands = answer.commands;
    const rejected = commands.filter((c) => !c.ok).length;
    this.root.dataset.verdict = rejected ? "rejected" : commands.some((c) => c.problems.length) ? "warnings" : "ok";
    this.status.textContent = commands.length === 0
      ? "No engine command found: paste a command that starts with sglang, python -m sglang.launch_server, vllm or docker run."
      : `${commands.length} command${commands.length > 1 ? "s" : ""} checked against ${answer.releases.join(" and ")}: ` +
        (rejected ? `${rejected} would be rejected.` : "accepted" + (this.root.dataset.verdict === "warnings" ? ", with warnings." : "."));
    for (const command of commands) parts.push(this.renderCommand(command));
    this.result.replaceChildren(...parts);
  }

  renderCommand(command) {
    const what = command.engine ? `${command.engine} ${command.release}${command.command ? ` · ${command.command}` : ""}` : "Not an engine command";
    const errors = command.problems.filter((p) => p.severity === "error").length;
    const warnings = command.problems.length - errors;
    const verdict = !command.ok ? "Rejected" : warnings ? `Accepted, ${warnings} warning${warnings > 1 ? "s" : ""}` : "Accepted";
    const box = el("article", { class: `sb-check-command sb-check-command--${command.ok ? (warnings ? "warning" : "ok") : "error"}`, "data-ok": String(command.ok) },
      el("p", { class: "sb-check-verdict" }, el("strong", { text: verdict }), ` — ${what}, ${command.first === command.last ? `line ${command.first}` : `lines ${command.first}–${command.last}`}`));
    const list = el("ol", { class: "sb-check-lines", start: String(command.first) });
    for (const line of command.lines) {
      const item = el("li", { class: `sb-check-line sb-check-line--${line.status}`, "data-status": line.status },
        el("span", { class: "sb-check-badge", text: { ok: "OK", warning: "Warning", error: "Error" }[line.status] }), " ",
        el("code", { class: "sb-check-code", text: shown(line.text) }));
      const notes = el("ul", { class: "sb-check-problems" });
      for (const index of line.problems) notes.append(el("li", { "data-kind": command.problems[index].kind }, ...withCode(command.problems[index].message)));
      for (const flag of line.flags) if (flag.why) notes.append(el("li", { class: "sb-check-why" }, el("code", { text: flag.flag }), ": ", ...withCode(flag.why)));
      if (notes.children.length) item.append(notes);
      list.append(item);
    }
    box.append(list);
    if (command.engine && command.verdicts) box.append(this.renderReleases(command));
    const orphans = command.problems.filter((p) => !p.line);
    if (orphans.length) box.append(el("ul", { class: "sb-check-problems" }, ...orphans.map((p) => el("li", { "data-kind": p.kind }, ...withCode(p.message)))));
    if (command.fixed) box.append(this.renderFix(command.fixed));
    return box;
  }

  // Where the command runs, and what happened to its flags across the covered releases.
  renderReleases(command) {
    const part = el("div", { class: "sb-check-history" },
      el("p", { class: "sb-check-runs-on", "data-runs-on": command.runs_on || "" },
        command.runs_on ? `Runs on ${command.runs_on}` : `Runs on none of the covered ${command.engine} releases`,
        ` (covered: ${command.verdicts.map((v) => v.release).join(", ")}).`));
    if (command.history.length) {
      const list = el("ul", { class: "sb-check-flag-history" });
      for (const flag of command.history) {
        list.append(el("li", { "data-flag": flag.flag }, ...flag.events.flatMap((e, i) => [i ? "; " : "", ...withCode(e.text)]),
          ...flag.events.flatMap((e) => (e.sources || []).map((url) => el("span", {}, " (", el("a", { href: url, rel: "noopener", text: "source" }), ")")))));
      }
      part.append(el("p", { class: "sb-check-title", text: "Flag history" }), list);
    }
    return part;
  }

  renderFix(fixed) {
    const id = `sb-check-fixed-${++uid}`;
    const copy = el("button", { type: "button", class: "md-button sb-copy", "data-clipboard-target": `#${id}`, "aria-label": "Copy the corrected command to the clipboard", text: "Copy" });
    return el("div", { class: "sb-check-fix" },
      el("p", {}, el("strong", { text: "Corrected command" }), " (", ...withCode(fixed.changes.join("; ")), ")"),
      el("details", {}, el("summary", { text: "What changes (diff)" }), el("pre", { class: "sb-pre sb-check-diff" }, el("code", { text: fixed.diff }))),
      el("div", { class: "sb-command-head" }, copy),
      el("pre", { class: "sb-pre" }, el("code", { id, "data-fixed-command": "", text: fixed.command })));
  }
}

function bindAll() {
  for (const root of document.querySelectorAll("[data-command-check]:not([data-bound])")) {
    root.dataset.bound = "";
    try {
      new Checker(root);
    } catch (error) {
      console.warn("Servebook: command checker could not start", error);
    }
  }
}

if (window.document$) window.document$.subscribe(bindAll);
else bindAll();
