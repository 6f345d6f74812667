// The precompiled spec validator (npm run build) is the ajv-compiled one as code: same verdicts, same errors
// with every detail the messages use, same defaults filled in; a validator of another schema text is not used.
import { describe, it, expect } from "vitest";
import fs from "node:fs";
import path from "node:path";
import { loadSpecSchema, newAjv, precompiledValidator } from "../../generator/src/spec/schema.js";
import { ROOT, SPEC_SCHEMA } from "../../generator/src/paths.js";
import { loadSpecFile } from "../../generator/src/spec/load.js";
import { EXAMPLES } from "../helpers/chart.js";

const text = fs.readFileSync(SPEC_SCHEMA, "utf8");
// built by the test setup as by npm run build
const PRECOMPILED = path.join(ROOT, "generator", "dist", "spec", "spec-validator.cjs");

describe("precompiled spec validator", () => {
  const pre = precompiledValidator(text, PRECOMPILED);
  const compiled = newAjv().compile(loadSpecSchema());
  const inputs: Array<[string, unknown]> = [
    ["empty", {}],
    ...EXAMPLES.map((f): [string, unknown] => [f, loadSpecFile(f).raw]),
    [
      "many problems",
      {
        cluster: { vip: "x", hostname: "-bad-" },
        service: { serviceType: "Foo", harbor: { https: { nodePort: "a" } } },
        bogus: 1,
        storage: { registry: -1, backend: { type: "s3", s3: { endpoint: "not a uri" } } },
        projects: [{ name: 3 }],
        network: { ipv6: "yes" },
      },
    ],
  ];

  it("exists after the build and matches the schema", () => {
    expect(fs.existsSync(PRECOMPILED), `${PRECOMPILED} missing: npm run build writes it`).toBe(true);
    expect(pre).toBeTypeOf("function");
  });

  it.each(inputs)("%s: same verdict, errors and defaults as ajv's compile", (_name, input) => {
    const a = structuredClone(input),
      b = structuredClone(input);
    expect(pre!(a)).toBe(compiled(b));
    expect(a).toEqual(b);
    expect(JSON.parse(JSON.stringify(pre!.errors ?? null))).toEqual(JSON.parse(JSON.stringify(compiled.errors ?? null)));
  });

  it("the many-problems input really fails (the comparison above is not vacuous)", () => {
    expect(compiled(structuredClone(inputs.at(-1)![1]))).toBe(false);
    expect(compiled.errors!.length).toBeGreaterThan(3);
  });

  it("is not used for another schema text (an edited schema falls back to compiling)", () => {
    expect(precompiledValidator(`${text} `, PRECOMPILED)).toBeUndefined();
  });
});
