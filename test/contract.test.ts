// Contract: every key we write under harbor: is one the upstream chart 1.19.1 declares in values.yaml or
// reads in a template (../shared/contracts/harbor-chart-1.19.1), or it would be silently ignored.
import { describe, it, expect } from "vitest";
import fs from "node:fs";
import path from "node:path";
import { ROOT } from "../generator/src/paths.js";
import { deriveHarborValues } from "../generator/src/values/derive.js";
import { validateSpec } from "../generator/src/spec/validate.js";
import { EXAMPLES, specOf } from "./helpers/chart.js";

const CONTRACTS = path.resolve(ROOT, "contracts", "harbor-chart-1.19.1");
const flat = JSON.parse(fs.readFileSync(path.join(CONTRACTS, "values.flat.json"), "utf8")) as Record<string, { type: string }>;
const refs = JSON.parse(fs.readFileSync(path.join(CONTRACTS, "template-refs.json"), "utf8")) as string[];
const known = new Set([...Object.keys(flat), ...refs]);

/** A key upstream hands to toYaml as a whole (resources, extraEnvVars, ...): nothing below it is read by name. */
function passThrough(key: string): boolean {
  if (!known.has(key)) return false;
  const prefix = `${key}.`;
  return !refs.some((r) => r.startsWith(prefix)) && !Object.keys(flat).some((k) => k.startsWith(prefix));
}

export function unknownKeys(value: unknown, prefix = ""): string[] {
  if (!value || typeof value !== "object" || Array.isArray(value)) return known.has(prefix) ? [] : [prefix];
  const out: string[] = [];
  for (const [k, v] of Object.entries(value)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (passThrough(key)) continue;
    if (v && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length > 0) out.push(...unknownKeys(v, key));
    else if (!known.has(key)) out.push(key);
  }
  return out;
}

describe("harbor: keys exist upstream (chart 1.19.1)", () => {
  const specs: Array<[string, unknown]> = [
    ["defaults", validateSpec({}).spec],
    ...EXAMPLES.map((f): [string, unknown] => [path.basename(f), specOf(f)]),
    ["everything external", validateSpec({ storage: { backend: { type: "s3", s3: { bucket: "b", endpoint: "https://s3.local", rootDirectory: "/h" } } }, database: { type: "external", external: { host: "pg", existingSecret: "pg" } }, redis: { type: "external", external: { addr: "r:6379", existingSecret: "r", tls: true } } }).spec],
  ];
  for (const [name, spec] of specs) {
    it(name, () => {
      expect(unknownKeys(deriveHarborValues(spec as any))).toEqual([]);
    });
  }

  it("the check itself catches a misspelt key", () => {
    expect(unknownKeys({ core: { replica: 2 }, persistence: { imageChartStorage: { s3: { regionEndpoint: "x" } } } })).toEqual(["core.replica", "persistence.imageChartStorage.s3.regionEndpoint"]);
  });
});
