// ESLint (eslint.config.mjs: typescript-eslint's type-aware rules) is clean over the sources, the build scripts and
// the tests, and its config keeps the rules the project relies on: a promise nobody waits for, and unused code.
import { describe, it, expect } from "vitest";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { ROOT } from "../../generator/src/paths.js";

const ESLINT = path.join(ROOT, "node_modules", "eslint", "bin", "eslint.js");
const eslint = (args: string[], input?: string) =>
  spawnSync(process.execPath, [ESLINT, ...args], { cwd: ROOT, encoding: "utf8", input, timeout: 600_000, maxBuffer: 64 * 1024 * 1024 });

describe("eslint", () => {
  it("the tree is clean", () => {
    const r = eslint(["--max-warnings", "0", "."]);
    expect(r.stdout + r.stderr).toBe("");
    expect(r.status).toBe(0);
  }, 600_000);

  it("the rules that matter are on for the TypeScript sources and tests: floating and misused promises, unused code", () => {
    for (const file of ["generator/src/cli.ts", "test/project/lint.test.ts"]) {
      const r = eslint(["--print-config", file]);
      expect(r.status, r.stderr).toBe(0);
      const rules = (JSON.parse(r.stdout) as { rules: Record<string, unknown[]> }).rules;
      for (const rule of [
        "@typescript-eslint/no-floating-promises",
        "@typescript-eslint/no-misused-promises",
        "@typescript-eslint/no-unused-vars",
        "@typescript-eslint/no-unnecessary-type-assertion",
      ]) {
        expect(rules[rule]?.[0], `${file}: ${rule}`).toBe(2);
      }
    }
  }, 120_000);

  it("would see a finding: a promise left floating, and an unused variable, in a TypeScript file of the project", () => {
    // a file the type-aware rules see (tsconfig.test.json takes test/**/*.ts), removed afterwards; the tests of
    // this file run one after the other, so the whole-tree run above never sees it
    const canary = path.join(ROOT, "test", `lint-canary-${process.pid}.ts`);
    fs.writeFileSync(canary, "export async function f(): Promise<void> {}\nexport function g(): void {\n  f();\n  const unused = 1;\n}\n");
    try {
      const r = eslint(["--format", "json", canary]);
      expect(r.status).not.toBe(0);
      const rules = (JSON.parse(r.stdout) as Array<{ messages: Array<{ ruleId: string }> }>)[0].messages.map((m) => m.ruleId).sort();
      expect(rules).toEqual(["@typescript-eslint/no-floating-promises", "@typescript-eslint/no-unused-vars"]);
    } finally {
      fs.rmSync(canary, { force: true });
    }
  }, 120_000);
});
