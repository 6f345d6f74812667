// The harbor-edge image: the CLI bundled into one file (generator/scripts/bundle.ts) runs with node alone, from an
// empty directory (no node_modules, no package.json beside it), as the image's entrypoint runs it; the Dockerfile
// puts exactly that file where its entrypoint names it, on a base with no shell, as the chart's uid.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { ROOT } from "../../generator/src/paths.js";
import { bundle } from "../../generator/scripts/bundle.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "harbor-edge-image-"));
const file = path.join(dir, "app", "harbor-edge.mjs");
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { version: string };
const run = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [file, ...args], {
    cwd: dir,
    env: { PATH: "/nonexistent", HOME: dir, ...env },
    encoding: "utf8",
    timeout: 30_000,
  });

beforeAll(async () => {
  await bundle(file);
}, 120_000);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("the bundled CLI (the image's program)", () => {
  it("is one file that runs alone: its version is the package's, compiled in", () => {
    expect(fs.readdirSync(path.dirname(file))).toEqual(["harbor-edge.mjs"]);
    const r = run(["--version"]);
    expect(r.stderr).toBe("");
    expect(r.stdout.trim()).toBe(pkg.version);
  });

  it("has the in-cluster commands, and each refuses bad input naming the variable, before any request", () => {
    const help = run(["--help"]);
    expect(help.stdout).toMatch(/^\s+configure\b/m);
    expect(help.stdout).toMatch(/^\s+report\b/m);
    const configure = run(["configure"]);
    expect(configure.status).toBe(2);
    expect(configure.stderr).toContain("HARBOR_URL");
    const report = run(["report"], { HARBOR_URL: "http://127.0.0.1:1" });
    expect(report.status).toBe(2);
    expect(report.stderr).toMatch(/HARBOR_ADMIN_PASSWORD|REPORT_ROBOT_SECRET|HARBOR_USERNAME/);
  });
});

describe("Dockerfile", () => {
  const text = fs.readFileSync(path.join(ROOT, "Dockerfile"), "utf8");
  const lines = text.split("\n").filter((l) => l && !l.startsWith("#"));

  it("copies the bundle to where its entrypoint runs it, with node as the entrypoint (no shell)", () => {
    const copy = lines.find((l) => l.startsWith("COPY --from=build"))!;
    const [, , from, to] = copy.split(/\s+/);
    expect(from).toBe("/src/dist/image/harbor-edge.mjs");
    const entry = JSON.parse(lines.find((l) => l.startsWith("ENTRYPOINT"))!.slice("ENTRYPOINT".length)) as string[];
    expect(entry).toEqual(["/nodejs/bin/node", to]);
    // the bundle is built by the same script the tests and the local-cluster tier use
    expect(lines.some((l) => /^RUN npm run bundle$/.test(l))).toBe(true);
    expect(JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).scripts.bundle).toBe("tsx generator/scripts/bundle.ts");
  });

  it("runs on a distroless Node base (no shell, no package manager) as the chart's uid, built once for every platform", () => {
    const froms = lines.filter((l) => l.startsWith("FROM "));
    expect(froms[0]).toMatch(/^FROM --platform=\$BUILDPLATFORM /);
    expect(froms.at(-1)).toMatch(/^FROM gcr\.io\/distroless\/nodejs\$\{NODE_MAJOR\}-debian12:nonroot$/);
    expect(lines).toContain("USER 10000:10000");
  });
});
