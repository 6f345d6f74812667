// The outage drill on a three-node kind cluster (test/e2e/kind-config-3nodes.yaml) with real Harbor in front of the
// nodes: the same steps as the local-cluster tier's test/cluster/drill.test.ts, with kind's nodes and real
// upstream registries. npm run test:e2e -- test/e2e/drill.e2e.ts (needs Docker, kind and network).
//
//  1. install with the node-mirror DaemonSet, the proxy caches and the node check (report.nodeCheck); every
//     node's host files equal the ConfigMap; two images run on every node; the report says they are held
//     and reachable from every node;
//  2. the cut (every node's egress blocked with iptables, the pod network let through): every workload pod is
//     deleted and its image removed from its node; every pod comes back, pulled from Harbor;
//  3. the third node "joins" during the outage: kubelet and containerd stopped, the Node deleted, its workload
//     images and host files removed, `harbor-edge node-config`'s files written before containerd starts,
//     containerd and the kubelet started (the kubelet registers the Node again); pods pinned to it run;
//  4. `kubectl rollout restart ds/harbor-edge-node-mirror` during the outage leaves every node's host
//     directory as it was (watched while the pods roll); a pod deleted with its image comes back;
//  5. containerd and the kubelet of the control-plane node (not Harbor's node: kind taints the control plane
//     NoSchedule, the drill's pods are pinned there by nodeName) restarted during the outage: its pods run
//     again, and a pod deleted with its image comes back. Harbor's own node restarting is not covered;
//  6. the defects, set with the internet back: a SAN left out for the third node (a front on the host gives
//     that node a certificate from Harbor's CA without the address it dials), a private project (quay.io,
//     401 to anonymous pulls), a token realm whose host the nodes cannot resolve (the front sends ghcr.io's
//     requests to Harbor with another Host, which Harbor 2.15.1 builds the realm from) and an image never
//     pulled through Harbor (built here, put on the nodes with `kind load`). Before the cut every pod runs;
//     the node check and the report (harbor-edge-status, key `nodes`) are read; after the cut exactly the
//     (image, node) pairs the report named fail, and the others come back.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import crypto from "node:crypto";
import { describe, it, expect, beforeAll, afterAll, beforeEach } from "vitest";
import { $ } from "zx";
import yaml from "js-yaml";
import { ROOT } from "../../generator/src/paths.js";
import {
  ensureCluster,
  deleteCluster,
  clusterOfTests,
  specFor,
  valuesFile,
  install,
  api,
  caCert,
  secretData,
  waitHealthy,
  collectLogs,
  passwordFromRegistryInfo,
  helm,
  ARTIFACTS,
  NS,
  RELEASE,
  UID,
  THREE_NODE_CONFIG,
} from "./cluster.js";
import * as N from "./nodes.js";
import { HOST_DIR, until } from "./nodes.js";
import { startFront, type Front } from "./front.js";
import { signedCert } from "../helpers/openssl-certs.js";
import { DRILL_MINUTES, HEALTHY_MINUTES, drillStepMs } from "./budget.js";

const APP_NS = "harbor-edge-e2e-drill";
const DS = "harbor-edge-node-mirror";
const RUN_ID = crypto.randomBytes(4).toString("hex");
/** Real upstream images (each its own project in Harbor), and one that exists nowhere upstream. */
const IMAGES = {
  one: "docker.io/library/busybox:1.36.1",
  two: "docker.io/library/alpine:3.20",
  private: "quay.io/prometheus/busybox:latest", // Harbor's project quay.io made private in step 6
  realm: "ghcr.io/containerd/busybox:1.36", // its requests reach Harbor with an unresolvable Host in step 6
  late: `docker.io/harbor-edge-e2e/drill-late:${RUN_ID}`, // built here, `kind load`ed: never pulled through Harbor
} as const;
type ImageKey = keyof typeof IMAGES;
const PRIVATE_PROJECT = "quay.io";
const REALM_PREFIX = "/v2/ghcr.io/";
const UNRESOLVABLE_HOST = "harbor-token.drill.invalid:30003";
const TAINT = { key: "harbor-edge.io/drill", value: "joiner", effect: "NoSchedule" } as const;
/** A pull after a cut: Harbor asks the upstream until its health check (every 5 min) marks it down; the kubelet backs off up to 5 min. */
const PULL_MS = 15 * 60_000;

let nodes: string[] = [];
let joiner = "";
let vip = "";
let spec = "";
let front: Front | undefined;
let madePrivate = false;

