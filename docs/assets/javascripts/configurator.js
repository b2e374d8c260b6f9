// Page side of the configurator. It holds no rules: it only renders views.
// Views come from the table the build precomputed with the Python engine (at
// once, no Python needed) and then from the same engine running in Pyodide
// in one Web Worker per tab (created once; survives instant navigation).
// What it knows of the spec is the engine's client model (configurator/client.py):
// option kinds, item ids and labels, which options are fields, the URL keys.

// ---- the engine worker, started on intent -----------------------------------
// A reader who only reads never downloads Python (~4 MB compressed): the worker starts
// on the first sign of use of a configurator or a command checker ([data-command-check]):
// pointer over, focus inside, a touch; or at once when the URL carries free-form values
// (only Python can answer those). No idle prefetch. Other page code can start it with
// startEngine() / callEngine() (exported, and on window.servebookEngine), or by
// dispatching a "servebook:engine-start" event on document.

const WORKER_URL = new URL("./engine-worker.mjs", import.meta.url);
const INTENT_EVENTS = ["pointerover", "focusin", "touchstart"];
let worker = null;
let engine = "idle"; // "idle" | "loading" | "ready" | "failed"
let nextRequest = 0;
const pending = new Map(); // request id → {resolve, reject}
const waiting = []; // calls made before the worker existed (sent when it starts)
const live = new Set(); // widgets on the current page
// Choices per spec, kept for this tab: Material re-renders a page in place (instant
// navigation, some anchor clicks), and a reader's choices must survive that.
const remembered = new Map();

export function startEngine() {
  if (worker || engine === "failed") return;
  performance.mark("servebook:worker-start"); // for tests/bench_browser.py
  engine = "loading";
  for (const widget of live) widget.engineChanged();
  try {
    worker = new Worker(WORKER_URL, { type: "module" });
  } catch (error) {
    engineFailed(String(error));
    return;
  }
  worker.addEventListener("message", (event) => {
    const msg = event.data;
    if (msg.type === "ready") {
      performance.mark("servebook:engine-ready");
      engine = "ready";
      for (const widget of live) widget.engineChanged();
    } else if (msg.type === "failed") {
      engineFailed(msg.message);
    } else if (msg.type === "result" || msg.type === "error") {
      const call = pending.get(msg.id);
      pending.delete(msg.id);
      if (call && msg.type === "result") call.resolve(msg.result);
      else if (call) call.reject(new Error(msg.message));
    }
  });
  worker.addEventListener("error", (event) => {
    event.preventDefault(); // a failed module load must not surface as an uncaught error
    engineFailed(event.message || "the engine worker could not start");
  });
  for (const msg of waiting.splice(0)) worker.postMessage(msg);
}

// Calls the engine's entry point `type` (see ENTRY_POINTS in engine-worker.mjs) with string
// arguments; resolves to its string result. Starts the worker if needed; the worker queues
// calls until Python is ready. Rejects if Python raised or cannot start.
export function callEngine(type, ...args) {
  if (engine === "failed") return Promise.reject(new Error("the Python engine is unavailable"));
  const id = ++nextRequest;
  if (id === 1) performance.mark("servebook:first-request");
  const msg = { type, id, args };
  const result = new Promise((resolve, reject) => pending.set(id, { resolve, reject }));
  if (worker) worker.postMessage(msg);
  else waiting.push(msg);
  startEngine();
  return result;
}

export function engineState() {
  return engine;
}

window.servebookEngine = { start: startEngine, call: callEngine, state: engineState };
document.addEventListener("servebook:engine-start", startEngine);

function startOnIntent(element) {
  const start = () => {
    for (const type of INTENT_EVENTS) element.removeEventListener(type, start);
    startEngine();
  };
  for (const type of INTENT_EVENTS) element.addEventListener(type, start, { passive: true });
}

function engineFailed(message) {
  if (engine === "failed") return;
  engine = "failed";
  console.info("Servebook: Python engine unavailable:", message);
  for (const call of pending.values()) call.reject(new Error(message));
  pending.clear();
  waiting.length = 0;
  for (const widget of live) widget.engineChanged();
}

