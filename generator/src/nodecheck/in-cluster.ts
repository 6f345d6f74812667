// The node check in a pod (`harbor-edge node-check --in-cluster`, the chart's opt-in node-check DaemonSet): every
// NODE_CHECK_INTERVAL_SECONDS, list the pods of this node through the Kubernetes API (fieldSelector
// spec.nodeName=$NODE_NAME, the pod's ServiceAccount), take their images (containers, init and ephemeral
// containers of pods not finished), check them as the node's containerd would pull them (the check is injected:
// the command passes checkNode of check.ts) and write the NodeResult as JSON into this node's ConfigMap in the
// pod's namespace (created, then merge-patched), which the report reads.
//
// Bounds: at most MAX_IMAGES images per node (sorted, the rest left out and said so in the ConfigMap), image
// names of at most MAX_IMAGE_CHARS (longer ones left out), details cut to MAX_DETAIL_CHARS, the ConfigMap's data
// at most MAX_DATA_BYTES (well under the API server's 1 MiB). Node names and images are hostile input: the
// ConfigMap's name is derived (bounded, DNS-safe, hashed), the node's own name goes inside the data, and every
// log line is printable-safe.
//
// Environment (the chart's DaemonSet sets it):
//   NODE_NAME                       the node (spec.nodeName through the downward API; required)
//   KUBE_NAMESPACE                  where the ConfigMaps go: the chart's results namespace (else POD_NAMESPACE)
//   NODE_CHECK_INTERVAL_SECONDS     30..3600, default 300
//   NODE_CHECK_HOST_DIR             containerd's host directory as mounted in the pod (default /host/certs.d)
//   NODE_CHECK_HOST_DIR_ON_NODE     the same directory's path on the node (hosts.toml names files by it)
//   NODE_CHECK_CONTAINERD_CONFIG    containerd's config.toml as mounted in the pod (optional)
//   NODE_CHECK_HOST_ROOT            where the node's CA directories are mounted, as under / (default /: the pod's own)
//   NODE_CHECK_TIMEOUT_SECONDS      one image's check (default 20)
//   KUBE_API, KUBE_TOKEN_FILE, KUBE_CA_FILE: the in-cluster access (kube/client.ts inClusterAccess)
import crypto from "node:crypto";
import { printable } from "../io/printable.js";
import { inClusterAccess, kubeRequest, KubeError, type KubeAccess } from "../kube/client.js";
import { imagesOf } from "../kube/cluster.js";
import type { NodeFailureKind, NodeImageResult, NodeResult } from "./types.js";
import { NAMES } from "../common/names.js";

export const MAX_IMAGES = 500;
export const MAX_IMAGE_CHARS = 1000;
export const MAX_DETAIL_CHARS = 300;
export const MAX_DATA_BYTES = 900_000;
export const DEFAULT_INTERVAL_SECONDS = 300;
/** The label of every node-check object, the per-node ConfigMaps included (the report selects them by it). */
export const COMPONENT_LABEL = "app.kubernetes.io/component";
export const COMPONENT = "node-check";
const PREFIX = `${NAMES.nodeCheck}-`;

/** What the loop passes to the check (a subset of check.ts NodeCheckOptions: checkNode fits). */
export interface InClusterCheckOptions {
  node: string;
  hostDir: string;
  hostDirOnNode?: string;
  containerdConfig?: string;
  hostRoot?: string;
  images: string[];
  timeoutMs?: number;
}

export interface InClusterDeps {
  /** the node check (check.ts checkNode) */
  check: (o: InClusterCheckOptions) => Promise<NodeResult>;
  /** default: the pod's ServiceAccount (inClusterAccess(env)) */
  access?: KubeAccess;
  log?: (line: string) => void;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  /** stop after this many rounds (tests); default: forever */
  rounds?: number;
  /** stop when aborted (SIGTERM) */
  signal?: AbortSignal;
}

export class BadEnv extends Error {}

