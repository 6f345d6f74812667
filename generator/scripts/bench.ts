// npm run bench (printed, not a timed test; BENCH_ONLY=startup runs section 0 alone):
//  0. start-up of --help and validate next to a bare node -e 0, with and without NODE_EXTRA_CA_CERTS;
//  1. wall time of `harbor-edge render` of the default spec (validate + values + helm template) next to a bare
//     `helm template` of the same chart with the same values and helm, as a ratio from one run, and the same
//     for the CLI before the speed work; `--help` and `validate`;
//  2. per example: pods, containers, summed CPU/memory requests and limits, and images of the full render,
//     next to the upstream chart's defaults rendered the same way (needs the upstream chart in the cache);
//  3. the configuration Job against the test Harbor API: requests sent and wall time to configured, on a fresh
//     Harbor and on a re-run, for harbor-edge configure and, side by side, the sh script it replaced;
//  4. the report with 50 running images on 3 nodes: time and Harbor requests, first run and all-held rerun, and
//     a rerun with the node check on (report.nodeCheck: the pods spread over the 3 nodes, their per-node results
//     read from one ConfigMap per node): time and requests to Harbor and to the Kubernetes API.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawnSync } from "node:child_process";
import yaml from "js-yaml";
import { findHelm } from "../src/chart/find.js";
import { prepareChart, helmTemplate, templateArgs, cachedUpstream, runHelm } from "../src/chart/chart.js";
import { ROOT, DEFAULT_SPEC, EXAMPLES_DIR } from "../src/paths.js";
import { readValidSpec } from "../src/spec/read.js";
import { valuesYaml } from "../src/values/build.js";
import { NAMES } from "../src/common/names.js";

const helm = findHelm();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "harbor-edge-bench-"));
const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;

function valuesFile(file: string): string {
  const out = path.join(tmp, `${path.basename(file)}.values.yaml`);
  fs.writeFileSync(out, valuesYaml(readValidSpec(file), path.basename(file)));
  return out;
}

