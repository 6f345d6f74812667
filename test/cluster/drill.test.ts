// The outage drill (issue 17 item 3) on the local cluster's nodes: Harbor's proxy cache keeps every node
// pulling while "the internet" is cut, and what the report predicts before the cut is what fails in it.
//
//  1. the chart with the node-mirror DaemonSet on every node (its configuration and report Jobs against the
//     test Harbor's API), the nodes' host files checked, the report awaited;
//  2. the cut: every workload pod deleted and its image removed from both nodes' containerd; every pod comes
//     back, on both nodes, from Harbor: the upstream is unreachable and the front's log shows each node's
//     pulls of the manifest and the layer after the cut;
//  3. a third node joins during the outage with the files of `harbor-edge node-config` (the DaemonSet's bytes)
//     in place before its containerd starts, and runs a workload pinned to it;
//  4. a roll of the DaemonSet during the outage keeps every node's host files (watched every 100 ms; the
//     script restores only when its DaemonSet is gone), and a pod deleted with its image afterwards comes back;
//  5. containerd and the kubelet of a node restarted during the outage: its pods run again, and a pod deleted
//     with its image afterwards comes back;
//  6. the defects the report must predict, injected before a second cut: Harbor's certificate without the
//     address the third node dials (the front gives that node, on the nodes' address, a certificate from the
//     same CA without it; the Jobs' address :443 serves every client the good one), a
//     private project (401 to anonymous pulls), a project whose token realm names a host that does not
//     resolve, and an image never pulled through Harbor (loaded onto the nodes from the upstream). Before the cut every pod
//     runs (containerd quietly falls back to the upstream); after it exactly the predicted (image, node)
//     pairs fail and the others come back. The predictions made before the cut are checked against that:
//     `harbor-edge node-check` on each node (in its namespaces) and the report with the node-check DaemonSet on
//     (harbor-edge-status, key `nodes`: one function, reportPredicts(); without that key it logs NOT RUN), its
//     Job run on the third node (a pod of the node that joined late reaches the API server and Harbor) and
//     required to finish.
//
// Stand-ins, as in outage.test.ts: the DaemonSet runs the tier's busybox + curl image; Harbor's proxy-cache
// project is Debian's docker-registry in pull-through mode behind a TLS front (front.ts) with the release's
// certificate at 10.213.0.1:8443 (nodeMirror.addresses; every node routes there) and :443 (the Jobs, through
// the DNS stand-in), which forwards Harbor's API to the test Harbor. "The internet" is a network namespace
// joined to the first node's by the veth pair he-cl-up0/he-cl-up1, holding three upstream registries; every
// node routes to it through the first node. The cut deletes those routes on every node and ends the
// connections open across them (ss -K).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import crypto from "node:crypto";
import { spawnSync, type ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HELMS } from "../helpers/chart.js";
import { ROOT } from "../../generator/src/paths.js";
import {
  bench,
  chartDir,
  cleanupChart,
  ensureNamespace,
  getJson,
  helm,
  helmAsync,
  kubectl,
  kubectlOk,
  cronJobRuns,
  NODE_IP,
  nodeFiles,
  nodeIp,
  NODES,
  secretData,
  specFile,
  STAND_IN_CORE_ARGS,
  STATE,
  valuesFor,
} from "./kube.js";
import { NAMES } from "../../generator/src/common/names.js";
import { Processes, runOk } from "../helpers/process.js";
import { waitFor } from "../helpers/wait.js";
import { registryConfig } from "../helpers/docker-registry.js";
import { imageFromLayer, NODE_ARCH, pushImage } from "../helpers/oci-images.js";
import { startFakeHarbor, type FakeHarbor } from "../fakes/harbor-api.js";
import { startDns, type Dns } from "./dns.js";
import { signedCert } from "../helpers/openssl-certs.js";

const h = HELMS.find((x) => x.major === 3) ?? HELMS[0];
const applyArgs = h.major >= 4 ? ["--server-side=false"] : [];
const RELEASE = "harbor";
const NS = "drill";
const PASSWORD = "Drill-Passw0rd-1";
const JOINER = "he-cl-node-3";
const ALL = [...NODES, JOINER];
const INTERNET = {
  net: "10.213.10.0/30",
  here: "10.213.10.1/30",
  there: "10.213.10.2/30",
  gateway: "10.213.10.1",
  link: "he-cl-up0",
  peer: "he-cl-up1",
};
const UP = { a: "10.213.10.2:5001", b: "10.213.10.2:5002", c: "10.213.10.2:5003" } as const;
const project = (u: string) => u.replace(":", "-");
const FRONT = `${NODE_IP}:8443`;
const MIRROR = "127.0.0.1:5202";
const UNRESOLVABLE_REALM = "https://harbor-token.he-cl.invalid/service/token";
const RUN_ID = crypto.randomBytes(6).toString("hex");
const T = fs.mkdtempSync(path.join(os.tmpdir(), "he-cl-drill-"));
const FRONT_LOG = path.join(T, "front.jsonl");
const FRONT_CONFIG = path.join(T, "front.json");
const NODE_SH = path.join(ROOT, "test", "cluster", "infra", "node.sh");
const P = new Processes(T);

/** The drill's images: each its own layer (busybox and a file naming the run and the image), shared with nothing. */
const IMAGES = {
  one: { upstream: UP.a, repo: "drill/one" },
  two: { upstream: UP.a, repo: "drill/two" },
  late: { upstream: UP.a, repo: "drill/late" }, // never pulled through Harbor: loaded onto the nodes from the upstream directly
  private: { upstream: UP.b, repo: "drill/private" },
  realm: { upstream: UP.c, repo: "drill/realm" },
} as const;
type ImageKey = keyof typeof IMAGES;
const ref = (k: ImageKey) => `${IMAGES[k].upstream}/${IMAGES[k].repo}:${RUN_ID}`;

const missing = ["docker-registry", "ctr", "unshare", "nsenter", "ip", "ss", "tar", "openssl"].filter(
  (c) => spawnSync("sh", ["-c", `command -v ${c}`]).status !== 0,
);
const skip = missing.length > 0 || !fs.existsSync(nodeFiles(NODES[1]).containerdConfig);
if (skip)
  console.log(
    `local-cluster drill scenario: NOT RUN — ${missing.length ? `missing ${missing.join(", ")}` : "the tier has no second node (an older cluster:up)"}`,
  );