const NODE_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const NAMESPACE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/**
 * The ConfigMap of a node: harbor-edge-node-check-<node, DNS-label-safe, at most 28 characters>-<10 hex of
 * sha256(node)>, at most 63 characters in all. Distinct nodes get distinct names (the hash), whatever their
 * names; the node's own name is in the data. Pure.
 */
export function configMapName(node: string): string {
  const safe = node
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/-+/g, "-")
    .slice(0, 28)
    .replace(/^-+|-+$/g, "");
  const hash = crypto.createHash("sha256").update(node, "utf8").digest("hex").slice(0, 10);
  return `${PREFIX}${safe ? `${safe}-` : ""}${hash}`;
}

export interface InClusterConfig {
  node: string;
  namespace: string;
  intervalSeconds: number;
  hostDir: string;
  hostDirOnNode?: string;
  containerdConfig?: string;
  hostRoot: string;
  timeoutMs: number;
}

const nonEmpty = (v: string | undefined) => (v !== undefined && v !== "" ? v : undefined);
const quoted = (v: string) => JSON.stringify(printable(v.slice(0, 100)));

/** The loop's environment read; BadEnv names the variable. Pure. */
export function readInClusterEnv(env: NodeJS.ProcessEnv): InClusterConfig {
  const node = nonEmpty(env.NODE_NAME);
  if (!node) throw new BadEnv("NODE_NAME is not set (the DaemonSet sets it from spec.nodeName)");
  if (!NODE_NAME.test(node)) throw new BadEnv(`NODE_NAME: expected a node name (a DNS subdomain), given ${quoted(node)}`);
  const namespace = nonEmpty(env.KUBE_NAMESPACE) ?? nonEmpty(env.POD_NAMESPACE);
  const nsVar = nonEmpty(env.KUBE_NAMESPACE) ? "KUBE_NAMESPACE" : "POD_NAMESPACE";
  if (!namespace)
    throw new BadEnv("KUBE_NAMESPACE is not set (the namespace of the per-node ConfigMaps; the chart sets its results namespace)");
  if (!NAMESPACE.test(namespace)) throw new BadEnv(`${nsVar}: expected a namespace name, given ${quoted(namespace)}`);
  const secs = (name: string, dflt: number, min: number, max: number) => {
    const v = nonEmpty(env[name]);
    if (v === undefined) return dflt;
    if (!/^[0-9]{1,5}$/.test(v) || Number(v) < min || Number(v) > max)
      throw new BadEnv(`${name}: expected whole seconds from ${min} to ${max}, given ${quoted(v)}`);
    return Number(v);
  };
  const path = (name: string) => {
    const v = nonEmpty(env[name]);
    if (v !== undefined && (!v.startsWith("/") || v.length > 1024 || /[\u0000-\u001f]/.test(v)))
      throw new BadEnv(`${name}: expected an absolute path, given ${quoted(v)}`);
    return v;
  };
  const hostDirOnNode = path("NODE_CHECK_HOST_DIR_ON_NODE");
  const containerdConfig = path("NODE_CHECK_CONTAINERD_CONFIG");
  return {
    node,
    namespace,
    intervalSeconds: secs("NODE_CHECK_INTERVAL_SECONDS", DEFAULT_INTERVAL_SECONDS, 30, 3600),
    hostDir: path("NODE_CHECK_HOST_DIR") ?? "/host/certs.d",
    ...(hostDirOnNode ? { hostDirOnNode } : {}),
    ...(containerdConfig ? { containerdConfig } : {}),
    hostRoot: path("NODE_CHECK_HOST_ROOT") ?? "/",
    timeoutMs: secs("NODE_CHECK_TIMEOUT_SECONDS", 20, 1, 600) * 1000,
  };
}

/** The path of this node's pod list: pods not finished, on this node. */
export function nodePodsPath(node: string): string {
  return `/api/v1/pods?fieldSelector=${encodeURIComponent(`spec.nodeName=${node},status.phase!=Succeeded,status.phase!=Failed`)}`;
}

