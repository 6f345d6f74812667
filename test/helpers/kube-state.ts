// A Kubernetes API on loopback for what the configuration runs ask of it: PATCH of the Secrets they own
// (JSON merge patch; stringData merged into data, as the API server does) and POST of Events. Checks the
// Role the chart renders: a request the Role does not allow answers 403 and is recorded as a violation, as
// is any request without the service account's bearer token.
import http from "node:http";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { AddressInfo } from "node:net";
import type { K8sObject } from "./chart.js";

export interface KubeEvent {
  type: string;
  reason: string;
  message: string;
  involvedObject: { kind: string; name: string; namespace: string; uid?: string };
}

export interface KubeState {
  url: string;
  tokenFile: string;
  secrets: Map<string, K8sObject>;
  events: KubeEvent[];
  violations: string[];
  writes: string[];
  /** answer 500 to the nth PATCH of a Secret */
  failPatch?: number;
  close(): Promise<void>;
}

/** rules: the Role the chart rendered; secrets: those that exist in the namespace (the rendered ones). */
export async function startKubeState(o: { namespace: string; role: K8sObject; secrets: K8sObject[] }): Promise<KubeState> {
  const token = `token-${Math.random().toString(36).slice(2)}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "config-job-kube-"));
  const tokenFile = path.join(dir, "token");
  fs.writeFileSync(tokenFile, token + "\n");
  const secrets = new Map(o.secrets.map((s) => [s.metadata.name, structuredClone(s)]));
  const events: KubeEvent[] = [];
  const violations: string[] = [];
  const writes: string[] = [];
  let patches = 0;
  const allowed = (resource: string, verb: string, name?: string) =>
    (o.role.rules as any[]).some((r) => r.apiGroups.includes("") && r.resources.includes(resource) && r.verbs.includes(verb) && (!r.resourceNames || (name !== undefined && r.resourceNames.includes(name))));
  const state: KubeState = {
    url: "",
    tokenFile,
    secrets,
    events,
    violations,
    writes,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  const server = http.createServer((req, res) => {
    let raw = "";
    req.on("data", (d) => (raw += d));
    req.on("end", () => {
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(body));
      };
      const forbid = (what: string) => {
        violations.push(`${req.method} ${req.url}: ${what}`);
        send(403, { kind: "Status", status: "Failure", reason: "Forbidden", message: what });
      };
      if (req.headers.authorization !== `Bearer ${token}`) return forbid("no service account token");
      const m = /^\/api\/v1\/namespaces\/([^/]+)\/(secrets|events)(?:\/([^/?]+))?$/.exec(req.url ?? "");
      if (!m || m[1] !== o.namespace) return forbid("not a namespaced secret or event of the release namespace");
      const [, , resource, name] = m;
      const body = raw ? JSON.parse(raw) : undefined;
      if (resource === "events" && req.method === "POST") {
        if (!allowed("events", "create")) return forbid("the Role does not allow creating events");
        writes.push("POST events");
        events.push(body);
        return send(201, body);
      }
      if (resource === "secrets" && name && req.method === "PATCH") {
        if (!allowed("secrets", "patch", name)) return forbid(`the Role does not allow patching Secret ${name}`);
        if (req.headers["content-type"] !== "application/merge-patch+json") return forbid("not a JSON merge patch");
        const s = secrets.get(name);
        if (!s) return send(404, { kind: "Status", reason: "NotFound", message: `secrets "${name}" not found` });
        patches++;
        if (state.failPatch === patches) return send(500, { kind: "Status", reason: "InternalError", message: "injected" });
        writes.push(`PATCH secrets/${name}`);
        s.data = { ...(s.data ?? {}) };
        for (const [k, v] of Object.entries<any>(body.data ?? {})) if (v === null) delete s.data[k]; else s.data[k] = v;
        for (const [k, v] of Object.entries<any>(body.stringData ?? {})) s.data[k] = Buffer.from(String(v)).toString("base64");
        return send(200, s);
      }
      return forbid(`${req.method} ${resource} is not something the configuration runs do`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return state;
}
