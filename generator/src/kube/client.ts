// The one minimal Kubernetes API client of harbor-edge (node-config --kubeconfig, status, configure, report): a kubeconfig's
// current context (or the one named) gives the server, its CA (file or data, or insecure-skip-tls-verify), the
// context's namespace, and a bearer token (token or tokenFile), a client certificate and key (file or data), or
// a username and password; relative paths are the kubeconfig file's. Credential plugins (exec, auth-provider)
// are not run: a clear error says so and names the other ways. Then GETs of API paths. No kubectl needed.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { request } from "../io/http.js";
import { parseYamlBounded } from "../io/yaml-bounded.js";

export interface KubeAccess {
  server: string;
  context: string;
  /** the context's namespace, if it names one */
  namespace?: string;
  ca?: Buffer;
  insecure?: boolean;
  token?: string;
  /** base64 of username:password */
  basic?: string;
  cert?: Buffer;
  key?: Buffer;
}

export class KubeError extends Error {
  constructor(
    message: string,
    /** the API's HTTP status; 0 when there was no answer or the kubeconfig is the problem */
    readonly status = 0,
    /** the kubeconfig's user gets its credentials from a plugin harbor-edge does not run */
    readonly plugin = false,
  ) {
    super(message);
  }
}

const why = (e: unknown) => (e as NodeJS.ErrnoException).code ?? (e as Error).message.split("\n")[0];

/** The access a kubeconfig gives for its current context (or the one named). */
export function loadKubeconfig(file: string, contextName?: string): KubeAccess {
  const fail = (message: string, plugin = false) => new KubeError(`kubeconfig ${file}: ${message}`, 0, plugin);
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw fail(`cannot read it (${why(e)})`);
  }
  let doc: any;
  try {
    // a kubeconfig holds tokens and keys: a syntax error names the line, not the text
    doc = parseYamlBounded(text, { file, secret: true });
  } catch (e) {
    throw fail(`not valid YAML (${(e as Error).message.replace(`${file} is not valid YAML or JSON `, "").replace(`${file}: `, "")})`);
  }
  if (!doc || typeof doc !== "object" || Array.isArray(doc))
    throw fail("not a kubeconfig (expected a YAML mapping with clusters, users and contexts)");
  const dir = path.dirname(path.resolve(file));
  const named = (list: unknown, name: string, what: string) => {
    const items = Array.isArray(list) ? list : [];
    const hit = items.find((x: any) => x?.name === name);
    if (!hit)
      throw fail(
        `${what}s: expected a ${what} named "${name}"; given ${items.length ? items.map((x: any) => `"${x?.name}"`).join(", ") : "none"}`,
      );
    return hit;
  };
  const ctxName = contextName ?? doc["current-context"];
  if (!ctxName) throw fail("current-context: expected the name of a context; given nothing (or pass --context NAME)");
  const ctx = named(doc.contexts, ctxName, "context").context ?? {};
  const cluster = named(doc.clusters, ctx.cluster, "cluster").cluster ?? {};
  const user = ctx.user ? (named(doc.users, ctx.user, "user").user ?? {}) : {};
  if (!cluster.server) throw fail(`cluster "${ctx.cluster}": server: expected the URL of the Kubernetes API; given nothing`);
  if (user.exec || user["auth-provider"]) {
    throw fail(
      `user "${ctx.user}" gets its credentials from an ${user.exec ? "exec" : "auth-provider"} plugin, which harbor-edge does not run: use a kubeconfig with a token or a client certificate`,
      true,
    );
  }
  const read = (f: string, what: string) => {
    const p = path.resolve(dir, f);
    try {
      return fs.readFileSync(p);
    } catch (e) {
      throw fail(`${what}: cannot read ${p} (${why(e)})`);
    }
  };
  // as kubectl (client-go transport tlsConfigFor): a CA and insecure-skip-tls-verify together are refused, not
  // one silently preferred
  const hasCa = Boolean(cluster["certificate-authority-data"] || cluster["certificate-authority"]);
  if (cluster["insecure-skip-tls-verify"] === true && hasCa) {
    throw fail(
      `cluster "${ctx.cluster}": specifying a root certificates file with the insecure flag is not allowed (kubectl's words): insecure-skip-tls-verify is true and certificate-authority${cluster["certificate-authority-data"] ? "-data" : ""} is given; remove one of them`,
    );
  }
  const fileOrData = (data: unknown, f: unknown, what: string) =>
    typeof data === "string" && data ? Buffer.from(data, "base64") : typeof f === "string" && f ? read(f, what) : undefined;
  const access: KubeAccess = {
    server: String(cluster.server).replace(/\/+$/, ""),
    context: ctxName,
    ca: fileOrData(
      cluster["certificate-authority-data"],
      cluster["certificate-authority"],
      `cluster "${ctx.cluster}" certificate-authority`,
    ),
    insecure: cluster["insecure-skip-tls-verify"] === true,
    cert: fileOrData(user["client-certificate-data"], user["client-certificate"], `user "${ctx.user}" client-certificate`),
    key: fileOrData(user["client-key-data"], user["client-key"], `user "${ctx.user}" client-key`),
  };
  if (typeof ctx.namespace === "string" && ctx.namespace) access.namespace = ctx.namespace;
  const token =
    typeof user.token === "string" && user.token
      ? user.token
      : typeof user.tokenFile === "string" && user.tokenFile
        ? read(user.tokenFile, `user "${ctx.user}" tokenFile`).toString("utf8").trim()
        : undefined;
  if (token) access.token = token;
  else if (user.username !== undefined) access.basic = Buffer.from(`${user.username}:${user.password ?? ""}`).toString("base64");
  if (Boolean(access.cert) !== Boolean(access.key))
    throw fail(`user "${ctx.user}" has a client certificate without its key, or a key without its certificate`);
  return access;
}

