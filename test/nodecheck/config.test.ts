// The containerd config_path rule, one table (test/helpers/nodecheck-config-cases.ts) for both the check's
// TypeScript and chart/files/node-mirror.sh `check` run by dash: the two must agree on every case.
import { describe, it, expect, afterAll } from "vitest";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { checkConfigText, checkContainerdConfig } from "../../generator/src/nodecheck/config.js";
import { CONFIG_CASES, CASE_HOST_DIR } from "../helpers/nodecheck-config-cases.js";
import { ROOT } from "../../generator/src/paths.js";

const T = fs.mkdtempSync(path.join(os.tmpdir(), "he-nodecheck-config-"));
afterAll(() => fs.rmSync(T, { recursive: true, force: true }));
const SCRIPT = path.join(ROOT, "chart/files/node-mirror.sh");
const fileFor = (i: number, text: string | undefined) => {
  const f = path.join(T, `config-${i}.toml`);
  if (text !== undefined) fs.writeFileSync(f, text);
  return f;
};

describe("config_path: the TypeScript check", () => {
  it.each(CONFIG_CASES.map((c, i) => [c.name, c, i] as const))("%s", (_n, c, i) => {
    const r = checkContainerdConfig(fileFor(i, c.text), CASE_HOST_DIR);
    expect(r.ok).toBe(c.ok);
    expect(r.detail).toContain(c.says);
    expect(checkConfigText(c.text, `${CASE_HOST_DIR}/`, "config.toml").ok).toBe(c.ok);
  });
});

describe.skipIf(!fs.existsSync("/usr/bin/dash") && !fs.existsSync("/bin/dash"))(
  "config_path: node-mirror.sh check (dash), the same table",
  () => {
    it.each(CONFIG_CASES.map((c, i) => [c.name, c, i] as const))("%s", (_n, c, i) => {
      const r = spawnSync("dash", [SCRIPT, "check"], {
        encoding: "utf8",
        env: {
          PATH: process.env.PATH,
          NODE_MIRROR_HOST_DIR: T,
          NODE_MIRROR_HOST_DIR_ON_NODE: CASE_HOST_DIR,
          NODE_MIRROR_CONTAINERD_CONFIG: fileFor(i, c.text),
          NODE_NAME: "node-1",
        },
      });
      expect(r.status, r.stdout + r.stderr).toBe(c.ok ? 0 : 1);
      expect(r.stdout).toContain(c.says);
    });
  },
);
