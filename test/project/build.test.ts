// npm run build (generator/scripts/build.mjs): what an earlier build left for a module that is gone is removed,
// so nothing can load a module the sources no longer have (a moved file's old copy would hide the move).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
// @ts-expect-error plain JavaScript, no declarations
import { removeStale } from "../../generator/scripts/build.mjs";

describe("npm run build", () => {
  it("removes the .js and .js.map files of modules generator/src no longer has, and nothing else", () => {
    const T = fs.mkdtempSync(path.join(os.tmpdir(), "he-build-"));
    const src = path.join(T, "src"),
      dist = path.join(T, "dist");
    const put = (p: string) => {
      fs.mkdirSync(path.dirname(path.join(T, p)), { recursive: true });
      fs.writeFileSync(path.join(T, p), "x");
    };
    for (const p of [
      "src/cli.ts",
      "src/chart/chart.ts",
      "dist/cli.js",
      "dist/cli.js.map",
      "dist/chart/chart.js",
      "dist/helm/chart.js",
      "dist/helm/chart.js.map",
      "dist/upstream.js",
      "dist/cli-fast.cjs",
      "dist/spec/spec-validator.cjs",
    ])
      put(p);
    const removed = (removeStale(dist, src) as string[]).sort();
    expect(removed).toEqual(["helm/chart.js", "helm/chart.js.map", "upstream.js"]);
    expect(fs.existsSync(path.join(dist, "helm"))).toBe(false);
    for (const kept of ["cli.js", "cli.js.map", "chart/chart.js", "cli-fast.cjs", "spec/spec-validator.cjs"])
      expect(fs.existsSync(path.join(dist, kept)), kept).toBe(true);
    fs.rmSync(T, { recursive: true, force: true });
  });
});
