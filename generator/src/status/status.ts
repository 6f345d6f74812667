// What the in-cluster report (harbor-edge report, generator/src/report/) last wrote: the ConfigMap harbor-edge-status and
// its latest Event, read through the Kubernetes API and formatted as the report says it. Reading is I/O,
// formatting is pure.
import { kubeGetIfExists, type KubeAccess } from "../kube/client.js";
import type { Report } from "../report/run.js";
import { printable } from "../io/printable.js";
import type { NodeCount } from "../nodecheck/types.js";
import { NODES_NOT_MEASURED } from "../report/run.js";
import { NAMES } from "../common/names.js";

export const STATUS_CONFIGMAP = NAMES.statusConfigMap;

/** What the report wrote (its summary is "N of M running images are held by Harbor; missing: ..." or "no report: ..."), where, and its latest Event. */
export interface ReportStatus extends Pick<Report, "summary" | "held" | "total" | "allHeld" | "missing" | "platforms" | "updated"> {
  namespace: string;
  /** per node (the key `nodes`), when the report measured nodes (report.nodeCheck); absent: not measured */
  nodes?: NodeCount[];
  lastEvent?: { type: string; reason: string; message: string; time: string };
}

export class NoReport extends Error {}

export async function readStatus(access: KubeAccess, namespace: string): Promise<ReportStatus> {
  const cm = await kubeGetIfExists<{ data?: Record<string, string> }>(
    access,
    `/api/v1/namespaces/${encodeURIComponent(namespace)}/configmaps/${STATUS_CONFIGMAP}`,
  );
  if (!cm)
    throw new NoReport(
      `no ConfigMap ${STATUS_CONFIGMAP} in namespace ${namespace}: is the chart installed there, with harbor-config.report.enabled?`,
    );
  const d = cm.data ?? {};
  if (!d.summary)
    throw new NoReport(
      `${namespace}/${STATUS_CONFIGMAP} holds no report yet: the report Job runs after install and on harbor-config.report.schedule`,
    );
  const selector = encodeURIComponent(`involvedObject.kind=ConfigMap,involvedObject.name=${STATUS_CONFIGMAP}`);
  const events =
    (
      await kubeGetIfExists<{ items: any[] }>(
        access,
        `/api/v1/namespaces/${encodeURIComponent(namespace)}/events?fieldSelector=${selector}`,
      )
    )?.items ?? [];
  const time = (e: any) => String(e.lastTimestamp ?? e.eventTime ?? e.metadata?.creationTimestamp ?? "");
  const last = [...events]
    .sort(
      (a, b) =>
        time(a).localeCompare(time(b)) ||
        String(a.metadata?.creationTimestamp ?? "").localeCompare(String(b.metadata?.creationTimestamp ?? "")),
    )
    .at(-1);
  const nodes = d.nodes ? nodesFrom(d.nodes) : undefined;
  // whoever can write the ConfigMap or an Event in the namespace writes this text: no terminal escapes get through
  // (the JSON output included), each value stays on its line
  return {
    namespace,
    summary: printable(d.summary),
    held: Number(d.held ?? 0),
    total: Number(d.total ?? 0),
    allHeld: d.allHeld === "true",
    missing: String(d.missing ?? "")
      .split("\n")
      .filter(Boolean)
      .map(printable),
    platforms: String(d.platforms ?? "")
      .split(" ")
      .filter(Boolean)
      .map(printable),
    updated: printable(d.updated ?? ""),
    ...(nodes ? { nodes } : {}),
    ...(last
      ? {
          lastEvent: {
            type: printable(last.type ?? ""),
            reason: printable(last.reason ?? ""),
            message: printable(last.message ?? ""),
            time: printable(time(last)),
          },
        }
      : {}),
  };
}

/** The key `nodes` read: at most MAX_NODES nodes, each value printable and bounded; entries without a name left out;
 * undefined when the key is not a JSON array (nodes not measured, as without the key). An entry whose counts are
 * not whole numbers keeps its name and is marked not ready (MALFORMED_ENTRY among its missing), never counted ready. Pure. */
export const MAX_NODES = 5000;
export const MALFORMED_ENTRY = "(the report's entry for this node has no valid counts)";
export function nodesFrom(text: string): NodeCount[] | undefined {
  let a: unknown;
  try {
    a = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!Array.isArray(a)) return undefined;
  const isCount = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v) && v >= 0;
  const text300 = (v: unknown) => printable(String(v ?? "").slice(0, 1300));
  return a
    .filter((n: any) => n && typeof n === "object" && typeof n.name === "string")
    .slice(0, MAX_NODES)
    .map((n: any) => {
      const valid = isCount(n.held) && isCount(n.total);
      const missing = (Array.isArray(n.missing) ? n.missing : []).slice(0, 1000).map(text300);
      return {
        name: text300(n.name),
        held: valid ? n.held : 0,
        total: valid ? n.total : 0,
        missing: valid ? missing : [...missing, MALFORMED_ENTRY],
        checkedAt: text300(n.checkedAt ?? ""),
      };
    });
}

/** The status as lines for a terminal (with why it is stale, age.ts); every value from the cluster made printable (again: s may not come from readStatus). */
export function formatStatus(s: ReportStatus, stale?: string): string {
  const p = printable;
  const lines = [
    `${p(s.summary)}`,
    `  report of ${p(s.updated) || "an unknown time"} in ${p(s.namespace)}/${STATUS_CONFIGMAP}; node platforms: ${s.platforms.map(p).join(" ") || "unknown"}`,
  ];
  if (stale) lines.push(`  stale: ${p(stale)}`);
  if (s.missing.length) {
    lines.push("  missing:");
    for (const m of s.missing) lines.push(`    ${p(m)}`);
  }
  if (s.nodes === undefined) lines.push(`  ${NODES_NOT_MEASURED}`);
  for (const n of s.nodes ?? []) {
    lines.push(`  ${p(n.name)}: ${n.held} of ${n.total} held${n.checkedAt ? `; checked ${p(n.checkedAt)}` : "; no node check result"}`);
    for (const m of n.missing) lines.push(`    ${p(m)}`);
  }
  if (s.lastEvent)
    lines.push(`  last event: ${p(s.lastEvent.time)} ${p(s.lastEvent.type)} ${p(s.lastEvent.reason)}: ${p(s.lastEvent.message)}`);
  return `${lines.join("\n")}\n`;
}
