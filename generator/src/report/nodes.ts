// Readiness per node (report.nodeCheck): the node-check DaemonSet writes what each node reached, as its containerd
// pulls, into one ConfigMap per node (nodecheck/in-cluster.ts); the report reads them (one list, by label) and
// counts an image held on a node only when Harbor holds it (the report's own look) AND that node's check
// reached it. A node with no result, or one older than 3 x the check's interval, counts all its images missing
// ("no node check result"). Reading the ConfigMaps is I/O; the rest is pure.
//
// Everything read here was written by pods on the nodes (or anyone who may write ConfigMaps in that namespace):
// hostile. A ConfigMap counts only when its name is the one derived from the node it names, its result parses
// and names that node; strings are bounded; output lines are made printable where they are printed.
import { kubeGet, type KubeAccess } from "../kube/client.js";
import { COMPONENT, COMPONENT_LABEL, boundedResult, configMapName } from "../nodecheck/in-cluster.js";
import type { NodeCount, NodeResult } from "../nodecheck/types.js";
import { formatReference, parseReference } from "../registry/reference.js";
import { normaliseAddress } from "./input.js";
import { missingLine } from "./images.js";
import { FUTURE_SKEW_MS } from "../common/clock.js";

/** The largest result read (the writer keeps its data under 900 kB). */
export const MAX_RESULT_BYTES = 1_000_000;
/** A result older than this many intervals does not count. */
export const STALE_INTERVALS = 3;
export const NO_RESULT = "no node check result";
/** How many nodes the cluster summary names for one image (the rest counted). */
const NODES_PER_LINE = 3;

export interface NodeCheckSettings {
  namespace: string;
  intervalSeconds: number;
}

/** An image name as the pods' spelling normalises (formatReference), or as given when it does not parse. */
export function normaliseImage(raw: string): string {
  try {
    return formatReference(parseReference(raw));
  } catch {
    return raw.trim();
  }
}

/** The results in a ConfigMapList, by node; with how many ConfigMaps were not usable. Pure. */
export function nodeResultsFrom(list: any): { results: Map<string, NodeResult>; ignored: number } {
  const results = new Map<string, NodeResult>();
  let ignored = 0;
  for (const cm of Array.isArray(list?.items) ? list.items : []) {
    const node = cm?.data?.node;
    const text = cm?.data?.result;
    if (
      typeof node !== "string" ||
      !node ||
      node.length > 253 ||
      cm?.metadata?.name !== configMapName(node) ||
      typeof text !== "string" ||
      text.length > MAX_RESULT_BYTES
    ) {
      ignored++;
      continue;
    }
    let r: any;
    try {
      r = JSON.parse(text);
    } catch {
      ignored++;
      continue;
    }
    if (!r || typeof r !== "object" || r.node !== node || typeof r.checkedAt !== "string" || !Array.isArray(r.images)) {
      ignored++;
      continue;
    }
    results.set(node, boundedResult(node, r));
  }
  return { results, ignored };
}

/** Lists the node-check ConfigMaps in namespace (one GET, by label). */
export async function readNodeResults(
  access: KubeAccess,
  namespace: string,
  timeoutMs: number,
): Promise<{ results: Map<string, NodeResult>; ignored: number }> {
  const selector = encodeURIComponent(`${COMPONENT_LABEL}=${COMPONENT}`);
  return nodeResultsFrom(
    await kubeGet(access, `/api/v1/namespaces/${encodeURIComponent(namespace)}/configmaps?labelSelector=${selector}`, timeoutMs),
  );
}

