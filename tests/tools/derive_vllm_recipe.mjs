// Derives golden commands for Kimi-K2.7-Code from the vLLM recipes site's own command
// synthesis (../shared/sources/vllm-recipes/src/lib/command-synthesis.js, run unchanged):
// every verified platform × strategy × feature set × node count, in both forms the builder
// shows (`vllm serve`, and the same wrapped by its buildDockerRun with the recipe's image).
// Usage: node tests/tools/derive_vllm_recipe.mjs [<vllm-recipes dir>]   → JSON on stdout
//
// What is enumerated, and why:
// - platforms: the recipe's `meta.hardware` entries marked `verified`;
// - strategies: `compatible_strategies` the builder supports on that hardware, except
//   pd_cluster (its prefill/decode pools, router and per-pool node picks are a deployment
//   of their own, out of scope here);
// - feature sets: every subset of `features`, in the recipe's order (resolveCommand emits
//   them in the order given), without the pairs the recipe declares mutually exclusive
//   (text_only and encoder_parallel, in their descriptions);
// - nodes: 1 for single-node strategies; for multi-node ones every feature set at 2 nodes and
//   every node count 3..MAX_NODES at the default feature set (all but `opt_in_features`) on the
//   first NVIDIA and the first AMD platform (the platform changes only the image, GPU flags and
//   environment, never the ranks), so the goldens stay small while every rule is covered.
import { readFileSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import yaml from "js-yaml";

const dir = resolve(process.argv[2] || new URL("../../../shared/sources/vllm-recipes", import.meta.url).pathname);
const RECIPE = "models/moonshotai/Kimi-K2.7-Code.yaml";
const load = (path) => yaml.load(readFileSync(join(dir, path), "utf8"));
const synth = await import(pathToFileURL(join(dir, "src/lib/command-synthesis.js")).href);

const recipe = load(RECIPE);
const taxonomy = load("taxonomy.yaml");
const strategies = {};
for (const file of readdirSync(join(dir, "strategies")).filter((f) => f.endsWith(".yaml")).sort()) {
  const s = load(join("strategies", file));
  strategies[s.name] = s;
}

const featureKeys = Object.keys(recipe.features || {});
const optIn = new Set(recipe.opt_in_features || []);
const exclusive = [["text_only", "encoder_parallel"]];
const subsets = (list) =>
  Array.from({ length: 2 ** list.length }, (_, mask) => list.filter((_, n) => (mask >> n) & 1));
const featureSets = subsets(featureKeys).filter((set) => !exclusive.some((pair) => pair.every((f) => set.includes(f))));
const defaultFeatures = featureKeys.filter((f) => !optIn.has(f));

const platforms = Object.entries(recipe.meta.hardware).filter(([, v]) => v === "verified").map(([id]) => id);
const brands = [...new Set(platforms.map((id) => taxonomy.hardware_profiles[id].brand))];
const nodeSweep = new Set(brands.map((b) => platforms.find((id) => taxonomy.hardware_profiles[id].brand === b)));
const variantKey = "default";
const variant = recipe.variants[variantKey];

function forms(result, hwId) {
  const meta = synth.computeDockerMeta(recipe, variant, taxonomy.hardware_profiles[hwId], hwId);
  const commands = result.deployType === "multi_node" ? [result.headCommand, ...result.workerCommands] : [result.command];
  return {
    env: result.env,
    serve: commands,
    docker: commands.map((command) => synth.buildDockerRun({ command, env: result.env, image: meta.image, gpuFlags: meta.gpuFlags })),
  };
}

// One row per line keeps the file's diffs readable when upstream moves.
const rows = [];
for (const hw of platforms) {
  const profile = taxonomy.hardware_profiles[hw];
  for (const strategy of synth.effectiveCompatibleStrategies(recipe)) {
    const deployType = strategies[strategy]?.deploy_type;
    if (deployType === "pd_cluster" || !synth.isStrategySupportedOnHardware(recipe, strategy, profile, hw)) continue;
    const multi = deployType === "multi_node";
    const combos = multi
      ? [
          ...featureSets.map((features) => [features, 2]),
          ...(nodeSweep.has(hw) ? Array.from({ length: synth.MAX_NODES - 2 }, (_, i) => [defaultFeatures, i + 3]) : []),
        ]
      : featureSets.map((features) => [features, 1]);
    for (const [features, nodes] of combos) {
      const result = synth.resolveCommand(recipe, variantKey, strategy, hw, features, strategies, taxonomy, [], nodes);
      rows.push({ hardware: hw, strategy, nodes, features, ...forms(result, hw) });
    }
  }
}

const src = readFileSync(join(dir, "README.md"), "utf8");
const commit = src.match(/commit ([0-9a-f]{40})/)?.[1] ?? null;
const date = src.match(/\((\d{4}-\d{2}-\d{2})/)?.[1] ?? null;
const head = {
  source: {
    repository: "vllm-project/recipes",
    paths: [RECIPE, "src/lib/command-synthesis.js"],
    commit,
    date,
    licence: "Apache-2.0",
  },
  platforms,
  features: featureKeys,
  default_features: defaultFeatures,
  min_vllm_version: recipe.model.min_vllm_version,
};
const lines = Object.entries(head).map(([k, v]) => ` ${JSON.stringify(k)}: ${JSON.stringify(v)},`);
process.stdout.write(`{\n${lines.join("\n")}\n "rows": [\n${rows.map((r) => `  ${JSON.stringify(r)}`).join(",\n")}\n ]\n}\n`);
