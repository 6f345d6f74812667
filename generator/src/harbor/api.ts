// A client of Harbor's REST API (/api/v2.0), shared by `configure` and `report`: JSON in and out, Basic
// credentials sent only to the Harbor it was made for (never to another origin, never in a log line), a bounded
// time per request, and counts of requests and writes for the run's summary. Path segments are the caller's
// to encode with seg(); a name never becomes part of a path unencoded.
import { request, type HttpResponse } from "../io/http.js";

export interface HarborApiOptions {
  /** Harbor's address, e.g. https://harbor-core.harbor.svc; /api/v2.0 is appended unless it ends with it */
  url: string;
  username?: string;
  password?: string;
  /** PEM CA to trust for https */
  ca?: string | Buffer;
  /** the name Harbor's certificate must carry when it is not the URL's host (HARBOR_TLS_SERVER_NAME) */
  servername?: string;
  /** one request's bound, answer included (default 20 s) */
  timeoutMs?: number;
}

export interface ApiAnswer {
  status: number;
  headers: HttpResponse["headers"];
  body: Buffer;
  /** the body parsed as JSON; undefined when it is not JSON */
  json: any;
}

/** No answer at all (refused, reset, timed out): status 0 in messages. */
export class HarborUnreachable extends Error {}

/** A path segment, encoded: a project or repository name can never add a segment or a query. */
export const seg = (s: string | number) => encodeURIComponent(String(s));

/** Harbor's error message from an answer's body ({"errors":[{"message":...}]}), shortened for a log line. */
export function harborMessage(a: Pick<ApiAnswer, "json" | "body">): string {
  const errors = a.json?.errors;
  const m = Array.isArray(errors)
    ? errors
        .map((e: any) => String(e?.message ?? e?.code ?? ""))
        .filter(Boolean)
        .join("; ")
    : typeof a.json?.message === "string"
      ? a.json.message
      : "";
  return (m || a.body.toString("utf8"))
    .replace(/[\u0000-\u001f\u007f]+/g, " ")
    .trim()
    .slice(0, 200);
}

export class HarborApi {
  /** the API base, ending in /api/v2.0 */
  readonly base: string;
  /** the origin credentials may go to */
  readonly origin: string;
  requests = 0;
  writes = 0;

  constructor(readonly o: HarborApiOptions) {
    const u = o.url.replace(/\/+$/, "");
    this.base = u.endsWith("/api/v2.0") ? u : `${u}/api/v2.0`;
    this.origin = new URL(this.base).origin;
  }

  /** From now on, send these credentials (e.g. a robot account read after the client was made). */
  useCredentials(username: string, password: string): void {
    this.o.username = username;
    this.o.password = password;
  }

  /** Harbor's address without /api/v2.0 (for /v2 and /service/token). */
  get root(): string {
    return this.base.slice(0, -"/api/v2.0".length);
  }

  /**
   * One request to an API path (e.g. `/projects/${seg(name)}`). password: the admin password to send instead of
   * the client's (null: anonymous); timeoutMs: this request's bound instead of the client's. Throws
   * HarborUnreachable when there is no answer.
   */
  async call(
    method: string,
    apiPath: string,
    o: { body?: unknown; headers?: Record<string, string>; password?: string | null; username?: string; timeoutMs?: number } = {},
  ): Promise<ApiAnswer> {
    const url = new URL(`${this.base}${apiPath}`);
    if (url.origin !== this.origin || !url.pathname.startsWith(new URL(this.base).pathname))
      throw new Error(`refused: ${apiPath} leaves Harbor's API`);
    const headers: Record<string, string> = { accept: "application/json", "user-agent": "harbor-edge", ...(o.headers ?? {}) };
    const user = o.username ?? this.o.username ?? "admin";
    const password = o.password === undefined ? this.o.password : o.password;
    if (password !== null && password !== undefined)
      headers.authorization = `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
    if (o.body !== undefined) headers["content-type"] = "application/json";
    this.requests++;
    if (method !== "GET" && method !== "HEAD") this.writes++;
    let r: HttpResponse;
    // the whole request, answer included: a Harbor (or something in front of it) that sends a byte now and then
    // never goes idle long enough for the socket's timeout alone
    const bound = o.timeoutMs ?? this.o.timeoutMs ?? 20_000;
    try {
      r = await request({
        method,
        url: url.toString(),
        headers,
        body: o.body === undefined ? undefined : JSON.stringify(o.body),
        ca: this.o.ca,
        servername: this.o.servername,
        timeoutMs: bound,
        deadlineMs: bound,
      });
    } catch (e) {
      throw new HarborUnreachable(`${method} ${url.pathname}: ${(e as Error).message}`);
    }
    let json: any;
    try {
      json = r.body.length ? JSON.parse(r.body.toString("utf8")) : undefined;
    } catch {
      json = undefined;
    }
    return { status: r.status, headers: r.headers, body: r.body, json };
  }
}

export type Health = { healthy: true } | { healthy: false; why: string };

/** GET /health, anonymously: healthy when the overall status is healthy and no component is unhealthy. */
export async function health(api: HarborApi): Promise<Health> {
  let a: ApiAnswer;
  try {
    a = await api.call("GET", "/health", { password: null });
  } catch (e) {
    return { healthy: false, why: `no connection (${(e as Error).message})` };
  }
  if (a.status !== 200) return { healthy: false, why: `HTTP ${a.status}` };
  const components: Array<{ name?: string; status?: string }> = Array.isArray(a.json?.components) ? a.json.components : [];
  const unhealthy = components.filter((c) => c.status === "unhealthy").map((c) => String(c.name));
  if (a.json?.status === "healthy" && unhealthy.length === 0) return { healthy: true };
  return { healthy: false, why: `unhealthy: ${unhealthy.join(" ") || "overall status not healthy"}` };
}

/** How often waitHealthy says again that Harbor is still not healthy for the same reason. */
export const WAIT_REPEAT_MS = 60_000;

/**
 * Waits until Harbor is healthy, with backoff (1 s doubling to maxDelayMs), until deadline (ms since epoch).
 * Returns undefined when healthy, else the last reason. onWait (optional) hears why Harbor is not healthy yet:
 * at the first failure, whenever the reason changes, and every WAIT_REPEAT_MS while it stays the same, so a
 * long wait (a certificate that does not name the host dialled, a blackholed Service) is never silent.
 * now: the clock the deadline is read with (Date.now).
 */
export async function waitHealthy(
  api: HarborApi,
  deadline: number,
  maxDelayMs = 5_000,
  sleep = (ms: number) => new Promise((r) => setTimeout(r, ms)),
  o: { now?: () => number; onWait?: (why: string) => void } = {},
): Promise<string | undefined> {
  const now = o.now ?? Date.now;
  let delay = 1_000;
  let said: { why: string; at: number } | undefined;
  for (;;) {
    const h = await health(api);
    if (h.healthy) return undefined;
    if (now() >= deadline) return h.why;
    if (o.onWait && (!said || said.why !== h.why || now() - said.at >= WAIT_REPEAT_MS)) {
      said = { why: h.why, at: now() };
      o.onWait(h.why);
    }
    await sleep(Math.min(delay, Math.max(0, deadline - now()) + 10));
    delay = Math.min(delay * 2, maxDelayMs);
  }
}
