// One HTTP(S) request with node's http/https modules: a CA file for private certificates, client
// certificates, a body from a Buffer, the whole answer in memory, up to maxBytes (a hostile or broken server
// cannot fill the memory). Used by the registry and Kubernetes clients.
import fs from "node:fs";
import http from "node:http";
import https from "node:https";
import tls from "node:tls";

let extraCas: string[] | undefined;
/**
 * The trust store for a request that names no CA: the system's, plus HARBOR_EDGE_EXTRA_CA_CERTS. The command
 * generator/bin/harbor-edge hands NODE_EXTRA_CA_CERTS over under that name (Node would read it at start-up, for
 * every command); this adds those certificates as Node would have. undefined: Node's default store.
 */
export function defaultCa(env: NodeJS.ProcessEnv = process.env): string[] | undefined {
  const file = env.HARBOR_EDGE_EXTRA_CA_CERTS;
  if (!file) return undefined;
  if (!extraCas) {
    try {
      extraCas = fs.readFileSync(file, "utf8").match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
    } catch (e) {
      // Node only warns when NODE_EXTRA_CA_CERTS cannot be read; so do we
      process.emitWarning(`Ignoring extra certs from \`${file}\`, load failed: ${(e as Error).message}`);
      extraCas = [];
    }
  }
  return [...tls.rootCertificates, ...extraCas];
}

export interface HttpRequest {
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
  /** PEM CA bundle to trust (https) */
  ca?: string | Buffer;
  /** PEM client certificate and key (https) */
  cert?: string | Buffer;
  key?: string | Buffer;
  /** skip server certificate verification (kubeconfig insecure-skip-tls-verify) */
  insecure?: boolean;
  /** the name the server's certificate must carry (and SNI), when it is not the URL's host: a Service dialled
   * inside the cluster that serves a certificate for Harbor's host name */
  servername?: string;
  timeoutMs?: number;
  /** the largest answer body accepted (default DEFAULT_MAX_BYTES); a larger one fails the request */
  maxBytes?: number;
}

/** 256 MiB: a pod list of a large cluster fits many times over; anything larger is refused, not buffered. */
export const DEFAULT_MAX_BYTES = 256 * 1024 * 1024;

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export function request(r: HttpRequest): Promise<HttpResponse> {
  const u = new URL(r.url);
  const mod = u.protocol === "https:" ? https : http;
  const body = r.body === undefined ? undefined : Buffer.isBuffer(r.body) ? r.body : Buffer.from(r.body);
  const headers: Record<string, string> = { ...(r.headers ?? {}) };
  if (body) headers["content-length"] = String(body.length);
  return new Promise((resolve, reject) => {
    const req = mod.request(
      u,
      {
        method: r.method,
        headers,
        ...(u.protocol === "https:" ? { ca: r.ca ?? defaultCa(), cert: r.cert, key: r.key, rejectUnauthorized: !r.insecure, ...(r.servername ? { servername: r.servername } : {}) } : {}),
        timeout: r.timeoutMs ?? 60_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        const max = r.maxBytes ?? DEFAULT_MAX_BYTES;
        let size = 0;
        res.on("data", (c: Buffer) => {
          size += c.length;
          if (size > max) {
            req.destroy(new Error(`${r.method} ${u.origin}${u.pathname}: the answer is larger than ${max} bytes; refused`));
            return;
          }
          chunks.push(c);
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`${r.method} ${u.origin}${u.pathname}: no answer within ${(r.timeoutMs ?? 60_000) / 1000}s`)));
    req.on("error", reject);
    if (body) req.write(body);
    req.end();
  });
}
