// npm run test:cluster: the local-cluster tier. Brings the cluster up (test/cluster/infra/up.sh) unless it is
// already up, runs the scenarios (cluster.test.ts) with vitest inside the cluster's network namespace,
// tears the cluster down again (also on failure or Ctrl-C) and prints the tier's benchmark. Where it cannot
// run (not root, packages missing and no apt, or the upstream harbor chart neither in the chart cache nor in
// shared/charts/ beside the clone) it prints one NOT RUN line and exits 0.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { ROOT, chartCacheDir } from "../../generator/src/paths.js";
import { UPSTREAM_ARCHIVE } from "../../generator/src/chart/chart.js";
import { fillChartCache, SHARED_CHARTS } from "../helpers/upstream-cache.js";

const INFRA = path.join(ROOT, "test", "cluster", "infra");
const STATE = process.env.HE_CL_STATE ?? "/var/lib/he-cl";
const NEEDED = [
  "etcd",
  "containerd",
  "runc",
  "docker-registry",
  "go",
  "make",
  "rsync",
  "ip",
  "iptables",
  "nsenter",
  "unshare",
  "openssl",
  "curl",
  "busybox",
];

function has(cmd: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }).status === 0;
}

function notRun(why: string): never {
  console.log(`local-cluster tier: NOT RUN — ${why}`);
  process.exit(0);
}

if (process.getuid?.() !== 0) notRun("it needs root (network and mount namespaces, containerd, kubelet); run npm run test:cluster as root");
// every scenario installs the full chart: without the upstream chart there is nothing to install
if (!fillChartCache())
  notRun(
    `the upstream harbor chart ${UPSTREAM_ARCHIVE} is neither in the chart cache ${chartCacheDir()} (HARBOR_EDGE_CHART_CACHE) nor in ${SHARED_CHARTS}`,
  );
if (!has("apt-get") && NEEDED.some((c) => !has(c))) notRun(`no apt-get to install ${NEEDED.filter((c) => !has(c)).join(", ")}`);

const up = (): { seconds: number; kubeconfig: string; built: boolean } => {
  const started = Date.now();
  const r = spawnSync("sh", [path.join(INFRA, "up.sh")], { stdio: ["ignore", "pipe", "inherit"], encoding: "utf8" });
  if (r.status !== 0) throw new Error(`cluster:up failed (exit ${r.status})`);
  const k8s = fs.readFileSync(path.join(STATE, "k8s"), "utf8").trim();
  const built = fs.existsSync(path.join(k8s, "build-seconds")) && fs.statSync(path.join(k8s, "build-seconds")).mtimeMs >= started;
  return { seconds: (Date.now() - started) / 1000, kubeconfig: r.stdout.trim().split("\n").pop()!, built };
};
const down = () => spawnSync("sh", [path.join(INFRA, "down.sh")], { stdio: "inherit" }).status === 0;

const reuse = fs.existsSync(path.join(STATE, "ready"));
const benchFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "he-cl-bench-")), "bench.txt");
const lines: string[] = [];
let status = 1;
const stop = () => {
  if (!reuse) down();
  process.exit(130);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);

try {
  const first = up();
  const k8s = fs.readFileSync(path.join(STATE, "k8s"), "utf8").trim();
  const buildFile = path.join(k8s, "build-seconds");
  const build = fs.existsSync(buildFile) ? Number(fs.readFileSync(buildFile, "utf8")) : NaN;
  if (reuse) lines.push("cluster up: reused a running cluster (not timed)");
  else if (first.built) lines.push(`cluster up cold (Kubernetes built): ${first.seconds.toFixed(0)} s, of which the build ${build} s`);
  else
    lines.push(
      `cluster up warm: ${first.seconds.toFixed(0)} s` +
        (Number.isFinite(build) ? `; cold = this + the one-time build (${build} s, recorded when it ran)` : ""),
    );
  const holder = fs.readFileSync(path.join(STATE, "pids", "holder"), "utf8").trim();
  const r = spawnSync(
    "nsenter",
    [
      "-t",
      holder,
      "-n",
      "--",
      process.execPath,
      path.join(ROOT, "node_modules", "vitest", "vitest.mjs"),
      "run",
      "--config",
      path.join(ROOT, "vitest.cluster.config.ts"),
      ...process.argv.slice(2),
    ],
    { stdio: "inherit", cwd: ROOT, env: { ...process.env, HE_CL_STATE: STATE, HE_CL_BENCH_FILE: benchFile } },
  );
  status = r.status ?? 1;
  if (fs.existsSync(benchFile)) lines.push(...fs.readFileSync(benchFile, "utf8").trim().split("\n").filter(Boolean));
} catch (e) {
  console.error(`local-cluster tier: ${(e as Error).message}`);
  status = 1;
} finally {
  if (!reuse) {
    if (!down()) status = status || 1;
    // a cold run also measures a warm start, for the benchmark
    if (status === 0 && lines[0]?.startsWith("cluster up cold") && process.env.HE_CL_BENCH_WARM !== "0") {
      try {
        lines.push(`cluster up warm: ${up().seconds.toFixed(0)} s`);
      } finally {
        if (!down()) status = 1;
      }
    }
  }
}
fs.rmSync(path.dirname(benchFile), { recursive: true, force: true });
console.log("\nlocal-cluster tier benchmark:");
for (const l of lines) console.log(`  ${l}`);
process.exit(status);
