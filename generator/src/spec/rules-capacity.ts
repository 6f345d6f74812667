// Rules about what the cluster can run and expose: ports that clash (each reported on the field that moved onto
// the other's port) and replicas that cannot share a ReadWriteOnce volume. Pure: a spec with defaults in.
import { describeValue, type Problem } from "./problems.js";
import type { HarborConfig } from "./harbor-config.js";

/** The schema's defaults of the two ports (schemas/harbor-config.schema.json, service.harbor). */
const DEFAULTS = { https: { port: 443, nodePort: 30003 }, http: { port: 80, nodePort: 30002 } } as const;

/**
 * https and http on one port: reported on each side that left its default (the field the user set), naming the
 * other; so `https.nodePort: 30002` is reported on https.nodePort, not on http's.
 */
export function portClashes(spec: HarborConfig, root: string): Problem[] {
  const out: Problem[] = [];
  const service = spec.service ?? {};
  const ports = service.harbor ?? {};
  const sides = { https: ports.https ?? {}, http: ports.http ?? {} } as Record<"https" | "http", { port?: number; nodePort?: number }>;
  for (const field of ["nodePort", "port"] as const) {
    if (field === "nodePort" && service.serviceType === "ClusterIP") continue;
    const a = sides.https[field],
      b = sides.http[field];
    if (typeof a !== "number" || a !== b) continue;
    const moved = (["https", "http"] as const).filter((s) => sides[s][field] !== DEFAULTS[s][field]);
    for (const side of moved.length ? moved : (["http"] as const)) {
      const other = side === "https" ? "http" : "https";
      const what = field === "nodePort" ? "a node port" : "a port";
      out.push({
        path: `${root}.service.harbor.${side}.${field}`,
        expected: `${what} other than service.harbor.${other}.${field} (${sides[other][field]})`,
        given: describeValue(sides[side][field]),
        severity: "error",
      });
    }
  }
  return out;
}

/**
 * The registry's image volume is a ReadWriteOnce claim (storage.backend.type pvc): a second registry replica on
 * another node cannot mount it, and two on one node would share blobs without coordination.
 */
export function replicaProblems(spec: HarborConfig, root: string): Problem[] {
  const registry = spec.replicas?.registry;
  if ((spec.storage?.backend?.type ?? "pvc") !== "pvc" || typeof registry !== "number" || registry <= 1) return [];
  return [
    {
      path: `${root}.replicas.registry`,
      expected:
        "1 while storage.backend.type is pvc (the image store is one ReadWriteOnce volume); use storage.backend.type s3 for more registry replicas",
      given: describeValue(registry),
      severity: "error",
    },
  ];
}