/** The images to check: distinct, sorted, names no longer than MAX_IMAGE_CHARS, at most MAX_IMAGES. Pure. */
export function boundImages(images: string[]): { images: string[]; left: number } {
  const usable = [...new Set(images)].filter((i) => i.length <= MAX_IMAGE_CHARS).sort();
  return { images: usable.slice(0, MAX_IMAGES), left: new Set(images).size - Math.min(usable.length, MAX_IMAGES) };
}

const KINDS: ReadonlySet<NodeFailureKind> = new Set([
  "containerd-config",
  "no-mirror",
  "tls-san",
  "tls-ca",
  "unauthorized",
  "realm-unresolvable",
  "unreachable",
  "not-found",
  "error",
]);
const cut = (s: unknown, n: number) => {
  const t = String(s ?? "");
  return t.length > n ? `${t.slice(0, n)}[...]` : t;
};
const failure = (f: any) =>
  f && typeof f === "object"
    ? { kind: (KINDS.has(f.kind) ? f.kind : "error") as NodeFailureKind, detail: cut(f.detail, MAX_DETAIL_CHARS) }
    : undefined;

/**
 * A result cut to its bounds: the known fields only, a failure kind outside the list read as "error", every
 * string shortened, at most MAX_IMAGES images. What the check writes, and what the report takes from a ConfigMap
 * it did not write (anyone with the node check's rights could). Pure.
 */
export function boundedResult(node: string, r: any): NodeResult {
  const images: NodeImageResult[] = (Array.isArray(r?.images) ? r.images : [])
    .filter((i: any) => i && typeof i.image === "string")
    .slice(0, MAX_IMAGES)
    .map((i: any) => {
      const f = failure(i.failure);
      return {
        image: cut(i.image, MAX_IMAGE_CHARS),
        ok: i.ok === true,
        ...(typeof i.via === "string" && i.via ? { via: cut(i.via, 300) } : {}),
        ...(typeof i.digest === "string" && i.digest ? { digest: cut(i.digest, 100) } : {}),
        ...(f ? { failure: f } : {}),
      };
    });
  const nf = failure(r?.nodeFailure);
  return {
    node,
    platform: cut(r?.platform, 100),
    checkedAt: cut(r?.checkedAt, 40),
    hostDir: cut(r?.hostDir, 1024),
    ...(nf ? { nodeFailure: nf } : {}),
    images,
  };
}

/** The ConfigMap's data for a result: node, result (JSON of the NodeResult, bounded), left (images not checked). Pure. */
export function resultData(node: string, r: NodeResult, left: number): Record<string, string> {
  const bounded = boundedResult(node, r);
  let json = JSON.stringify(bounded);
  while (Buffer.byteLength(json) > MAX_DATA_BYTES && bounded.images.length) {
    bounded.images = bounded.images.slice(0, Math.floor(bounded.images.length * 0.9));
    json = JSON.stringify(bounded);
  }
  const given = Array.isArray(r.images) ? r.images.length : 0;
  return { node, result: json, left: String(left + given - bounded.images.length) };
}

/** Creates the node's ConfigMap, or merge-patches it when it exists. Returns "created" or "patched". */
export async function writeResult(
  access: KubeAccess,
  namespace: string,
  node: string,
  data: Record<string, string>,
  timeoutMs = 30_000,
): Promise<"created" | "patched"> {
  const name = configMapName(node);
  const at = `/api/v1/namespaces/${encodeURIComponent(namespace)}/configmaps`;
  const labels = { [COMPONENT_LABEL]: COMPONENT, "app.kubernetes.io/name": NAMES.chart };
  const patch = () =>
    kubeRequest(access, "PATCH", `${at}/${name}`, {
      body: { metadata: { labels }, data },
      contentType: "application/merge-patch+json",
      timeoutMs,
    });
  try {
    await patch();
    return "patched";
  } catch (e) {
    if (!(e instanceof KubeError && e.status === 404)) throw e;
  }
  try {
    await kubeRequest(access, "POST", at, {
      body: { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace, labels }, data },
      timeoutMs,
    });
    return "created";
  } catch (e) {
    // created meanwhile (another pod of this node during a roll): patch it
    if (e instanceof KubeError && e.status === 409) {
      await patch();
      return "patched";
    }
    throw e;
  }
}

