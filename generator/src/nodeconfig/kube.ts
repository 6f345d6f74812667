// A minimal Kubernetes API client: one GET, authenticated as the kubeconfig's current context says (server,
// its CA, a client certificate and key or a bearer token, inline or in files). No kubectl. exec and
// auth-provider plugins are not run: the error says so and names the other ways.
import fs from "node:fs";
import path from "node:path";
import https from "node:https";
import http from "node:http";
import yaml from "js-yaml";

export class KubeconfigError extends Error {}

export interface KubeTarget {
  server: string;
  ca?: Buffer;
  insecure: boolean;
  cert?: Buffer;
  key?: Buffer;
  token?: string;
  /** the context's namespace, if it names one */
  namespace?: string;
}

type Named<T> = { name: string } & T;

function dataOrFile(base: string, data: unknown, file: unknown, what: string): Buffer | undefined {
  if (typeof data === "string" && data) return Buffer.from(data, "base64");
  if (typeof file === "string" && file) {
    const p = path.resolve(base, file);
    try {
      return fs.readFileSync(p);
    } catch (e) {
      throw new KubeconfigError(`${what}: cannot read ${p} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
  }
  return undefined;
}

/** Reads the kubeconfig file and resolves its current context (or the one named). */
export function readKubeconfig(file: string, contextName?: string): KubeTarget {
  let doc: any;
  try {
    doc = yaml.load(fs.readFileSync(file, "utf8"));
  } catch (e) {
    throw new KubeconfigError(`${file}: cannot read the kubeconfig (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (!doc || typeof doc !== "object") throw new KubeconfigError(`${file}: not a kubeconfig (expected a YAML mapping with clusters, users and contexts)`);
  const base = path.dirname(path.resolve(file));
  const ctxName = contextName ?? doc["current-context"];
  if (!ctxName) throw new KubeconfigError(`${file}: current-context: expected the name of a context; given nothing`);
  const ctx = (doc.contexts as Named<{ context: any }>[] | undefined)?.find((c) => c.name === ctxName)?.context;
  if (!ctx) throw new KubeconfigError(`${file}: contexts: expected a context named ${ctxName}; given none`);
  const cluster = (doc.clusters as Named<{ cluster: any }>[] | undefined)?.find((c) => c.name === ctx.cluster)?.cluster;
  if (!cluster?.server) throw new KubeconfigError(`${file}: clusters: expected a cluster named ${ctx.cluster} with a server; given none`);
  const user = (doc.users as Named<{ user: any }>[] | undefined)?.find((u) => u.name === ctx.user)?.user ?? {};
  if (user.exec || user["auth-provider"]) {
    throw new KubeconfigError(`${file}: user ${ctx.user} authenticates with an ${user.exec ? "exec" : "auth-provider"} plugin, which harbor-edge does not run: use a kubeconfig with a client certificate or a token, or pass --secrets FILE`);
  }
  let token: string | undefined = typeof user.token === "string" && user.token ? user.token : undefined;
  if (!token && typeof user.tokenFile === "string" && user.tokenFile) token = dataOrFile(base, undefined, user.tokenFile, `user ${ctx.user} tokenFile`)!.toString("utf8").trim();
  return {
    server: String(cluster.server).replace(/\/+$/, ""),
    ca: dataOrFile(base, cluster["certificate-authority-data"], cluster["certificate-authority"], `cluster ${ctx.cluster} certificate-authority`),
    insecure: cluster["insecure-skip-tls-verify"] === true,
    cert: dataOrFile(base, user["client-certificate-data"], user["client-certificate"], `user ${ctx.user} client-certificate`),
    key: dataOrFile(base, user["client-key-data"], user["client-key"], `user ${ctx.user} client-key`),
    token,
    namespace: typeof ctx.namespace === "string" && ctx.namespace ? ctx.namespace : undefined,
  };
}

export class KubeApiError extends Error {
  constructor(message: string, readonly status?: number) {
    super(message);
  }
}

/** GET apiPath from the API server; resolves the parsed JSON body of a 200, rejects with the API's message otherwise. */
export function kubeGet(t: KubeTarget, apiPath: string, timeoutMs = 15_000): Promise<any> {
  const url = new URL(t.server + apiPath);
  const headers: Record<string, string> = { accept: "application/json", "user-agent": "harbor-edge" };
  if (t.token) headers.authorization = `Bearer ${t.token}`;
  const lib = url.protocol === "http:" ? http : https;
  const opts: https.RequestOptions = { method: "GET", headers, timeout: timeoutMs };
  if (url.protocol === "https:") Object.assign(opts, { ca: t.ca, cert: t.cert, key: t.key, rejectUnauthorized: !t.insecure });
  return new Promise((resolve, reject) => {
    const req = lib.request(url, opts, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let body: any;
        try {
          body = JSON.parse(text);
        } catch {
          body = undefined;
        }
        if (res.statusCode === 200 && body) return resolve(body);
        const why = body?.message ?? (text.slice(0, 200) || res.statusMessage);
        reject(new KubeApiError(`GET ${url.pathname}: ${res.statusCode} ${why}`, res.statusCode));
      });
    });
    req.on("timeout", () => req.destroy(new Error(`no answer in ${timeoutMs / 1000}s`)));
    req.on("error", (e) => reject(new KubeApiError(`GET ${t.server}${apiPath}: ${e.message}`)));
    req.end();
  });
}