/** The ServiceAccount's files in a pod. */
export const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

/**
 * The access a pod has through its ServiceAccount, as client-go's in-cluster config: the API server at
 * https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT (an IPv6 address in brackets), the mounted token,
 * CA and namespace. KUBE_API, KUBE_TOKEN_FILE, KUBE_CA_FILE and KUBE_NAMESPACE (or POD_NAMESPACE) override
 * each part. undefined when no API server is named or the token cannot be read (not in a pod).
 */
export function inClusterAccess(env: NodeJS.ProcessEnv = process.env): KubeAccess | undefined {
  let server = env.KUBE_API?.replace(/\/+$/, "");
  const host = env.KUBERNETES_SERVICE_HOST;
  if (!server && host) server = `https://${host.includes(":") ? `[${host}]` : host}:${env.KUBERNETES_SERVICE_PORT || "443"}`;
  if (!server) return undefined;
  const tokenFile = env.KUBE_TOKEN_FILE || path.join(SERVICE_ACCOUNT_DIR, "token");
  let token: string;
  try {
    token = fs.readFileSync(tokenFile, "utf8").trim();
  } catch {
    return undefined;
  }
  const caFile = env.KUBE_CA_FILE || path.join(SERVICE_ACCOUNT_DIR, "ca.crt");
  let ca: Buffer | undefined;
  try {
    ca = fs.readFileSync(caFile);
  } catch {
    ca = undefined; // an http:// test API, or a CA the system already trusts
  }
  let namespace = env.KUBE_NAMESPACE || env.POD_NAMESPACE;
  if (!namespace) {
    try {
      namespace = fs.readFileSync(path.join(SERVICE_ACCOUNT_DIR, "namespace"), "utf8").trim() || undefined;
    } catch {
      namespace = undefined;
    }
  }
  return { server, context: "in-cluster", token, ...(ca ? { ca } : {}), ...(namespace ? { namespace } : {}) };
}

/**
 * Where a command reaches the cluster, as kubectl decides: --kubeconfig, else $KUBECONFIG (its first file), else
 * the pod's ServiceAccount when running in a pod, else ~/.kube/config. undefined when none of them exists.
 */
export function resolveAccess(
  o: { kubeconfig?: string; context?: string } = {},
  env: NodeJS.ProcessEnv = process.env,
): KubeAccess | undefined {
  if (o.kubeconfig) return loadKubeconfig(o.kubeconfig, o.context);
  const fromEnv = env.KUBECONFIG?.split(path.delimiter).find(Boolean);
  if (fromEnv) return loadKubeconfig(fromEnv, o.context);
  const pod = inClusterAccess(env);
  if (pod) return pod;
  const home = path.join(env.HOME || os.homedir(), ".kube", "config");
  return fs.existsSync(home) ? loadKubeconfig(home, o.context) : undefined;
}