/** One round: list, check, write. Returns what it wrote. */
export async function checkOnce(
  cfg: InClusterConfig,
  access: KubeAccess,
  deps: Pick<InClusterDeps, "check" | "log">,
): Promise<{ result: NodeResult; data: Record<string, string>; written: "created" | "patched" }> {
  const log = deps.log ?? (() => {});
  const pods = await kubeRequest(access, "GET", nodePodsPath(cfg.node), { timeoutMs: 30_000 });
  const all = imagesOf(pods);
  const { images, left } = boundImages(all);
  if (left)
    log(`${left} of ${all.length} images not checked (at most ${MAX_IMAGES} per node, names of at most ${MAX_IMAGE_CHARS} characters)`);
  const result = await deps.check({
    node: cfg.node,
    hostDir: cfg.hostDir,
    ...(cfg.hostDirOnNode ? { hostDirOnNode: cfg.hostDirOnNode } : {}),
    ...(cfg.containerdConfig ? { containerdConfig: cfg.containerdConfig } : {}),
    hostRoot: cfg.hostRoot,
    images,
    timeoutMs: cfg.timeoutMs,
  });
  const data = resultData(cfg.node, result, left);
  const written = await writeResult(access, cfg.namespace, cfg.node, data);
  const ok = result.images.filter((i) => i.ok).length;
  log(
    `${printable(cfg.node)}: ${ok} of ${result.images.length} images reachable${result.nodeFailure ? ` (${printable(result.nodeFailure.kind)}: ${printable(cut(result.nodeFailure.detail, 200))})` : ""}; ${written} ${cfg.namespace}/${configMapName(cfg.node)}`,
  );
  return { result, data, written };
}

/**
 * The loop. Returns the exit code: 2 for a bad environment or no ServiceAccount; otherwise it runs until
 * deps.rounds are done or deps.signal aborts (0). A failed round is logged and retried at the next interval.
 * The command calls it as: `process.exitCode = await runInCluster(process.env, { check: checkNode })`.
 */
export async function runInCluster(env: NodeJS.ProcessEnv, deps: InClusterDeps): Promise<number> {
  const log = deps.log ?? ((s: string) => process.stdout.write(`harbor-edge node-check: ${s}\n`));
  const sleep =
    deps.sleep ??
    ((ms: number) =>
      new Promise<void>((resolve) => {
        const onAbort = () => (clearTimeout(t), resolve());
        const t = setTimeout(() => (deps.signal?.removeEventListener("abort", onAbort), resolve()), ms);
        deps.signal?.addEventListener("abort", onAbort, { once: true });
      }));
  let cfg: InClusterConfig;
  try {
    cfg = readInClusterEnv(env);
  } catch (e) {
    if (e instanceof BadEnv) {
      log(`ERROR: ${e.message}`);
      return 2;
    }
    throw e;
  }
  const access = deps.access ?? inClusterAccess(env);
  if (!access) {
    log(
      `ERROR: no Kubernetes API: cannot read the ServiceAccount token ${env.KUBE_TOKEN_FILE || "/var/run/secrets/kubernetes.io/serviceaccount/token"} (KUBE_TOKEN_FILE), or KUBERNETES_SERVICE_HOST is not set`,
    );
    return 2;
  }
  log(`node ${printable(cfg.node)}: checking every ${cfg.intervalSeconds}s into ${cfg.namespace}/${configMapName(cfg.node)}`);
  for (let round = 1; !deps.signal?.aborted; round++) {
    try {
      await checkOnce(cfg, access, { check: deps.check, log });
    } catch (e) {
      log(`warning: this round failed: ${printable(cut((e as Error).message, 500))}`);
    }
    if (deps.rounds !== undefined && round >= deps.rounds) break;
    await sleep(cfg.intervalSeconds * 1000);
  }
  return 0;
}
