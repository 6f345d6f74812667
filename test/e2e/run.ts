// npm run test:e2e [-- FILE...]: the real-cluster tier (kind + helm + Docker). Where Docker or kind is missing it
// says so in one line and does not run; otherwise it runs the scenarios of test/e2e/*.e2e.ts with vitest: every
// file, or those whose path contains one of the FILE arguments (e.g. `-- test/e2e/drill.e2e.ts`, or `-- drill`).
import fs from "node:fs";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

/** The scenario files, as paths relative to the repository (test/e2e/NAME.e2e.ts). */
export function scenarioFiles(root = ROOT): string[] {
  return fs
    .readdirSync(path.join(root, "test", "e2e"))
    .filter((f) => f.endsWith(".e2e.ts"))
    .sort()
    .map((f) => `test/e2e/${f}`);
}

/**
 * vitest's arguments for the FILE arguments (a lone "--" ignored): each must name at least one scenario file (a part of its path),
 * else an Error naming the argument and the files there are; none: every file.
 */
export function vitestArgs(argv: string[], scenarios = scenarioFiles()): string[] {
  const files = argv.filter((a) => a !== "--"); // the separator some package managers pass on
  for (const f of files) {
    if (!f || f.startsWith("-") || !scenarios.some((s) => s.includes(f.replace(/^\.\//, "")))) {
      throw new Error(`npm run test:e2e: ${JSON.stringify(f)} names no scenario file; the files are ${scenarios.join(", ")}`);
    }
  }
  return ["node_modules/vitest/vitest.mjs", "run", "--config", "vitest.e2e.config.ts", ...files.map((f) => f.replace(/^\.\//, ""))];
}

function works(cmd: string, args: string[]): boolean {
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 30_000 });
  return !r.error && r.status === 0;
}

function main(argv: string[]): number {
  let args: string[];
  try {
    args = vitestArgs(argv);
  } catch (e) {
    console.error((e as Error).message);
    return 2;
  }
  const missing = [
    works("docker", ["info", "--format", "{{.ServerVersion}}"]) ? "" : "a running Docker engine",
    works("kind", ["version"]) ? "" : "kind",
  ].filter(Boolean);
  if (missing.length) {
    console.log(
      `e2e (kind) tier: NOT RUN — it needs ${missing.join(" and ")} (plus network access to pull Harbor's images); run npm run test:e2e on a host that has them`,
    );
    return 0;
  }
  const r = spawnSync(process.execPath, args, { stdio: "inherit", cwd: ROOT });
  return r.status ?? 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) process.exit(main(process.argv.slice(2)));
