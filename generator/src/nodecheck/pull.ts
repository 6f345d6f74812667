// Fetching one image's manifest from one host of a hosts.toml the way containerd's resolver does
// (remotes/docker/resolver.go and authorizer.go at v1.6.20; core/remotes/docker at v2.0.0): GET
// <path>/<repository>/manifests/<tag or digest>?ns=<registry> with containerd's Accept list and the host's
// `header` entries (on every request to that host, not to the token realm: an `authorization` written there is
// sent as containerd sends it; header values never appear in a detail), TLS verified against the node's CA
// store (roots.ts, never Node's bundled roots) plus the host's ca files (skip_verify honoured). A 401 with a Bearer
// challenge sends it to the realm (its host resolved with the node's resolver) for an anonymous token
// (GET realm?scope=...&service=..., through the host's TLS settings) and the request again with it. An
// index is narrowed to the node's platform and that manifest fetched by digest from the same host. Every
// failure is named (NodeFailureKind). Bodies are bounded (manifests 4 MiB, tokens 64 KiB); a redirect to
// another origin is followed without the token; tokens never appear in a detail.
import crypto from "node:crypto";
import fs from "node:fs";
import type http from "node:http";
import net from "node:net";
import tls from "node:tls";
import type { LookupFunction } from "node:net";
import { MANIFEST_ACCEPT, MEDIA } from "../registry/distribution.js";
import { request } from "../io/http.js";
import type { NodeFailureKind } from "./types.js";
import type { HostEntry } from "./hosts.js";
import { pemCertificates } from "./roots.js";
import { type Platform, selectManifest, formatPlatform } from "./platform.js";

export const MANIFEST_MAX = 4 * 1024 * 1024;
export const TOKEN_MAX = 64 * 1024;
/** containerd's resolver Accept header: the four manifest types, then anything */
export const CONTAINERD_ACCEPT = `${MANIFEST_ACCEPT}, */*`;

export type Lookup = (host: string) => Promise<string[]>;

export interface Failure {
  kind: NodeFailureKind;
  detail: string;
}
export type HostResult = { ok: true; digest: string; url: string } | { ok: false; failure: Failure };

export interface FetchOptions {
  host: HostEntry;
  /** the registry the image names (?ns=) */
  registry: string;
  repository: string;
  /** a tag or a digest */
  reference: string;
  platform: Platform;
  timeoutMs: number;
  lookup: Lookup;
  /** a ca file's certificates (PEM), as containerd loads it; throws (with a code) when it cannot be read. Default: read and parse the file */
  caCertificates?: (file: string) => string[];
  /** the node's CA store (roots.ts loadNodeRoots().certs, PEM): what containerd trusts besides the ca files */
  roots: readonly string[];
  /** appended to a tls-ca failure's detail (what the node's store holds) */
  rootsSummary?: string;
}

