// The kind cluster and the release under test, driven with zx. Used by every scenario file of test/e2e.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import tls from "node:tls";
import https from "node:https";
import { $, sleep } from "zx";
import yaml from "js-yaml";
import { ROOT, EXAMPLES_DIR, chartCacheDir } from "../../generator/src/paths.js";
import { findHelm } from "../../generator/src/chart/find.js";
import { prepareChart, type PreparedChart } from "../../generator/src/chart/chart.js";
import { loadSpecFile } from "../../generator/src/spec/load.js";
import { validateSpec } from "../../generator/src/spec/validate.js";
import { valuesYaml } from "../../generator/src/values/build.js";
import type { Spec } from "../../generator/src/spec/types.js";
import { CI_PROGRAM_IMAGE } from "../../generator/scripts/codegen/ct-values.js";
import { INSTALL_MINUTES } from "./budget.js";

$.verbose = false;

export const NS = "harbor";
export const RELEASE = "harbor";
export const UID = "e2e0001";
export const REGISTRY = "127.0.0.1:30003";
export const ARTIFACTS = path.join(ROOT, "test", "e2e", "artifacts");
/** The kind config a scenario file's cluster is made from unless it names one: test/e2e/kind-config.yaml (one node). */
export const ONE_NODE_CONFIG = path.join(ROOT, "test", "e2e", "kind-config.yaml");
/** Three nodes (a control plane and two workers): the outage drill's. */
export const THREE_NODE_CONFIG = path.join(ROOT, "test", "e2e", "kind-config-3nodes.yaml");
let CLUSTER = process.env.HARBOR_EDGE_E2E_CLUSTER ?? "harbor-edge";

export const helm = findHelm();
let chart: PreparedChart | undefined;
let created = false;

/**
 * The kind cluster's name: HARBOR_EDGE_E2E_CLUSTER, else the config's `name`, else kind's "harbor-edge". Pure
 * but for reading the file.
 */
export function clusterName(config: string, env: NodeJS.ProcessEnv = process.env): string {
  if (env.HARBOR_EDGE_E2E_CLUSTER) return env.HARBOR_EDGE_E2E_CLUSTER;
  const c = yaml.load(fs.readFileSync(config, "utf8")) as { name?: unknown } | undefined;
  return typeof c?.name === "string" && c.name ? c.name : "harbor-edge";
}

/** The kind cluster of this scenario file's tests (set by ensureCluster). */
export const clusterOfTests = () => CLUSTER;

/**
 * A kind cluster made from `config` (default: HARBOR_EDGE_E2E_KIND_CONFIG, else test/e2e/kind-config.yaml), named as
 * clusterName() says: the existing one of that name (it must exist with HARBOR_EDGE_E2E_REUSE_CLUSTER=1), or a
 * new one. kubectl then points at it.
 */
export async function ensureCluster(
  config: string = process.env.HARBOR_EDGE_E2E_KIND_CONFIG ? path.resolve(ROOT, process.env.HARBOR_EDGE_E2E_KIND_CONFIG) : ONE_NODE_CONFIG,
): Promise<void> {
  CLUSTER = clusterName(config);
  const reuse = process.env.HARBOR_EDGE_E2E_REUSE_CLUSTER === "1";
  const exists = (await $`kind get clusters`.nothrow()).stdout.split("\n").includes(CLUSTER);
  if (!exists) {
    if (reuse) throw new Error(`HARBOR_EDGE_E2E_REUSE_CLUSTER is set but kind has no cluster ${CLUSTER}`);
    await $`kind create cluster --name ${CLUSTER} --config ${config} --wait 180s`;
    created = true;
  }
  await $`kind export kubeconfig --name ${CLUSTER}`;
  await loadProgramImage();
}

/**
 * The harbor-edge image built from the Dockerfile and loaded into the kind nodes as CI_PROGRAM_IMAGE (pull
 * policy Never): the chart's configuration and report Jobs run it. The kind job of the workflow builds it too;
 * docker's build cache makes the second build free.
 */
