// npm run test:e2e: the real-cluster tier (kind + helm + Docker). Where Docker or kind is missing it says so in
// one line and does not run; otherwise it runs every scenario of test/e2e/*.e2e.ts with vitest.
import { spawnSync } from "node:child_process";

function works(cmd: string, args: string[]): boolean {
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 30_000 });
  return !r.error && r.status === 0;
}

const missing = [
  works("docker", ["info", "--format", "{{.ServerVersion}}"]) ? "" : "a running Docker engine",
  works("kind", ["version"]) ? "" : "kind",
].filter(Boolean);

if (missing.length) {
  console.log(`e2e (kind) tier: NOT RUN — it needs ${missing.join(" and ")} (plus network access to pull Harbor's images); run npm run test:e2e on a host that has them`);
  process.exit(0);
}
const r = spawnSync(process.execPath, ["node_modules/vitest/vitest.mjs", "run", "--config", "vitest.e2e.config.ts"], { stdio: "inherit" });
process.exit(r.status ?? 1);
