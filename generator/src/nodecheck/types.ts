// The per-node readiness check's results: what one node found when it fetched each of its images' manifests
// the way its containerd would (its host files and their headers, the node's CA store and the files' CA, the
// addresses in file order, otherwise anonymously, the token realm resolved with the node's resolver), from
// Harbor alone: the registry's own `server` fallback never counts. Written by `harbor-edge node-check` (the
// CLI on a node, or the opt-in node-check DaemonSet into one ConfigMap per node), read by the report, which
// counts an image held on a node only when Harbor holds it and that node's check reached it.

/** Why a node could not fetch an image from Harbor. */
export type NodeFailureKind =
  /** containerd on the node does not read the host directory (config_path), so it pulls from the upstream */
  | "containerd-config"
  /** no hosts.toml for the image's registry in the host directory: the node pulls from the upstream */
  | "no-mirror"
  /** TLS: Harbor's certificate does not name the address the node dials (SAN) */
  | "tls-san"
  /** TLS: Harbor's certificate is not signed by a CA the node trusts for that host (its CA store, the host's ca files) */
  | "tls-ca"
  /** HTTP 401 for an anonymous pull (the project is not public) */
  | "unauthorized"
  /** the token realm's host cannot be resolved with the node's resolver */
  | "realm-unresolvable"
  /** no connection to any Harbor address in the file (refused, timed out, no route) */
  | "unreachable"
  /** Harbor answered 404: it does not have the manifest (and cannot fetch it) */
  | "not-found"
  /** anything else (HTTP 5xx, a malformed answer); detail says what */
  | "error";

export interface NodeImageResult {
  /** the image reference as the pods name it (normalised, registry/reference.ts formatReference) */
  image: string;
  ok: boolean;
  /** the Harbor host URL from hosts.toml that served the manifest (when ok) */
  via?: string;
  /** the platform manifest's digest that was fetched (when ok) */
  digest?: string;
  failure?: { kind: NodeFailureKind; detail: string };
  /** when ok: what the node should know (skip_verify on the host that served it, hosts that failed before it) */
  note?: string;
}

export interface NodeResult {
  node: string;
  /** os/architecture[/variant] of the node, as the platform containerd selects */
  platform: string;
  /** ISO 8601, seconds */
  checkedAt: string;
  /** the host directory as the node's containerd sees it */
  hostDir: string;
  /** set when the whole node fails before any image (e.g. containerd-config): every image carries it too */
  nodeFailure?: { kind: NodeFailureKind; detail: string };
  images: NodeImageResult[];
}

/** Per-node counts the report writes into harbor-edge-status (data key `nodes`, a JSON array) and `harbor-edge status` reads. */
export interface NodeCount {
  name: string;
  /** images running on this node that Harbor holds and this node reached */
  held: number;
  /** images running on this node (that Harbor is meant to serve or not) */
  total: number;
  /** "IMAGE (why)" sorted; why names the failure kind */
  missing: string[];
  /** when the node's check ran (ISO 8601), or "" when no check result was found for it */
  checkedAt: string;
}