export async function loadProgramImage(): Promise<void> {
  const ref = `${CI_PROGRAM_IMAGE.repository}:${CI_PROGRAM_IMAGE.tag}`;
  await $`docker build -t ${ref} ${ROOT}`;
  await $`kind load docker-image ${ref} --name ${CLUSTER}`; // every node of the cluster
}

export async function deleteCluster(): Promise<void> {
  if (created && process.env.HARBOR_EDGE_E2E_KEEP !== "1") await $`kind delete cluster --name ${CLUSTER}`.nothrow();
}

/** The node's address: the VIP the certificate must carry. */
export async function nodeIp(): Promise<string> {
  return (await $`kubectl get nodes -o jsonpath=${'{.items[0].status.addresses[?(@.type=="InternalIP")].address}'}`).stdout.trim();
}

/** The chart with its harbor dependency: from the offline cache, else `helm dependency build` (online). */
export async function chartDir(): Promise<string> {
  if (chart) return chart.dir;
  chart = prepareChart();
  if (!chart.withUpstream) {
    fs.cpSync(path.join(ROOT, "chart", "Chart.yaml"), path.join(chart.dir, "Chart.yaml"));
    fs.cpSync(path.join(ROOT, "chart", "Chart.lock"), path.join(chart.dir, "Chart.lock"));
    await $`${helm.bin} repo add harbor https://helm.goharbor.io --force-update`;
    await $`${helm.bin} dependency build ${chart.dir}`;
    fs.mkdirSync(chartCacheDir(), { recursive: true });
    for (const f of fs.readdirSync(path.join(chart.dir, "charts")))
      fs.copyFileSync(path.join(chart.dir, "charts", f), path.join(chartCacheDir(), f));
  }
  return chart.dir;
}

/** Values for the default example on this cluster: its UID, and the node address as the VIP. */
export function valuesFile(spec: Spec, name: string): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "e2e-")), `${name}.yaml`);
  fs.writeFileSync(file, valuesYaml(spec, name));
  return file;
}

export async function specFor(overrides: Record<string, unknown>): Promise<Spec> {
  const loaded = loadSpecFile(path.join(EXAMPLES_DIR, "edge-single-node.yaml"));
  const raw = structuredClone(loaded.raw) as Record<string, any>;
  const merge = (a: any, b: any): any =>
    b && typeof b === "object" && !Array.isArray(b)
      ? Object.fromEntries([...new Set([...Object.keys(a ?? {}), ...Object.keys(b)])].map((k) => [k, k in b ? merge(a?.[k], b[k]) : a[k]]))
      : b;
  const r = validateSpec(merge(merge(raw, { image: { ...CI_PROGRAM_IMAGE } }), overrides));
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.spec as Spec;
}

/**
 * helm install (or upgrade) --wait, then the configuration Job done: at most INSTALL_MINUTES in all (budget.ts).
 * The Job starts with the release and ends, done or failed, within configJob.timeoutSeconds (30 min by
 * default): the wait for it ends at the same deadline, counted from before helm.
 */
export async function install(values: string, verb: "install" | "upgrade" = "install"): Promise<void> {
  const deadline = Date.now() + INSTALL_MINUTES * 60_000;
  const dir = await chartDir();
  await $`kubectl create namespace ${`cluster-${UID}`} --dry-run=client -o yaml | kubectl apply -f -`;
  await $`${helm.bin} ${verb} ${RELEASE} ${dir} --namespace ${NS} --create-namespace -f ${values} --wait --timeout 20m`;
  // helm does not wait for the configuration Job (no hook); the tests expect Harbor configured
  const left = Math.max(60, Math.ceil((deadline - Date.now()) / 1000));
  await $`kubectl wait --namespace ${NS} --for=condition=complete job --selector app.kubernetes.io/component=configure,harbor-edge.io/run=install --timeout ${`${left}s`}`;
}

export async function uninstall(): Promise<void> {
  await $`${helm.bin} uninstall ${RELEASE} --namespace ${NS} --wait`;
}

/** The seeds' command, as printed, run through a shell. */
export async function passwordFromRegistryInfo(): Promise<string> {
  const cmd = `kubectl get secret registry-info --namespace cluster-${UID} --output jsonpath="{.data.SPECTRO_USER_PASSWORD}" | base64 --decode`;
  return (await $`sh -c ${cmd}`).stdout;
}

