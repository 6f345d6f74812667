// Property: whatever a spec file holds, the CLI answers with exit 0 or 1 (never a crash), and a failed
// run leaves no file behind.
import { describe, it, expect, vi, beforeAll, afterAll } from "vitest";
import fc from "fast-check";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import yaml from "js-yaml";
import { main } from "../../generator/src/cli.js";
import { validateSpec } from "../../generator/src/spec/validate.js";
import { newAjv } from "../../generator/src/spec/schema.js";
import { chartValuesSchema } from "../../generator/scripts/codegen/values-schema.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "harbor-edge-prop-"));
// a fixed seed keeps CI repeatable; HARBOR_EDGE_FC_SEED=random (or a number) explores further
const SEED = process.env.HARBOR_EDGE_FC_SEED === "random" ? undefined : Number(process.env.HARBOR_EDGE_FC_SEED ?? 20261122);
const valuesValidator = newAjv().compile(chartValuesSchema());
const base = validateSpec({}).spec as Record<string, any>;

/** Every dotted path of the default spec, to aim random values at real fields. */
function paths(v: unknown, prefix: string[] = []): string[][] {
  if (!v || typeof v !== "object" || Array.isArray(v)) return [prefix];
  return [prefix, ...Object.entries(v).flatMap(([k, x]) => paths(x, [...prefix, k]))];
}
const PATHS = paths(base).filter((p) => p.length > 0);

function setAt(obj: any, p: string[], value: unknown) {
  let node = obj;
  for (const k of p.slice(0, -1)) node = node[k] && typeof node[k] === "object" ? node[k] : (node[k] = {});
  node[p.at(-1)!] = value;
}

const mutation = fc.record({
  path: fc.oneof(fc.constantFrom(...PATHS), fc.array(fc.string({ maxLength: 8 }), { minLength: 1, maxLength: 3 })),
  value: fc.oneof(fc.jsonValue(), fc.string(), fc.integer(), fc.constantFrom("", "{{.spectro.macro.x}}", "10.0.0.1", "-1", "Harbor12345")),
});

let silence: Array<{ mockRestore(): void }> = [];
beforeAll(() => {
  silence = [
    vi.spyOn(process.stdout, "write").mockImplementation(() => true),
    vi.spyOn(process.stderr, "write").mockImplementation(() => true),
  ];
});
afterAll(() => silence.forEach((s) => s.mockRestore()));

describe("random specs never crash the CLI and never leave a file", () => {
  it("mutated specs: exit 0 with valid values, or exit 1 with no file", async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 4 }), async (muts) => {
        const spec = structuredClone(base);
        for (const m of muts) setAt(spec, m.path, m.value);
        const input = path.join(dir, `spec-${n}.yaml`);
        const output = path.join(dir, `values-${n++}.yaml`);
        fs.writeFileSync(input, yaml.dump({ "harbor-config": spec }));
        const code = await main(["values", input, "-o", output]);
        expect([0, 1]).toContain(code);
        if (code === 1) expect(fs.existsSync(output)).toBe(false);
        else {
          const text = fs.readFileSync(output, "utf8");
          // values with unresolved Palette macros are for Palette, which resolves them before helm sees them
          if (!text.includes("{{")) expect(valuesValidator(JSON.parse(JSON.stringify(yaml.load(text))))).toBe(true);
        }
      }),
      { numRuns: 150, seed: SEED },
    );
  });

  it("arbitrary file contents: exit 0 or 1, never a crash", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string(),
          fc.jsonValue().map((j) => JSON.stringify(j)),
          fc.jsonValue().map((j) => yaml.dump({ "harbor-config": j })),
        ),
        async (text) => {
          const input = path.join(dir, "any.yaml");
          const output = path.join(dir, "any-out.yaml");
          fs.rmSync(output, { force: true });
          fs.writeFileSync(input, text);
          const code = await main(["values", input, "-o", output]);
          expect([0, 1]).toContain(code);
          if (code === 1) expect(fs.existsSync(output)).toBe(false);
        },
      ),
      { numRuns: 150, seed: SEED },
    );
  });
});