class Widget {
  constructor(root) {
    this.root = root;
    const data = JSON.parse(root.dataset.views);
    this.model = data.spec; // the client model
    this.options = new Map(this.model.options.map((option) => [option.id, option]));
    this.specJson = root.dataset.spec; // the Python engine's input, passed through unread
    this.table = data.static; // may be null: too many states to precompute
    this.seq = 0; // latest change; older answers are dropped
    this.command = root.querySelector("[data-command]");
    this.status = root.querySelector(".sb-status");
    for (const copy of root.querySelectorAll(".sb-copy")) copy.hidden = false; // copying needs JavaScript (Material's clipboard)
    this.name = root.dataset.configurator;
    // What the reader asked for: option id → item id or field text. Only these go to the
    // engine; everything else takes the spec's defaults, which can depend on other choices
    // (so an automatic fallback does not stick once the reader's hardware allows more).
    const { explicit, unknown } = this.readUrl();
    this.explicit = explicit;
    this.unknown = unknown; // sent once, so the engine reports them
    this.reportNext = true; // the first Python view reports what the URL asked that can't be had

    // The options form and the Customize form: one listener each for both (events bubble).
    root.addEventListener("change", (event) => {
      const input = event.target;
      if (input.matches("input[type=radio][data-option]") && input.checked) {
        this.change(input.dataset.option, input.value);
      } else if (input.matches("input[type=checkbox][data-option]")) {
        // A checkbox group's choice is the set of its checked boxes, in the page's order.
        const boxes = input.form.querySelectorAll(`input[type=checkbox][data-option="${input.dataset.option}"]`);
        this.change(input.dataset.option, [...boxes].filter((box) => box.checked).map((box) => box.value));
      }
    });
    root.addEventListener("input", (event) => {
      if (event.target.matches("[data-field]")) this.change(event.target.dataset.field, event.target.value);
    });

    this.hasFields = this.model.fields.length > 0;
    // Customize starts closed, open when the URL (or this tab's earlier choices) carries a value.
    const customize = root.querySelector(".sb-customize");
    if (customize && this.hasFieldEntries()) customize.open = true;
    if (this.table && !this.hasFieldEntries()) {
      this.showStatic();
      this.showIgnored(unknown);
    }
    this.setFieldsReady(false);
    startOnIntent(root);
    if (this.hasFieldEntries()) startEngine(); // only Python can show what the URL asks for
    this.engineChanged();
  }

  // ---- the engine's state, told in the status line ------------------------
  engineChanged() {
    if (engine === "failed") return this.markUnavailable();
    if (engine === "ready") return this.askPython();
    const needsPython = !this.table || this.hasFieldEntries();
    let text = "";
    if (engine === "loading") {
      text = needsPython
        ? "Loading the Python engine that computes this command…"
        : this.hasFields
          ? "Loading the Python engine; the choices already work, the free-form fields unlock when it is ready…"
          : "Loading the Python engine; the choices already work (views computed at build time)…";
    } else if (needsPython) {
      text = "The Python engine that computes this command loads when you use the configurator.";
    } else if (this.hasFields) {
      text = "The free-form fields unlock once the Python engine has loaded (it loads when you use the configurator).";
    }
    this.setStatus(text); // idle with nothing to wait for: nothing to say
  }

  // ---- choices ------------------------------------------------------------
  readUrl() {
    const explicit = {}, unknown = [];
    const params = new URLSearchParams(location.search);
    if (!this.model.keys.some((key) => params.has(key))) {
      // No choices in the URL: use the ones this tab last made (if any).
      return { explicit: { ...remembered.get(this.name) }, unknown };
    }
    // A value that names no item of the model is set aside (the table has no view for it)
    // and shown with the model's reason; Python gets it too and reports it in its own words.
    for (const key of this.model.keys) {
      if (!params.has(key)) continue;
      const value = params.get(key);
      const { kind, items, unknown: reason } = this.options.get(key);
      // A checkbox set travels as its ids joined by commas ("" = none checked), as Python writes it.
      const choice = kind === "checkbox" ? value.split(",").filter(Boolean) : value;
      const ids = Array.isArray(choice) ? choice : [choice];
      if (!items || ids.every((id) => items.includes(id))) explicit[key] = choice;
      else unknown.push({ key, value, reason });
    }
    return { explicit, unknown };
  }

  change(optionId, value) {
    this.seq += 1;
    this.changed = true;
    this.explicit[optionId] = value;
    remembered.set(this.name, { ...this.explicit });
    this.reportNext = false;
    this.showIgnored([]); // notices are about the URL the page was opened with
    // The build's views answer at once while they apply (no free-form entries); Python,
    // once ready, answers every change too and its view replaces the table's.
    if (this.table && !this.hasFieldEntries()) this.showStatic(optionId);
    if (engine === "ready") this.askPython();
  }

  hasFieldEntries() {
    // The precomputed views assume every free-form field is at its default (empty entry).
    return this.model.fields.some((id) => this.explicit[id]);
  }

