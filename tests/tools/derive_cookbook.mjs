// Derives golden rows from one of the SGLang cookbook's command generators
// (../shared/sources/sgl-cookbook/generators/*.js) by running its own `config`:
// every combination of its options, with the command its generateCommand() gives
// and whether its UI would let a reader reach it.
// Usage: node tests/tools/derive_cookbook.mjs <Generator.js>   → JSON on stdout
//
// A row's status: "valid" (reachable, a command), "error" (generateCommand answers
// with a `#` comment), or "disabled" (the UI shows the chosen item disabled, or a
// required checkbox unchecked, so a reader cannot pick it).
import { readFileSync } from "node:fs";
import { basename } from "node:path";

const file = process.argv[2];
const text = readFileSync(file, "utf8");
// The generator file is JSX; only its plain-JS `config` object is evaluated.
const start = text.indexOf("const config = {");
const end = text.indexOf("return <ConfigGenerator", start);
if (start < 0 || end < 0) throw new Error(`generator layout changed: ${file}`);
const config = new Function(`${text.slice(start, end)}\nreturn config;`)();

const options = Object.entries(config.options);
for (const [key, option] of options) {
  if (option.condition) throw new Error(`${key}: conditional options are not handled here`);
  if (!["checkbox", undefined, "radio"].includes(option.type)) throw new Error(`${key}: type ${option.type}`);
}
// Item ids per option (dynamic items keep the same ids whatever the values).
const staticDefaults = {};
for (const [key, option] of options) {
  if (option.items) staticDefaults[key] = (option.items.find((i) => i.default) || option.items[0]).id;
}
const itemsOf = (option, values) => (option.getDynamicItems ? option.getDynamicItems(values) : option.items);
const ids = Object.fromEntries(options.map(([key, option]) => [key, itemsOf(option, staticDefaults).map((i) => i.id)]));

const subsets = (list) =>
  Array.from({ length: 2 ** list.length }, (_, mask) => list.filter((_, n) => (mask >> n) & 1));
const domains = options.map(([key, option]) => (option.type === "checkbox" ? subsets(ids[key]) : ids[key]));

function* product(index, values) {
  if (index === options.length) {
    yield { ...values };
    return;
  }
  for (const choice of domains[index]) yield* product(index + 1, { ...values, [options[index][0]]: choice });
}

function status(values, command) {
  if (command.startsWith("#")) return ["error", null];
  for (const [key, option] of options) {
    if (option.type === "checkbox") {
      for (const item of option.items) {
        const checked = values[key].includes(item.id);
        if (item.required && !checked) return ["disabled", `${key}: ${item.id} is required`];
        if (checked && typeof item.disabledWhen === "function" && item.disabledWhen(values))
          return ["disabled", `${key}: ${item.id} is disabled`];
      }
    } else {
      const item = itemsOf(option, values).find((i) => i.id === values[key]);
      if (item.disabled) return ["disabled", `${key}: ${item.id} is disabled`];
    }
  }
  return ["valid", null];
}

const rows = [];
for (const values of product(0, {})) {
  const command = config.generateCommand.call(config, values);
  const [state, why] = status(values, command);
  rows.push(why ? { choices: values, status: state, why, command } : { choices: values, status: state, command });
}
// What each dynamic option declares as its default for the other choices (the generic
// component applies it only on first render; later a stale choice stays selected).
const declaredDefaults = [];
for (const values of product(0, {})) {
  for (const [key, option] of options) {
    if (!option.getDynamicItems) continue;
    const item = option.getDynamicItems(values).find((i) => i.default);
    if (item) declaredDefaults.push({ choices: values, option: key, default: item.id });
  }
}
const unique = new Map(declaredDefaults.map((d) => [JSON.stringify(d), d]));
// One row per line: reviewable diffs when a generator changes.
const lines = (list) => `[\n${list.map((x) => JSON.stringify(x)).join(",\n")}\n]`;
process.stdout.write(
  `{"generator": ${JSON.stringify(basename(file))},\n"options": ${JSON.stringify(ids)},\n` +
    `"rows": ${lines(rows)},\n"declared_defaults": ${lines([...unique.values()])}}\n`,
);