const run = (cmd: string, args: string[], input?: string): string => runOk(cmd, args, { input, timeoutMs: 120_000 });
const start = (name: string, argv: string[], cwd = T): ChildProcess => P.start(name, argv, { cwd });
const logOf = (name: string) => P.log(name);
/** The PID whose namespaces are the node's (the first node's: the cluster's holder). */
const holderOf = (node: string) =>
  fs.readFileSync(path.join(STATE, "pids", node === NODES[0] ? "holder" : `${node}-holder`), "utf8").trim();
const inNode = (node: string, cmd: string[]) => run("nsenter", ["-t", holderOf(node), "-n", "--", ...cmd]);
const present = (node: string) => fs.existsSync(path.join(STATE, "nodes", node, "index"));
const nodesUp = () => ALL.filter(present);
const indexOf = (node: string) => Number(fs.readFileSync(path.join(STATE, "nodes", node, "index"), "utf8"));

// --- the internet, its cut ------------------------------------------------------------------------
async function startInternet(): Promise<number> {
  const holder = start("internet", ["unshare", "--net", "sleep", "infinity"]);
  const ours = fs.readlinkSync("/proc/self/ns/net");
  await waitFor(
    "the internet namespace",
    () => fs.existsSync(`/proc/${holder.pid}/ns/net`) && fs.readlinkSync(`/proc/${holder.pid}/ns/net`) !== ours,
    { ms: 10_000, everyMs: 200 },
  );
  run("ip", ["link", "add", INTERNET.link, "type", "veth", "peer", "name", INTERNET.peer]);
  run("ip", ["link", "set", INTERNET.peer, "netns", String(holder.pid)]);
  run("ip", ["addr", "add", INTERNET.here, "dev", INTERNET.link]);
  run("ip", ["link", "set", INTERNET.link, "up"]);
  // the way back to every node (their addresses) goes through the first node
  run("nsenter", [
    "-t",
    String(holder.pid),
    "-n",
    "sh",
    "-c",
    `ip link set lo up && ip addr add ${INTERNET.there} dev ${INTERNET.peer} && ip link set ${INTERNET.peer} up && ip route add 10.213.0.0/24 via ${INTERNET.gateway}`,
  ]);
  return holder.pid!;
}
/** Every node routes to the internet (the first node directly, the others through it). */
function connect(): void {
  for (const n of nodesUp()) {
    if (n === NODES[0]) {
      if (!routes(n)) run("ip", ["route", "add", INTERNET.net, "dev", INTERNET.link]);
    } else inNode(n, ["ip", "route", "replace", INTERNET.net, "via", NODE_IP]);
  }
}
const routes = (n: string) => inNode(n, ["ip", "route", "show", INTERNET.net]).trim();
/** The cut: no node has a route to the internet, and the connections open across it end (as TCP's retries would end them). */
function cut(): void {
  for (const n of nodesUp()) {
    if (routes(n)) inNode(n, ["ip", "route", "del", INTERNET.net]);
    inNode(n, ["ss", "-K", "-Htn", "dst", INTERNET.there.split("/")[0]]);
    expect(routes(n), n).toBe("");
    expect(inNode(n, ["ss", "-Htn", "dst", INTERNET.there.split("/")[0]]).trim(), `${n}: ss -K needs CONFIG_INET_DIAG_DESTROY`).toBe("");
  }
  expect(spawnSync("curl", ["-sf", "-o", "/dev/null", "--max-time", "3", `http://${UP.a}/v2/`]).status).not.toBe(0);
  expect(
    run("nsenter", [
      "-t",
      String(P.get("internet")!.pid),
      "-n",
      "curl",
      "-sf",
      "-o",
      "/dev/null",
      "-w",
      "%{http_code}",
      `http://${UP.a}/v2/`,
    ]),
  ).toBe("200");
}

async function startRegistry(name: string, addr: string, o: { proxy?: string; netnsOf?: number } = {}): Promise<void> {
  const f = path.join(T, `${name}.yml`);
  fs.writeFileSync(f, registryConfig({ addr, storage: path.join(T, `${name}-data`), proxy: o.proxy, accessLog: true }));
  start(name, [...(o.netnsOf ? ["nsenter", "-t", String(o.netnsOf), "-n", "--"] : []), "docker-registry", "serve", f]);
  await waitFor(`${name} to listen`, () => /listening on /.test(logOf(name)), { ms: 30_000, everyMs: 500 });
}

function makeImage(k: ImageKey) {
  const root = path.join(T, `root-${k}`);
  fs.mkdirSync(path.join(root, "bin"), { recursive: true });
  fs.copyFileSync("/bin/busybox", path.join(root, "bin", "busybox"));
  fs.chmodSync(path.join(root, "bin", "busybox"), 0o755);
  for (const a of ["sh", "sleep"]) fs.symlinkSync("busybox", path.join(root, "bin", a));
  fs.writeFileSync(path.join(root, "drill-run"), `${RUN_ID} ${k}\n`);
  const tar = spawnSync("tar", ["--sort=name", "--owner=0", "--group=0", "--numeric-owner", "--mtime=@0", "-C", root, "-cf", "-", "."], {
    maxBuffer: 64 * 1024 * 1024,
  });
  if (tar.status !== 0) throw new Error(`tar: ${String(tar.stderr)}`);
  const img = imageFromLayer(tar.stdout, { architecture: NODE_ARCH, Env: ["PATH=/bin"], Entrypoint: ["/bin/sh"] });
  return {
    ...img,
    diffId: `sha256:${crypto
      .createHash("sha256")
      .update(tar.stdout as Buffer)
      .digest("hex")}`,
  };
}
const built = skip
  ? ({} as Record<ImageKey, ReturnType<typeof makeImage>>)
  : (Object.fromEntries((Object.keys(IMAGES) as ImageKey[]).map((k) => [k, makeImage(k)])) as Record<
      ImageKey,
      ReturnType<typeof makeImage>
    >);

// --- the front's log --------------------------------------------------------------------------------
type Entry = {
  t: number;
  client: string;
  san: string;
  method?: string;
  path?: string;
  route?: string | null;
  status?: number;
  tlsError?: string;
};
const frontLog = (since = 0): Entry[] =>
  fs.existsSync(FRONT_LOG)
    ? fs
        .readFileSync(FRONT_LOG, "utf8")
        .trim()
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Entry)
        .filter((e) => e.t >= since)
    : [];
