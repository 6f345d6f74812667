// One HTTP(S) request with node's http/https modules: a CA file for private certificates (or a prepared TLS
// context), client certificates, a body from a Buffer, the whole answer in memory, up to maxBytes (a hostile or
// broken server cannot fill the memory), an answer cut short by a closed connection refused, not returned
// truncated. Used by the registry and Kubernetes clients and by the node check (with the node's resolver and
// TLS context, and a deadline for the whole request). Errors carry a code: ETIMEDOUT (no answer in time),
// ECONNRESET (cut short), E_TOO_LARGE (over maxBytes), or Node's own.
import type { LookupFunction } from "node:net";
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
  /** an array value is sent as that header repeated */
  headers?: Record<string, string | string[]>;
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
  /** idle time allowed on the socket (default 60 s) */
  timeoutMs?: number;
  /** time allowed for the whole request, answer included (default: none beyond timeoutMs's idle limit) */
  deadlineMs?: number;
  /** the largest answer body accepted (default DEFAULT_MAX_BYTES); a larger one fails the request */
  maxBytes?: number;
  /** a prepared TLS context (its CAs replace ca and the default store) */
  secureContext?: tls.SecureContext;
  /** how host names resolve (default: the system's resolver) */
  lookup?: LookupFunction;
  /** false: a connection of its own, closed after the answer (no keep-alive agent) */
  agent?: false;
}

const coded = (message: string, code: string) => Object.assign(new Error(message), { code });

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
  const headers: Record<string, string | string[]> = { ...(r.headers ?? {}) };
  if (body) headers["content-length"] = String(body.length);
  const idleMs = r.timeoutMs ?? 60_000;
  const where = `${r.method} ${u.origin}${u.pathname}`;
  return new Promise((resolve, reject) => {
    const tlsOptions = r.secureContext ? { secureContext: r.secureContext } : { ca: r.ca ?? defaultCa(), cert: r.cert, key: r.key };
    const req = mod.request(
      u,
      {
        method: r.method,
        headers,
        ...(u.protocol === "https:"
          ? { ...tlsOptions, rejectUnauthorized: !r.insecure, ...(r.servername ? { servername: r.servername } : {}) }
          : {}),
        ...(r.lookup ? { lookup: r.lookup } : {}),
        ...(r.agent === false ? { agent: false } : {}),
        timeout: idleMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        const max = r.maxBytes ?? DEFAULT_MAX_BYTES;
        let size = 0;
        res.on("data", (c: Buffer) => {
          size += c.length;
          if (size > max) {
            req.destroy(coded(`${where}: the answer is larger than ${max} bytes; refused`, "E_TOO_LARGE"));
            return;
          }
          chunks.push(c);
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on("error", reject);
        // a connection closed in the middle of the answer: an error, never a truncated body (settles once)
        res.on("close", () => {
          if (!res.complete) reject(coded(`${where}: the connection closed before the answer was complete`, "ECONNRESET"));
        });
      },
    );
    const deadline =
      r.deadlineMs === undefined
        ? undefined
        : setTimeout(() => req.destroy(coded(`${where}: no answer within ${r.deadlineMs! / 1000}s`, "ETIMEDOUT")), r.deadlineMs);
    req.on("close", () => clearTimeout(deadline));
    req.on("timeout", () => req.destroy(coded(`${where}: no answer within ${idleMs / 1000}s`, "ETIMEDOUT")));
    req.on("error", reject);
    if (body) req.write(body);
    req.end();
  });
}
