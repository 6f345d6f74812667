// One version for the CLI, the chart and the pack, from package.json; a CHANGELOG section for it; the licence.
import { describe, it, expect } from "vitest";
import fs from "node:fs";
import path from "node:path";
import yaml from "js-yaml";
import { ROOT } from "../../generator/src/paths.js";
import { cli } from "../helpers/cli.js";

const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));

describe("one version", () => {
  it("chart/Chart.yaml's version is package.json's (else: run npm run generate)", () => {
    const chart = yaml.load(fs.readFileSync(path.join(ROOT, "chart", "Chart.yaml"), "utf8")) as { version: string; appVersion: string };
    expect(chart.version).toBe(pkg.version);
  });

  it("harbor-edge --version prints it", () => {
    const r = cli(["--version"]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(pkg.version);
  });

  it("CHANGELOG.md has a section for it", () => {
    const changelog = fs.readFileSync(path.join(ROOT, "CHANGELOG.md"), "utf8");
    const sections = [...changelog.matchAll(/^## \[?v?([0-9][^\]\s]*)/gm)].map((m) => m[1]);
    expect(sections[0]).toBe(pkg.version);
  });

  it("the package is publishable: not private, Apache-2.0 with the licence text, a bin, files and engines", () => {
    expect(pkg.private).toBeUndefined();
    expect(pkg.license).toBe("Apache-2.0");
    expect(fs.readFileSync(path.join(ROOT, "LICENSE"), "utf8")).toMatch(
      /Apache License\s+Version 2\.0, January 2004[\s\S]*END OF TERMS AND CONDITIONS/,
    );
    expect(pkg.bin).toEqual({ "harbor-edge": "generator/bin/harbor-edge.js" });
    expect(fs.readFileSync(path.join(ROOT, pkg.bin["harbor-edge"]), "utf8")).toMatch(/^#!\/usr\/bin\/env node\n/);
    expect(pkg.files).toEqual(expect.arrayContaining(["generator/dist/", "chart/", "schemas/"]));
    expect(pkg.engines.node).toMatch(/^>=\s*20/);
  });
});
