// One version for the CLI, the chart and the pack: package.json's. chart/Chart.yaml carries it too (helm needs
// it static there); npm run generate writes it and test/project/release.test.ts fails when the two differ.
import fs from "node:fs";
import path from "node:path";
import { ROOT } from "../paths.js";

// set by the bundler for the image's one-file CLI, which has no package.json beside it
declare const HARBOR_EDGE_BUNDLED_VERSION: string | undefined;

let cached: string | undefined;
export function packageVersion(): string {
  if (typeof HARBOR_EDGE_BUNDLED_VERSION === "string") return HARBOR_EDGE_BUNDLED_VERSION;
  cached ??= String((JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { version: string }).version);
  return cached;
}

/** The version in chart/Chart.yaml (read without a YAML parser: the first top-level `version:` line). */
export function chartVersion(chartDir = path.join(ROOT, "chart")): string {
  const m = /^version:\s*['"]?([^'"\s#]+)/m.exec(fs.readFileSync(path.join(chartDir, "Chart.yaml"), "utf8"));
  if (!m) throw new Error(`${path.join(chartDir, "Chart.yaml")} has no version`);
  return m[1];
}
