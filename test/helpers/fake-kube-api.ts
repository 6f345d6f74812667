// A small Kubernetes API on loopback for the report: nodes, namespaces (labelSelector), pods (fieldSelector on
// status.phase and metadata.namespace, = and !=), ConfigMaps (get, merge-patch), Events (create with
// generateName, list by involvedObject.name). Objects are serialised compactly with their fields in the order
// the API server writes them (metadata first; a container status's "image" followed by "imageID").
//
// Authorisation is checked as the API server does: a bearer token names a subject, and, when RBAC rules are
// given (the chart's ClusterRole and Role, as rendered), every request must be allowed by one of them (verb,
// resource, namespace, resourceNames); otherwise 403. Optionally served over TLS.
import http from "node:http";
import https from "node:https";
import crypto from "node:crypto";
import type { AddressInfo } from "node:net";

export interface Rule {
  apiGroups?: string[];
  resources?: string[];
  verbs?: string[];
  resourceNames?: string[];
}

export interface KubeObjects {
  nodes: Array<{ name: string; os?: string; architecture?: string }>;
  namespaces: Array<{ name: string; labels?: Record<string, string> }>;
  pods: Array<{ namespace: string; name: string; phase?: string; containers: string[]; initContainers?: string[]; statusImages?: string[] }>;
  configMaps?: Array<{ namespace: string; name: string; data?: Record<string, string> }>;
}

export interface FakeKubeApi {
  url: string;
  /** the ServiceAccount's token: subject to the RBAC rules */
  token: string;
  /** a cluster admin's token: allowed everything */
  adminToken: string;
  requests: Array<{ method: string; path: string; status: number }>;
  configMap(namespace: string, name: string): { metadata: any; data?: Record<string, string> } | undefined;
  events: any[];
  objects: KubeObjects;
  close(): Promise<void>;
}

export interface FakeKubeApiOptions {
  /** RBAC: what the token may do. Cluster-wide rules, and rules bound in one namespace. None: everything. */
  rbac?: { cluster: Rule[]; namespaced: Array<{ namespace: string; rules: Rule[] }> };
  /** serve https with this certificate and key */
  tls?: { cert: string; key: string; /** ask for and check a client certificate signed by this CA */ clientCa?: string };
}

const uid = () => crypto.randomUUID();