class CheckError extends Error {
  constructor(
    readonly kind: NodeFailureKind,
    message: string,
  ) {
    super(message);
  }
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

const TLS_CA = new Set([
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_SIGNATURE_FAILURE",
  "CERT_UNTRUSTED",
  "INVALID_CA",
]);
const UNREACHABLE = new Set([
  "ECONNREFUSED",
  "EHOSTUNREACH",
  "ETIMEDOUT",
  "ENETUNREACH",
  "EHOSTDOWN",
  "ENETDOWN",
  "EADDRNOTAVAIL",
  "ECONNABORTED",
]);

/** A Node error as a failure kind (the URL's origin in the detail, never a query). */
export function classify(e: unknown, what: string): Failure {
  if (e instanceof CheckError) return { kind: e.kind, detail: e.message };
  const err = e as NodeJS.ErrnoException & { reason?: string };
  const code = err.code ?? "";
  if (code === "ERR_TLS_CERT_ALTNAME_INVALID")
    return { kind: "tls-san", detail: `${what}: the certificate does not name this address (${err.reason ?? err.message})` };
  if (TLS_CA.has(code))
    return { kind: "tls-ca", detail: `${what}: the certificate is not signed by a CA the node trusts for this host (${code})` };
  if (code === "CERT_HAS_EXPIRED" || code === "CERT_NOT_YET_VALID") return { kind: "error", detail: `${what}: TLS: ${code}` };
  if (UNREACHABLE.has(code)) return { kind: "unreachable", detail: `${what}: ${code}` };
  if (code === "ENOTFOUND" || code === "EAI_AGAIN")
    return { kind: "unreachable", detail: `${what}: the host name does not resolve (${code})` };
  return { kind: "error", detail: `${what}: ${err.message}` };
}

function lookupFn(lookup: Lookup): LookupFunction {
  return ((hostname: string, options: { all?: boolean; family?: number }, cb: (...a: unknown[]) => void) => {
    lookup(hostname).then(
      (addrs) => {
        if (addrs.length === 0) {
          const e = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND", hostname });
          return cb(e);
        }
        const list = addrs.map((a) => ({ address: a, family: net.isIPv6(a) ? 6 : 4 }));
        if (options?.all) cb(null, list);
        else cb(null, list[0].address, list[0].family);
      },
      (e: Error & { code?: string }) => cb(Object.assign(e, { code: e.code ?? "ENOTFOUND" })),
    );
  }) as unknown as LookupFunction;
}

interface Conn {
  secureContext: tls.SecureContext;
  insecure: boolean;
  timeoutMs: number;
  lookup: Lookup;
}

type Headers = Record<string, string | string[]>;

// one TLS context per trust set (the node's store, plus a host's ca files): built once, not per request
const contexts = new WeakMap<readonly string[], Map<string, tls.SecureContext>>();
function secureContextFor(roots: readonly string[], extra: string[]): tls.SecureContext {
  let byExtra = contexts.get(roots);
  if (!byExtra) contexts.set(roots, (byExtra = new Map()));
  const key = crypto.createHash("sha256").update(extra.join("")).digest("hex");
  let c = byExtra.get(key);
  if (!c) {
    // `ca` replaces Node's bundled roots (and NODE_EXTRA_CA_CERTS): an empty list trusts nothing
    c = tls.createSecureContext({ ca: [...roots, ...extra] });
    if (byExtra.size >= 64) byExtra.clear();
    byExtra.set(key, c);
  }
  return c;
}

/** One request through io/http.ts, bounded: the node's resolver and TLS context, a fresh connection, the whole
 * request within the timeout; no redirects followed here. */
async function send(method: "GET" | "HEAD", url: URL, headers: Headers, c: Conn, max: number): Promise<Answer> {
  try {
    return await request({
      method,
      url: url.href,
      headers: { "user-agent": "harbor-edge-node-check", ...headers },
      lookup: lookupFn(c.lookup),
      agent: false,
      secureContext: c.secureContext,
      insecure: c.insecure,
      timeoutMs: c.timeoutMs,
      deadlineMs: c.timeoutMs,
      maxBytes: max,
    });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "E_TOO_LARGE")
      throw new CheckError("error", `${url.origin}${url.pathname}: the answer is larger than ${max} bytes`);
    throw e;
  }
}

/** Go's http.Client (containerd's) follows at most this many redirects; the next is an error. */
const MAX_REDIRECTS = 10;

/** send() following redirects as Go's client does; the authorization header only to the first origin. */
async function get(url: URL, headers: Headers, c: Conn, max: number, method: "GET" | "HEAD" = "GET"): Promise<Answer> {
  let u = url;
  let h = headers;
  for (let i = 0; ; i++) {
    const a = await send(method, u, h, c, max);
    const loc = a.headers.location;
    if (![301, 302, 303, 307, 308].includes(a.status) || !loc || i >= MAX_REDIRECTS) return a;
    const next = new URL(loc, u);
    if (next.protocol !== "https:" && next.protocol !== "http:") return a;
    if (next.origin !== url.origin) {
      const { authorization: _drop, ...rest } = h;
      h = rest;
    }
    u = next;
  }
}