  // ---- sources of views ---------------------------------------------------
  showStatic(clicked) {
    const keyOf = (choices) => this.table.radios.map((id) => keyPart(choices[id])).join("|");
    let index = this.table.keys[keyOf(this.explicit)];
    if (index === undefined) {
      // A large table lists a choice only where its option is shown (macros/widget.py): look up
      // without the choices of the options the current view hides, but the one just clicked.
      const shown = { ...this.explicit };
      for (const id of this.table.radios) {
        const group = this.root.querySelector(`[data-option-group="${id}"]`);
        if (id !== clicked && group && group.hidden) delete shown[id];
      }
      index = this.table.keys[keyOf(shown)];
    }
    if (index === undefined) return;
    this.render(this.expand(this.table.views[index]));
  }

  expand(compact) {
    const text = (i) => this.table.texts[i];
    return {
      options: compact.options.map(([id, visible, value, disabled]) => {
        const { kind, items = [] } = this.options.get(id);
        return {
          id, visible, value, kind,
          items: items.map((item) => ({
            id: item,
            enabled: !Object.hasOwn(disabled, item),
            reason: Object.hasOwn(disabled, item) ? text(disabled[item]) : null,
          })),
        };
      }),
      state: compact.state,
      query: compact.query,
      command: compact.command,
      source: compact.source,
      explanations: compact.explanations.map(([code, why]) => ({ code: text(code), text: text(why) })),
      notes: compact.notes.map(([level, note]) => ({ level, text: text(note) })),
      outputs: compact.outputs.map(([id, title, lang, body]) => ({ id, title: text(title), lang, text: text(body) })),
      ignored: [],
    };
  }

  askPython() {
    const choices = { ...this.explicit };
    for (const { key, value } of this.unknown) choices[key] = value; // for the engine's own report
    this.unknown = [];
    const report = this.reportNext;
    this.reportNext = false;
    const seq = this.seq;
    callEngine("resolve", this.specJson, JSON.stringify(choices)).then((text) => {
      if (seq !== this.seq || !this.root.isConnected) return;
      const view = JSON.parse(text);
      this.render(view);
      // How many views Python has rendered: lets tests tell its answer from the table's.
      this.root.dataset.pythonViews = String(Number(this.root.dataset.pythonViews || 0) + 1);
      if (report) this.showIgnored(view.ignored);
      if (this.root.dataset.engine !== "python") {
        performance.mark("servebook:python-serves");
        this.root.dataset.engine = "python";
        this.setFieldsReady(true);
        this.setStatus("");
      }
    }, () => this.markUnavailable());
  }

  markUnavailable() {
    if (this.root.dataset.engine === "unavailable") return;
    this.root.dataset.engine = "unavailable";
    this.setStatus(
      this.table
        ? "The in-browser Python engine could not start here; the choices above still work (precomputed at build time)."
        : "The in-browser Python engine could not start here; the command shown is the default.",
    );
  }

  // ---- rendering ----------------------------------------------------------
  render(view) {
    // Responsiveness: touch the DOM only where something changed. Every write (even of the
    // same text) invalidates style and layout, and the view Python sends right after the
    // build's view is usually identical: then this costs no style recalc and no layout.
    for (const option of view.options) {
      const group = this.root.querySelector(`[data-option-group="${option.id}"], [data-field-group="${option.id}"]`);
      if (group.hidden !== !option.visible) group.hidden = !option.visible;
      if (option.kind === "radio" || option.kind === "checkbox") {
        for (const item of option.items) {
          const input = group.querySelector(`input[value="${item.id}"]`);
          const checked = option.kind === "checkbox" ? option.value.includes(item.id) : item.id === option.value;
          if (input.checked !== checked) input.checked = checked;
          if (input.disabled !== !item.enabled) input.disabled = !item.enabled;
          const reason = input.closest("label").querySelector(".sb-reason");
          setText(reason, item.reason || "");
          if (reason.hidden !== item.enabled) reason.hidden = item.enabled;
        }
        this.renderReasons(group, option);
      } else {
        const input = group.querySelector("[data-field]");
        if (document.activeElement !== input && input.value !== option.value) input.value = option.value;
        const invalid = option.error ? "true" : "false";
        if (input.getAttribute("aria-invalid") !== invalid) input.setAttribute("aria-invalid", invalid);
        setText(group.querySelector(".sb-error"), option.error || "");
      }
    }
    if (this.command.textContent !== view.command) {
      this.command.textContent = view.command;
      // Alternate two identical animations: a new animation-name restarts the highlight
      // without forcing a synchronous layout of the whole page.
      const pre = this.command.parentElement;
      const next = pre.classList.contains("sb-flash-a") ? "sb-flash-b" : "sb-flash-a";
      pre.classList.remove("sb-flash-a", "sb-flash-b");
      pre.classList.add(next);
    }
    this.renderSource(view.source);
    this.renderOutputs(view.outputs || []);
    // Rebuild the lists only when they change: most clicks leave them as they are.
    const lists = JSON.stringify([view.notes, view.explanations]);
    if (lists !== this.lists) {
      this.lists = lists;
      this.renderLists(view);
    }
    this.writeUrl(view.query);
  }