const nodeOfClient = (ip: string) => ALL.find((n) => present(n) && nodeIp(indexOf(n)) === ip) ?? ip;
const manifestPath = (k: ImageKey) => `/v2/${project(IMAGES[k].upstream)}/${IMAGES[k].repo}/manifests/${RUN_ID}`;
const layerPath = (k: ImageKey) => `/v2/${project(IMAGES[k].upstream)}/${IMAGES[k].repo}/blobs/${built[k].layer.digest}`;
/** Did the node fetch the image's manifest and its layer from the front (200) since `t`? */
const servedTo = (k: ImageKey, node: string, since: number) => {
  const mine = frontLog(since).filter((e) => nodeOfClient(e.client) === node && e.status === 200);
  return mine.some((e) => e.path === manifestPath(k)) && mine.some((e) => e.path === layerPath(k));
};
function writeFrontConfig(
  defects: { private?: string[]; badRealm?: Array<{ prefix: string; realm: string }>; badSan?: string[]; badSanOn?: string[] },
  fallbackPort: number,
): void {
  fs.writeFileSync(
    FRONT_CONFIG,
    JSON.stringify({
      listen: [FRONT, `${NODE_IP}:443`],
      cert: path.join(T, "tls.crt"),
      key: path.join(T, "tls.key"),
      badCert: path.join(T, "bad-san.crt"),
      badKey: path.join(T, "bad-san.key"),
      log: FRONT_LOG,
      routes: [{ prefix: `/v2/${project(UP.a)}/`, target: `http://${MIRROR}/v2/` }],
      // what the report asks Harbor's artifacts API about the proxy-cache projects, answered from what the
      // mirror holds (the other two projects hold nothing)
      held: Object.values(UP).map((u) => ({
        project: project(u),
        storage: u === UP.a ? path.join(T, "mirror-data") : path.join(T, "empty"),
      })),
      fallback: `http://127.0.0.1:${fallbackPort}`,
      ...defects,
    }),
  );
}

// --- workloads: one Deployment per (image, node), pinned to the node --------------------------------
const wname = (k: ImageKey, node: string) => `w-${k}-${indexOf(node)}`;
function deploy(k: ImageKey, node: string): void {
  const d = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: wname(k, node), namespace: NS, labels: { app: "drill" } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: "drill", w: wname(k, node) } },
      template: {
        metadata: { labels: { app: "drill", w: wname(k, node), image: k } },
        spec: {
          nodeName: node,
          terminationGracePeriodSeconds: 0,
          containers: [
            {
              name: "app",
              image: ref(k),
              imagePullPolicy: "IfNotPresent",
              command: ["sleep", "3600"],
              resources: { requests: { cpu: "1m", memory: "4Mi" } },
            },
          ],
        },
      },
    },
  };
  kubectlOk(["apply", "-f", "-"], JSON.stringify(d));
}
const workloads = () =>
  (getJson(["get", "deployments", "-n", NS, "-l", "app=drill"]).items as any[]).map((d) => ({
    name: d.metadata.name as string,
    node: d.spec.template.spec.nodeName as string,
    image: d.spec.template.metadata.labels.image as ImageKey,
  }));
const pods = () => (getJson(["get", "pods", "-n", NS, "-l", "app=drill"]).items as any[]).filter((p) => !p.metadata.deletionTimestamp);
const podOf = (w: string) => pods().find((p) => p.metadata.labels.w === w);
const isRunning = (p: any) => p && p.status.phase === "Running" && p.status.containerStatuses?.[0]?.ready;
const waitingReason = (p: any) => p?.status.containerStatuses?.[0]?.state?.waiting?.reason as string | undefined;
const scale = (names: string[], n: number) => names.length && kubectlOk(["scale", "deployment", ...names, "-n", NS, `--replicas=${n}`]);

// --- a node's containerd -------------------------------------------------------------------------
const ctr = (node: string, ...args: string[]) =>
  spawnSync("ctr", ["--address", nodeFiles(node).sock, "--namespace", "k8s.io", ...args], { encoding: "utf8" });
const ctrLines = (node: string, ...args: string[]) =>
  ctr(node, ...args)
    .stdout.split("\n")
    .slice(1)
    .filter(Boolean)
    .map((l) => l.trim().split(/\s+/));
/** Removes the images from the node once the kubelet has removed their containers: every name, the content, the unpacked layer. */
async function removeImages(node: string, keys: ImageKey[]): Promise<void> {
  const refs = keys.map(ref);
  await waitFor(
    `the kubelet of ${node} to remove the containers of ${keys.join(", ")}`,
    () => !ctrLines(node, "containers", "ls").some((f) => refs.includes(f[1])),
    { ms: 180_000, everyMs: 1000 },
  );
  for (const k of keys) {
    const names = ctrLines(node, "images", "ls")
      .filter((f) => f[2] === built[k].digest)
      .map((f) => f[0]);
    if (names.length) expect(ctr(node, "images", "rm", "--sync", ...names).status).toBe(0);
  }
  ctr(node, "content", "prune", "references");
  const content = ctr(node, "content", "ls", "-q").stdout.split("\n");
  for (const k of keys) {
    expect(
      ctrLines(node, "images", "ls").filter((f) => f[2] === built[k].digest),
      `${k} on ${node}`,
    ).toEqual([]);
    expect(content).not.toContain(built[k].layer.digest);
  }
  await waitFor(
    `containerd on ${node} to remove the unpacked layers`,
    () => {
      const snaps = ctrLines(node, "snapshots", "ls").map((f) => f[0]);
      return keys.every((k) => !snaps.includes(built[k].diffId));
    },
    { ms: 60_000, everyMs: 1000 },
  );
}

/** Deletes the workloads' pods (scaled to 0), removes their images from their nodes, scales them back. */
async function deleteAndRemove(ws: Array<{ name: string; node: string; image: ImageKey }>): Promise<void> {
  scale(
    ws.map((w) => w.name),
    0,
  );
  await waitFor("the pods to be gone", () => !pods().some((p) => ws.some((w) => w.name === p.metadata.labels.w)), {
    ms: 120_000,
    everyMs: 1000,
  });
  const byNode = new Map<string, ImageKey[]>();
  for (const w of ws) byNode.set(w.node, [...new Set([...(byNode.get(w.node) ?? []), w.image])]);
  for (const [node, keys] of byNode) await removeImages(node, keys);
  scale(
    ws.map((w) => w.name),
    1,
  );
}

