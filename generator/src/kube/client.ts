// A minimal Kubernetes API client from a kubeconfig file: server, CA (file or data, or insecure-skip-tls-verify),
// and a bearer token (token or tokenFile), a client certificate and key (file or data), or a username and
// password. Credential plugins (exec, auth-provider) are not run: a clear error says so. No kubectl needed.
import fs from "node:fs";
import path from "node:path";
import yaml from "js-yaml";
import { request } from "../io/http.js";

export interface KubeAccess {
  server: string;
  context: string;
  ca?: Buffer;
  insecure?: boolean;
  token?: string;
  basic?: string;
  cert?: Buffer;
  key?: Buffer;
}

export class KubeError extends Error {
  constructor(
    message: string,
    readonly status = 0,
  ) {
    super(message);
  }
}

/** The access a kubeconfig gives for its current context (or the one named). Relative paths are the file's. */
export function loadKubeconfig(file: string, contextName?: string): KubeAccess {
  let doc: any;
  try {
    doc = yaml.load(fs.readFileSync(file, "utf8"));
  } catch (e) {
    throw new KubeError(`kubeconfig ${file}: ${(e as Error).message.split("\n")[0]}`);
  }
  if (!doc || typeof doc !== "object") throw new KubeError(`kubeconfig ${file}: not a kubeconfig (no YAML mapping)`);
  const dir = path.dirname(path.resolve(file));
  const named = (list: any, name: string, what: string) => {
    const hit = (Array.isArray(list) ? list : []).find((x: any) => x?.name === name);
    if (!hit) throw new KubeError(`kubeconfig ${file}: ${what} "${name}" is not defined`);
    return hit;
  };
  const ctxName = contextName ?? doc["current-context"];
  if (!ctxName) throw new KubeError(`kubeconfig ${file}: no current-context; pass --context`);
  const ctx = named(doc.contexts, ctxName, "context").context ?? {};
  const cluster = named(doc.clusters, ctx.cluster, "cluster").cluster ?? {};
  const user = ctx.user ? (named(doc.users, ctx.user, "user").user ?? {}) : {};
  const read = (f: string, what: string) => {
    const p = path.resolve(dir, f);
    try {
      return fs.readFileSync(p);
    } catch {
      throw new KubeError(`kubeconfig ${file}: cannot read ${what} ${p}`);
    }
  };
  const fileOrData = (data: string | undefined, f: string | undefined, what: string) => (data ? Buffer.from(data, "base64") : f ? read(f, what) : undefined);
  if (!cluster.server) throw new KubeError(`kubeconfig ${file}: cluster "${ctx.cluster}" has no server`);
  if (user.exec || user["auth-provider"]) throw new KubeError(`kubeconfig ${file}: user "${ctx.user}" gets its credentials from a plugin (exec/auth-provider), which harbor-edge does not run; use a kubeconfig with a token or a client certificate`);
  const access: KubeAccess = {
    server: String(cluster.server).replace(/\/+$/, ""),
    context: ctxName,
    ca: fileOrData(cluster["certificate-authority-data"], cluster["certificate-authority"], "certificate-authority"),
    insecure: cluster["insecure-skip-tls-verify"] === true,
    cert: fileOrData(user["client-certificate-data"], user["client-certificate"], "client-certificate"),
    key: fileOrData(user["client-key-data"], user["client-key"], "client-key"),
  };
  const token = user.token ?? (user.tokenFile ? read(user.tokenFile, "tokenFile").toString("utf8").trim() : undefined);
  if (token) access.token = String(token);
  else if (user.username !== undefined) access.basic = Buffer.from(`${user.username}:${user.password ?? ""}`).toString("base64");
  if (Boolean(access.cert) !== Boolean(access.key)) throw new KubeError(`kubeconfig ${file}: user "${ctx.user}" has a client certificate without its key, or a key without its certificate`);
  return access;
}

/** GET of an API path; the parsed JSON, or undefined for 404. Other failures throw with the API's message. */
export async function kubeGet<T = any>(a: KubeAccess, apiPath: string): Promise<T | undefined> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (a.token) headers.authorization = `Bearer ${a.token}`;
  else if (a.basic) headers.authorization = `Basic ${a.basic}`;
  let r;
  try {
    r = await request({ method: "GET", url: `${a.server}${apiPath}`, headers, ca: a.ca, cert: a.cert, key: a.key, insecure: a.insecure, timeoutMs: 30_000 });
  } catch (e) {
    throw new KubeError(`cannot reach the Kubernetes API at ${a.server}: ${(e as Error).message}`);
  }
  if (r.status === 404) return undefined;
  let body: any;
  try {
    body = JSON.parse(r.body.toString("utf8"));
  } catch {
    throw new KubeError(`the Kubernetes API at ${a.server} answered HTTP ${r.status} with no JSON`, r.status);
  }
  if (r.status !== 200) throw new KubeError(`the Kubernetes API answered HTTP ${r.status} for GET ${apiPath}: ${body?.message ?? ""}`.trim(), r.status);
  return body as T;
}
