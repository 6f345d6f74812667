// A fake Kubernetes API server on loopback, enough for `helm template --dry-run=server`: discovery, and GET
// of namespaced objects and of namespaces (what Helm's lookup and its ownership checks ask). Objects are put
// in by the test, the way a previous release would have left them in a cluster. Like a real cluster it has
// the namespaces default, kube-system and harbor, plus cluster-abc123 (the Palette cluster namespace of the
// UID the tests use, as Palette would have made it); any other namespace exists only once a test puts it.
// It serves nothing else and never writes.
import http from "node:http";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { AddressInfo } from "node:net";

const CORE = ["secrets", "services", "configmaps", "persistentvolumeclaims", "serviceaccounts", "pods", "namespaces"];
const GROUPS: Record<string, string[]> = {
  "apps/v1": ["deployments", "statefulsets", "daemonsets", "replicasets"],
  "batch/v1": ["jobs", "cronjobs"],
  "policy/v1": ["poddisruptionbudgets"],
  "rbac.authorization.k8s.io/v1": ["roles", "rolebindings", "clusterroles", "clusterrolebindings"],
  "networking.k8s.io/v1": ["ingresses", "networkpolicies"],
};
const KINDS: Record<string, string> = {
  secrets: "Secret", services: "Service", configmaps: "ConfigMap", persistentvolumeclaims: "PersistentVolumeClaim", serviceaccounts: "ServiceAccount", pods: "Pod", namespaces: "Namespace",
  deployments: "Deployment", statefulsets: "StatefulSet", daemonsets: "DaemonSet", replicasets: "ReplicaSet", jobs: "Job", cronjobs: "CronJob", poddisruptionbudgets: "PodDisruptionBudget",
  roles: "Role", rolebindings: "RoleBinding", clusterroles: "ClusterRole", clusterrolebindings: "ClusterRoleBinding", ingresses: "Ingress", networkpolicies: "NetworkPolicy",
};
const PLURAL = Object.fromEntries(Object.entries(KINDS).map(([p, k]) => [k, p]));

function resourceList(groupVersion: string, names: string[]) {
  return {
    kind: "APIResourceList",
    apiVersion: "v1",
    groupVersion,
    resources: names.map((name) => ({ name, singularName: KINDS[name].toLowerCase(), namespaced: !["namespaces", "clusterroles", "clusterrolebindings"].includes(name), kind: KINDS[name], verbs: ["get", "list", "create", "update", "patch", "delete"] })),
  };
}

export interface FakeKube {
  kubeconfig: string;
  /** put an object as a previous release left it (Helm's ownership annotations are added; for a Namespace
   * only with a release name, "" for one made outside Helm) */
  put(obj: any, release?: string): void;
  requests: string[];
  close(): Promise<void>;
}

export async function startFakeKube(): Promise<FakeKube> {
  const store = new Map<string, any>();
  for (const name of ["default", "kube-system", "harbor", "cluster-abc123"]) store.set(`/namespaces/${name}`, { kind: "Namespace", apiVersion: "v1", metadata: { name } });
  const requests: string[] = [];
  const send = (res: http.ServerResponse, code: number, body: unknown) => {
    res.writeHead(code, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };
  const notFound = (res: http.ServerResponse, what: string) => send(res, 404, { kind: "Status", apiVersion: "v1", status: "Failure", message: `${what} not found`, reason: "NotFound", code: 404 });

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const p = url.pathname.replace(/\/$/, "");
    requests.push(`${req.method} ${p}`);
    if (req.method !== "GET") return send(res, 405, { kind: "Status", status: "Failure", message: "read-only fake", code: 405 });
    if (p === "/version") return send(res, 200, { major: "1", minor: "31", gitVersion: "v1.31.0", platform: "linux/amd64" });
    if (p === "/api") return send(res, 200, { kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress: "127.0.0.1" }] });
    if (p === "/api/v1") return send(res, 200, resourceList("v1", CORE));
    if (p === "/apis") {
      const groups = Object.keys(GROUPS).map((gv) => {
        const [group, version] = gv.split("/");
        return { name: group, versions: [{ groupVersion: gv, version }], preferredVersion: { groupVersion: gv, version } };
      });
      return send(res, 200, { kind: "APIGroupList", apiVersion: "v1", groups });
    }
    const gv = p.match(/^\/apis\/([^/]+\/[^/]+)$/);
    if (gv) return GROUPS[gv[1]] ? send(res, 200, resourceList(gv[1], GROUPS[gv[1]])) : notFound(res, gv[1]);
    const obj = p.match(/^\/(?:api\/v1|apis\/[^/]+\/[^/]+)\/namespaces\/([^/]+)\/([^/]+)\/([^/]+)$/);
    if (obj) {
      const found = store.get(`${obj[1]}/${obj[2]}/${obj[3]}`);
      return found ? send(res, 200, found) : notFound(res, `${obj[2]} ${obj[3]}`);
    }
    const ns = p.match(/^\/api\/v1\/namespaces\/([^/]+)$/);
    if (ns) {
      const found = store.get(`/namespaces/${ns[1]}`);
      return found ? send(res, 200, found) : notFound(res, `namespaces "${ns[1]}"`);
    }
    return notFound(res, p);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fake-kube-"));
  const kubeconfig = path.join(dir, "kubeconfig");
  fs.writeFileSync(
    kubeconfig,
    `apiVersion: v1\nkind: Config\nclusters:\n- name: fake\n  cluster:\n    server: http://127.0.0.1:${port}\ncontexts:\n- name: fake\n  context:\n    cluster: fake\n    user: fake\ncurrent-context: fake\nusers:\n- name: fake\n  user:\n    token: fake\n`,
    { mode: 0o600 },
  );
  return {
    kubeconfig,
    requests,
    put(o: any, release = "harbor") {
      const copy = structuredClone(o);
      if (copy.kind === "Namespace") {
        if (release) {
          copy.metadata.annotations = { ...(copy.metadata.annotations ?? {}), "meta.helm.sh/release-name": release, "meta.helm.sh/release-namespace": "harbor" };
          copy.metadata.labels = { ...(copy.metadata.labels ?? {}), "app.kubernetes.io/managed-by": "Helm" };
        }
        store.set(`/namespaces/${copy.metadata.name}`, copy);
        return;
      }
      copy.metadata.annotations = { ...(copy.metadata.annotations ?? {}), "meta.helm.sh/release-name": release, "meta.helm.sh/release-namespace": copy.metadata.namespace ?? "harbor" };
      copy.metadata.labels = { ...(copy.metadata.labels ?? {}), "app.kubernetes.io/managed-by": "Helm" };
      store.set(`${copy.metadata.namespace ?? "harbor"}/${PLURAL[copy.kind]}/${copy.metadata.name}`, copy);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
