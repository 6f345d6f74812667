// Contract: every key we write under harbor: is one the upstream chart 1.19.1 declares in values.yaml or
// reads in a template (../shared/contracts/harbor-chart-1.19.1), or it would be silently ignored.
import { describe, it, expect } from "vitest";
import fs from "node:fs";
import path from "node:path";
import { ROOT } from "../generator/src/paths.js";
import { deriveHarborValues } from "../generator/src/values/derive.js";
import { validateSpec } from "../generator/src/spec/validate.js";
import { execFileSync } from "node:child_process";
import { EXAMPLES, specOf, UPSTREAM, announceUpstream } from "./helpers/chart.js";

const CONTRACTS = path.resolve(ROOT, "..", "shared", "contracts", "harbor-chart-1.19.1");
const flat = JSON.parse(fs.readFileSync(path.join(CONTRACTS, "values.flat.json"), "utf8")) as Record<string, { type: string }>;
const refs = JSON.parse(fs.readFileSync(path.join(CONTRACTS, "template-refs.json"), "utf8")) as string[];
const known = new Set([...Object.keys(flat), ...refs, ...aliasRefs()]);

/**
 * Keys upstream's templates read through a local variable bound to a values path, which template-refs.json
 * does not list: `{{- $storage := .Values.persistence.imageChartStorage }}` then `$storage.s3.regionendpoint`
 * in registry-cm.yaml. Read from the upstream chart in the offline cache (empty without it).
 */
function aliasRefs(): string[] {
  if (!announceUpstream() || !UPSTREAM) return [];
  const out = new Set<string>();
  const files = execFileSync("tar", ["-tzf", UPSTREAM], { encoding: "utf8" }).split("\n").filter((f) => /\/templates\/.*\.(yaml|tpl)$/.test(f));
  for (const f of files) {
    const text = execFileSync("tar", ["-xzOf", UPSTREAM, f], { encoding: "utf8", maxBuffer: 16 << 20 });
    for (const bind of text.matchAll(/\$(\w+)\s*:=\s*\.Values\.([\w.]+)\s*-?}}/g)) {
      const [, name, base] = bind;
      for (const use of text.matchAll(new RegExp(`\\$${name}((?:\\.\\w+)+)`, "g"))) out.add(base + use[1]);
    }
  }
  return [...out];
}

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
    const s3 = (spec as any).storage?.backend?.type === "s3";
    it.skipIf(s3 && !UPSTREAM)(name, () => {
      expect(unknownKeys(deriveHarborValues(spec as any))).toEqual([]);
    });
  }

  it.skipIf(!UPSTREAM)("keys read through a local variable are known (upstream's registry ConfigMap reads the S3 endpoint so)", () => {
    expect(unknownKeys({ persistence: { imageChartStorage: { s3: { regionendpoint: "x", secure: true, rootdirectory: "/h" } } } })).toEqual([]);
  });

  it("the check itself catches a misspelt key", () => {
    expect(unknownKeys({ core: { replica: 2 }, persistence: { imageChartStorage: { s3: { regionEndpoint: "x" } } } })).toEqual(["core.replica", "persistence.imageChartStorage.s3.regionEndpoint"]);
  });
});