  // The source the command reproduces: the build rendered a link per possible source.
  renderSource(id) {
    const line = this.root.querySelector(".sb-command .sb-source");
    if (!line) return;
    for (const link of line.querySelectorAll("[data-source]")) {
      const hide = link.dataset.source !== id;
      if (link.hidden !== hide) link.hidden = hide;
    }
    if (line.hidden !== !id) line.hidden = !id;
  }

  // Each distinct reason of an option's disabled items once, after the items it covers (as
  // macros/widget.py renders it); rewritten only when it changes.
  renderReasons(group, option) {
    const { items, labels } = this.options.get(option.id);
    const grouped = new Map();
    for (const item of option.items) {
      if (item.enabled || !item.reason) continue;
      const label = labels[items.indexOf(item.id)];
      grouped.set(item.reason, [...(grouped.get(item.reason) || []), label]);
    }
    const key = JSON.stringify([...grouped]);
    const box = group.querySelector(".sb-reasons");
    if (box.dataset.key === key) return;
    box.dataset.key = key;
    box.replaceChildren(...[...grouped].map(([reason, labels]) => {
      const line = document.createElement("span");
      const which = document.createElement("span");
      which.className = "sb-reasons-items";
      which.textContent = `${labels.join(", ")}:`;
      line.append(which, ` ${reason}`);
      return line;
    }));
    box.hidden = grouped.size === 0;
  }

  // Snippet tabs: the build rendered one per declared output; show those the view has.
  renderOutputs(outputs) {
    const byId = new Map(outputs.map((o) => [o.id, o]));
    let checkedHidden = false;
    for (const block of this.root.querySelectorAll("[data-output-block]")) {
      const output = byId.get(block.dataset.outputBlock);
      const code = block.querySelector("[data-output]");
      const text = output ? output.text : "";
      if ("outputTable" in code.dataset) renderTableOutput(code, text);
      else if (code.textContent !== text) code.textContent = text;
      const label = this.root.querySelector(`[data-output-tab="${block.dataset.outputBlock}"]`);
      const radio = this.root.querySelector(`#${CSS.escape(label.htmlFor)}`);
      // hidden on the radio too: out of the tab order and the accessibility tree with its label
      for (const element of [block, label, radio]) if (element.hidden !== !output) element.hidden = !output;
      if (radio.checked && !output) checkedHidden = true;
    }
    if (checkedHidden) {
      const first = this.root.querySelector("[data-output-tab]:not([hidden])");
      if (first) this.root.querySelector(`#${CSS.escape(first.htmlFor)}`).checked = true;
    }
  }

  renderLists(view) {
    this.renderList(".sb-notes", view.notes, (li, note) => {
      li.className = `sb-note sb-note--${note.level}`;
      fillInlineCode(li, note.text);
    });
    const list = this.root.querySelector(".sb-explanations dl");
    list.replaceChildren(
      ...view.explanations.flatMap((e) => {
        const dt = document.createElement("dt");
        const code = dt.appendChild(document.createElement("code"));
        code.textContent = e.code;
        const dd = document.createElement("dd");
        fillInlineCode(dd, e.text);
        return [dt, dd];
      }),
    );
  }

  renderList(selector, entries, fill) {
    const list = this.root.querySelector(selector);
    if (entries.length === 0 && list.childElementCount === 0) {
      if (!list.hidden) list.hidden = true;
      return; // already empty: every click clears the URL's notices, most often none
    }
    list.replaceChildren(
      ...entries.map((entry) => {
        const li = document.createElement("li");
        fill(li, entry);
        return li;
      }),
    );
    list.hidden = entries.length === 0;
  }