export async function startFakeKubeApi(objects: KubeObjects, o: FakeKubeApiOptions = {}): Promise<FakeKubeApi> {
  const token = crypto.randomBytes(12).toString("hex");
  const adminToken = crypto.randomBytes(12).toString("hex");
  const requests: FakeKubeApi["requests"] = [];
  const events: any[] = [];
  const configMaps = new Map<string, any>();
  for (const c of objects.configMaps ?? [])
    configMaps.set(`${c.namespace}/${c.name}`, { metadata: { name: c.name, namespace: c.namespace, uid: uid(), resourceVersion: "1", creationTimestamp: "2026-12-01T00:00:00Z" }, data: c.data ?? {} });
  const nsUid = new Map(objects.namespaces.map((n) => [n.name, uid()]));

  const allowed = (verb: string, resource: string, namespace: string | undefined, name: string | undefined) => {
    if (!o.rbac) return true;
    const match = (r: Rule) =>
      (r.apiGroups ?? [""]).includes("") &&
      (r.resources ?? []).some((x) => x === resource || x === "*") &&
      (r.verbs ?? []).some((v) => v === verb || v === "*") &&
      (!r.resourceNames?.length || (name !== undefined && r.resourceNames.includes(name)));
    if (o.rbac.cluster.some(match)) return true;
    return namespace !== undefined && o.rbac.namespaced.some((b) => b.namespace === namespace && b.rules.some(match));
  };

  const podJson = (p: KubeObjects["pods"][number]) => {
    const ctr = (image: string, i: number) => ({ name: `c${i}`, image, command: ["/bin/sh"], resources: {}, terminationMessagePath: "/dev/termination-log", imagePullPolicy: "IfNotPresent" });
    return {
      metadata: { name: p.name, namespace: p.namespace, uid: uid(), labels: { app: p.name }, annotations: { "kubectl.kubernetes.io/last-applied-configuration": JSON.stringify({ spec: { containers: p.containers.map((image) => ({ image })) } }) } },
      spec: { ...(p.initContainers ? { initContainers: p.initContainers.map(ctr) } : {}), containers: p.containers.map(ctr), restartPolicy: "Always", nodeName: objects.nodes[0]?.name },
      status: {
        phase: p.phase ?? "Running",
        conditions: [{ type: "Ready", status: "True" }],
        containerStatuses: (p.statusImages ?? p.containers).map((image, i) => ({ name: `c${i}`, state: { running: {} }, ready: true, restartCount: 0, image, imageID: `${image.split(/[:@]/)[0]}@sha256:${"0".repeat(64)}`, containerID: `containerd://${i}`, started: true })),
      },
    };
  };
  const fieldOk = (p: KubeObjects["pods"][number], selector: string) =>
    selector
      .split(",")
      .filter(Boolean)
      .every((req) => {
        const m = /^([a-z.]+)(!=|==|=)(.*)$/.exec(req);
        if (!m) throw new Error(`bad field selector ${req}`);
        const value = m[1] === "status.phase" ? (p.phase ?? "Running") : m[1] === "metadata.namespace" ? p.namespace : m[1] === "metadata.name" ? p.name : undefined;
        if (value === undefined) throw new Error(`field label not supported: ${m[1]}`);
        return m[2] === "!=" ? value !== m[3] : value === m[3];
      });

  const handler = (req: http.IncomingMessage, res: http.ServerResponse, body: string) => {
    const u = new URL(req.url ?? "/", "http://kube");
    const method = req.method ?? "GET";
    const entry = { method, path: u.pathname + u.search, status: 0 };
    requests.push(entry);
    const send = (status: number, obj: unknown) => {
      entry.status = status;
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(obj));
    };
    const status = (code: number, reason: string, message: string) => send(code, { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, code });
    const clientCertOk = o.tls?.clientCa && (req.socket as any).authorized === true;
    const admin = req.headers.authorization === `Bearer ${adminToken}` || clientCertOk;
    if (req.headers.authorization !== `Bearer ${token}` && !admin) return status(401, "Unauthorized", "Unauthorized");
    const list = (kind: string, items: unknown[]) => send(200, { kind: `${kind}List`, apiVersion: "v1", metadata: { resourceVersion: "100" }, items });
    const deny = (verb: string, resource: string, ns?: string, name?: string) => {
      if (admin || allowed(verb, resource, ns, name)) return false;
      status(403, "Forbidden", `${resource}${name ? ` "${name}"` : ""} is forbidden: User "system:serviceaccount:test" cannot ${verb} resource "${resource}"${ns ? ` in the namespace "${ns}"` : " at the cluster scope"}`);
      return true;
    };
    const p = u.pathname;
    try {
      if (method === "GET" && p === "/api/v1/nodes") {
        if (deny("list", "nodes")) return;
        return list(
          "Node",
          objects.nodes.map((n) => ({ metadata: { name: n.name, uid: uid(), labels: { "kubernetes.io/arch": n.architecture ?? "amd64", "kubernetes.io/os": n.os ?? "linux" } }, spec: {}, status: { nodeInfo: { machineID: "m", systemUUID: "s", bootID: "b", kernelVersion: "6.1.0", osImage: "Debian GNU/Linux 12", containerRuntimeVersion: "containerd://1.7", kubeletVersion: "v1.31.0", kubeProxyVersion: "", operatingSystem: n.os ?? "linux", architecture: n.architecture ?? "amd64" } } })),
        );
      }
      if (method === "GET" && p === "/api/v1/namespaces") {
        if (deny("list", "namespaces")) return;
        const sel = u.searchParams.get("labelSelector") ?? "";
        const items = objects.namespaces.filter((n) =>
          sel
            .split(",")
            .filter(Boolean)
            .every((r) => {
              const [k, v] = r.split("=");
              return n.labels?.[k] === v;
            }),
        );
        return list("Namespace", items.map((n) => ({ metadata: { name: n.name, uid: nsUid.get(n.name), labels: { "kubernetes.io/metadata.name": n.name, ...(n.labels ?? {}) } }, spec: { finalizers: ["kubernetes"] }, status: { phase: "Active" } })));
      }
      if (method === "GET" && p === "/api/v1/pods") {
        if (deny("list", "pods")) return;
        const sel = u.searchParams.get("fieldSelector") ?? "";
        return list("Pod", objects.pods.filter((x) => fieldOk(x, sel)).map(podJson));
      }
      const cm = /^\/api\/v1\/namespaces\/([^/]+)\/configmaps\/([^/]+)$/.exec(p);
      if (cm) {
        const key = `${cm[1]}/${cm[2]}`;
        const verb = method === "GET" ? "get" : method === "PATCH" ? "patch" : method === "PUT" ? "update" : method.toLowerCase();
        if (deny(verb, "configmaps", cm[1], cm[2])) return;
        const have = configMaps.get(key);
        if (!have) return status(404, "NotFound", `configmaps "${cm[2]}" not found`);
        if (method === "GET") return send(200, { kind: "ConfigMap", apiVersion: "v1", ...have });
        if (method === "PATCH") {
          if (req.headers["content-type"] !== "application/merge-patch+json") return status(415, "UnsupportedMediaType", `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`);
          const patch = JSON.parse(body);
          for (const [k, v] of Object.entries(patch.data ?? {})) {
            if (v === null) delete have.data[k];
            else if (typeof v !== "string") return status(400, "BadRequest", `data.${k}: must be a string`);
            else have.data[k] = v;
          }
          have.metadata.resourceVersion = String(Number(have.metadata.resourceVersion) + 1);
          return send(200, { kind: "ConfigMap", apiVersion: "v1", ...have });
        }
        return status(405, "MethodNotAllowed", method);
      }
      const ev = /^\/api\/v1\/namespaces\/([^/]+)\/events$/.exec(p);
      if (ev) {
        if (method === "POST") {
          if (deny("create", "events", ev[1])) return;
          if (req.headers["content-type"] !== "application/json") return status(415, "UnsupportedMediaType", "json only");
          const e = JSON.parse(body);
          if (e.metadata?.namespace && e.metadata.namespace !== ev[1]) return status(400, "BadRequest", "the namespace of the provided object does not match the namespace sent on the request");
          if (!e.involvedObject?.name || !e.reason || !e.message) return status(422, "Invalid", "involvedObject, reason and message are required");
          if (!e.metadata?.name && !e.metadata?.generateName) return status(422, "Invalid", "name or generateName is required");
          e.metadata.name ??= `${e.metadata.generateName}${crypto.randomBytes(3).toString("hex")}`;
          e.metadata.namespace = ev[1];
          e.metadata.uid = uid();
          e.metadata.creationTimestamp = new Date().toISOString();
          events.push(e);
          return send(201, e);
        }
        if (method === "GET") {
          if (deny("list", "events", ev[1])) return;
          const sel = u.searchParams.get("fieldSelector") ?? "";
          const want = /involvedObject\.name=([^,]+)/.exec(sel)?.[1];
          return list("Event", events.filter((e) => e.metadata.namespace === ev[1] && (!want || e.involvedObject.name === want)));
        }
      }
      return status(404, "NotFound", `the server could not find the requested resource (${method} ${p})`);
    } catch (e) {
      return status(400, "BadRequest", (e as Error).message);
    }
  };

  const listener = (req: http.IncomingMessage, res: http.ServerResponse) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => handler(req, res, body));
  };
  const server = o.tls ? https.createServer({ cert: o.tls.cert, key: o.tls.key, ...(o.tls.clientCa ? { ca: o.tls.clientCa, requestCert: true, rejectUnauthorized: false } : {}) }, listener) : http.createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `${o.tls ? "https" : "http"}://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    token,
    adminToken,
    requests,
    events,
    objects,
    configMap: (ns, name) => configMaps.get(`${ns}/${name}`),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