/** The parameters of a WWW-Authenticate challenge: Bearer realm="...",service="...",scope="...". */
export function parseChallenge(header: string | string[] | undefined): { scheme: string; params: Record<string, string> } | undefined {
  const h = Array.isArray(header) ? header[0] : header;
  if (!h) return undefined;
  const m = /^\s*([A-Za-z]+)\s*(.*)$/s.exec(h.slice(0, 4096));
  if (!m) return undefined;
  const params: Record<string, string> = {};
  const re = /([A-Za-z][\w-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))\s*,?\s*/gy;
  re.lastIndex = 0;
  const rest = m[2];
  let p: RegExpExecArray | null;
  while (re.lastIndex < rest.length && (p = re.exec(rest)))
    params[p[1].toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, "$1") : p[3];
  return { scheme: m[1].toLowerCase(), params };
}

const sha256 = (b: Buffer) => `sha256:${crypto.createHash("sha256").update(b).digest("hex")}`;
const isDigest = (r: string) => /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/.test(r);
const hostOf = (u: URL) => u.hostname.replace(/^\[|\]$/g, "");

/** The manifest of repository:reference for the node's platform from one host, or why not. */
export async function fetchFromHost(o: FetchOptions): Promise<HostResult> {
  const h = o.host;
  const base = `${h.scheme}://${h.host}`;
  const url = `${base}${h.path}`;
  const extra: string[] = [];
  for (const f of h.ca) {
    let certs: string[];
    try {
      certs = (o.caCertificates ?? ((file: string) => pemCertificates(fs.readFileSync(file))))(f);
    } catch (e) {
      // containerd refuses the whole registry when a ca file cannot be read ("unable to read CA cert")
      return {
        ok: false,
        failure: {
          kind: "tls-ca",
          detail: `${url}: the CA file cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}), so containerd cannot use this host file`,
        },
      };
    }
    // ... or holds no certificate (AppendCertsFromPEM false: "unable to load CA cert")
    if (certs.length === 0)
      return {
        ok: false,
        failure: { kind: "tls-ca", detail: `${url}: a CA file holds no PEM certificate, so containerd cannot use this host file` },
      };
    extra.push(...certs);
  }
  // containerd: Go's system pool (the node's store) plus the host's ca files; Node's own roots never
  const conn: Conn = {
    secureContext: secureContextFor(o.roots, extra),
    insecure: h.skipVerify === true,
    timeoutMs: o.timeoutMs,
    lookup: o.lookup,
  };
  // the host's header entries, on every request to it (containerd's request header: hosts.toml's, then the
  // token's Authorization set over it); names case-insensitive here, values as separate lines
  const headers: Headers = { accept: CONTAINERD_ACCEPT };
  for (const [k, vs] of Object.entries(h.header)) {
    const lk = k.toLowerCase();
    const prev = headers[lk];
    headers[lk] = [...(prev === undefined ? [] : Array.isArray(prev) ? prev : [prev]), ...vs];
  }
  const fromFile = headers.authorization !== undefined;
  let token: string | undefined;
  const manifestUrl = (ref: string) => {
    const p = `/${[h.path, o.repository, "manifests", ref].join("/")}`.replace(/\/{2,}/g, "/");
    const u = new URL(base + p);
    u.searchParams.set("ns", o.registry);
    return u;
  };
  const what = (u: URL) => `${u.origin}${u.pathname}`;
  const tlsCa = (f: Failure): Failure =>
    f.kind === "tls-ca" && o.rootsSummary
      ? { kind: f.kind, detail: `${f.detail}; trusted: ${o.rootsSummary}${h.ca.length ? " and the host's ca files" : ", no ca file"}` }
      : f;

  // containerd asks HEAD first (resolve), then GETs by digest (fetch). Harbor answers an anonymous HEAD on a
  // repository with 401 and its token realm even in a public project (v2auth, goharbor/harbor#11271), so every
  // node goes through the realm; and a request with a token it refuses gets `Basic realm="harbor"`.
  const ask = async (method: "GET" | "HEAD", ref: string): Promise<Answer> => {
    const u = manifestUrl(ref);
    const label = `${method} ${what(u)}`;
    let a: Answer;
    try {
      a = await get(u, token ? { ...headers, authorization: `Bearer ${token}` } : headers, conn, MANIFEST_MAX, method);
    } catch (e) {
      throw Object.assign(new Error(), { failure: tlsCa(classify(e, label)) });
    }
    if (a.status === 401 && !token) {
      const ch = parseChallenge(a.headers["www-authenticate"]);
      if (!ch || ch.scheme !== "bearer" || !ch.params.realm)
        throw Object.assign(new Error(), {
          failure: {
            kind: "unauthorized",
            detail: `${label}: 401 and ${ch ? `a ${ch.scheme} challenge` : "no challenge"}: ${fromFile ? "the authorization header of the host file is refused" : "an anonymous pull is refused (the project is not public)"}`,
          },
        });
      token = await fetchToken(ch.params, o.repository, conn, label);
      try {
        a = await get(u, { ...headers, authorization: `Bearer ${token}` }, conn, MANIFEST_MAX, method);
      } catch (e) {
        throw Object.assign(new Error(), { failure: classify(e, label) });
      }
    }
    if (a.status === 401)
      throw Object.assign(new Error(), {
        failure: { kind: "unauthorized", detail: `${label}: 401 with an anonymous token: the project is not public` },
      });
    if (a.status === 404)
      throw Object.assign(new Error(), { failure: { kind: "not-found", detail: `${label}: 404 (${errorCode(a.body)})` } });
    if (a.status !== 200)
      throw Object.assign(new Error(), {
        failure: {
          kind: "error",
          detail: `${label}: HTTP ${a.status}${a.status === 403 ? " (forbidden)" : ""} ${errorCode(a.body)}`.trim(),
        },
      });
    return a;
  };
  const fetchManifest = async (ref: string): Promise<Answer> => {
    const head = await ask("HEAD", ref);
    const d = String(head.headers["docker-content-digest"] ?? "");
    // by digest, as containerd's fetcher asks, when the HEAD named one
    const a = await ask("GET", isDigest(d) && !isDigest(ref) ? d : ref);
    if (isDigest(d) && d.startsWith("sha256:") && sha256(a.body) !== d)
      throw Object.assign(new Error(), {
        failure: {
          kind: "error",
          detail: `${what(manifestUrl(ref))}: the manifest's digest is ${sha256(a.body)}, not ${d} as the registry said`,
        },
      });
    return a;
  };

  try {
    const top = await fetchManifest(o.reference);
    let body = top.body;
    let digest = sha256(body);
    if (isDigest(o.reference) && o.reference.startsWith("sha256:") && digest !== o.reference)
      return fail("error", `${what(manifestUrl(o.reference))}: the manifest's digest is ${digest}, not the one asked for`);
    let doc = parseJson(body);
    if (!doc) return fail("error", `${what(manifestUrl(o.reference))}: not a JSON manifest`);
    const mediaType = String(doc.mediaType ?? headerType(top.headers));
    if (mediaType === MEDIA.ociIndex || mediaType === MEDIA.dockerList || (Array.isArray(doc.manifests) && !doc.config)) {
      const chosen = selectManifest(Array.isArray(doc.manifests) ? doc.manifests : [], o.platform);
      if (!chosen)
        return fail("not-found", `${what(manifestUrl(o.reference))}: the index has no manifest for ${formatPlatform(o.platform)}`);
      const child = await fetchManifest(chosen.digest);
      body = child.body;
      digest = sha256(body);
      if (digest !== chosen.digest)
        return fail("error", `${what(manifestUrl(chosen.digest))}: the manifest's digest is ${digest}, not the index's ${chosen.digest}`);
      doc = parseJson(body);
      if (!doc || !doc.config) return fail("error", `${what(manifestUrl(chosen.digest))}: not an image manifest`);
    } else if (!doc.config && doc.schemaVersion !== 1)
      return fail("error", `${what(manifestUrl(o.reference))}: not an image manifest (${mediaType || "no media type"})`);
    return { ok: true, digest, url: h.url };
  } catch (e) {
    const f = (e as { failure?: Failure }).failure;
    if (f) return { ok: false, failure: f };
    return { ok: false, failure: classify(e, url) };
  }
}

