// One formatter: Prettier, on every TypeScript and JavaScript file (.prettierrc.json, .prettierignore;
// `npm run format` writes, `npm run format:check` is what this runs).
import { spawnSync } from "node:child_process";
import path from "node:path";
import * as prettier from "prettier";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "../..");

describe("the formatter", () => {
  it("every TypeScript and JavaScript file is as Prettier writes it", () => {
    const r = spawnSync(
      process.execPath,
      [path.join(ROOT, "node_modules/prettier/bin/prettier.cjs"), "--check", "--log-level", "warn", "**/*.{ts,mts,mjs,js,cjs}"],
      { cwd: ROOT, encoding: "utf8", timeout: 110_000 },
    );
    expect(r.stderr + r.stdout, "run npm run format").toBe("");
    expect(r.status).toBe(0);
  });

  it("the check sees a file written otherwise (a canary), with the project's settings", async () => {
    const file = path.join(ROOT, "generator/src/io/console.ts");
    const options = { ...(await prettier.resolveConfig(file)), filepath: file };
    expect(options.printWidth).toBe(140);
    expect(await prettier.check("export function f( a:number ){return a}\n", options)).toBe(false);
    expect(await prettier.check("export function f(a: number) {\n  return a;\n}\n", options)).toBe(true);
  });
});
