// Before the tests: fill the chart cache from shared/charts/ where it lacks the upstream chart, build the CLI
// (generator/dist) that tests spawn, and type-check sources and tests.
import { execFileSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

export default async function setup() {
  // before any test file loads: they decide at import whether the upstream chart is there
  const { fillChartCache } = await import("./helpers/upstream-cache.js");
  fillChartCache();
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
  const tsc = path.join(root, "node_modules", "typescript", "bin", "tsc");
  // tsc, the precompiled spec validator and the build stamp: npm run build's script
  execFileSync(process.execPath, [path.join(root, "generator", "scripts", "build.mjs")], { stdio: "inherit" });
  execFileSync(process.execPath, [tsc, "-p", path.join(root, "tsconfig.test.json")], { stdio: "inherit" });
}