const nodeReady = (node: string) => {
  const r = kubectl(["get", "node", node, "-o", "json"]);
  return r.code === 0 && (JSON.parse(r.stdout).status?.conditions ?? []).some((c: any) => c.type === "Ready" && c.status === "True");
};
const events = (pod: string) =>
  (getJson(["get", "events", "-n", NS, "--field-selector", `involvedObject.name=${pod}`]).items as any[]).map(
    (e) => `${e.reason}: ${e.message}`,
  );
const diagnose = (ws: Array<{ name: string }>, since: number) => () =>
  [
    ...ws.map((w) => {
      const p = podOf(w.name);
      return `${w.name}: ${p ? `${p.status.phase} ${waitingReason(p) ?? ""} ${events(p.metadata.name).slice(-3).join(" | ")}` : "no pod"}`;
    }),
    "front since:",
    ...frontLog(since)
      .slice(-30)
      .map((e) => `${nodeOfClient(e.client)} ${e.san} ${e.method ?? ""} ${e.path ?? e.tlsError} ${e.status ?? ""}`),
  ].join("\n");
async function allRunning(ws: Array<{ name: string }>, since: number, ms = 180_000): Promise<void> {
  await waitFor(`${ws.map((w) => w.name).join(", ")} to run`, () => ws.every((w) => isRunning(podOf(w.name))), {
    ms,
    everyMs: 1000,
    diagnose: diagnose(ws, since),
  });
}

// --- the host files ---------------------------------------------------------------------------------
const hostFile = (node: string, reg: string, f = "hosts.toml") => path.join(nodeFiles(node).hostDir, reg, f);
const read = (f: string) => (fs.existsSync(f) ? fs.readFileSync(f, "utf8") : undefined);

/**
 * The report's prediction against the drill: harbor-edge-status's `nodes`, as the drill's report run wrote it (a JSON array of {name, held, total,
 * missing[], checkedAt}) must say not-ready for exactly the (image, node) pairs that failed, and nothing for
 * the others. Without that key (the per-node check not in this build, or not run) it logs NOT RUN.
 */
function reportPredicts(data: Record<string, string>, failed: Array<[string, string]>, ok: Array<[string, string]>): void {
  if (data.nodes === undefined) {
    console.log(
      `  report prediction: NOT RUN — harbor-edge-status has no key \`nodes\` (keys: ${Object.keys(data).join(", ") || "none"}); the per-node check is not in this build`,
    );
    return;
  }
  const nodes = JSON.parse(data.nodes) as Array<{ name: string; held: number; total: number; missing: string[]; checkedAt: string }>;
  console.log(`  report's nodes: ${JSON.stringify(nodes)}`);
  const said = (image: string, node: string) =>
    nodes.find((n) => n.name === node)?.missing.some((m) => m === image || m.startsWith(`${image} (`));
  for (const [image, node] of failed) expect(said(image, node), `the report did not predict ${image} on ${node}`).toBe(true);
  for (const [image, node] of ok) expect(said(image, node), `the report predicted ${image} on ${node}, which came back`).toBe(false);
  for (const node of new Set([...failed, ...ok].map((p) => p[1]))) expect(nodes.find((n) => n.name === node)?.checkedAt, node).toBeTruthy();
}

/**
 * Suspends the report's CronJob and waits until no Job it started is left running, so that harbor-edge-status
 * is written only by the report runs the drill starts.
 */
function suspendScheduledReports(): void {
  kubectlOk(["patch", "cronjob", NAMES.report, "-n", NS, "--type", "merge", "-p", '{"spec":{"suspend":true}}']);
  const started = [...cronJobRuns(NS)].filter(([, cron]) => cron === NAMES.report).map(([job]) => job);
  for (const job of started) kubectlOk(["delete", "job", job, "-n", NS, "--cascade=foreground", "--wait=true", "--timeout=60s"]);
}

/**
 * `harbor-edge node-check` run on a node, in its namespaces (its containerd host files and config.toml as the
 * node sees them, its routes, its resolver): image -> true, or the failure kind. undefined when this build has
 * no node-check command.
 */
function nodeCheck(node: string, images: string[]): Record<string, true | string> | undefined {
  const r = spawnSync(
    "nsenter",
    [
      "-t",
      holderOf(node),
      "-n",
      "-m",
      "--",
      process.execPath,
      path.join(ROOT, "generator", "bin", "harbor-edge.js"),
      "node-check",
      "--host-dir",
      "/etc/containerd/certs.d",
      "--containerd-config",
      "/etc/containerd/config.toml",
      "--node",
      node,
      "--timeout",
      "5",
      "--json",
      ...images,
    ],
    { encoding: "utf8", timeout: 180_000 },
  );
  let out: any;
  try {
    out = JSON.parse(r.stdout);
  } catch {
    console.log(
      `  node-check on ${node}: NOT RUN — no JSON from it (exit ${r.status}): ${(r.stderr || r.stdout).trim().split("\n").slice(-2).join(" | ")}`,
    );
    return undefined;
  }
  return Object.fromEntries((out.images as any[]).map((i) => [i.image, i.ok ? true : (i.failure?.kind ?? "error")]));
}

