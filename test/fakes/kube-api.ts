// A fake Kubernetes API server on loopback (optionally over TLS) with one object store, one request router and
// one RBAC check, for every test that talks to a cluster. Three ways to start it:
// - startFakeKube: what `helm template --dry-run=server` asks (discovery, GET of objects and namespaces, for
//   lookup and Helm's ownership checks), over TLS (client-go sends credentials over https only) through a
//   kubeconfig whose user may only read. Objects are put in as a previous release would have left them; it
//   has the namespaces default, kube-system and harbor, plus cluster-abc123 (the Palette cluster namespace of
//   the UID the tests use); any other exists once put.
// - startKubeState: what the configuration runs do: PATCH of the Secrets they own and POST of Events, as the
//   rendered Role allows them (bound in the release namespace), with the ServiceAccount token in a file.
// - startFakeKubeApi: what the report and `harbor-edge status` do: list nodes, namespaces and pods, get and
//   merge-patch ConfigMaps, create and list Events; the objects given as short descriptions (KubeObjects) and
//   built as the API server writes them; RBAC from the rendered ClusterRole and Role.
//
// The store holds whole objects by resource, namespace and name (put adds uid, resourceVersion and
// creationTimestamp when missing). Reads: GET of one object; lists (items with metadata first and no
// kind/apiVersion, as the API server writes them; a container status's "image" is followed by "imageID")
// filtered by labelSelector (=, ==, !=, exists, !exists) and fieldSelector (=, ==, != on metadata.name,
// metadata.namespace and the fields the API server offers for pods and events; others answer 400). Writes:
// POST (JSON; name or generateName; an Event needs involvedObject, reason and message; 409 if it exists) and
// PATCH (JSON merge patch only, else 415); a Secret's stringData is merged into data as base64 and dropped,
// as the API server does; ConfigMap and Secret data must be strings (400). PUT and DELETE answer 405.
// Serialised compactly (JSON.stringify).
//
// Authentication and authorisation as the API server does them: the ServiceAccount token (token, in
// tokenFile and the kubeconfig) is subject to the RBAC rules given (none given: allowed everything; rules
// match apiGroups, resources, verbs and resourceNames, with "*"); the admin token, or a client certificate
// signed by tls.clientCa, is allowed everything; no credentials is system:anonymous, allowed nothing (403);
// any other token answers 401. Every request is logged (requests); every refusal (400, 401, 403, 405, 415,
// 422) also in violations ("METHOD path: why"); every accepted write in writes ("POST events",
// "PATCH secrets/<name>"); failPatch = n answers 500 to the nth PATCH of an existing object.
import http from "node:http";
import https from "node:https";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { AddressInfo } from "node:net";
import type { TLSSocket } from "node:tls";
import type { K8sObject } from "../helpers/chart.js";
import { generateCA, generateServerCert } from "../../generator/src/certs/generate.js";