// --- workloads: one Deployment per (image, node), pinned to the node ---------------------------------------
type W = { name: string; node: string; image: ImageKey };
const wname = (k: ImageKey, node: string) => `w-${k}-${nodes.indexOf(node)}`;
const w = (k: ImageKey, node: string): W => ({ name: wname(k, node), node, image: k });
function deployment(x: W, replicas = 1): Record<string, unknown> {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: x.name, namespace: APP_NS, labels: { app: "drill" } },
    spec: {
      replicas,
      selector: { matchLabels: { app: "drill", w: x.name } },
      template: {
        metadata: { labels: { app: "drill", w: x.name, image: x.image } },
        spec: {
          nodeName: x.node,
          tolerations: [{ key: TAINT.key, operator: "Exists" }],
          terminationGracePeriodSeconds: 0,
          containers: [
            {
              name: "app",
              image: IMAGES[x.image],
              imagePullPolicy: "IfNotPresent",
              command: ["sleep", "86400"],
              resources: { requests: { cpu: "1m", memory: "4Mi" } },
            },
          ],
        },
      },
    },
  };
}
const deploy = (ws: W[]) =>
  $({ input: JSON.stringify({ apiVersion: "v1", kind: "List", items: ws.map((x) => deployment(x)) }) })`kubectl apply -f -`;
const scale = async (ws: W[], n: number) => {
  if (ws.length) await $`kubectl scale deployment ${ws.map((x) => x.name)} --namespace ${APP_NS} --replicas ${n}`;
};
const livePods = async () =>
  (JSON.parse((await $`kubectl get pods --namespace ${APP_NS} --selector app=drill -o json`).stdout).items as any[]).filter(
    (p) => !p.metadata.deletionTimestamp,
  );
const podOf = (all: any[], x: W) => all.find((p) => p.metadata.labels.w === x.name);
const isRunning = (p: any) => p?.status.phase === "Running" && p.status.containerStatuses?.[0]?.ready === true;
const waitingReason = (p: any) => p?.status.containerStatuses?.[0]?.state?.waiting?.reason as string | undefined;
let lastSeen = "";
const seen = () => lastSeen;
async function allRunning(ws: W[], ms = PULL_MS): Promise<void> {
  await until(
    `${ws.map((x) => x.name).join(", ")} to run`,
    async () => {
      const all = await livePods();
      lastSeen = ws.map((x) => `${x.name}: ${podOf(all, x)?.status.phase ?? "no pod"} ${waitingReason(podOf(all, x)) ?? ""}`).join("\n");
      return ws.every((x) => isRunning(podOf(all, x)));
    },
    ms,
    seen,
  );
}

/** Deletes the workloads' pods (scaled to 0), removes their images from their nodes once the kubelet removed the containers, scales back (unless told not to). */
async function deleteAndRemove(ws: W[], back = true): Promise<void> {
  const uids = new Map((await livePods()).map((p) => [p.metadata.labels.w as string, p.metadata.uid as string]));
  await scale(ws, 0);
  await until("the pods to be gone", async () => !(await livePods()).some((p) => ws.some((x) => x.name === p.metadata.labels.w)), 180_000);
  for (const node of new Set(ws.map((x) => x.node))) {
    const mine = ws.filter((x) => x.node === node);
    await N.removeImages(node, [...new Set(mine.map((x) => IMAGES[x.image]))], {
      podUids: mine.map((x) => uids.get(x.name)).filter((u): u is string => !!u),
    });
  }
  if (back) await scale(ws, 1);
}

async function cut(): Promise<void> {
  const allow = await N.podNetworks();
  for (const n of nodes) await N.blockEgress(n, allow);
  for (const n of nodes) expect(await N.upstreamUnreachable(n), `${n} still reaches the upstream`).toBe(true);
  expect(
    (await $`kubectl exec --namespace ${NS} deploy/harbor-core -- curl -sS -m 10 -o /dev/null https://registry-1.docker.io/v2/`.nothrow())
      .exitCode,
    "Harbor still reaches the upstream",
  ).not.toBe(0);
}
async function reconnect(): Promise<void> {
  for (const n of nodes) await N.unblockEgress(n);
}

