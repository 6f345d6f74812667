// The one minimal Kubernetes API client of harbor-edge (node-config --kubeconfig, status): a kubeconfig's
// current context (or the one named) gives the server, its CA (file or data, or insecure-skip-tls-verify), the
// context's namespace, and a bearer token (token or tokenFile), a client certificate and key (file or data), or
// a username and password; relative paths are the kubeconfig file's. Credential plugins (exec, auth-provider)
// are not run: a clear error says so and names the other ways. Then GETs of API paths. No kubectl needed.
import fs from "node:fs";
import path from "node:path";
import yaml from "js-yaml";
import { request } from "../io/http.js";

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
    doc = yaml.load(text);
  } catch (e) {
    throw fail(`not valid YAML (${why(e)})`);
  }
  if (!doc || typeof doc !== "object" || Array.isArray(doc)) throw fail("not a kubeconfig (expected a YAML mapping with clusters, users and contexts)");
  const dir = path.dirname(path.resolve(file));
  const named = (list: unknown, name: string, what: string) => {
    const items = Array.isArray(list) ? list : [];
    const hit = items.find((x: any) => x?.name === name);
    if (!hit) throw fail(`${what}s: expected a ${what} named "${name}"; given ${items.length ? items.map((x: any) => `"${x?.name}"`).join(", ") : "none"}`);
    return hit;
  };
  const ctxName = contextName ?? doc["current-context"];
  if (!ctxName) throw fail("current-context: expected the name of a context; given nothing (or pass --context NAME)");
  const ctx = named(doc.contexts, ctxName, "context").context ?? {};
  const cluster = named(doc.clusters, ctx.cluster, "cluster").cluster ?? {};
  const user = ctx.user ? (named(doc.users, ctx.user, "user").user ?? {}) : {};
  if (!cluster.server) throw fail(`cluster "${ctx.cluster}": server: expected the URL of the Kubernetes API; given nothing`);
  if (user.exec || user["auth-provider"]) {
    throw fail(`user "${ctx.user}" gets its credentials from an ${user.exec ? "exec" : "auth-provider"} plugin, which harbor-edge does not run: use a kubeconfig with a token or a client certificate`, true);
  }
  const read = (f: string, what: string) => {
    const p = path.resolve(dir, f);
    try {
      return fs.readFileSync(p);
    } catch (e) {
      throw fail(`${what}: cannot read ${p} (${why(e)})`);
    }
  };
  const fileOrData = (data: unknown, f: unknown, what: string) => (typeof data === "string" && data ? Buffer.from(data, "base64") : typeof f === "string" && f ? read(f, what) : undefined);
  const access: KubeAccess = {
    server: String(cluster.server).replace(/\/+$/, ""),
    context: ctxName,
    ca: fileOrData(cluster["certificate-authority-data"], cluster["certificate-authority"], `cluster "${ctx.cluster}" certificate-authority`),
    insecure: cluster["insecure-skip-tls-verify"] === true,
    cert: fileOrData(user["client-certificate-data"], user["client-certificate"], `user "${ctx.user}" client-certificate`),
    key: fileOrData(user["client-key-data"], user["client-key"], `user "${ctx.user}" client-key`),
  };
  if (typeof ctx.namespace === "string" && ctx.namespace) access.namespace = ctx.namespace;
  const token =
    typeof user.token === "string" && user.token ? user.token : typeof user.tokenFile === "string" && user.tokenFile ? read(user.tokenFile, `user "${ctx.user}" tokenFile`).toString("utf8").trim() : undefined;
  if (token) access.token = token;
  else if (user.username !== undefined) access.basic = Buffer.from(`${user.username}:${user.password ?? ""}`).toString("base64");
  if (Boolean(access.cert) !== Boolean(access.key)) throw fail(`user "${ctx.user}" has a client certificate without its key, or a key without its certificate`);
  return access;
}

/** GET of an API path: the parsed JSON of a 200. Anything else throws a KubeError with the API's message (and status). */
export async function kubeGet<T = any>(a: KubeAccess, apiPath: string, timeoutMs = 30_000): Promise<T> {
  const headers: Record<string, string> = { accept: "application/json", "user-agent": "harbor-edge" };
  if (a.token) headers.authorization = `Bearer ${a.token}`;
  else if (a.basic) headers.authorization = `Basic ${a.basic}`;
  let r;
  try {
    r = await request({ method: "GET", url: `${a.server}${apiPath}`, headers, ca: a.ca, cert: a.cert, key: a.key, insecure: a.insecure, timeoutMs });
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
  const answered = `the Kubernetes API at ${a.server} answered GET ${apiPath.split("?")[0]} with HTTP ${r.status}`;
  if (r.status === 200) {
    if (body === undefined) throw new KubeError(`${answered} and no JSON`, r.status);
    return body as T;
  }
  const message = typeof body?.message === "string" ? body.message : text.replace(/\s+/g, " ").trim().slice(0, 200);
  throw new KubeError(message ? `${answered}: ${message}` : answered, r.status);
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