// --- the resources it serves (discovery, kinds, scope) ---------------------------------------------------
const GROUPS: Record<string, string[]> = {
  v1: ["secrets", "services", "configmaps", "persistentvolumeclaims", "serviceaccounts", "pods", "namespaces", "nodes", "events"],
  "apps/v1": ["deployments", "statefulsets", "daemonsets", "replicasets"],
  "batch/v1": ["jobs", "cronjobs"],
  "policy/v1": ["poddisruptionbudgets"],
  "rbac.authorization.k8s.io/v1": ["roles", "rolebindings", "clusterroles", "clusterrolebindings"],
  "networking.k8s.io/v1": ["ingresses", "networkpolicies"],
};
const KINDS: Record<string, string> = {
  secrets: "Secret",
  services: "Service",
  configmaps: "ConfigMap",
  persistentvolumeclaims: "PersistentVolumeClaim",
  serviceaccounts: "ServiceAccount",
  pods: "Pod",
  namespaces: "Namespace",
  nodes: "Node",
  events: "Event",
  deployments: "Deployment",
  statefulsets: "StatefulSet",
  daemonsets: "DaemonSet",
  replicasets: "ReplicaSet",
  jobs: "Job",
  cronjobs: "CronJob",
  poddisruptionbudgets: "PodDisruptionBudget",
  roles: "Role",
  rolebindings: "RoleBinding",
  clusterroles: "ClusterRole",
  clusterrolebindings: "ClusterRoleBinding",
  ingresses: "Ingress",
  networkpolicies: "NetworkPolicy",
};
const PLURAL = Object.fromEntries(Object.entries(KINDS).map(([p, k]) => [k, p]));
const CLUSTER_SCOPED = new Set(["namespaces", "nodes", "clusterroles", "clusterrolebindings"]);
/** the field selectors the API server offers, beyond metadata.name and metadata.namespace */
const FIELDS: Record<string, string[]> = {
  pods: ["status.phase", "spec.nodeName"],
  events: ["involvedObject.kind", "involvedObject.name", "involvedObject.namespace", "involvedObject.uid", "reason", "type", "source"],
};
const REFUSALS = new Set([400, 401, 403, 405, 415, 422]);

function resourceList(groupVersion: string) {
  const resources = GROUPS[groupVersion].map((name) => ({
    name,
    singularName: KINDS[name].toLowerCase(),
    namespaced: !CLUSTER_SCOPED.has(name),
    kind: KINDS[name],
    verbs: ["get", "list", "create", "update", "patch", "delete"],
  }));
  return { kind: "APIResourceList", apiVersion: "v1", groupVersion, resources };
}

// --- RBAC --------------------------------------------------------------------------------------------------
export interface Rule {
  apiGroups?: string[];
  resources?: string[];
  verbs?: string[];
  resourceNames?: string[];
}
export interface Rbac {
  /** rules bound cluster-wide (ClusterRoleBinding) */
  cluster: Rule[];
  /** rules bound in one namespace (RoleBinding) */
  namespaced: Array<{ namespace: string; rules: Rule[] }>;
}

/** Whether the rules allow verb on group/resource[/name] in namespace (undefined: cluster scope), as RBAC decides. */
export function rbacAllows(rbac: Rbac, q: { group: string; resource: string; verb: string; namespace?: string; name?: string }): boolean {
  const match = (r: Rule) =>
    (r.apiGroups ?? []).some((g) => g === q.group || g === "*") &&
    (r.resources ?? []).some((x) => x === q.resource || x === "*") &&
    (r.verbs ?? []).some((v) => v === q.verb || v === "*") &&
    (!r.resourceNames?.length || (q.name !== undefined && r.resourceNames.includes(q.name)));
  if (rbac.cluster.some(match)) return true;
  return q.namespace !== undefined && rbac.namespaced.some((b) => b.namespace === q.namespace && b.rules.some(match));
}

// --- the API -----------------------------------------------------------------------------------------------
export interface KubeEvent {
  metadata: { name: string; namespace: string; [k: string]: any };
  type: string;
  reason: string;
  message: string;
  involvedObject: { kind: string; name: string; namespace: string; uid?: string };
  [k: string]: any;
}

export interface KubeApiOptions {
  /** what the cluster holds at the start: whole objects (kind, apiVersion, metadata with a namespace if namespaced) */
  objects?: any[];
  /** RBAC: what the ServiceAccount token may do. None: everything. */
  rbac?: Rbac;
  /** serve https with this certificate and key */
  tls?: {
    cert: string;
    key: string;
    /** ask for and check a client certificate signed by this CA */ clientCa?: string;
    /** the CA put in the kubeconfig (default: cert) */ ca?: string;
  };
  /** the namespace whose Secrets `secrets` shows (default harbor) */
  namespace?: string;
}