/** An HTTPS request to Harbor on the node port, trusting the CA from harbor-tls. */
export async function api(
  method: string,
  p: string,
  auth?: { user: string; password: string },
  headers: Record<string, string> = {},
  body?: string,
): Promise<{ status: number; body: string }> {
  const ca = await caCert();
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: "127.0.0.1",
        port: 30003,
        path: `/api/v2.0${p}`,
        method,
        servername: "spectro.registry.local",
        ca,
        headers: {
          ...headers,
          ...(auth ? { authorization: `Basic ${Buffer.from(`${auth.user}:${auth.password}`).toString("base64")}` } : {}),
        },
      },
      (res) => {
        let body = "";
        res.on("data", (d) => (body += d));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

export async function caCert(): Promise<string> {
  const cmd = `kubectl get secret harbor-tls --namespace ${NS} --output jsonpath="{.data.ca\\.crt}" | base64 --decode`;
  return (await $`sh -c ${cmd}`).stdout;
}

/** The certificate Harbor serves on the node port. */
export function servedCertificate(): Promise<tls.PeerCertificate> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: "127.0.0.1", port: 30003, servername: "spectro.registry.local", rejectUnauthorized: false }, () => {
      resolve(s.getPeerCertificate());
      s.end();
    });
    s.on("error", reject);
  });
}

/** Waits until /health says healthy; on timeout names the unhealthy components. */
export async function waitHealthy(timeoutMs = 15 * 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  let last = "no answer";
  while (Date.now() < until) {
    try {
      const r = await api("GET", "/health");
      const h = JSON.parse(r.body);
      if (h.status === "healthy") return;
      last = (h.components ?? [])
        .filter((c: any) => c.status !== "healthy")
        .map((c: any) => `${c.name}: ${c.error ?? c.status}`)
        .join("; ");
    } catch (e) {
      last = (e as Error).message;
    }
    await sleep(5000);
  }
  throw new Error(`Harbor did not become healthy: ${last}`);
}

export async function pods(): Promise<Record<string, { uid: string; restarts: number }>> {
  const list = JSON.parse((await $`kubectl get pods --namespace ${NS} -o json`).stdout);
  return Object.fromEntries(
    list.items
      .filter((p: any) => p.status.phase === "Running" && p.metadata.labels?.["app.kubernetes.io/component"] !== "configure")
      .map((p: any) => [
        p.metadata.name,
        { uid: p.metadata.uid, restarts: (p.status.containerStatuses ?? []).reduce((n: number, c: any) => n + c.restartCount, 0) },
      ]),
  );
}

export async function secretData(name: string, key: string, ns = NS): Promise<string> {
  const s = JSON.parse((await $`kubectl get secret ${name} --namespace ${ns} -o json`).stdout);
  return Buffer.from(s.data[key], "base64").toString();
}

export async function waitPodReady(selector: string, timeout = "600s"): Promise<void> {
  await $`kubectl wait --namespace ${NS} --for=condition=Ready pod --selector ${selector} --timeout ${timeout}`;
}

/** Events, pod logs and kind's logs, for a failed scenario. */
export async function collectLogs(name: string): Promise<void> {
  const dir = path.join(ARTIFACTS, name.replace(/[^a-z0-9]+/gi, "-"));
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "events.txt"), (await $`kubectl get events --all-namespaces --sort-by=.lastTimestamp`.nothrow()).stdout);
  fs.writeFileSync(path.join(dir, "pods.yaml"), (await $`kubectl get pods --all-namespaces -o yaml`.nothrow()).stdout);
  for (const p of Object.keys(await pods().catch(() => ({})))) {
    fs.writeFileSync(path.join(dir, `${p}.log`), (await $`kubectl logs --namespace ${NS} ${p} --all-containers --prefix`.nothrow()).stdout);
  }
  fs.writeFileSync(
    path.join(dir, "job.log"),
    (await $`kubectl logs --namespace ${NS} --selector app.kubernetes.io/component=configure --tail=-1`.nothrow()).stdout,
  );
  await $`kind export logs ${path.join(dir, "kind")} --name ${CLUSTER}`.nothrow();
}

export { yaml };
