// Derives golden rows from an SGLang docs page generator (a React component such as
// sgl-project/sglang's docs/src/snippets/autoregressive/kimi-k27-code-deployment.jsx) by
// running its own `options`, `modelConfigs`, `getInitialState` and `generateCommand` in Node.
//
// Usage: node tests/tools/derive_sglang_docs.mjs <generator.jsx> [--commit SHA] [--date YYYY-MM-DD]
//        → JSON on stdout
//
// States are what a reader can reach: start from the component's initial state, then click
// any enabled item of any shown option (an option whose `condition` fails is hidden), applying
// the component's hardware effect (hidden options and disabled dynamic items fall back to their
// default) after a hardware change, as its useEffect does. A row's `choices` are the shown
// options' values; every full state behind one row must give the same command.
// `declared_defaults`: what each dynamic option declares as default for the other choices.
import { readFileSync } from "node:fs";
import { basename } from "node:path";

const args = process.argv.slice(2);
const file = args[0];
const flag = (name) => (args.includes(name) ? args[args.indexOf(name) + 1] : null);
const text = readFileSync(file, "utf8");
const between = (start, end) => {
  const i = text.indexOf(start);
  const j = text.indexOf(end, i);
  if (i < 0 || j < 0) throw new Error(`generator layout changed: ${start} … ${end} not found in ${file}`);
  return text.slice(i, j);
};
// Only plain JS is evaluated: the data, the two helpers and generateCommand (no JSX, no hooks).
const dataSrc = between("const options = {", "const getInitialState");
const initialSrc = between("const getInitialState", "const [values");
const generateSrc = between("const generateCommand = () => {", "const containerStyle");
const factory = new Function(
  "values",
  `${dataSrc}\n${initialSrc}\n${generateSrc}\n` +
    "return {options, modelConfigs, resolveItems, getInitialState, generateCommand};",
);
const { options, resolveItems, getInitialState } = factory({});
const keys = Object.keys(options);

// The component's effect on a hardware change (its useEffect on [values.hardware]).
function afterHardware(prev) {
  const next = { ...prev };
  for (const [key, option] of Object.entries(options)) {
    if (typeof option.condition === "function" && !option.condition(next)) {
      const items = resolveItems(option, next);
      const fallback = items.find((i) => i.default && !i.disabled) || items.find((i) => !i.disabled);
      if (fallback) next[key] = fallback.id;
      continue;
    }
    if (typeof option.getDynamicItems !== "function") continue;
    const items = option.getDynamicItems(next);
    const current = items.find((i) => i.id === next[key]);
    if (!current || current.disabled) {
      const fallback = items.find((i) => i.default && !i.disabled) || items.find((i) => !i.disabled);
      if (fallback) next[key] = fallback.id;
    }
  }
  return next;
}

const shown = (values) => keys.filter((k) => typeof options[k].condition !== "function" || options[k].condition(values));
const visibleChoices = (values) => Object.fromEntries(shown(values).map((k) => [k, values[k]]));
const commandOf = (values) => factory(values).generateCommand();

const initial = getInitialState();
const seen = new Map([[JSON.stringify(initial), initial]]);
const queue = [initial];
while (queue.length) {
  const values = queue.shift();
  for (const key of shown(values)) {
    for (const item of resolveItems(options[key], values)) {
      if (item.disabled || item.id === values[key]) continue;
      let next = { ...values, [key]: item.id };
      if (key === "hardware") next = afterHardware(next);
      const id = JSON.stringify(next);
      if (!seen.has(id)) {
        seen.set(id, next);
        queue.push(next);
      }
    }
  }
}

// One row per shown-choices combination, in the order of the options' items.
const ids = Object.fromEntries(keys.map((k) => [k, resolveItems(options[k], initial).map((i) => i.id)]));
const rank = (choices) => keys.map((k) => (k in choices ? ids[k].indexOf(choices[k]) : -1));
const rows = new Map();
for (const values of seen.values()) {
  const choices = visibleChoices(values);
  const id = JSON.stringify(choices);
  const command = commandOf(values);
  if (rows.has(id) && rows.get(id).command !== command)
    throw new Error(`hidden choices change the command for ${id}`);
  rows.set(id, { choices, command });
}
const sorted = [...rows.values()].sort((a, b) => {
  const [x, y] = [rank(a.choices), rank(b.choices)];
  const at = x.findIndex((v, n) => v !== y[n]);
  return at < 0 ? 0 : x[at] - y[at];
});

const declared = new Map();
for (const values of seen.values()) {
  for (const [key, option] of Object.entries(options)) {
    if (typeof option.getDynamicItems !== "function") continue;
    const item = option.getDynamicItems(values).find((i) => i.default);
    const others = Object.fromEntries(keys.filter((k) => k !== key && shown(values).includes(k)).map((k) => [k, values[k]]));
    const entry = { choices: others, option: key, default: item.id };
    declared.set(JSON.stringify(entry), entry);
  }
}
// Why each disabled item is disabled, as the component shows it (its `title` tooltip).
const reasons = new Map();
for (const values of seen.values())
  for (const key of shown(values))
    for (const item of resolveItems(options[key], values))
      if (item.disabled) reasons.set(`${key}.${item.id}`, item.disabledReason || "");

// One click from the initial state on each enabled item: what the reader then sees (the
// effective defaults of the other options, which may differ from the declared ones).
const clicks = [];
for (const key of shown(initial))
  for (const item of resolveItems(options[key], initial)) {
    if (item.disabled || item.id === initial[key]) continue;
    let next = { ...initial, [key]: item.id };
    if (key === "hardware") next = afterHardware(next);
    clicks.push({ click: { [key]: item.id }, choices: visibleChoices(next) });
  }
const lines = (list) => `[\n${list.map((x) => JSON.stringify(x)).join(",\n")}\n]`;
process.stdout.write(
  `{"generator": ${JSON.stringify(basename(file))},\n` +
    `"commit": ${JSON.stringify(flag("--commit"))},\n"date": ${JSON.stringify(flag("--date"))},\n` +
    `"options": ${JSON.stringify(ids)},\n"initial": ${JSON.stringify(visibleChoices(initial))},\n` +
    `"disabled_reasons": ${JSON.stringify(Object.fromEntries(reasons))},\n` +
    `"rows": ${lines(sorted)},\n"clicks": ${lines(clicks)},\n"declared_defaults": ${lines([...declared.values()])}}\n`,
);
