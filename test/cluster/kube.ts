// The local cluster as the scenarios see it: kubectl (built with the cluster) and both packaged helms with
// the cluster's kubeconfig, a chart directory with the upstream chart from the offline cache, values from
// the CLI, and snapshots of a release's live objects.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import crypto from "node:crypto";
import { spawnSync } from "node:child_process";
import yaml from "js-yaml";
import { ROOT } from "../../generator/src/paths.js";
import { prepareChart, runHelm, type HelmResult, type PreparedChart } from "../../generator/src/chart/chart.js";
import type { Helm } from "../../generator/src/chart/find.js";
import { runProcess } from "../helpers/process.js";

export const STATE = process.env.HE_CL_STATE ?? "/var/lib/he-cl";
export const KUBECONFIG = path.join(STATE, "kubeconfig");
export const NODE_IP = "10.213.0.1";
export const REGISTRY = `${NODE_IP}:5000`;
/** The nodes cluster:up starts (env.sh HE_CL_NODES); node N's address is 10.213.0.N, its pod range 10.215.(N-1).0/24. */
export const NODES = ["he-cl-node", "he-cl-node-2"];
export const nodeIp = (index: number) => `10.213.0.${index}`;
export const podCidr = (index: number) => `10.215.${index - 1}.0/24`;
/** A node's state (node.sh): its containerd host directory and config.toml (bound at /etc/containerd inside its mount namespace), its containerd socket. */
export const nodeFiles = (name: string) => {
  const d = path.join(STATE, "nodes", name);
  return {
    dir: d,
    hostDir: path.join(d, "certs.d"),
    containerdConfig: path.join(d, "containerd-conf", "config.toml"),
    sock: path.join(d, "containerd", "containerd.sock"),
  };
};
/** A stand-in for Harbor's harbor-core image, whose tools the node-mirror DaemonSet's sh script uses (busybox sh + curl). */
export const STAND_IN_IMAGE = { repository: `${REGISTRY}/he-cl/curl`, tag: "1" };
/** helm arguments that give Harbor's core the stand-in image (its own cannot be fetched here) */
export const STAND_IN_CORE_ARGS = [
  "--set",
  `harbor.core.image.repository=${STAND_IN_IMAGE.repository}`,
  "--set-string",
  `harbor.core.image.tag=${STAND_IN_IMAGE.tag}`,
];
/** A stand-in for the project's harbor-edge image (images.sh: this machine's node and the bundled CLI, no shell). */
export const PROGRAM_IMAGE = { repository: `${REGISTRY}/he-cl/harbor-edge`, tag: "1" };
const KUBECTL = path.join(fs.readFileSync(path.join(STATE, "k8s"), "utf8").trim(), "bin", "kubectl");
process.env.KUBECONFIG = KUBECONFIG;

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export function kubectl(args: string[], input?: string): Run {
  const r = spawnSync(KUBECTL, ["--kubeconfig", KUBECONFIG, ...args], { input, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  return { code: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
}

export function kubectlOk(args: string[], input?: string): string {
  const r = kubectl(args, input);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(" ")}: ${r.stderr.trim()}`);
  return r.stdout;
}

export const getJson = (args: string[]): any => JSON.parse(kubectlOk([...args, "-o", "json"]));

export function helm(h: Helm, args: string[]): HelmResult {
  return runHelm(h, [...args, "--kubeconfig", KUBECONFIG]);
}

/** helm without blocking the event loop: for scenarios that serve the test Harbor from this process. */
export async function helmAsync(h: Helm, args: string[]): Promise<HelmResult> {
  const { code, stdout, stderr } = await runProcess(h.bin, [...args, "--kubeconfig", KUBECONFIG], {
    env: { ...process.env, HELM_DEBUG: "" },
  });
  return { code, stdout, stderr };
}

export function helmOk(h: Helm, args: string[]): string {
  const r = helm(h, args);
  if (r.code !== 0) throw new Error(`helm ${h.version} ${args.join(" ")}: ${r.stderr.trim()}`);
  return r.stdout;
}

let chart: PreparedChart | undefined;
/** The full chart (upstream harbor from the offline chart cache), prepared once per test file. */
export function chartDir(): string {
  chart ??= prepareChart();
  if (!chart.withUpstream) throw new Error(`the upstream chart is not in the chart cache: ${chart.note}`);
  return chart.dir;
}
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "he-cl-test-"));
/** Removes the prepared chart and the spec and values files written for the scenarios. */
export const cleanupChart = () => {
  chart?.cleanup();
  fs.rmSync(tmp, { recursive: true, force: true });
};
let n = 0;
/** A spec file: an example with changes merged into its harbor-config, its image the tier's stand-in. */
export function specFile(example: string, change: Record<string, any> = {}): string {
  const doc = yaml.load(fs.readFileSync(path.join(ROOT, "examples", example), "utf8")) as any;
  const merge = (a: any, b: any): any => {
    if (!b || typeof b !== "object" || Array.isArray(b)) return b;
    const out = { ...(a ?? {}) };
    for (const [k, v] of Object.entries(b)) out[k] = merge(out[k], v);
    return out;
  };
  // the configuration and report Jobs run the stand-in of the project's image (the real one cannot be pulled here)
  doc["harbor-config"] = merge(merge(doc["harbor-config"], { image: PROGRAM_IMAGE }), change);
  const f = path.join(tmp, `spec-${++n}-${example}`);
  fs.writeFileSync(f, yaml.dump(doc));
  return f;
}

/** The chart values for a spec, written by the CLI (`harbor-edge values`). */
export function valuesFor(spec: string): string {
  const out = path.join(tmp, `values-${++n}.yaml`);
  const r = spawnSync(process.execPath, [path.join(ROOT, "generator", "bin", "harbor-edge.js"), "values", spec, "-o", out], {
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`harbor-edge values ${spec}: ${r.stderr}`);
  return out;
}

export interface Obj {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [k: string]: any;
  };
  [k: string]: any;
}

export const parseManifest = (text: string): Obj[] => (yaml.loadAll(text) as Obj[]).filter((d) => d && typeof d === "object" && d.kind);
export const keyOf = (o: Obj, ns: string) => `${o.kind}/${o.metadata.namespace ?? ns}/${o.metadata.name}`;

/** The live objects of a manifest, read back from the API server (fails if any is missing). */
export function liveObjects(manifest: string, ns: string): Obj[] {
  const byNamespace = new Map<string, Obj[]>();
  for (const o of parseManifest(manifest)) {
    const n = o.metadata.namespace ?? ns;
    byNamespace.set(n, [...(byNamespace.get(n) ?? []), o]);
  }
  const out: Obj[] = [];
  for (const [n, objs] of byNamespace) {
    const list = JSON.parse(kubectlOk(["get", "-f", "-", "-n", n, "-o", "json"], objs.map((o) => yaml.dump(o)).join("---\n")));
    out.push(...(list.kind === "List" ? list.items : [list]));
  }
  return out;
}

/** What an object says, without what the server or controllers keep about it. */
function fingerprint(o: Obj): string {
  const c = structuredClone(o);
  delete c.status;
  for (const k of ["resourceVersion", "managedFields", "generation", "creationTimestamp", "uid", "selfLink"]) delete c.metadata[k];
  const stable = (v: any): any =>
    Array.isArray(v)
      ? v.map(stable)
      : v && typeof v === "object"
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, stable(v[k])]),
          )
        : v;
  return crypto
    .createHash("sha256")
    .update(JSON.stringify(stable(c)))
    .digest("hex");
}

export interface Snapshot {
  [key: string]: { resourceVersion: string; fingerprint: string; podTemplate?: string };
}

/** Every object of a release (hooks left out), with its resourceVersion and, for workloads, its pod template hash. */
export function snapshot(h: Helm, release: string, ns: string): Snapshot {
  const manifest = helmOk(h, ["get", "manifest", release, "-n", ns]);
  const out: Snapshot = {};
  for (const o of liveObjects(manifest, ns)) {
    const tpl = o.spec?.template
      ? crypto.createHash("sha256").update(JSON.stringify(o.spec.template)).digest("hex").slice(0, 16)
      : undefined;
    out[keyOf(o, ns)] = { resourceVersion: o.metadata.resourceVersion!, fingerprint: fingerprint(o), podTemplate: tpl };
  }
  // the ReplicaSets the Deployments own: a changed pod template makes a new one
  for (const rs of getJson(["get", "replicasets", "-n", ns]).items as Obj[])
    out[`ReplicaSet/${ns}/${rs.metadata.name}`] = { resourceVersion: "", fingerprint: rs.metadata.labels?.["pod-template-hash"] ?? "" };
  return out;
}

export interface Diff {
  /** objects whose content changed (or that appeared or went) */
  changed: string[];
  /** objects whose resourceVersion moved with the same content: controllers writing status */
  statusOnly: string[];
  templates: string[];
}

export function diff(a: Snapshot, b: Snapshot): Diff {
  const changed: string[] = [],
    statusOnly: string[] = [],
    templates: string[] = [];
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const x = a[k],
      y = b[k];
    if (!x || !y || x.fingerprint !== y.fingerprint) changed.push(k);
    else if (x.resourceVersion !== y.resourceVersion) statusOnly.push(k);
    if (x?.podTemplate !== y?.podTemplate) templates.push(k);
  }
  return { changed: changed.sort(), statusOnly: statusOnly.sort(), templates: templates.sort() };
}

/** Waits until the release's objects stop moving (controllers done writing status), at most `ms`. */
export async function settle(h: Helm, release: string, ns: string, ms = 30_000): Promise<Snapshot> {
  let prev = snapshot(h, release, ns);
  const end = Date.now() + ms;
  while (Date.now() < end) {
    await new Promise((r) => setTimeout(r, 3000));
    const next = snapshot(h, release, ns);
    if (Object.keys(next).every((k) => prev[k]?.resourceVersion === next[k].resourceVersion)) return next;
    prev = next;
  }
  return prev;
}

export function ensureNamespace(ns: string): void {
  if (kubectl(["get", "namespace", ns]).code !== 0) kubectlOk(["create", "namespace", ns]);
}

export function secretData(ns: string, name: string): Record<string, string> | undefined {
  const r = kubectl(["get", "secret", name, "-n", ns, "-o", "json"]);
  if (r.code !== 0) return undefined;
  const data = JSON.parse(r.stdout).data ?? {};
  return Object.fromEntries(Object.entries<string>(data).map(([k, v]) => [k, Buffer.from(v, "base64").toString("utf8")]));
}

/** Pods of a namespace and what keeps each waiting, e.g. "harbor-core-…: ImagePullBackOff (docker.io/goharbor/harbor-core:v2.15.1)". */
export function podStates(
  ns: string,
): Array<{ name: string; owner?: string; scheduled: boolean; phase: string; waiting: string[]; images: string[] }> {
  return (getJson(["get", "pods", "-n", ns]).items as any[]).map((p) => ({
    name: p.metadata.name,
    owner: (p.metadata.ownerReferences ?? []).map((o: any) => `${o.kind}/${o.name}`)[0],
    scheduled: (p.status.conditions ?? []).some((c: any) => c.type === "PodScheduled" && c.status === "True"),
    phase: p.status.phase,
    waiting: [...(p.status.initContainerStatuses ?? []), ...(p.status.containerStatuses ?? [])]
      .map((s: any) => s.state?.waiting?.reason)
      .filter(Boolean),
    images: [...(p.spec.initContainers ?? []), ...p.spec.containers].map((c: any) => c.image),
  }));
}

/** The CronJob a Job was started by (its owner), or undefined for a Job started otherwise (the chart's per-revision Jobs). */
export const cronJobOf = (job: any): string | undefined =>
  (job?.metadata?.ownerReferences ?? []).find((o: any) => o.kind === "CronJob")?.name;

/** The Jobs of a namespace that a CronJob started: Job name -> CronJob name. */
export function cronJobRuns(ns: string): Map<string, string> {
  const runs = new Map<string, string>();
  for (const j of getJson(["get", "jobs", "-n", ns]).items as any[]) {
    const c = cronJobOf(j);
    if (c) runs.set(j.metadata.name, c);
  }
  return runs;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Appends a line to the tier's benchmark file (printed by run.ts at the end). */
export function bench(line: string): void {
  const f = process.env.HE_CL_BENCH_FILE;
  if (f) fs.appendFileSync(f, line + "\n");
  process.stdout.write(`bench: ${line}\n`);
}
