// Re-derives the golden SGLang commands by running the seed page's own
// generateCommand() (from ../shared/seeds/000_…) for every combination.
// Usage: node tests/tools/derive_golden.mjs <seed.txt>   → JSON on stdout
import { readFileSync } from "node:fs";

const text = readFileSync(process.argv[2], "utf8");
const between = (start, end) => {
  const i = text.indexOf(start);
  const j = text.indexOf(end, i);
  if (i < 0 || j < 0) throw new Error(`seed layout changed: ${start}`);
  return text.slice(i, j);
};
const optionsSrc = between("const options = {", "const modelConfigs");
const configsSrc = between("const modelConfigs = {", "const resolveItems");
const generateSrc = between("const generateCommand = () => {", "const containerStyle");
const factory = new Function(
  "values",
  `${optionsSrc}\n${configsSrc}\n${generateSrc}\nreturn {options, generateCommand};`,
);
const { options } = factory({});
const ids = (key) => options[key].items.map((item) => item.id);
const rows = [];
for (const hardware of ids("hardware"))
  for (const reasoning of ids("reasoning"))
    for (const toolcall of ids("toolcall"))
      for (const dpattention of ids("dpattention")) {
        const values = { hardware, reasoning, toolcall, dpattention };
        rows.push({ choices: values, command: factory(values).generateCommand() });
      }
process.stdout.write(JSON.stringify(rows, null, 1) + "\n");