const fail = (kind: NodeFailureKind, detail: string): HostResult => ({ ok: false, failure: { kind, detail } });

function parseJson(b: Buffer): Record<string, any> | undefined {
  try {
    const v = JSON.parse(b.toString("utf8"));
    return v && typeof v === "object" && !Array.isArray(v) ? v : undefined;
  } catch {
    return undefined;
  }
}
const headerType = (h: http.IncomingHttpHeaders) =>
  String(h["content-type"] ?? "")
    .split(";")[0]
    .trim();

/** The registry's error code (NAME_UNKNOWN, MANIFEST_UNKNOWN, ...), printable and short. */
function errorCode(body: Buffer): string {
  const d = parseJson(body.subarray(0, 4096));
  const codes = Array.isArray(d?.errors)
    ? d.errors.map((x: any) => String(x?.code ?? "")).filter((c: string) => /^[A-Z_]{1,40}$/.test(c))
    : [];
  return codes.length ? codes.join(", ") : "no error code";
}

/** containerd's anonymous token fetch: GET realm?scope=..&service=.. through the same TLS settings. */
async function fetchToken(params: Record<string, string>, repository: string, conn: Conn, what: string): Promise<string> {
  let realm: URL;
  try {
    realm = new URL(params.realm);
  } catch {
    throw Object.assign(new Error(), { failure: { kind: "error", detail: `${what}: 401 with a token realm that is not a URL` } });
  }
  if (realm.protocol !== "https:" && realm.protocol !== "http:")
    throw Object.assign(new Error(), { failure: { kind: "error", detail: `${what}: the token realm ${realm.origin} is not http(s)` } });
  const host = hostOf(realm);
  if (!net.isIP(host)) {
    let addrs: string[] = [];
    let why = "no address";
    try {
      addrs = await conn.lookup(host);
    } catch (e) {
      why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    }
    if (addrs.length === 0)
      throw Object.assign(new Error(), {
        failure: {
          kind: "realm-unresolvable",
          detail: `${what}: 401 with the token realm ${realm.origin}${realm.pathname}, whose host ${host} the node cannot resolve (${why})`,
        },
      });
  }
  // containerd: the challenge's scope plus repository:<repo>:pull, sorted, once each
  const scopes = new Set<string>((params.scope ?? "").split(" ").filter(Boolean));
  scopes.add(`repository:${repository}:pull`);
  const u = new URL(realm);
  for (const s of [...scopes].sort()) u.searchParams.append("scope", s);
  if (params.service) u.searchParams.set("service", params.service);
  const where = `the token realm ${realm.origin}${realm.pathname}`;
  let a: Answer;
  try {
    a = await get(u, { accept: "application/json" }, conn, TOKEN_MAX);
  } catch (e) {
    const f = classify(e, where);
    throw Object.assign(new Error(), { failure: { kind: f.kind, detail: `${what}: 401, then ${f.detail}` } });
  }
  if (a.status === 401 || a.status === 403)
    throw Object.assign(new Error(), {
      failure: { kind: "unauthorized", detail: `${what}: 401, and ${where} refuses an anonymous token (HTTP ${a.status})` },
    });
  if (a.status !== 200)
    throw Object.assign(new Error(), { failure: { kind: "error", detail: `${what}: 401, and ${where} answered HTTP ${a.status}` } });
  const d = parseJson(a.body);
  const token = typeof d?.token === "string" && d.token ? d.token : typeof d?.access_token === "string" ? d.access_token : "";
  if (!token || /[\r\n]/.test(token))
    throw Object.assign(new Error(), { failure: { kind: "error", detail: `${what}: 401, and ${where} answered without a token` } });
  return token;
}