/**
 * One request to an API path: the parsed JSON of a 2xx. Anything else throws a KubeError with the API's
 * message (and status). body: an object sent as JSON with contentType (application/json by default; a patch
 * names its own, e.g. application/merge-patch+json).
 */
export async function kubeRequest<T = any>(
  a: KubeAccess,
  method: string,
  apiPath: string,
  o: { body?: unknown; contentType?: string; timeoutMs?: number } = {},
): Promise<T> {
  const headers: Record<string, string> = { accept: "application/json", "user-agent": "harbor-edge" };
  if (a.token) headers.authorization = `Bearer ${a.token}`;
  else if (a.basic) headers.authorization = `Basic ${a.basic}`;
  if (o.body !== undefined) headers["content-type"] = o.contentType ?? "application/json";
  let r;
  try {
    r = await request({
      method,
      url: `${a.server}${apiPath}`,
      headers,
      body: o.body === undefined ? undefined : JSON.stringify(o.body),
      ca: a.ca,
      cert: a.cert,
      key: a.key,
      insecure: a.insecure,
      timeoutMs: o.timeoutMs ?? 30_000,
    });
  } catch (e) {
    throw new KubeError(`cannot reach the Kubernetes API at ${a.server}: ${(e as Error).message}`);
  }
  const text = r.body.toString("utf8");
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const answered = `the Kubernetes API at ${a.server} answered ${method} ${apiPath.split("?")[0]} with HTTP ${r.status}`;
  if (r.status >= 200 && r.status < 300) {
    if (body === undefined) throw new KubeError(`${answered} and no JSON`, r.status);
    return body as T;
  }
  const message = typeof body?.message === "string" ? body.message : text.replace(/\s+/g, " ").trim().slice(0, 200);
  throw new KubeError(message ? `${answered}: ${message}` : answered, r.status);
}

/** GET of an API path: the parsed JSON of a 200. Anything else throws a KubeError with the API's message (and status). */
export async function kubeGet<T = any>(a: KubeAccess, apiPath: string, timeoutMs = 30_000): Promise<T> {
  return kubeRequest<T>(a, "GET", apiPath, { timeoutMs });
}

export interface EventInput {
  namespace: string;
  /** the object the Event is about (kubectl describe shows it there) */
  involvedObject: { apiVersion: string; kind: string; name: string; namespace?: string; uid?: string };
  type: "Normal" | "Warning";
  reason: string;
  message: string;
  /** source.component and reportingComponent, e.g. harbor-edge-configure */
  component: string;
}

/** Records a core/v1 Event (message cut to 1,000 characters, as the API server would refuse more than 1 MiB). */
export async function postEvent(a: KubeAccess, e: EventInput, now = new Date()): Promise<void> {
  const ts = now.toISOString().replace(/\.\d+Z$/, "Z");
  const message = e.message.length > 1000 ? `${e.message.slice(0, 990)} [...]` : e.message;
  await kubeRequest(a, "POST", `/api/v1/namespaces/${encodeURIComponent(e.namespace)}/events`, {
    body: {
      apiVersion: "v1",
      kind: "Event",
      metadata: { generateName: `${e.involvedObject.name || e.component}.`, namespace: e.namespace },
      involvedObject: { namespace: e.namespace, ...e.involvedObject },
      type: e.type,
      reason: e.reason,
      message,
      source: { component: e.component },
      reportingComponent: e.component,
      reportingInstance: process.env.HOSTNAME || e.component,
      firstTimestamp: ts,
      lastTimestamp: ts,
      count: 1,
    },
  });
}

/** kubeGet, with undefined for a 404 (the object does not exist). */
export async function kubeGetIfExists<T = any>(a: KubeAccess, apiPath: string, timeoutMs?: number): Promise<T | undefined> {
  try {
    return await kubeGet<T>(a, apiPath, timeoutMs);
  } catch (e) {
    if (e instanceof KubeError && e.status === 404) return undefined;
    throw e;
  }
}