  showIgnored(ignored) {
    this.renderList(".sb-ignored", ignored || [], (li, entry) => {
      const shown = (text) => String(text).replace(/[\x00-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
      li.textContent = `Ignored ${shown(entry.key)}=${shown(entry.value)}: ${entry.reason.replace(/[.!?]$/, "")}.`;
    });
  }

  // Responsiveness: history.replaceState costs most of a click's handler time (the browser
  // records a same-document navigation), so the URL is written after the click's paint,
  // once per frame at most (the latest view wins).
  writeUrl(query) {
    const first = this.pendingQuery === undefined;
    this.pendingQuery = query;
    if (first) requestAnimationFrame(() => setTimeout(() => this.flushUrl()));
  }

  flushUrl() {
    const query = this.pendingQuery;
    this.pendingQuery = undefined;
    if (query === undefined || !this.root.isConnected) return;
    const url = new URL(location.href);
    for (const key of this.model.keys) url.searchParams.delete(key);
    for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
    // A shared link lands on the configurator, once the reader has chosen something here.
    if (this.changed && this.root.id) url.hash = this.root.id;
    if (url.href !== location.href) history.replaceState(history.state, "", url);
  }

  setFieldsReady(ready) {
    for (const field of this.root.querySelectorAll("[data-field]")) field.readOnly = !ready;
  }

  setStatus(text) {
    setText(this.status, text);
  }
}

function setText(element, text) {
  if (element.textContent !== text) element.textContent = text;
}

// A choice's part of a precomputed-table key, as macros/widget.py builds it.
function keyPart(choice) {
  if (choice === undefined) return "";
  return Array.isArray(choice) ? `[${choice.join(",")}]` : choice;
}

// `backticked` spans become <code>; everything is text, never HTML (as macros/widget.py does).
// ---- A `lang: table` output (the memory tab) -------------------------------------------------
// The same DOM as the build's macros/table_output.py from the same text: lines holding " | " are
// table rows (the first of a run the header), other lines paragraphs, [label](https://…) a link,
// **…** strong.
// It only lays out what the engine gave; no number or rule is made here.
const TABLE_LINK = /\[([^\]]+)\]\((https:\/\/[^\s)]+)\)/g;

function fillTableCell(element, text) {
  text.split("**").forEach((part, i) => fillTableLinks(i % 2 ? element.appendChild(document.createElement("strong")) : element, part));
}

function fillTableLinks(element, text) {
  let at = 0;
  for (const m of text.matchAll(TABLE_LINK)) {
    element.append(text.slice(at, m.index));
    const a = element.appendChild(document.createElement("a"));
    a.href = m[2];
    a.textContent = m[1];
    at = m.index + m[0].length;
  }
  element.append(text.slice(at));
}

function renderTableOutput(container, text) {
  if (container.sbText === text) return;
  container.sbText = text;
  const nodes = [];
  let head = null;
  let body = null;
  for (const line of text.split("\n")) {
    if (!line.includes(" | ")) {
      head = null;
      if (line.trim()) {
        const p = document.createElement("p");
        fillTableCell(p, line);
        nodes.push(p);
      }
      continue;
    }
    const cells = line.split(" | ");
    if (!head) {
      head = cells;
      const wrap = document.createElement("div");
      wrap.className = "sb-table-wrap";
      const table = wrap.appendChild(document.createElement("table"));
      table.className = "sb-table";
      const tr = table.appendChild(document.createElement("thead")).appendChild(document.createElement("tr"));
      for (const c of cells) {
        const th = tr.appendChild(document.createElement("th"));
        th.scope = "col";
        fillTableCell(th, c);
      }
      body = table.appendChild(document.createElement("tbody"));
      nodes.push(wrap);
      continue;
    }
    const tr = body.appendChild(document.createElement("tr"));
    cells.forEach((c, i) => {
      const cell = tr.appendChild(document.createElement(i === 0 ? "th" : "td"));
      if (i === 0) cell.scope = "row";
      cell.dataset.label = head[i] ?? "";
      fillTableCell(cell, c);
    });
  }
  container.replaceChildren(...nodes);
}

function fillInlineCode(element, text) {
  element.replaceChildren(
    ...text.split("`").map((part, i) => {
      if (i % 2 === 0) return document.createTextNode(part);
      const code = document.createElement("code");
      code.textContent = part;
      return code;
    }),
  );
}

function bindAll() {
  for (const widget of live) if (!widget.root.isConnected) live.delete(widget);
  for (const checker of document.querySelectorAll("[data-command-check]:not([data-intent-bound])")) {
    checker.dataset.intentBound = "";
    startOnIntent(checker);
  }
  for (const root of document.querySelectorAll("[data-configurator]:not([data-bound])")) {
    root.dataset.bound = "";
    try {
      live.add(new Widget(root));
    } catch (error) {
      console.warn("Servebook: configurator could not start", error);
    }
  }
}

// Material re-emits document$ after every instant navigation; outside Material, run once.
if (window.document$) window.document$.subscribe(bindAll);
else bindAll();