describe.skipIf(skip)(`the outage drill on ${NODES.length}+1 nodes (helm ${h.version})`, () => {
  let harbor: FakeHarbor;
  let dns: Dns;
  let spec: string;
  let cutAt = 0;

  beforeAll(async () => {
    const internet = await startInternet();
    connect();
    for (const [name, addr] of Object.entries(UP)) await startRegistry(`upstream-${name}`, addr, { netnsOf: internet });
    for (const k of Object.keys(IMAGES) as ImageKey[]) await pushImage(`http://${IMAGES[k].upstream}`, IMAGES[k].repo, RUN_ID, built[k]);
    await startRegistry("mirror", MIRROR, { proxy: `http://${UP.a}` });
    ensureNamespace(NS);
    harbor = await startFakeHarbor({
      adminPassword: PASSWORD,
      online: true,
      permittedProxyTypes: ["docker-hub", "harbor", "docker-registry", "github-ghcr", "quay"],
      lockMs: 0,
    });
    dns = await startDns(NODE_IP, { [`harbor.${NS}.svc.cluster.local`]: NODE_IP, [`harbor-nginx.${NS}.svc.cluster.local`]: NODE_IP });
  });

  afterAll(async () => {
    kubectl(["delete", "deployments", "-l", "app=drill", "-n", NS, "--ignore-not-found"]);
    helm(h, ["uninstall", RELEASE, "-n", NS]);
    kubectl(["delete", "pods", "--all", "-n", NS, "--grace-period=0", "--force"]);
    kubectl(["delete", "namespace", NS, `${NS}-node-check`, "--wait=false", "--ignore-not-found"]);
    if (present(JOINER)) spawnSync("sh", [NODE_SH, "remove", JOINER], { stdio: "inherit" });
    await P.stopAll();
    spawnSync("ip", ["link", "del", INTERNET.link]); // gone with the namespace already; for a holder that did not start
    for (const n of NODES) if (present(n)) spawnSync("nsenter", ["-t", holderOf(n), "-n", "ip", "route", "del", INTERNET.net]);
    for (const n of NODES) for (const k of Object.keys(IMAGES) as ImageKey[]) ctr(n, "images", "rm", "--sync", ref(k));
    await harbor?.close();
    await dns?.close();
    fs.rmSync(T, { recursive: true, force: true });
    cleanupChart();
  });

  it("1. install: the DaemonSet writes Harbor's host files on both nodes, the configuration and the report run", async () => {
    spec = specFile("edge-single-node.yaml", {
      auth: { password: PASSWORD },
      service: { harbor: { https: { nodePort: 30300 }, http: { nodePort: 30301 } } },
      // a report run waits at most this long for Harbor to hold what it asked for (the test Harbor's API never will)
      // and the per-node check (its DaemonSet) every 30 s, whose results the report combines (key `nodes`)
      report: { confirmSeconds: 30, nodeCheck: { enabled: true, intervalSeconds: 30 } },
      proxyCache: {
        enabled: true,
        extraRegistries: Object.values(UP).map((u) => ({ host: u, url: `http://${u}`, type: "docker-registry" })),
      },
      nodeMirror: {
        enabled: true,
        addresses: [FRONT],
        hostDir: "/etc/containerd/certs.d",
        containerdConfig: "/etc/containerd/config.toml",
      },
    });
    const r = await helmAsync(h, ["install", RELEASE, chartDir(), "-n", NS, "-f", valuesFor(spec), ...applyArgs, ...STAND_IN_CORE_ARGS]);
    expect(r.code, r.stderr).toBe(0);
    // the drill runs the report itself (step 6, a Job from the CronJob's template): the CronJob's own runs (minute
    // 23 of every hour) would write harbor-edge-status with pod lists of their own moment, in the middle of a step
    suspendScheduledReports();
    // the front, with the release's certificate, and (for the defects) one from the same CA without the node address
    const tls = secretData(NS, "harbor-tls")!;
    const ca = secretData(NS, "harbor-edge-ca")!;
    fs.writeFileSync(path.join(T, "tls.crt"), tls["tls.crt"]);
    fs.writeFileSync(path.join(T, "tls.key"), tls["tls.key"], { mode: 0o600 });
    const san = run("openssl", ["x509", "-noout", "-ext", "subjectAltName", "-in", path.join(T, "tls.crt")]);
    expect(san).toContain(`IP Address:${NODE_IP}`);
    const badSan = signedCert(
      { cert: ca["tls.crt"], key: ca["tls.key"] },
      "harbor",
      { dns: ["harbor", "localhost"], ips: ["127.0.0.1"] },
      2,
    );
    fs.writeFileSync(path.join(T, "bad-san.crt"), badSan.cert);
    fs.writeFileSync(path.join(T, "bad-san.key"), badSan.key, { mode: 0o600 });
    writeFrontConfig({}, Number(new URL(harbor.url).port));
    start("front", [process.execPath, "--import", "tsx", path.join(ROOT, "test/cluster/front.ts"), FRONT_CONFIG], ROOT);
    await waitFor("the front", () => logOf("front").includes("front listening"), {
      ms: 30_000,
      everyMs: 500,
      diagnose: () => logOf("front"),
    });

    // the DaemonSet on both nodes, ready (containerd reads the host directory), its files there
    const dsPods = () => getJson(["get", "pods", "-n", NS, "-l", "app.kubernetes.io/component=node-mirror"]).items as any[];
    await waitFor(
      "a ready node-mirror pod on every node",
      () => NODES.every((n) => dsPods().some((p) => p.spec.nodeName === n && p.status.containerStatuses?.[0]?.ready)),
      { ms: 180_000, everyMs: 1000, diagnose: () => JSON.stringify(dsPods().map((p) => [p.spec.nodeName, p.status.phase])) },
    );
    const cm = getJson(["get", "configmap", "harbor-edge-node-mirror", "-n", NS]).data as Record<string, string>;
    for (const n of NODES) {
      for (const u of Object.values(UP)) {
        expect(read(hostFile(n, u)), `${n} ${u}`).toBe(cm[`${u.replace(":", "_")}.hosts.toml`]);
        expect(read(hostFile(n, u, "harbor-ca.crt")), `${n} ${u}`).toBe(tls["ca.crt"]);
      }
      expect(cm[`${UP.a.replace(":", "_")}.hosts.toml`]).toContain(`https://${FRONT}/v2/${project(UP.a)}`);
    }

    // the configuration (through the front's :443 to the test Harbor) and the report
    const job = await waitFor(
      "the configuration Job to finish",
      () =>
        (getJson(["get", "jobs", "-n", NS, "-l", "app.kubernetes.io/component=configure"]).items as any[]).find(
          (j) => j.status.succeeded || j.status.failed,
        ),
      { ms: 240_000, everyMs: 2000 },
    );
    console.log(
      `  configuration Job ${job.metadata.name}: ${job.status.succeeded ? "succeeded" : "failed"}; Harbor's projects: ${[...harbor.state.projects.keys()].join(", ")}`,
    );
    expect(job.status.succeeded).toBe(1);
    const status = await waitFor(
      "the report in harbor-edge-status",
      () => getJson(["get", "configmap", "harbor-edge-status", "-n", NS]).data?.summary,
      { ms: 240_000, everyMs: 2000 },
    );
    console.log(`  report: ${status}`);
  });

  it("2. the cut: every workload pod deleted and its image removed from both nodes comes back from Harbor, on both nodes", async () => {
    const ws = NODES.flatMap((n) => (["one", "two"] as ImageKey[]).map((k) => ({ name: wname(k, n), node: n, image: k })));
    const t0 = Date.now();
    for (const w of ws) deploy(w.image, w.node);
    await allRunning(ws, t0);
    // before the cut they came through Harbor too (the mirror filled from the upstream)
    for (const w of ws) expect(servedTo(w.image, w.node, t0), `${w.image} to ${w.node} before the cut`).toBe(true);

    cut();
    cutAt = Date.now();
    await deleteAndRemove(ws);
    const removed = Date.now();
    await allRunning(ws, cutAt);
    const done = Date.now();
    for (const w of ws) {
      expect(servedTo(w.image, w.node, removed), `${w.image} to ${w.node} from the mirror after the cut`).toBe(true);
      const p = podOf(w.name);
      expect(
        events(p.metadata.name).some((e) => e.startsWith(`Pulled: Successfully pulled image "${ref(w.image)}"`)),
        `${w.name} pulled`,
      ).toBe(true);
    }
    console.log(
      `  after the cut the front served: ${[
        ...new Set(
          frontLog(removed)
            .filter((e) => e.status === 200)
            .map((e) => `${nodeOfClient(e.client)} ${e.path}`),
        ),
      ].join(", ")}`,
    );
    bench(
      `drill: cut to all ${ws.length} pods Running on ${NODES.length} nodes ${((done - cutAt) / 1000).toFixed(0)} s (pods deleted and images removed ${((removed - cutAt) / 1000).toFixed(0)} s, pulls from the mirror to Running ${((done - removed) / 1000).toFixed(0)} s)`,
    );
  });

  it("3. a third node joins during the outage with harbor-edge node-config's files in place and runs a workload pinned to it", async () => {
    const dir = path.join(T, "node-config");
    const r = spawnSync(
      process.execPath,
      [
        path.join(ROOT, "generator", "bin", "harbor-edge.js"),
        "node-config",
        spec,
        "--format",
        "containerd",
        "-o",
        dir,
        "--kubeconfig",
        path.join(STATE, "kubeconfig"),
        "-n",
        NS,
      ],
      { encoding: "utf8" },
    );
    expect(r.status, r.stderr).toBe(0);
    // the same bytes the DaemonSet wrote on the first node
    for (const u of Object.values(UP)) {
      expect(fs.readFileSync(path.join(dir, u, "hosts.toml"), "utf8"), u).toBe(read(hostFile(NODES[0], u)));
      expect(fs.readFileSync(path.join(dir, u, "harbor-ca.crt"), "utf8"), u).toBe(read(hostFile(NODES[0], u, "harbor-ca.crt")));
    }
    const t0 = Date.now();
    const j = spawnSync("sh", [NODE_SH, JOINER, "3", dir], { encoding: "utf8" });
    expect(j.status, j.stderr).toBe(0);
    expect(routes(JOINER)).toBe(""); // joined during the outage: no way out
    await waitFor(`${JOINER} to be Ready`, () => nodeReady(JOINER), { ms: 120_000, everyMs: 1000 });
    const w = { name: wname("one", JOINER), node: JOINER, image: "one" as ImageKey };
    deploy("one", JOINER);
    await allRunning([w], t0);
    expect(servedTo("one", JOINER, t0), "the joiner's pull came from the mirror").toBe(true);
    console.log(
      `  ${JOINER} joined and ran ${w.name} in ${((Date.now() - t0) / 1000).toFixed(0)} s; the front served it: ${frontLog(t0)
        .filter((e) => nodeOfClient(e.client) === JOINER)
        .map((e) => `${e.path} ${e.status}`)
        .join(", ")}`,
    );
  });

  it("4. a roll of the node-mirror DaemonSet during the outage keeps every node's mirrors; a pod deleted with its image afterwards comes back", async () => {
    const nodes = nodesUp();
    const want = Object.fromEntries(nodes.map((n) => [n, read(hostFile(n, UP.a))]));
    const gaps: string[] = [];
    const before = (getJson(["get", "pods", "-n", NS, "-l", "app.kubernetes.io/component=node-mirror"]).items as any[]).map(
      (p) => p.metadata.uid,
    );
    kubectlOk(["rollout", "restart", "daemonset/harbor-edge-node-mirror", "-n", NS]);
    const t0 = Date.now();
    // watch the host files while the pods roll, until every node has a new ready pod
    for (;;) {
      for (const n of nodes) if (read(hostFile(n, UP.a)) !== want[n]) gaps.push(`${n} at +${((Date.now() - t0) / 1000).toFixed(1)} s`);
      const ps = getJson(["get", "pods", "-n", NS, "-l", "app.kubernetes.io/component=node-mirror"]).items as any[];
      if (
        nodes.every((n) =>
          ps.some((p) => p.spec.nodeName === n && !before.includes(p.metadata.uid) && p.status.containerStatuses?.[0]?.ready),
        ) &&
        !ps.some((p) => before.includes(p.metadata.uid))
      )
        break;
      if (Date.now() - t0 > 300_000) throw new Error("the DaemonSet did not roll within 300 s");
      await new Promise((r) => setTimeout(r, 100));
    }
    const gapsByNode = [...new Set(gaps.map((g) => g.split(" ")[0]))].map(
      (n) =>
        `${n}: ${gaps.filter((g) => g.startsWith(`${n} `)).length} checks, first at ${gaps.find((g) => g.startsWith(`${n} `))!.split(" at ")[1]}`,
    );
    console.log(
      `  rolled in ${((Date.now() - t0) / 1000).toFixed(0)} s; a node's hosts.toml for ${UP.a} missing or different during the roll: ${gapsByNode.join("; ") || "never"}`,
    );
    expect(
      gapsByNode,
      "a node lost Harbor's host files during the roll: node-mirror.sh must restore only when its DaemonSet is gone (uninstall), not on a roll's SIGTERM",
    ).toEqual([]);
    const ws = [
      { name: wname("two", NODES[0]), node: NODES[0], image: "two" as ImageKey },
      { name: wname("one", NODES[1]), node: NODES[1], image: "one" as ImageKey },
    ];
    const t1 = Date.now();
    await deleteAndRemove(ws);
    await allRunning(ws, t1);
    for (const w of ws) expect(servedTo(w.image, w.node, t1), `${w.image} to ${w.node}`).toBe(true);
  });

  it("5. containerd and the kubelet of a node restarted during the outage: its pods run again, and a pod deleted with its image comes back", async () => {
    const node = NODES[1];
    const mine = workloads().filter((w) => w.node === node);
    const t0 = Date.now();
    const r = spawnSync("sh", [NODE_SH, "restart", node], { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    // the restarted kubelet renews the node's Lease (every 10 s) and the node is Ready
    await waitFor(
      `${node} Ready again`,
      () => nodeReady(node) && Date.parse(getJson(["get", "lease", node, "-n", "kube-node-lease"]).spec.renewTime) >= t0,
      { ms: 120_000, everyMs: 1000 },
    );
    await allRunning(mine, t0);
    const ws = mine.filter((w) => w.image === "two");
    const t1 = Date.now();
    await deleteAndRemove(ws);
    await allRunning(ws, t1);
    for (const w of ws) expect(servedTo(w.image, w.node, t1), `${w.image} to ${w.node} after the restart`).toBe(true);
    console.log(
      `  ${node}: containerd and kubelet restarted, ${mine.length} pods running again, ${ws.map((w) => w.name).join(", ")} pulled from the mirror, in ${((Date.now() - t0) / 1000).toFixed(0)} s`,
    );
  });

  it("6. defects injected before a second cut: exactly the predicted (image, node) pairs fail, the others come back; the report said so", async () => {
    const nodes = nodesUp();
    const defective = JOINER; // Harbor's certificate does not name the address this node dials
    // the first cut's workloads go; the internet comes back; the defects are set
    kubectl(["delete", "deployments", "-l", "app=drill", "-n", NS]);
    await waitFor("the first cut's pods to be gone", () => pods().length === 0, { ms: 120_000, everyMs: 1000 });
    connect();
    writeFrontConfig(
      // the certificate without the address the node dials: given to the node (its containerd, and its host-network
      // node-check pod) on the nodes' address only. The Jobs dial Harbor's Service name on :443, which the
      // certificate does name: a pod of that node there gets the good one (before, the node's pod range got the bad
      // one on every address, and a report pod on that node waited 900 s for a handshake it could never make)
      {
        private: [`/v2/${project(UP.b)}/`],
        badRealm: [{ prefix: `/v2/${project(UP.c)}/`, realm: UNRESOLVABLE_REALM }],
        badSan: [nodeIp(indexOf(defective))],
        badSanOn: [FRONT],
      },
      Number(new URL(harbor.url).port),
    );
    const before: ImageKey[] = ["one", "private", "realm", "late"];
    const ws = nodes.flatMap((n) => before.map((k) => ({ name: wname(k, n), node: n, image: k })));
    // the image never pulled through Harbor: each node gets it straight from the upstream (ctr, no host files),
    // as an image preloaded onto a node would be; its pods start without a pull (IfNotPresent)
    for (const n of nodes) {
      const r = spawnSync(
        "nsenter",
        [
          "-t",
          holderOf(n),
          "-n",
          "-m",
          "--",
          "ctr",
          "--address",
          nodeFiles(n).sock,
          "--namespace",
          "k8s.io",
          "images",
          "pull",
          "--plain-http",
          ref("late"),
        ],
        { encoding: "utf8", timeout: 120_000 },
      );
      expect(r.status, `loading ${ref("late")} onto ${n}: ${r.stderr}`).toBe(0);
    }
    const t0 = Date.now();
    for (const w of ws) deploy(w.image, w.node);
    // every pod runs before the cut: where Harbor fails, containerd falls back to the upstream (the defects are invisible)
    await allRunning(ws, t0);
    const seen = frontLog(t0);
    console.log(
      `  before the cut the front saw: ${[...new Set(seen.map((e) => `${nodeOfClient(e.client)} ${e.path ? `${e.path.replace(RUN_ID, "<run>")} ${e.status}` : `TLS ${e.tlsError}`}`))].join(", ")}`,
    );
    expect(seen.some((e) => e.path === manifestPath("private") && e.status === 401)).toBe(true);
    expect(seen.some((e) => e.path === manifestPath("realm") && e.status === 401)).toBe(true);
    expect(seen.some((e) => nodeOfClient(e.client) === defective && e.tlsError)).toBe(true);

    // the per-node check (the CLI, on each node), run now: its verdicts are checked against the drill below
    const checked = new Map<string, Record<string, true | string> | undefined>(nodes.map((n) => [n, nodeCheck(n, before.map(ref))]));
    for (const [n, v] of checked)
      if (v)
        console.log(
          `  node-check on ${n} before the cut: ${Object.entries(v)
            .map(([i, r]) => `${i.replace(`:${RUN_ID}`, "")} ${r === true ? "ok" : r}`)
            .join(", ")}`,
        );

    // the node check's DaemonSet (report.nodeCheck) checks each node's pods every 30 s: wait for a round that saw them
    const tChecked = Date.now();
    const nodeResults = () =>
      kubectl(["get", "configmaps", "-n", `${NS}-node-check`, "-l", "app.kubernetes.io/component=node-check", "-o", "json"]).stdout ||
      '{"items":[]}';
    const resultOf = (n: string) =>
      (JSON.parse(nodeResults()).items as any[])
        .map((c) => c.data ?? {})
        .filter((d) => d.node === n)
        .map((d) => JSON.parse(d.result ?? "{}"))[0];
    const fresh = (n: string) => {
      const r = resultOf(n);
      return r && Date.parse(r.checkedAt) >= tChecked - 1000 && before.every((k) => (r.images ?? []).some((i: any) => i.image === ref(k)));
    };
    const haveCheck = await waitFor("a node-check round on every node that saw the drill's pods", () => nodes.every(fresh), {
      ms: 150_000,
      everyMs: 3000,
    }).catch((e: Error) => {
      console.log(`  node-check DaemonSet: NOT RUN — ${e.message.split("\n")[0]}; results: ${nodeResults().slice(0, 1500)}`);
      return false;
    });
    if (haveCheck)
      for (const n of nodes)
        console.log(
          `  node-check DaemonSet on ${n}: ${(resultOf(n).images as any[])
            .filter((i) => i.image.includes(RUN_ID))
            .map((i) => `${i.image.replace(`:${RUN_ID}`, "")} ${i.ok ? "ok" : i.failure?.kind}`)
            .join(", ")}`,
        );

    // the report, run now (the CronJob's Job), is what must predict the drill. It runs on the node that joined during
    // the outage: a pod there must reach the API server (Service range) and Harbor (its Service name, through the
    // DNS stand-in) as a pod of the first nodes does, and the run must finish
    const reportCron = (getJson(["get", "cronjobs", "-n", NS, "-l", "app.kubernetes.io/component=report"]).items as any[])[0];
    expect(reportCron, "the report's CronJob").toBeTruthy();
    const jobSpec = structuredClone(reportCron.spec.jobTemplate.spec);
    jobSpec.template.spec.nodeName = JOINER;
    kubectlOk(
      ["create", "-f", "-"],
      JSON.stringify({
        apiVersion: "batch/v1",
        kind: "Job",
        metadata: { name: "drill-report", namespace: NS, labels: reportCron.spec.jobTemplate.metadata?.labels ?? {} },
        spec: jobSpec,
      }),
    );
    const tr = Date.now();
    const reportPod = () => (getJson(["get", "pods", "-n", NS, "-l", "job-name=drill-report"]).items as any[])[0];
    const j = await waitFor(
      "the report run before the cut (on the joined node)",
      () => {
        const x = getJson(["get", "job", "drill-report", "-n", NS]);
        return (x.status?.succeeded || x.status?.failed) && x;
      },
      {
        ms: 180_000,
        everyMs: 2000,
        diagnose: () => {
          const pod = reportPod();
          const asked = frontLog(tr)
            .filter((x) => (x as any).port === 443 || !x.path)
            .map((x) => `${x.client} ${x.method ?? ""} ${x.path ?? x.tlsError} ${x.status ?? ""}`);
          return `its pod: ${pod ? `${pod.spec.nodeName} ${pod.status.phase}\n${kubectl(["logs", "-n", NS, pod.metadata.name]).stdout.slice(-2000)}` : "none"}\nwhat it asked the front (:443): ${asked.slice(-25).join(", ")}`;
        },
      },
    );
    const rp = reportPod();
    const asked443 = frontLog(tr).filter((x) => (x as any).port === 443 && x.client === rp.status.podIP);
    console.log(
      `  report before the cut, on ${rp.spec.nodeName} (${rp.status.podIP}), in ${((Date.now() - tr) / 1000).toFixed(0)} s (${j.status.succeeded ? "succeeded" : "failed"}; ${asked443.length} requests to the front's :443): ${getJson(["get", "configmap", "harbor-edge-status", "-n", NS]).data?.summary}`,
    );
    expect(rp.spec.nodeName).toBe(JOINER);
    expect(j.status.succeeded, kubectl(["logs", "-n", NS, rp.metadata.name]).stdout.slice(-2000)).toBe(1);
    expect(
      asked443.some((x) => x.path === "/api/v2.0/health" && x.status === 200),
      "the report pod on the joined node reached Harbor",
    ).toBe(true);
    // what that run wrote, read now: nothing else writes harbor-edge-status (the CronJob is suspended)
    const predicted = (getJson(["get", "configmap", "harbor-edge-status", "-n", NS]).data ?? {}) as Record<string, string>;
    expect(Date.parse(predicted.updated)).toBeGreaterThanOrEqual(Math.floor(tr / 1000) * 1000);

    // Harbor never served the late image's layer before the cut (the report may have asked for its manifest)
    expect(frontLog(t0).some((e) => e.path?.startsWith(`/v2/${project(UP.a)}/${IMAGES.late.repo}/blobs/`) && e.status === 200)).toBe(false);

    cut();
    const t1 = Date.now();
    const all = ws;
    await deleteAndRemove(ws);
    const fails = (w: { node: string; image: ImageKey }) => w.node === defective || w.image !== "one";
    const expectOk = all.filter((w) => !fails(w));
    const expectFail = all.filter(fails);
    await allRunning(expectOk, t1);
    // the others: a pull was tried and failed (ErrImagePull / ImagePullBackOff), and they stay so
    await waitFor(
      "the predicted pods to fail their pulls",
      () => expectFail.every((w) => /ErrImagePull|ImagePullBackOff/.test(waitingReason(podOf(w.name)) ?? "")),
      { ms: 180_000, everyMs: 1000, diagnose: diagnose(expectFail, t1) },
    );
    await new Promise((r) => setTimeout(r, 5000));
    const outcome = all.map((w) => ({ ...w, running: !!isRunning(podOf(w.name)), why: waitingReason(podOf(w.name)) }));
    console.log(`  after the cut: ${outcome.map((o) => `${o.image}@${o.node}: ${o.running ? "Running" : o.why}`).join(", ")}`);
    expect(
      outcome
        .filter((o) => !o.running)
        .map((o) => o.name)
        .sort(),
    ).toEqual(expectFail.map((w) => w.name).sort());
    // why, from the front's side: the private project refused (and its anonymous token did not help), the
    // realm never asked (its host does not resolve), the defective node never got past TLS, the late image unknown
    const after = frontLog(t1);
    expect(after.some((e) => e.path === manifestPath("private") && e.status === 401)).toBe(true);
    expect(after.some((e) => e.path === manifestPath("realm") && e.status === 401)).toBe(true);
    expect(after.some((e) => nodeOfClient(e.client) === defective && e.tlsError)).toBe(true);
    expect(after.some((e) => nodeOfClient(e.client) === defective && e.path)).toBe(false);
    expect(after.some((e) => e.path?.startsWith(`/v2/${project(UP.a)}/${IMAGES.late.repo}/blobs/`) && e.status === 200)).toBe(false);
    // node-check's verdicts before the cut, against the drill: not ok for exactly the pairs that failed, and why
    const why = (w: { node: string; image: ImageKey }) =>
      w.node === defective ? "tls-san" : w.image === "private" ? "unauthorized" : w.image === "realm" ? "realm-unresolvable" : true;
    // (the node check alone reaches the late image's manifest through Harbor: whether Harbor holds it is the report's half)
    const reached = ws.filter((w) => w.image !== "late");
    if ([...checked.values()].every(Boolean)) {
      expect(Object.fromEntries(reached.map((w) => [`${w.image}@${w.node}`, checked.get(w.node)![ref(w.image)]]))).toEqual(
        Object.fromEntries(reached.map((w) => [`${w.image}@${w.node}`, why(w)])),
      );
    }
    // the report, before the cut, said not ready for exactly the pairs that failed: the late image everywhere
    // (Harbor does not hold it), the others where the node could not reach Harbor
    reportPredicts(
      predicted,
      expectFail.map((w) => [ref(w.image), w.node]),
      expectOk.map((w) => [ref(w.image), w.node]),
    );
  });
});