// --- the node check and the report ---------------------------------------------------------------------
type CheckResult = { checkedAt: string; images: Array<{ image: string; ok: boolean; failure?: { kind: string } }> };
async function nodeChecks(): Promise<Map<string, CheckResult>> {
  const r =
    await $`kubectl get configmaps --namespace ${`${NS}-node-check`} --selector app.kubernetes.io/component=node-check -o json`.nothrow();
  const items = r.exitCode === 0 ? (JSON.parse(r.stdout).items as any[]) : [];
  return new Map(
    items.filter((c) => c.data?.node && c.data?.result).map((c) => [c.data.node as string, JSON.parse(c.data.result) as CheckResult]),
  );
}
/** A node-check round on every node, after `since`, that saw every image in `images` on that node. */
async function freshChecks(since: number, want: W[]): Promise<Map<string, CheckResult>> {
  return until(
    "a node-check round on every node that saw the drill's pods",
    async () => {
      const m = await nodeChecks();
      const fresh = nodes.every((n) => {
        const r = m.get(n);
        return (
          r &&
          Date.parse(r.checkedAt) >= since &&
          want.filter((x) => x.node === n).every((x) => r.images.some((i) => i.image === IMAGES[x.image]))
        );
      });
      return fresh && m;
    },
    5 * 60_000,
  );
}

type ReportNode = { name: string; held: number; total: number; missing: string[]; checkedAt?: string };
/** A report run now (the CronJob's Job), and what it wrote: harbor-edge-status's `nodes`, parsed. */
async function runReport(name: string): Promise<ReportNode[]> {
  // another report still running (the install's) would write harbor-edge-status after this one
  await until(
    "no other report running",
    async () =>
      !(
        JSON.parse((await $`kubectl get jobs --namespace ${NS} --selector app.kubernetes.io/component=report -o json`).stdout)
          .items as any[]
      ).some((j) => (j.status?.active ?? 0) > 0),
    15 * 60_000,
  );
  await $`kubectl delete job ${name} --namespace ${NS} --ignore-not-found`;
  await $`kubectl create job --from=cronjob/harbor-edge-report ${name} --namespace ${NS}`;
  await $`kubectl wait --for=condition=complete job/${name} --namespace ${NS} --timeout 900s`;
  const data = JSON.parse((await $`kubectl get configmap harbor-edge-status --namespace ${NS} -o json`).stdout).data ?? {};
  console.log(`  report: ${data.summary}`);
  expect(data.nodes, `harbor-edge-status has no key nodes (keys: ${Object.keys(data).join(", ")})`).toBeDefined();
  return JSON.parse(data.nodes) as ReportNode[];
}
/**
 * A request to Harbor's token service for the repository: a scope names it as Harbor's challenge does
 * (repository:PROJECT/REPO:pull) or as the client's own reference does (repository:REPO:pull, containerd).
 */
function tokenFor(e: { path?: string }, project: string, repo: string): boolean {
  if (!e.path?.startsWith("/service/token")) return false;
  const scopes = new URLSearchParams(e.path.split("?")[1] ?? "").getAll("scope").flatMap((v) => v.split(" "));
  return scopes.some((sc) => sc === `repository:${project}/${repo}:pull` || sc === `repository:${repo}:pull`);
}
/** Does the report name the image as missing on the node? (an entry is the image, or "image (why)") */
const named = (report: ReportNode[], image: string, node: string) =>
  !!report.find((n) => n.name === node)?.missing.some((m) => m === image || m.startsWith(`${image} (`));

/** The release's pods on the node, but for the DaemonSets' (node-mirror, node check): Harbor's own. */
async function harborPodsOn(node: string): Promise<string[]> {
  return (
    JSON.parse((await $`kubectl get pods --namespace ${NS} --field-selector ${`spec.nodeName=${node}`} -o json`).stdout).items as any[]
  )
    .filter((p) => !(p.metadata.ownerReferences ?? []).some((o: any) => o.kind === "DaemonSet"))
    .map((p) => p.metadata.name as string);
}