/** Why an image does not count on a node, or undefined when it does. Pure. */
export function whyNot(
  image: string,
  heldByHarbor: boolean,
  result: NodeResult | undefined,
  fresh: boolean,
  harborAddresses?: ReadonlySet<string>,
): string | undefined {
  if (!heldByHarbor) return "not held by Harbor";
  if (!result || !fresh) return result ? `${NO_RESULT}: the last is of ${result.checkedAt}` : NO_RESULT;
  const r = result.images.find((i) => normaliseImage(i.image) === image);
  if (!r)
    return result.nodeFailure
      ? `${result.nodeFailure.kind}: ${result.nodeFailure.detail}`
      : `not in the node's check of ${result.checkedAt}`;
  if (r.ok) {
    // reached through a host that is not one of Harbor's addresses (another mirror in the node's hosts.toml):
    // that proves nothing about an outage
    const host = viaHost(r.via);
    if (harborAddresses && harborAddresses.size > 0 && host !== undefined && !harborAddresses.has(host))
      return `error: reached through ${r.via}, which is not one of Harbor's addresses (${[...harborAddresses].join(", ")})`;
    return undefined;
  }
  const f = r.failure ?? result.nodeFailure;
  return f ? `${f.kind}: ${f.detail}` : "error: the node could not fetch it";
}

/** host[:port] of a hosts.toml host URL, normalised as Harbor's addresses are; undefined when absent or not a URL. Pure. */
function viaHost(via: string | undefined): string | undefined {
  if (!via) return undefined;
  try {
    const u = new URL(via);
    return normaliseAddress(u.host, u.protocol as "http:" | "https:");
  } catch {
    return undefined;
  }
}

/** At most this many missing lines per node in the status ConfigMap; then "... and N more". */
export const MAX_MISSING_PER_NODE = 50;

export interface NodeCounts {
  nodes: NodeCount[];
  /** image -> "node: why" for every node running it where it does not count (held images only) */
  unreachable: Map<string, string[]>;
}

/**
 * Per-node counts. byNode: node -> the (classified, normalised) image names its pods run; held: the names
 * Harbor holds. Nodes sorted by name; missing lines sorted. Pure.
 */
export function countNodes(
  byNode: Map<string, string[]>,
  held: ReadonlySet<string>,
  results: Map<string, NodeResult>,
  settings: NodeCheckSettings,
  nowMs: number,
  harborAddresses?: ReadonlySet<string>,
): NodeCounts {
  const nodes: NodeCount[] = [];
  const unreachable = new Map<string, string[]>();
  for (const name of [...byNode.keys()].sort()) {
    const images = [...new Set(byNode.get(name))].sort();
    const result = results.get(name);
    const at = result ? Date.parse(result.checkedAt) : NaN;
    const fresh =
      result !== undefined &&
      Number.isFinite(at) &&
      nowMs - at <= STALE_INTERVALS * settings.intervalSeconds * 1000 &&
      at - nowMs <= FUTURE_SKEW_MS; // a result from further ahead is not fresh
    const missing: string[] = [];
    let count = 0;
    for (const image of images) {
      const why = whyNot(image, held.has(image), result, fresh, harborAddresses);
      if (why === undefined) {
        count++;
        continue;
      }
      missing.push(missingLine(image, why));
      if (held.has(image)) unreachable.set(image, [...(unreachable.get(image) ?? []), `${name}: ${why}`]);
    }
    missing.sort();
    const shown =
      missing.length > MAX_MISSING_PER_NODE
        ? [...missing.slice(0, MAX_MISSING_PER_NODE), `... and ${missing.length - MAX_MISSING_PER_NODE} more`]
        : missing;
    nodes.push({ name, held: count, total: images.length, missing: shown, checkedAt: result?.checkedAt ?? "" });
  }
  return { nodes, unreachable };
}

/** The cluster summary's missing line for an image Harbor holds that some nodes cannot reach. Pure. */
export function unreachableLine(image: string, whys: string[]): string {
  const named = whys.slice(0, NODES_PER_LINE).join("; ");
  const more = whys.length > NODES_PER_LINE ? `; and ${whys.length - NODES_PER_LINE} more nodes` : "";
  return missingLine(image, `${named}${more}`);
}

/** "node-a: 12 of 12 held" */
export const nodeLine = (n: NodeCount) => `${n.name}: ${n.held} of ${n.total} held${n.checkedAt ? "" : ` (${NO_RESULT})`}`;
