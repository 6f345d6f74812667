// One HTTP(S) request whose body is a stream of a known length (Content-Length set, nothing buffered): a blob
// upload of any size from a file. The answer's body is read whole (registries answer uploads with a few bytes).
// Trust as in http.ts: the CA given, else the system's plus HARBOR_EDGE_EXTRA_CA_CERTS.
import http from "node:http";
import https from "node:https";
import type { Readable } from "node:stream";
import { defaultCa, type HttpResponse } from "./http.js";

export interface StreamRequest {
  method: string;
  url: string;
  headers?: Record<string, string>;
  body: Readable;
  /** bytes the body will give; sent as Content-Length */
  length: number;
  ca?: string | Buffer;
  /** no progress on the socket for this long fails the request (default 60 s) */
  timeoutMs?: number;
}

export function requestStream(r: StreamRequest): Promise<HttpResponse> {
  const u = new URL(r.url);
  const mod = u.protocol === "https:" ? https : http;
  const headers: Record<string, string> = { ...(r.headers ?? {}), "content-length": String(r.length) };
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (e: Error) => {
      if (settled) return;
      settled = true;
      r.body.destroy();
      reject(e);
    };
    const req = mod.request(
      u,
      {
        method: r.method,
        headers,
        ...(u.protocol === "https:" ? { ca: r.ca ?? defaultCa() } : {}),
        timeout: r.timeoutMs ?? 60_000,
      },
      (res) => {
        // an early answer (401, 4xx) stops the upload
        r.body.unpipe(req);
        r.body.destroy();
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          if (settled) return;
          settled = true;
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) });
        });
        res.on("error", fail);
      },
    );
    req.on("timeout", () =>
      req.destroy(new Error(`${r.method} ${u.origin}${u.pathname}: no progress within ${(r.timeoutMs ?? 60_000) / 1000}s`)),
    );
    req.on("error", fail);
    r.body.on("error", (e) => {
      req.destroy(e);
      fail(e);
    });
    r.body.pipe(req);
  });
}