beforeAll(async () => {
  await ensureCluster(THREE_NODE_CONFIG);
  nodes = await N.nodeNames();
  if (nodes.length < 3)
    throw new Error(
      `the drill needs the three nodes of test/e2e/kind-config-3nodes.yaml; kind cluster ${clusterOfTests()} has ${nodes.length}`,
    );
  nodes = nodes.slice(0, 3);
  joiner = nodes[2];
  vip = (await $`kubectl get node ${nodes[0]} -o jsonpath=${'{.status.addresses[?(@.type=="InternalIP")].address}'}`).stdout.trim();
  // Harbor's own pods stay off the node that leaves and joins again (the DaemonSets tolerate every taint)
  await $`kubectl taint node ${joiner} ${`${TAINT.key}=${TAINT.value}:${TAINT.effect}`} --overwrite`;
  const s = await specFor({
    cluster: { uid: UID, vip },
    // no periodic configuration run: it would make the project step 6 turns private public again
    configJob: { schedule: "" },
    proxyCache: { enabled: true },
    nodeMirror: { enabled: true, addresses: [`${vip}:30003`] },
    // the report runs when the drill asks (its CronJob's schedule, once a year, never comes between a run and its
    // reading); confirmSeconds stays at its default, 600 s: Harbor 2.15.1 stores a multi-platform tag pulled for
    // one platform only after ManifestListCache's 20 x 20 s = 400 s (schemas/harbor-config.schema.json)
    report: { schedule: "0 0 1 1 *", nodeCheck: { enabled: true, intervalSeconds: 30 } },
  });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "e2e-drill-"));
  spec = path.join(dir, "spec.yaml");
  fs.writeFileSync(spec, yaml.dump({ "harbor-config": s }));
  const installed = (await $`${helm.bin} status ${RELEASE} --namespace ${NS}`.nothrow()).exitCode === 0;
  await install(valuesFile(s, "e2e-drill"), installed ? "upgrade" : "install");
  await waitHealthy(HEALTHY_MINUTES * 60_000);
  // a reused cluster with Harbor installed before the taint may have Harbor's pods there: step 3 would take them down
  const onJoiner = await harborPodsOn(joiner);
  if (onJoiner.length)
    throw new Error(
      `Harbor's pods ${onJoiner.join(", ")} run on ${joiner}, the node the drill takes out: reinstall on a fresh cluster (the drill taints ${joiner} before it installs)`,
    );
  await $`kubectl create namespace ${APP_NS} --dry-run=client -o yaml | kubectl apply -f -`;
}, DRILL_MINUTES.beforeAll * 60_000);

beforeEach((ctx) => {
  ctx.onTestFailed(async () => {
    await collectLogs(ctx.task.name);
    if (front)
      fs.writeFileSync(
        path.join(ARTIFACTS, `${ctx.task.name.replace(/[^a-z0-9]+/gi, "-")}-front.jsonl`),
        front.log.map((e) => JSON.stringify(e)).join("\n"),
      );
  });
});

afterAll(async () => {
  for (const n of nodes) await N.unblockEgress(n); // also removes the redirect to the front
  await front?.close();
  if (madePrivate) {
    const password = await passwordFromRegistryInfo().catch(() => "");
    await api(
      "PUT",
      `/projects/${PRIVATE_PROJECT}`,
      { user: "admin", password },
      { "X-Is-Resource-Name": "true", "content-type": "application/json" },
      JSON.stringify({ metadata: { public: "true" } }),
    ).catch(() => undefined);
  }
  await $`kubectl delete namespace ${APP_NS} --ignore-not-found --wait=false`.nothrow();
  if (joiner) await $`kubectl taint node ${joiner} ${`${TAINT.key}-`}`.nothrow();
  await deleteCluster();
}, DRILL_MINUTES.afterAll * 60_000);