export interface FakeKubeApi {
  url: string;
  /** the ServiceAccount's token: subject to the RBAC rules */
  token: string;
  /** a file holding the token, as the kubelet projects it */
  tokenFile: string;
  /** a kubeconfig for the token */
  kubeconfig: string;
  /** a cluster admin's token: allowed everything */
  adminToken: string;
  requests: Array<{ method: string; path: string; status: number }>;
  /** refused requests: "METHOD path: why" */
  violations: string[];
  /** accepted writes: "POST events", "PATCH secrets/<name>" */
  writes: string[];
  /** answer 500 to the nth PATCH of an existing object (counted from the start) */
  failPatch?: number;
  /** stores an object as the API server would have it (uid, resourceVersion, creationTimestamp added when missing) */
  put(obj: any): any;
  get(resource: string, namespace: string | undefined, name: string): any;
  list(resource: string, namespace?: string): any[];
  configMap(namespace: string, name: string): { metadata: any; data?: Record<string, string> } | undefined;
  /** the Events, in the order they were created */
  readonly events: KubeEvent[];
  /** the Secrets of the namespace option, by name: the stored objects themselves */
  readonly secrets: Map<string, K8sObject>;
  close(): Promise<void>;
}

const uid = () => crypto.randomUUID();
const now = () => new Date().toISOString().replace(/\.\d+Z$/, "Z");
/** the API server's generateName suffix: 5 characters of this alphabet */
const suffix = () => Array.from(crypto.randomBytes(5), (b) => "bcdfghjklmnpqrstvwxz2456789"[b % 27]).join("");