// 1. CLI vs bare helm template: RUNS interleaved runs, the same helm for all (HARBOR_EDGE_HELM).
//    "before" is the CLI as it was before the speed work (BASELINE), built from git into a temporary directory.
const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const BASELINE = "f274a66";
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
/** CPU time of every child process waited for so far, helm under the CLI included (Linux; else undefined). */
function childrenCpuMs(): number | undefined {
  try {
    const stat = fs.readFileSync("/proc/self/stat", "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[13]) + Number(fields[14])) * 1000) / 100; // cutime + cstime, in USER_HZ (100)
  } catch {
    return undefined;
  }
}
interface Timing {
  wall: number;
  cpu?: number;
}
function timed(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Timing {
  const c0 = childrenCpuMs();
  const t0 = process.hrtime.bigint();
  const merged: NodeJS.ProcessEnv = { ...process.env, HARBOR_EDGE_HELM: helm.bin, ...env };
  for (const k of Object.keys(merged)) if (merged[k] === undefined) delete merged[k];
  const r = spawnSync(cmd, args, { encoding: "utf8", env: merged, maxBuffer: 256 * 1024 * 1024 });
  const wall = ms(t0);
  const c1 = childrenCpuMs();
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")}: ${r.stderr}`);
  return { wall, cpu: c0 === undefined || c1 === undefined ? undefined : c1 - c0 };
}
/** The CLI at BASELINE, built into tmp/before; undefined (with the reason) where git or that commit is missing. */
function baselineCli(): { bin?: string; why?: string } {
  const dir = path.join(tmp, "before");
  fs.mkdirSync(dir);
  const archive = spawnSync(
    "sh",
    ["-c", `git -C "$1" archive ${BASELINE} generator tsconfig.json package.json chart schemas examples | tar -x -C "$2"`, "sh", ROOT, dir],
    { encoding: "utf8" },
  );
  if (archive.status !== 0) return { why: `git archive ${BASELINE} failed (${archive.stderr.trim().split("\n")[0]})` };
  fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"));
  const tsc = spawnSync(process.execPath, [path.join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", dir], { encoding: "utf8" });
  if (tsc.status !== 0) return { why: `building ${BASELINE} failed: ${tsc.stdout.trim().split("\n")[0]}` };
  return { bin: path.join(dir, "generator", "bin", "harbor-edge.js") };
}
// 0. start-up, side by side with a bare `node -e 0` in the same interleaved runs: `--help` and `validate` through
//    the command users run (package.json "bin", generator/bin/harbor-edge.js through its #!/usr/bin/env node
//    line), without and with NODE_EXTRA_CA_CERTS set to the system bundle. Goal: at most 50 ms more than node.
const SYSTEM_BUNDLE = ["/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/cert.pem"].find((f) =>
  fs.existsSync(f),
);
{
  const bin = path.join(ROOT, "generator/bin/harbor-edge.js");
  const cases: Array<[string, string, string[]]> = [
    ["node -e 0", process.execPath, ["-e", "0"]],
    ["harbor-edge --help", bin, ["--help"]],
    ["harbor-edge validate", bin, ["validate", DEFAULT_SPEC]],
  ];
  const envs: Array<[string, NodeJS.ProcessEnv]> = [
    ["without NODE_EXTRA_CA_CERTS", { NODE_EXTRA_CA_CERTS: undefined, HARBOR_EDGE_EXTRA_CA_CERTS: undefined }],
  ];
  if (SYSTEM_BUNDLE)
    envs.push([`NODE_EXTRA_CA_CERTS=${SYSTEM_BUNDLE}`, { NODE_EXTRA_CA_CERTS: SYSTEM_BUNDLE, HARBOR_EDGE_EXTRA_CA_CERTS: undefined }]);
  const runs = Number(process.env.BENCH_STARTUP_RUNS ?? 30);
  const t = new Map<string, number[]>();
  const cpu = new Map<string, number[]>();
  for (const [label] of envs)
    for (const [name] of cases) {
      t.set(`${label}|${name}`, []);
      cpu.set(`${label}|${name}`, []);
    }
  for (const [, cmd, args] of cases) timed(cmd, args); // warm-up: the OS file cache, V8's code cache of validate and help
  for (let i = 0; i < runs; i++)
    for (const [label, env] of envs)
      for (const [name, cmd, args] of cases) {
        const r = timed(cmd, args, env);
        t.get(`${label}|${name}`)!.push(r.wall);
        if (r.cpu !== undefined) cpu.get(`${label}|${name}`)!.push(r.cpu);
      }
  // CPU time (user + system, summed over the runs: 10 ms ticks) depends less on what else the machine runs
  const cpuMean = (key: string) => (cpu.get(key)!.length === runs ? cpu.get(key)!.reduce((a, b) => a + b, 0) / runs : undefined);
  console.log(
    `start-up: ${runs} interleaved runs each, min and median wall time and their difference to node -e 0 of the same environment (goal: +50 ms at most)`,
  );
  for (const [label] of envs) {
    const base = t.get(`${label}|node -e 0`)!;
    console.log(`  ${label}:`);
    for (const [name] of cases) {
      const xs = t.get(`${label}|${name}`)!;
      const [lo, m] = [Math.min(...xs), median(xs)];
      const diff =
        name === "node -e 0"
          ? ""
          : `   +${(lo - Math.min(...base)).toFixed(0)} / +${(m - median(base)).toFixed(0)} ms ${m - median(base) <= 50 ? "(ok)" : "(over the goal)"}`;
      const [c, c0] = [cpuMean(`${label}|${name}`), cpuMean(`${label}|node -e 0`)];
      const cpuNote =
        c === undefined || c0 === undefined
          ? ""
          : name === "node -e 0"
            ? `; CPU ${c.toFixed(0)} ms`
            : `; CPU ${c.toFixed(0)} ms, +${(c - c0).toFixed(0)}`;
      console.log(`    ${name.padEnd(22)} min ${lo.toFixed(0).padStart(4)}, median ${m.toFixed(0).padStart(4)} ms${diff}${cpuNote}`);
    }
  }
  console.log("");
}
if (process.env.BENCH_ONLY === "startup") {
  fs.rmSync(tmp, { recursive: true, force: true });
  process.exit(0);
}

{
  // the command users run (package.json "bin"): generator/bin/harbor-edge.js through its #! line
  const cliBin = path.join(ROOT, "generator/bin/harbor-edge.js");
  const outDir = path.join(tmp, "out");
  const before = baselineCli();
  // warm-up: helm's version cache, the OS file cache
  timed(cliBin, ["render", DEFAULT_SPEC, "-o", outDir]);
  const chart = prepareChart();
  const vf = path.join(outDir, "values.yaml");
  const t = {
    bare: [] as Timing[],
    after: [] as Timing[],
    before: [] as Timing[],
    help: [] as Timing[],
    validate: [] as Timing[],
    node: [] as Timing[],
    nodeCa: [] as Timing[],
  };
  const extraCa = process.env.NODE_EXTRA_CA_CERTS;
  for (let i = 0; i < RUNS; i++) {
    t.bare.push(timed(helm.bin, templateArgs(chart.dir, { valuesFiles: [vf] })));
    t.after.push(timed(cliBin, ["render", DEFAULT_SPEC, "-o", outDir]));
    if (before.bin) t.before.push(timed(process.execPath, [before.bin, "render", DEFAULT_SPEC, "--out-dir", path.join(tmp, "out-before")]));
    t.help.push(timed(cliBin, ["--help"]));
    t.validate.push(timed(cliBin, ["validate", DEFAULT_SPEC]));
    t.node.push(timed(process.execPath, ["-e", "0"], { NODE_EXTRA_CA_CERTS: undefined }));
    if (extraCa) t.nodeCa.push(timed(process.execPath, ["-e", "0"], { NODE_EXTRA_CA_CERTS: extraCa }));
  }
  chart.cleanup();
  const wall = (xs: Timing[]) => median(xs.map((x) => x.wall));
  // the ratio of each run against the bare helm template of the same run, then the median: load that changes
  // during the bench moves both alike
  const ratio = (xs: Timing[]) => median(xs.map((x, i) => x.wall / t.bare[i].wall));
  const cpuRatio = (xs: Timing[]) =>
    xs.every((x) => x.cpu !== undefined) ? xs.reduce((a, x) => a + x.cpu!, 0) / t.bare.reduce((a, x) => a + x.cpu!, 0) : undefined;
  const cpuNote = (xs: Timing[]) => (cpuRatio(xs) === undefined ? "" : `, CPU time ${cpuRatio(xs)!.toFixed(2)}x`);
  const load = os.loadavg()[0];
  console.log(
    `helm ${helm.version}, ${chart.withUpstream ? "full chart" : "harbor-edge templates only (upstream chart not cached)"}; ${RUNS} interleaved runs; load average ${load.toFixed(1)} on ${os.cpus().length} CPUs`,
  );
  console.log(`bare helm template of the same chart and values:            ${wall(t.bare).toFixed(0)} ms`);
  console.log(
    `harbor-edge render (validate + values + helm template):     ${wall(t.after).toFixed(0)} ms   ratio ${ratio(t.after).toFixed(2)}x (goal <= 1.5x)${cpuNote(t.after)}`,
  );
  if (before.bin)
    console.log(
      `the same before the speed work (${BASELINE}):                 ${wall(t.before).toFixed(0)} ms   ratio ${ratio(t.before).toFixed(2)}x${cpuNote(t.before)}`,
    );
  else console.log(`before the speed work: not measured here (${before.why}); issue 12 recorded 1367 ms vs 228 ms, 6.0x, on 2026-12-01`);
  console.log(`harbor-edge --help:                                         ${wall(t.help).toFixed(0)} ms (goal < 150 ms)`);
  console.log(`harbor-edge validate (default spec):                        ${wall(t.validate).toFixed(0)} ms (goal < 150 ms)`);
  console.log(
    `node -e 0 (Node's own start-up):                            ${wall(t.node).toFixed(0)} ms` +
      (extraCa ? `; with NODE_EXTRA_CA_CERTS=${extraCa}, as set here: ${wall(t.nodeCa).toFixed(0)} ms` : ""),
  );
  if (load > os.cpus().length)
    console.log(
      `note: the machine is busy (load ${load.toFixed(1)} on ${os.cpus().length} CPUs): wall times are inflated, Node's single-threaded start-up more than multi-threaded helm; the CPU-time ratio depends on it less`,
    );
  console.log("");
}

// 2. footprint per example vs upstream defaults
// quantities arrive as strings or, when a chart writes `cpu: 1`, as numbers
const cpu = (raw?: string | number) => {
  if (raw === undefined) return 0;
  const q = String(raw);
  return q.endsWith("m") ? Number(q.slice(0, -1)) : Number(q) * 1000;
};
const mem = (raw?: string | number) => {
  if (raw === undefined) return 0;
  const m = /^([0-9.]+)(Ki|Mi|Gi|K|M|G)?$/.exec(String(raw));
  if (!m) return 0;
  const f: Record<string, number> = { Ki: 1 / 1024, Mi: 1, Gi: 1024, K: 1 / 1000, M: 1e6 / 1048576, G: 1e9 / 1048576 };
  return Number(m[1]) * (m[2] ? f[m[2]] : 1 / 1048576);
};

function footprint(manifests: string) {
  const objs = (yaml.loadAll(manifests) as any[]).filter(Boolean);
  let pods = 0,
    containers = 0,
    reqCpu = 0,
    reqMem = 0,
    limCpu = 0,
    limMem = 0,
    unbounded = 0;
  const images = new Set<string>();
  for (const o of objs) {
    const ps = ["Deployment", "StatefulSet"].includes(o.kind) ? o.spec.template.spec : undefined;
    if (!ps) continue;
    const replicas = o.spec.replicas ?? 1;
    pods += replicas;
    for (const c of [...(ps.initContainers ?? []), ...ps.containers]) {
      containers += replicas;
      images.add(c.image);
      reqCpu += replicas * cpu(c.resources?.requests?.cpu);
      reqMem += replicas * mem(c.resources?.requests?.memory);
      limCpu += replicas * cpu(c.resources?.limits?.cpu);
      limMem += replicas * mem(c.resources?.limits?.memory);
      if (!c.resources?.limits) unbounded += replicas;
    }
  }
  return {
    pods,
    containers,
    "requests cpu": `${reqCpu}m`,
    "requests mem": `${Math.round(reqMem)}Mi`,
    "limits cpu": `${limCpu}m`,
    "limits mem": `${Math.round(limMem)}Mi`,
    "no limits": unbounded,
    images: images.size,
  };
}

const upstream = cachedUpstream();
if (!upstream) {
  console.log("footprint: skipped — the upstream harbor chart is not in the chart cache (HARBOR_EDGE_CHART_CACHE)");
} else {
  const rows: Record<string, unknown> = {};
  const chart = prepareChart();
  for (const f of fs.readdirSync(EXAMPLES_DIR).filter((x) => x.endsWith(".yaml"))) {
    const r = helmTemplate(helm, chart.dir, { valuesFiles: [valuesFile(path.join(EXAMPLES_DIR, f))] });
    if (r.code !== 0) throw new Error(r.stderr);
    rows[f] = footprint(r.stdout);
  }
  chart.cleanup();
  const up = path.join(tmp, "upstream");
  fs.mkdirSync(up);
  spawnSync("tar", ["-xzf", upstream, "-C", up]);
  const r = runHelm(helm, ["template", "harbor", path.join(up, "harbor"), "--namespace", "harbor"]);
  if (r.code !== 0) throw new Error(r.stderr);
  rows["upstream defaults"] = footprint(r.stdout);
  console.table(rows);
}
// 3. the configuration Job
{
  const { render, HELMS } = await import("../../test/helpers/chart.js");
  const { startFakeHarbor } = await import("../../test/fakes/harbor-api.js");
  const { runJob } = await import("../../test/helpers/job.js");
  const { startKubeState } = await import("../../test/fakes/kube-api.js");
  const r = render({
    helm: HELMS[0],
    full: Boolean(cachedUpstream()),
    set: ["harbor-config.auth.password=Bench-Pass-1", "harbor-config.proxyCache.enabled=true"],
  });
  const { permittedProxyTypes } = await import("../../test/fakes/harbor-api.js");
  // the run keeps its state (the password it applied) in a Secret: a test Kubernetes API enforcing the Role.
  // side by side in this run: the program, and the sh script it replaced (from the git history, under dash),
  // each against a fresh test Harbor and Kubernetes API of its own, fresh and re-run
  const sh = oldConfigureScript();
  const rows: Record<string, unknown> = {};
  for (const [who, command] of [
    ["harbor-edge configure", undefined],
    ...(sh ? [["configure-harbor.sh (dash)", ["dash", sh]]] : []),
  ] as Array<[string, string[] | undefined]>) {
    const h = await startFakeHarbor({
      adminPassword: "Bench-Pass-1",
      online: true,
      ...(cachedUpstream() ? { permittedProxyTypes: permittedProxyTypes(r.objects) } : {}),
    });
    const k = await startKubeState({
      namespace: "harbor",
      role: r.objects.find((o) => o.kind === "Role" && o.metadata.name === NAMES.configure)!,
      secrets: r.objects.filter((o) => o.kind === "Secret"),
    });
    for (const run of ["fresh Harbor", "re-run"]) {
      const before = h.requests.length;
      const res = await runJob(r.objects, h.url, { kube: k, ...(command ? { command } : {}) });
      if (res.code !== 0) throw new Error(`${who}: ${res.stderr}`);
      const sent = h.requests.slice(before).filter((x) => !x.path.endsWith("/health"));
      rows[`${who}, ${run}`] = {
        requests: sent.length,
        writes: sent.filter((x) => x.method !== "GET").length,
        "wall ms (whole run)": res.ms,
      };
    }
    await h.close();
    await k.close();
  }
  console.log("\nconfiguration Job (2 projects, 5 proxy caches, the report's robot), from start to configured:");
  console.table(rows);
  if (!sh) console.log("  (the sh script it replaced is not in this clone's history: only the program was measured)");
}

/** chart/files/configure-harbor.sh as it was before harbor-edge configure replaced it, or undefined. */
function oldConfigureScript(): string | undefined {
  const r = spawnSync("git", ["-C", ROOT, "log", "-1", "--format=%H", "--diff-filter=D", "--", "chart/files/configure-harbor.sh"], {
    encoding: "utf8",
  });
  const deleted = r.status === 0 ? r.stdout.trim() : "";
  if (!deleted || spawnSync("sh", ["-c", "command -v dash"]).status !== 0) return undefined;
  const text = spawnSync("git", ["-C", ROOT, "show", `${deleted}^:chart/files/configure-harbor.sh`], {
    encoding: "utf8",
    maxBuffer: 4 << 20,
  });
  if (text.status !== 0) return undefined;
  const file = path.join(tmp, "configure-harbor.sh");
  fs.writeFileSync(file, text.stdout, { mode: 0o555 });
  return file;
}

// 4. the report with 50 running images on a cluster of 3 nodes: the first run (Harbor fetches every image) and a
//    rerun where all are held, time and requests (the goal: at most one Harbor request per image on the rerun)
await (async () => {
  const { registryUnavailable, startRegistry } = await import("../../test/helpers/docker-registry.js");
  const why = registryUnavailable();
  if (why) {
    console.log(`\nreport benchmark: skipped — ${why}`);
    return;
  }
  const { startFakeHarborProxy } = await import("../../test/fakes/harbor-proxy.js");
  const { startFakeKubeApi } = await import("../../test/fakes/kube-api.js");
  const { testImage, pushImage } = await import("../../test/helpers/oci-images.js");
  const { Registry } = await import("../src/registry/distribution.js");
  const { BIN } = await import("../../test/helpers/cli.js");
  const { spawn } = await import("node:child_process");
  const N = 50;
  const upstream = await startRegistry("bench-report-up");
  const storage = await startRegistry("bench-report-storage");
  const up = new Registry({ url: upstream.url });
  for (let i = 0; i < N; i++) await pushImage(up, `bench/app${i}`, "1", testImage(`bench app ${i}`));
  const robot = { username: "robot$harbor-edge-report", password: "Bench-Robot-1" };
  const harbor = await startFakeHarborProxy({
    adminPassword: "Bench-Pass-1",
    storage: storage.url,
    projects: [{ name: "docker.io", public: true, upstream: upstream.url }],
    intervalMs: 100,
    robots: { [robot.username]: robot.password },
  });
  const pods = Array.from({ length: N }, (_, i) => ({ namespace: "default", name: `app${i}`, containers: [`docker.io/bench/app${i}:1`] }));
  const kube = await startFakeKubeApi({
    nodes: ["edge-1", "edge-2", "edge-3"].map((name) => ({ name })),
    namespaces: [{ name: "default" }, { name: "harbor" }],
    pods,
    configMaps: [{ namespace: "harbor", name: NAMES.statusConfigMap }],
    secrets: [{ namespace: "harbor", name: NAMES.reportRobotSecret, data: robot }],
  });
  const token = path.join(tmp, "kube-token");
  fs.writeFileSync(token, kube.token);
  const env = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: tmp,
    HARBOR_URL: harbor.url,
    KUBE_API: kube.url,
    KUBE_TOKEN_FILE: token,
    POD_NAMESPACE: "harbor",
    REPORT_ROBOT_SECRET: NAMES.reportRobotSecret,
    HARBOR_PROXY_REGISTRIES: "docker.io docker.io https://hub.docker.com docker-hub",
    REPORT_POLL_SECONDS: "1",
  };
  const rows: Record<string, unknown> = {};
  const NODE_CHECK_RUN = "rerun, node check on (3 nodes)";
  for (const run of ["first run (Harbor fetches all)", "rerun (all held)", NODE_CHECK_RUN]) {
    const nodeCheck = run === NODE_CHECK_RUN;
    if (nodeCheck) {
      // the pods spread over the nodes, and each node's result as the node-check DaemonSet writes it
      const { configMapName, resultData, COMPONENT_LABEL, COMPONENT } = await import("../src/nodecheck/in-cluster.js");
      const nodes = ["edge-1", "edge-2", "edge-3"];
      const byNode = new Map<string, string[]>(nodes.map((n) => [n, []]));
      pods.forEach((p, i) => {
        const pod = kube.get("pods", p.namespace, p.name);
        kube.put({ ...pod, spec: { ...pod.spec, nodeName: nodes[i % 3] } });
        byNode.get(nodes[i % 3])!.push(p.containers[0]);
      });
      const checkedAt = new Date().toISOString().replace(/\.\d+Z$/, "Z");
      for (const [node, images] of byNode) {
        const result = {
          node,
          platform: "linux/amd64",
          checkedAt,
          hostDir: "/etc/containerd/certs.d",
          images: images.map((image) => ({ image, ok: true })),
        };
        kube.put({
          kind: "ConfigMap",
          apiVersion: "v1",
          metadata: { name: configMapName(node), namespace: "harbor", labels: { [COMPONENT_LABEL]: COMPONENT } },
          data: resultData(node, result, 0),
        });
      }
    }
    const before = harbor.requests.length;
    const kubeBefore = kube.requests.length;
    const t0 = process.hrtime.bigint();
    const child = spawn(process.execPath, [BIN, "report"], {
      env: nodeCheck ? { ...env, NODE_CHECK_NAMESPACE: "harbor", NODE_CHECK_INTERVAL_SECONDS: "300" } : env,
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    const code = await new Promise<number>((r) => child.on("close", (c) => r(c ?? 1)));
    if (code !== 0) throw new Error(`report: ${stderr}`);
    const sent = harbor.requests.slice(before).filter((x) => !x.path.endsWith("/health"));
    const status = kube.configMap("harbor", NAMES.statusConfigMap)?.data;
    const nodes = status?.nodes
      ? (JSON.parse(status.nodes) as Array<{ name: string; held: number; total: number }>).map((n) => `${n.held}/${n.total}`).join(" ")
      : "not measured";
    rows[run] = {
      "wall ms": Math.round(ms(t0)),
      "Harbor requests": sent.length,
      "per image": +(sent.length / N).toFixed(2),
      "Kubernetes requests": kube.requests.length - kubeBefore,
      nodes,
      summary: status?.summary.slice(0, 48),
    };
  }
  await harbor.settled();
  await harbor.close();
  await kube.close();
  await upstream.close();
  await storage.close();
  console.log(`\nreport: ${N} running images on 3 nodes (one platform), harbor-edge report against the test Harbor:`);
  console.table(rows);
})();
fs.rmSync(tmp, { recursive: true, force: true });