describe("the outage drill on three kind nodes with Harbor (see test/cluster/drill.test.ts)", () => {
  it(
    "1. install: the DaemonSet writes Harbor's host files on every node; the report says every running image is held and reachable from every node",
    async () => {
      await $`kubectl rollout status daemonset/${DS} --namespace ${NS} --timeout 300s`;
      const cm = JSON.parse((await $`kubectl get configmap ${DS} --namespace ${NS} -o json`).stdout).data as Record<string, string>;
      const ca = await caCert();
      expect(cm["docker.io.hosts.toml"]).toContain(`https://${vip}:30003/v2/docker.io`);
      for (const n of nodes) {
        for (const key of Object.keys(cm).filter((k) => k.endsWith(".hosts.toml"))) {
          const host = key.replace(/\.hosts\.toml$/, "").replace(/_/g, ":");
          expect((await N.onNode(n, `cat ${HOST_DIR}/${host}/hosts.toml`)).stdout, `${n} ${host}`).toBe(cm[key]);
          expect((await N.onNode(n, `cat ${HOST_DIR}/${host}/harbor-ca.crt`)).stdout, `${n} ${host}`).toBe(ca);
        }
      }
      const ws = nodes.flatMap((n) => (["one", "two"] as ImageKey[]).map((k) => w(k, n)));
      for (const n of nodes)
        for (const k of ["one", "two"] as ImageKey[]) await N.onNode(n, `crictl rmi ${IMAGES[k]} >/dev/null 2>&1; true`);
      const t0 = Date.now();
      await deploy(ws);
      await allRunning(ws, 10 * 60_000);
      // Harbor holds both (what the cut's pulls need) before the report looks: its API lists the tags in project
      // docker.io. Both are multi-platform indexes the nodes pulled for one platform: Harbor stores such a tag
      // 400 s after the pull (ManifestListCache, 20 x 20 s), so a report run earlier would find them missing
      for (const [repo, tag] of [
        ["library%252Fbusybox", "1.36.1"],
        ["library%252Falpine", "3.20"],
      ]) {
        await until(
          `${repo}:${tag} in Harbor's docker.io project`,
          async () => {
            const r = await api("GET", `/projects/docker.io/repositories/${repo}/artifacts?with_tag=true`);
            return r.status === 200 && (JSON.parse(r.body) as any[]).some((a) => (a.tags ?? []).some((t: any) => t.name === tag));
          },
          10 * 60_000,
        );
      }
      await freshChecks(t0, ws);
      const report = await runReport(`e2e-drill-report-1-${RUN_ID}`);
      for (const x of ws)
        expect(named(report, IMAGES[x.image], x.node), `the report names ${x.image} on ${x.node}: ${JSON.stringify(report)}`).toBe(false);
      expect(report.map((n) => n.name).sort()).toEqual([...nodes].sort());
    },
    drillStepMs(1),
  );

  it(
    "2. the cut: every workload pod deleted and its image removed from every node comes back from Harbor",
    async () => {
      const ws = nodes.flatMap((n) => (["one", "two"] as ImageKey[]).map((k) => w(k, n)));
      await cut();
      const t0 = Date.now();
      await deleteAndRemove(ws);
      await allRunning(ws);
      for (const x of ws) expect(await N.imageOnNode(x.node, IMAGES[x.image]), `${x.image} on ${x.node}`).toBe(true);
      console.log(`  cut to all ${ws.length} pods Running on ${nodes.length} nodes: ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    },
    drillStepMs(2),
  );

  it(
    "3. a node joins during the outage with harbor-edge node-config's files in place before containerd starts, and runs the pods pinned to it",
    async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "e2e-node-config-"));
      const kubeconfig = process.env.KUBECONFIG?.split(path.delimiter)[0] || path.join(os.homedir(), ".kube", "config");
      const r =
        await $`node ${path.join(ROOT, "generator", "bin", "harbor-edge.js")} node-config ${spec} --format containerd -o ${dir} --kubeconfig ${kubeconfig} -n ${NS}`.nothrow();
      expect(r.exitCode, r.stderr).toBe(0);
      const files: Record<string, string> = {};
      for (const reg of fs.readdirSync(dir))
        for (const f of fs.readdirSync(path.join(dir, reg))) files[`${reg}/${f}`] = fs.readFileSync(path.join(dir, reg, f), "utf8");
      expect(Object.keys(files)).toContain("docker.io/hosts.toml");
      // the same bytes the DaemonSet wrote on the first node
      for (const [rel, text] of Object.entries(files)) expect((await N.onNode(nodes[0], `cat ${HOST_DIR}/${rel}`)).stdout, rel).toBe(text);

      // the node leaves: its workload pods go with their images, the kubelet stops, every pod left on it is
      // removed (the DaemonSets' too: their containers outlive the kubelet and containerd), then its host files
      // and its CNI configuration (kindnet writes it again for the Node's new pod range), containerd stops, the Node is deleted
      const mine = (["one", "two"] as ImageKey[]).map((k) => w(k, joiner));
      await deleteAndRemove(mine, false);
      await N.systemctl(joiner, "stop", "kubelet");
      await N.onNode(joiner, "crictl pods -q | xargs -r crictl rmp -f >/dev/null");
      await N.onNode(joiner, `rm -rf ${HOST_DIR} /etc/cni/net.d/10-kindnet.conflist && mkdir -p ${HOST_DIR}`);
      await N.systemctl(joiner, "stop", "containerd");
      await $`kubectl delete node ${joiner} --wait --timeout 120s`;
      // a new node, joining while the link is down: the files first, then containerd, then the kubelet
      await N.writeFiles(joiner, HOST_DIR, files);
      expect(await N.upstreamUnreachable(joiner)).toBe(true);
      const t0 = Date.now();
      await N.systemctl(joiner, "start", "containerd");
      await N.systemctl(joiner, "start", "kubelet");
      await until(`${joiner} registered again and Ready`, () => N.nodeReady(joiner), 300_000);
      await $`kubectl taint node ${joiner} ${`${TAINT.key}=${TAINT.value}:${TAINT.effect}`} --overwrite`;
      for (const x of mine) expect(await N.imageOnNode(joiner, IMAGES[x.image]), `${x.image} on ${joiner}`).toBe(false);
      await scale(mine, 1);
      await allRunning(mine);
      for (const x of mine) expect(await N.imageOnNode(joiner, IMAGES[x.image]), `${x.image} on ${joiner}`).toBe(true);
      console.log(`  ${joiner} joined and ran ${mine.map((x) => x.name).join(", ")} in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    },
    drillStepMs(3),
  );

  it(
    "4. a roll of the node-mirror DaemonSet during the outage keeps every node's host files; a pod deleted with its image afterwards comes back",
    async () => {
      await $`kubectl rollout status daemonset/${DS} --namespace ${NS} --timeout 300s`;
      const before = new Map<string, string>();
      for (const n of nodes) before.set(n, await N.hostDirSnapshot(n));
      const want = new Map<string, string>();
      for (const n of nodes) want.set(n, (await N.onNode(n, `cat ${HOST_DIR}/docker.io/hosts.toml`)).stdout);
      await $`kubectl rollout restart daemonset/${DS} --namespace ${NS}`;
      let rolled = false;
      const roll = $`kubectl rollout status daemonset/${DS} --namespace ${NS} --timeout 300s`.nothrow().then((r) => {
        rolled = true;
        return r;
      });
      // watch the files while the pods roll: never missing, never different
      const gaps: string[] = [];
      const t0 = Date.now();
      while (!rolled) {
        for (const n of nodes) {
          const now = (await N.onNode(n, `cat ${HOST_DIR}/docker.io/hosts.toml 2>/dev/null`).nothrow()).stdout;
          if (now !== want.get(n)) gaps.push(`${n} at +${((Date.now() - t0) / 1000).toFixed(1)} s`);
        }
      }
      expect((await roll).exitCode, "the DaemonSet did not roll within 300 s").toBe(0);
      expect(gaps, "a node lost Harbor's host files during the roll").toEqual([]);
      for (const n of nodes) expect(await N.hostDirSnapshot(n), n).toBe(before.get(n));
      const ws = [w("two", nodes[0]), w("one", nodes[1])];
      await deleteAndRemove(ws);
      await allRunning(ws);
    },
    drillStepMs(4),
  );

  it(
    "5. containerd and the kubelet of a node that does not run Harbor (the control plane) restarted during the outage: its pods run again, and a pod deleted with its image comes back",
    async () => {
      // the control plane: kind taints it NoSchedule in a multi-node cluster, so Harbor runs on nodes[1] (the
      // joiner is tainted too); the drill's pods are pinned to it by nodeName, which the scheduler's taints do not
      // stop. Harbor's own node restarting during an outage (Harbor down with it) is not what this step covers.
      const node = nodes[0];
      expect(await harborPodsOn(node), `Harbor's pods on ${node}, the node step 5 restarts`).toEqual([]);
      const mine = (["one", "two"] as ImageKey[]).map((k) => w(k, node));
      const before = await livePods();
      for (const x of mine)
        expect([podOf(before, x)?.spec.nodeName, isRunning(podOf(before, x))], `${x.name} before the restart`).toEqual([node, true]);
      const t0 = Date.now();
      await N.systemctl(node, "restart", "containerd", "kubelet");
      // the restarted kubelet renews the node's Lease (every 10 s) and the node is Ready
      await until(
        `${node} Ready again`,
        async () =>
          (await N.nodeReady(node)) &&
          Date.parse(JSON.parse((await $`kubectl get lease ${node} --namespace kube-node-lease -o json`).stdout).spec.renewTime) >= t0,
        300_000,
      );
      await allRunning(mine);
      const ws = [w("two", node)];
      await deleteAndRemove(ws);
      await allRunning(ws);
      console.log(
        `  ${node}: containerd and kubelet restarted, its pods running again and ${ws[0].name} pulled from Harbor in ${((Date.now() - t0) / 1000).toFixed(0)} s`,
      );
    },
    drillStepMs(5),
  );

  it(
    "6. defects set before a second cut: exactly the (image, node) pairs the report named fail, the others come back",
    async () => {
      // the first cut's workloads go; the internet comes back
      await $`kubectl delete deployments --selector app=drill --namespace ${APP_NS} --wait`;
      await until("the first cut's pods to be gone", async () => (await livePods()).length === 0, 180_000);
      await reconnect();

      // a private project: anonymous pulls get 401 (configJob.schedule "" keeps the configuration from undoing it)
      const password = await passwordFromRegistryInfo();
      const admin = { user: "admin", password };
      const put = await api(
        "PUT",
        `/projects/${PRIVATE_PROJECT}`,
        admin,
        { "X-Is-Resource-Name": "true", "content-type": "application/json" },
        JSON.stringify({ metadata: { public: "false" } }),
      );
      expect(put.status, put.body).toBe(200);
      madePrivate = true;
      expect(
        JSON.parse((await api("GET", `/projects/${PRIVATE_PROJECT}`, admin, { "X-Is-Resource-Name": "true" })).body).metadata.public,
      ).toBe("false");

      // an image never pulled through Harbor, on every node: built here (it exists nowhere upstream), kind load.
      // Busybox's files copied into one new layer (FROM scratch): it shares no layer with the workload image
      // `one`, so removing `one` from a node still removes its layers (nodes.removeImages) and the pull after the
      // cut fetches every layer from Harbor
      const late = IMAGES.late;
      const dockerfile = [
        `FROM ${IMAGES.one} AS files`,
        `RUN echo ${RUN_ID} > /drill-run`,
        "FROM scratch",
        "COPY --from=files / /",
        "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
      ].join("\n");
      await $({ input: `${dockerfile}\n` })`docker build -t ${late} -`;
      const layers = async (ref: string) =>
        JSON.parse((await $`docker image inspect --format ${"{{json .RootFS.Layers}}"} ${ref}`).stdout) as string[];
      await $`docker pull --quiet ${IMAGES.one}`;
      const oneLayers = new Set(await layers(IMAGES.one));
      expect(
        (await layers(late)).filter((l) => oneLayers.has(l)),
        `${late} shares a layer with ${IMAGES.one}`,
      ).toEqual([]);
      await $`kind load docker-image ${late} --name ${clusterOfTests()}`;
      for (const n of nodes) expect(await N.imageOnNode(n, late), `${late} on ${n}`).toBe(true);

      // the front on the host, and every node's traffic to Harbor's address through it
      const gateway = await N.hostGateway(nodes[0]);
      const joinerAddress = await N.nodeAddress(joiner);
      const ca = { cert: await secretData("harbor-edge-ca", "tls.crt"), key: await secretData("harbor-edge-ca", "tls.key") };
      // openssl, not node-forge: the chart's CA is ECDSA (test/helpers/openssl-certs.ts)
      const badSan = signedCert(ca, "harbor", { dns: ["harbor", "localhost"], ips: ["127.0.0.1"] }, 2);
      front = await startFront({
        host: gateway,
        cert: await secretData("harbor-tls", "tls.crt"),
        key: await secretData("harbor-tls", "tls.key"),
        badCert: badSan.cert,
        badKey: badSan.key,
        upstream: { host: "127.0.0.1", port: 30003, ca: await caCert() },
        badSan: [joinerAddress],
        badRealm: [{ prefix: REALM_PREFIX, host: UNRESOLVABLE_HOST }],
      });
      for (const n of nodes) await N.redirectHarbor(n, { ip: vip, port: 30003 }, { ip: gateway, port: front.port });
      // every node reaches the front (curl -k: the joiner's handshake succeeds when nothing checks the certificate)
      const nodeAddress = new Map<string, string>();
      for (const n of nodes) {
        const address = await N.nodeAddress(n);
        nodeAddress.set(n, address);
        await N.onNode(n, `curl -sk -m 10 -o /dev/null https://${vip}:30003/v2/`);
        expect(
          front.log.some((e) => e.client === address && e.path === "/v2/"),
          `${n} (${address}) did not reach the front`,
        ).toBe(true);
      }

      const kinds: ImageKey[] = ["one", "private", "realm", "late"];
      const ws = nodes.flatMap((n) => kinds.map((k) => w(k, n)));
      for (const n of nodes)
        for (const k of ["one", "private", "realm"] as ImageKey[]) await N.onNode(n, `crictl rmi ${IMAGES[k]} >/dev/null 2>&1; true`);
      const t0 = Date.now();
      await deploy(ws);
      // every pod runs before the cut: where Harbor fails, containerd falls back to the upstream (the defects are invisible)
      await allRunning(ws, 10 * 60_000);
      // what the front saw from each node that gets past TLS. Every first anonymous request to Harbor is answered
      // 401 (the token challenge), so a 401 alone proves nothing: the private project refuses the token the node
      // got (a 401 after a 200 from /service/token for that repository); the unresolvable realm keeps the node
      // from asking for a token at all (a 401 under the prefix, and no /service/token for that repository)
      const sinceT0 = front.log.filter((e) => e.t >= t0);
      for (const n of nodes.filter((x) => x !== joiner)) {
        const mine = sinceT0.filter((e) => e.client === nodeAddress.get(n));
        const token = mine.find((e) => e.status === 200 && tokenFor(e, PRIVATE_PROJECT, "prometheus/busybox"));
        expect(token, `${n}: a token from /service/token for ${IMAGES.private}`).toBeDefined();
        expect(
          mine.some((e) => e.t >= token!.t && e.path?.startsWith(`/v2/${PRIVATE_PROJECT}/`) && e.status === 401),
          `${n}: a 401 from the private project after its token`,
        ).toBe(true);
        expect(
          mine.some((e) => e.path?.startsWith(REALM_PREFIX) && e.status === 401),
          `${n}: a 401 under ${REALM_PREFIX}`,
        ).toBe(true);
        expect(
          mine.filter((e) => tokenFor(e, "ghcr.io", "containerd/busybox")).map((e) => e.path),
          `${n}: no token asked for ${IMAGES.realm} (its realm does not resolve)`,
        ).toEqual([]);
      }
      expect(
        sinceT0.some((e) => e.client === joinerAddress && e.tlsError),
        `a failed handshake of ${joiner}`,
      ).toBe(true);

      // the node check on every node, then the report: what it predicts before the cut
      const checks = await freshChecks(Date.now(), ws);
      const verdict = (n: string, k: ImageKey) => checks.get(n)!.images.find((i) => i.image === IMAGES[k]);
      for (const n of nodes)
        console.log(
          `  node check on ${n}: ${kinds.map((k) => `${k} ${verdict(n, k)?.ok ? "ok" : verdict(n, k)?.failure?.kind}`).join(", ")}`,
        );
      const why = (x: W) =>
        x.node === joiner ? "tls-san" : x.image === "private" ? "unauthorized" : x.image === "realm" ? "realm-unresolvable" : true;
      // (the late image's manifest: Harbor answers what its upstream does for a repository that does not exist; the report's half says it is not held)
      const reached = ws.filter((x) => x.image !== "late" || x.node === joiner);
      expect(
        Object.fromEntries(
          reached.map((x) => [`${x.image}@${x.node}`, verdict(x.node, x.image)?.ok ? true : verdict(x.node, x.image)?.failure?.kind]),
        ),
      ).toEqual(Object.fromEntries(reached.map((x) => [`${x.image}@${x.node}`, why(x)])));
      const report = await runReport(`e2e-drill-report-6-${RUN_ID}`);
      console.log(`  report's nodes before the cut: ${JSON.stringify(report)}`);
      const predicted = ws
        .filter((x) => named(report, IMAGES[x.image], x.node))
        .map((x) => x.name)
        .sort();

      // the cut: the pods deleted with their images; what was predicted fails, the rest comes back
      await cut();
      await deleteAndRemove(ws);
      const fails = (x: W) => x.node === joiner || x.image !== "one";
      const expectOk = ws.filter((x) => !fails(x));
      const expectFail = ws.filter(fails);
      await allRunning(expectOk);
      await until(
        "the other pods to fail their pulls",
        async () => {
          const all = await livePods();
          lastSeen = expectFail
            .map((x) => `${x.name}: ${waitingReason(podOf(all, x)) ?? podOf(all, x)?.status.phase ?? "no pod"}`)
            .join("\n");
          return expectFail.every((x) => /ErrImagePull|ImagePullBackOff/.test(waitingReason(podOf(all, x)) ?? ""));
        },
        10 * 60_000,
        seen,
      );
      const all = await livePods();
      const failed = ws
        .filter((x) => !isRunning(podOf(all, x)))
        .map((x) => x.name)
        .sort();
      console.log(
        `  after the cut: ${ws.map((x) => `${x.image}@${x.node}: ${isRunning(podOf(all, x)) ? "Running" : waitingReason(podOf(all, x))}`).join(", ")}`,
      );
      expect(failed).toEqual(expectFail.map((x) => x.name).sort());
      // the prediction: the report named exactly the pairs that failed
      expect(predicted).toEqual(failed);
      // why, from the front's side: the joiner never got past TLS after the cut
      expect(
        front.log.some((e) => e.t >= t0 && e.client === joinerAddress && e.path && e.path !== "/v2/"),
        `${joiner} got past TLS`,
      ).toBe(false);
    },
    drillStepMs(6),
  );
});