/** RFC 7386 JSON merge patch */
function mergePatch(target: any, patch: any): any {
  if (patch === null || typeof patch !== "object" || Array.isArray(patch)) return patch;
  const out = target !== null && typeof target === "object" && !Array.isArray(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

class Refusal extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

/** What the API server does to an object it stores: Secret stringData into data; data values strings. */
function admit(obj: any): any {
  if (obj.kind === "Secret" && obj.stringData) {
    obj.data = { ...(obj.data ?? {}) };
    for (const [k, v] of Object.entries<any>(obj.stringData)) obj.data[k] = Buffer.from(String(v)).toString("base64");
    delete obj.stringData;
  }
  if (obj.kind === "Secret" || obj.kind === "ConfigMap")
    for (const [k, v] of Object.entries(obj.data ?? {}))
      if (typeof v !== "string") throw new Refusal(400, "BadRequest", `data.${k}: must be a string`);
  return obj;
}

export async function startKubeApi(o: KubeApiOptions = {}): Promise<FakeKubeApi> {
  const token = crypto.randomBytes(12).toString("hex");
  const adminToken = crypto.randomBytes(12).toString("hex");
  const home = o.namespace ?? "harbor";
  const store = new Map<string, any>();
  const key = (resource: string, namespace: string | undefined, name: string) => `${resource}/${namespace ?? ""}/${name}`;
  let revision = 0;
  let patches = 0;

  const list = (resource: string, namespace?: string) =>
    [...store.values()].filter((x) => PLURAL[x.kind] === resource && (namespace === undefined || x.metadata.namespace === namespace));
  const get = (resource: string, namespace: string | undefined, name: string) =>
    store.get(key(resource, CLUSTER_SCOPED.has(resource) ? undefined : namespace, name));
  const put = (obj: any) => {
    const resource = PLURAL[obj?.kind];
    if (!resource) throw new Error(`fake Kubernetes API: kind ${JSON.stringify(obj?.kind)} is not served`);
    if (!obj.metadata?.name) throw new Error(`fake Kubernetes API: ${obj.kind} without metadata.name`);
    const namespaced = !CLUSTER_SCOPED.has(resource);
    if (namespaced && !obj.metadata.namespace)
      throw new Error(`fake Kubernetes API: ${obj.kind} ${obj.metadata.name} without metadata.namespace`);
    const { kind, apiVersion, metadata, ...rest } = structuredClone(obj);
    metadata.uid ??= uid();
    metadata.resourceVersion ??= String(++revision);
    metadata.creationTimestamp ??= now();
    const stored = admit({ kind, apiVersion: apiVersion ?? "v1", metadata, ...rest });
    store.set(key(resource, namespaced ? metadata.namespace : undefined, metadata.name), stored);
    return stored;
  };
  for (const x of o.objects ?? []) put(x);

  const requests: FakeKubeApi["requests"] = [];
  const violations: string[] = [];
  const writes: string[] = [];
  const api: FakeKubeApi = {
    url: "",
    token,
    tokenFile: "",
    kubeconfig: "",
    adminToken,
    requests,
    violations,
    writes,
    put,
    get,
    list,
    configMap: (namespace, name) => get("configmaps", namespace, name),
    get events() {
      return list("events") as KubeEvent[];
    },
    get secrets() {
      return new Map(list("secrets", home).map((s) => [s.metadata.name, s]));
    },
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };

  /** the predicate of a labelSelector and a fieldSelector; a selector the API server would refuse throws a 400 */
  const selector = (resource: string, labelSelector: string, fieldSelector: string) => {
    const labels = labelSelector
      .split(",")
      .filter(Boolean)
      .map((req) => {
        const m = /^(!?)([A-Za-z0-9._/-]+)(?:(!=|==|=)(.*))?$/.exec(req.trim());
        if (!m) throw new Refusal(400, "BadRequest", `unable to parse requirement: ${req}`);
        return (have: Record<string, string>) =>
          !m[3] ? m[2] in have !== (m[1] === "!") : m[3] === "!=" ? have[m[2]] !== m[4] : have[m[2]] === m[4];
      });
    const fields = fieldSelector
      .split(",")
      .filter(Boolean)
      .map((req) => {
        const m = /^([A-Za-z.]+)(!=|==|=)(.*)$/.exec(req);
        if (!m) throw new Refusal(400, "BadRequest", `bad field selector ${req}`);
        if (!["metadata.name", "metadata.namespace", ...(FIELDS[resource] ?? [])].includes(m[1]))
          throw new Refusal(400, "BadRequest", `field label not supported: ${m[1]}`);
        const at = m[1] === "source" ? ["source", "component"] : m[1].split(".");
        return (obj: any) => (String(at.reduce((v: any, k) => v?.[k], obj) ?? "") === m[3]) === (m[2] !== "!=");
      });
    return (obj: any) => labels.every((f) => f(obj.metadata.labels ?? {})) && fields.every((f) => f(obj));
  };

  const handle = (req: http.IncomingMessage, res: http.ServerResponse, body: string) => {
    const u = new URL(req.url ?? "/", "http://kube");
    const method = req.method ?? "GET";
    const entry = { method, path: u.pathname + u.search, status: 0 };
    requests.push(entry);
    const send = (status: number, obj: unknown) => {
      entry.status = status;
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(obj));
    };
    const refuse = (code: number, reason: string, message: string) => {
      if (REFUSALS.has(code)) violations.push(`${method} ${entry.path}: ${message}`);
      send(code, { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, code });
    };
    try {
      // who is asking
      const certAdmin = Boolean(o.tls?.clientCa) && (req.socket as TLSSocket).authorized === true;
      const auth = req.headers.authorization;
      const who =
        auth === `Bearer ${adminToken}` || certAdmin
          ? "admin"
          : auth === `Bearer ${token}`
            ? "serviceaccount"
            : auth
              ? undefined
              : "anonymous";
      if (!who) return refuse(401, "Unauthorized", "Unauthorized");
      const p = u.pathname.replace(/(.)\/$/, "$1");
      if (who === "anonymous")
        return refuse(403, "Forbidden", `forbidden: User "system:anonymous" cannot ${method.toLowerCase()} path "${p}"`);

      // discovery: every authenticated user (system:discovery)
      if (method === "GET") {
        if (p === "/version") return send(200, { major: "1", minor: "31", gitVersion: "v1.31.0", platform: "linux/amd64" });
        if (p === "/api")
          return send(200, {
            kind: "APIVersions",
            versions: ["v1"],
            serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress: "127.0.0.1" }],
          });
        if (p === "/api/v1") return send(200, resourceList("v1"));
        if (p === "/apis") {
          const groups = Object.keys(GROUPS)
            .filter((gv) => gv.includes("/"))
            .map((gv) => {
              const [group, version] = gv.split("/");
              return { name: group, versions: [{ groupVersion: gv, version }], preferredVersion: { groupVersion: gv, version } };
            });
          return send(200, { kind: "APIGroupList", apiVersion: "v1", groups });
        }
        const gvPath = /^\/apis\/([^/]+\/[^/]+)$/.exec(p);
        if (gvPath && GROUPS[gvPath[1]]) return send(200, resourceList(gvPath[1]));
      }

      // /api/v1[/namespaces/NS]/RESOURCE[/NAME], /apis/GROUP/VERSION[/namespaces/NS]/RESOURCE[/NAME]
      const m = /^\/(?:api\/(v1)|apis\/([^/]+\/[^/]+))(?:\/namespaces\/([^/]+))?\/([^/]+)(?:\/([^/]+))?$/.exec(p);
      const gv = m?.[1] ?? m?.[2] ?? "";
      const [namespace, resource, name] = [m?.[3], m?.[4] ?? "", m?.[5]];
      const clusterScoped = CLUSTER_SCOPED.has(resource);
      if (!m || !GROUPS[gv]?.includes(resource) || (clusterScoped && namespace) || (!clusterScoped && name && !namespace))
        return refuse(404, "NotFound", `the server could not find the requested resource (${method} ${p})`);
      const verb =
        method === "GET"
          ? name
            ? "get"
            : "list"
          : method === "POST"
            ? "create"
            : method === "PATCH"
              ? "patch"
              : method === "PUT"
                ? "update"
                : method === "DELETE"
                  ? "delete"
                  : method.toLowerCase();
      const group = gv.includes("/") ? gv.split("/")[0] : "";
      if (who !== "admin" && o.rbac && !rbacAllows(o.rbac, { group, resource, verb, namespace, name }))
        return refuse(
          403,
          "Forbidden",
          `${resource}${name ? ` "${name}"` : ""} is forbidden: User "system:serviceaccount:test" cannot ${verb} resource "${resource}"${namespace ? ` in the namespace "${namespace}"` : " at the cluster scope"}`,
        );
      const strip = ({ kind: _k, apiVersion: _a, ...item }: any) => item;
      const json = () => {
        const v = JSON.parse(body);
        if (v === null || typeof v !== "object" || Array.isArray(v)) throw new Refusal(400, "BadRequest", "the body is not a JSON object");
        return v;
      };

      if (verb === "get") {
        const found = get(resource, namespace, name!);
        return found ? send(200, found) : refuse(404, "NotFound", `${resource} "${name}" not found`);
      }
      if (verb === "list") {
        const items = list(resource, namespace).filter(
          selector(resource, u.searchParams.get("labelSelector") ?? "", u.searchParams.get("fieldSelector") ?? ""),
        );
        return send(200, {
          kind: `${KINDS[resource]}List`,
          apiVersion: gv,
          metadata: { resourceVersion: String(revision) },
          items: items.map(strip),
        });
      }
      if (verb === "create" && !name && (clusterScoped || namespace)) {
        if (req.headers["content-type"] !== "application/json")
          return refuse(
            415,
            "UnsupportedMediaType",
            "the body of the request was in an unknown format - accepted media types include: application/json",
          );
        const obj = json();
        if (obj.kind !== undefined && obj.kind !== KINDS[resource])
          return refuse(400, "BadRequest", `the kind ${obj.kind} does not match the resource ${resource}`);
        if (obj.metadata?.namespace && obj.metadata.namespace !== namespace)
          return refuse(400, "BadRequest", "the namespace of the provided object does not match the namespace sent on the request");
        if (resource === "events" && (!obj.involvedObject?.name || !obj.reason || !obj.message))
          return refuse(422, "Invalid", "involvedObject, reason and message are required");
        if (!obj.metadata?.name && !obj.metadata?.generateName) return refuse(422, "Invalid", "name or generateName is required");
        obj.metadata.name ??= `${obj.metadata.generateName}${suffix()}`;
        if (get(resource, namespace, obj.metadata.name))
          return send(409, {
            kind: "Status",
            apiVersion: "v1",
            metadata: {},
            status: "Failure",
            message: `${resource} "${obj.metadata.name}" already exists`,
            reason: "AlreadyExists",
            code: 409,
          });
        const stored = put({
          ...obj,
          kind: KINDS[resource],
          apiVersion: obj.apiVersion ?? gv,
          metadata: {
            ...obj.metadata,
            ...(namespace ? { namespace } : {}),
            uid: uid(),
            resourceVersion: String(++revision),
            creationTimestamp: now(),
          },
        });
        writes.push(`POST ${resource}`);
        return send(201, stored);
      }
      if (verb === "patch") {
        if (req.headers["content-type"] !== "application/merge-patch+json")
          return refuse(
            415,
            "UnsupportedMediaType",
            "the body of the request was in an unknown format - accepted media types include: application/merge-patch+json (the only one this fake models)",
          );
        const have = get(resource, namespace, name!);
        if (!have) return refuse(404, "NotFound", `${resource} "${name}" not found`);
        patches++;
        if (api.failPatch === patches)
          return send(500, {
            kind: "Status",
            apiVersion: "v1",
            metadata: {},
            status: "Failure",
            message: "injected",
            reason: "InternalError",
            code: 500,
          });
        const patched = admit(mergePatch(have, json()));
        patched.kind = have.kind;
        patched.apiVersion = have.apiVersion;
        patched.metadata = {
          ...patched.metadata,
          name: have.metadata.name,
          namespace: have.metadata.namespace,
          uid: have.metadata.uid,
          resourceVersion: String(++revision),
        };
        store.set(key(resource, clusterScoped ? undefined : namespace, name!), patched);
        writes.push(`PATCH ${resource}/${name}`);
        return send(200, patched);
      }
      return refuse(405, "MethodNotAllowed", `${method} ${resource}${name ? `/${name}` : ""} is not served by this fake`);
    } catch (e) {
      if (e instanceof Refusal) return refuse(e.code, e.reason, e.message);
      if (e instanceof SyntaxError) return refuse(400, "BadRequest", `the body is not JSON: ${e.message}`);
      throw e;
    }
  };

  const listener = (req: http.IncomingMessage, res: http.ServerResponse) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => handle(req, res, body));
  };
  const server = o.tls
    ? https.createServer(
        {
          cert: o.tls.cert,
          key: o.tls.key,
          ...(o.tls.clientCa ? { ca: o.tls.clientCa, requestCert: true, rejectUnauthorized: false } : {}),
        },
        listener,
      )
    : http.createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  api.url = `${o.tls ? "https" : "http"}://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fake-kube-api-"));
  api.tokenFile = path.join(dir, "token");
  fs.writeFileSync(api.tokenFile, `${token}\n`, { mode: 0o600 });
  api.kubeconfig = path.join(dir, "kubeconfig");
  const ca = o.tls ? `    certificate-authority-data: ${Buffer.from(o.tls.ca ?? o.tls.cert).toString("base64")}\n` : "";
  fs.writeFileSync(
    api.kubeconfig,
    `apiVersion: v1\nkind: Config\nclusters:\n- name: fake\n  cluster:\n    server: ${api.url}\n${ca}contexts:\n- name: fake\n  context:\n    cluster: fake\n    user: fake\ncurrent-context: fake\nusers:\n- name: fake\n  user:\n    token: ${token}\n`,
    { mode: 0o600 },
  );
  return api;
}

// --- Helm's view: startFakeKube -----------------------------------------------------------------------------
export interface FakeKube {
  kubeconfig: string;
  /** put an object as a previous release left it: Helm's ownership annotations and label are added for
   * `release` ("" for an object made outside Helm); a namespaced object without a namespace goes to harbor */
  put(obj: any, release?: string): void;
  /** "METHOD /path" of every request, without the query */
  readonly requests: string[];
  close(): Promise<void>;
}

const READ_ONLY: Rule = { apiGroups: ["*"], resources: ["*"], verbs: ["get", "list", "watch"] };
let clusterTls: { cert: string; key: string; ca: string } | undefined;

export async function startFakeKube(): Promise<FakeKube> {
  // over TLS, as clusters are: client-go sends a kubeconfig's credentials over https only
  if (!clusterTls) {
    const ca = generateCA("fake Kubernetes API CA", 1);
    clusterTls = { ...generateServerCert("kubernetes", { dns: ["localhost"], ips: ["127.0.0.1"] }, 1, ca), ca: ca.cert };
  }
  const api = await startKubeApi({
    tls: clusterTls,
    objects: ["default", "kube-system", "harbor", "cluster-abc123"].map((name) => namespaceObject({ name })),
    rbac: { cluster: [READ_ONLY], namespaced: [] },
  });
  return {
    kubeconfig: api.kubeconfig,
    get requests() {
      return api.requests.map((r) => `${r.method} ${r.path.split("?")[0].replace(/(.)\/$/, "$1")}`);
    },
    put(obj: any, release = "harbor") {
      const copy = structuredClone(obj);
      if (!CLUSTER_SCOPED.has(PLURAL[copy.kind])) copy.metadata.namespace ??= "harbor";
      if (release) {
        copy.metadata.annotations = {
          ...(copy.metadata.annotations ?? {}),
          "meta.helm.sh/release-name": release,
          "meta.helm.sh/release-namespace": copy.metadata.namespace ?? "harbor",
        };
        copy.metadata.labels = { ...(copy.metadata.labels ?? {}), "app.kubernetes.io/managed-by": "Helm" };
      }
      api.put(copy);
    },
    close: api.close,
  };
}

// --- the configuration runs: startKubeState -------------------------------------------------------------------
export type KubeState = FakeKubeApi;

/** role: the Role the chart rendered (bound to the token in namespace); secrets: those that exist there (the rendered ones). */
export async function startKubeState(o: { namespace: string; role: K8sObject; secrets: K8sObject[] }): Promise<KubeState> {
  return startKubeApi({
    namespace: o.namespace,
    objects: [
      namespaceObject({ name: o.namespace }),
      ...o.secrets.map((s) => ({ ...s, metadata: { ...s.metadata, namespace: s.metadata.namespace ?? o.namespace } })),
    ],
    rbac: { cluster: [], namespaced: [{ namespace: o.namespace, rules: o.role.rules as Rule[] }] },
  });
}

// --- the report and harbor-edge status: startFakeKubeApi, objects from short descriptions -------------------------
export interface KubeObjects {
  nodes: Array<{ name: string; os?: string; architecture?: string }>;
  namespaces: Array<{ name: string; labels?: Record<string, string> }>;
  pods: Array<{
    namespace: string;
    name: string;
    phase?: string;
    containers: string[];
    initContainers?: string[];
    statusImages?: string[];
  }>;
  configMaps?: Array<{ namespace: string; name: string; data?: Record<string, string> }>;
  /** Secrets, their data as plain strings (stored base64, as the API server does) */
  secrets?: Array<{ namespace: string; name: string; data?: Record<string, string> }>;
}

export function nodeObject(n: KubeObjects["nodes"][number]) {
  const os = n.os ?? "linux";
  const architecture = n.architecture ?? "amd64";
  const nodeInfo = {
    machineID: "m",
    systemUUID: "s",
    bootID: "b",
    kernelVersion: "6.1.0",
    osImage: "Debian GNU/Linux 12",
    containerRuntimeVersion: "containerd://1.7",
    kubeletVersion: "v1.31.0",
    kubeProxyVersion: "",
    operatingSystem: os,
    architecture,
  };
  return {
    kind: "Node",
    apiVersion: "v1",
    metadata: { name: n.name, uid: uid(), labels: { "kubernetes.io/arch": architecture, "kubernetes.io/os": os } },
    spec: {},
    status: { nodeInfo },
  };
}

export function namespaceObject(n: KubeObjects["namespaces"][number]) {
  return {
    kind: "Namespace",
    apiVersion: "v1",
    metadata: { name: n.name, uid: uid(), labels: { "kubernetes.io/metadata.name": n.name, ...(n.labels ?? {}) } },
    spec: { finalizers: ["kubernetes"] },
    status: { phase: "Active" },
  };
}

export function podObject(p: KubeObjects["pods"][number], nodeName?: string) {
  const ctr = (image: string, i: number) => ({
    name: `c${i}`,
    image,
    command: ["/bin/sh"],
    resources: {},
    terminationMessagePath: "/dev/termination-log",
    imagePullPolicy: "IfNotPresent",
  });
  return {
    kind: "Pod",
    apiVersion: "v1",
    metadata: {
      name: p.name,
      namespace: p.namespace,
      uid: uid(),
      labels: { app: p.name },
      annotations: {
        "kubectl.kubernetes.io/last-applied-configuration": JSON.stringify({
          spec: { containers: p.containers.map((image) => ({ image })) },
        }),
      },
    },
    spec: {
      ...(p.initContainers ? { initContainers: p.initContainers.map(ctr) } : {}),
      containers: p.containers.map(ctr),
      restartPolicy: "Always",
      nodeName,
    },
    status: {
      phase: p.phase ?? "Running",
      conditions: [{ type: "Ready", status: "True" }],
      containerStatuses: (p.statusImages ?? p.containers).map((image, i) => ({
        name: `c${i}`,
        state: { running: {} },
        ready: true,
        restartCount: 0,
        image,
        imageID: `${image.split(/[:@]/)[0]}@sha256:${"0".repeat(64)}`,
        containerID: `containerd://${i}`,
        started: true,
      })),
    },
  };
}

export function configMapObject(c: NonNullable<KubeObjects["configMaps"]>[number]) {
  return {
    kind: "ConfigMap",
    apiVersion: "v1",
    metadata: { name: c.name, namespace: c.namespace, uid: uid(), resourceVersion: "1", creationTimestamp: "2026-12-01T00:00:00Z" },
    data: c.data ?? {},
  };
}

export async function startFakeKubeApi(objects: KubeObjects, o: Omit<KubeApiOptions, "objects"> = {}): Promise<FakeKubeApi> {
  return startKubeApi({
    ...o,
    objects: [
      ...objects.nodes.map(nodeObject),
      ...objects.namespaces.map(namespaceObject),
      ...objects.pods.map((p) => podObject(p, objects.nodes[0]?.name)),
      ...(objects.configMaps ?? []).map(configMapObject),
      ...(objects.secrets ?? []).map((x) => ({
        kind: "Secret",
        apiVersion: "v1",
        metadata: { name: x.name, namespace: x.namespace, uid: uid() },
        type: "Opaque",
        ...(x.data ? { data: Object.fromEntries(Object.entries(x.data).map(([k, v]) => [k, Buffer.from(v).toString("base64")])) } : {}),
      })),
    ],
  });
}
