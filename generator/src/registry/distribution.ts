// A small client of the Distribution (OCI registry) HTTP API: blob HEAD, monolithic or chunked blob upload,
// manifest GET and PUT, with the token authentication Harbor and Docker registries use.
//
// Authentication, as Harbor 2.15.1 does it (src/server/middleware/v2auth/auth.go, security/basic_auth.go):
// a /v2 request with no Authorization header is answered 401 with
//   Www-Authenticate: Bearer realm="<harbor>/service/token",service="harbor-registry",scope="repository:<repo>:pull,push"
// even for a public project; the client then asks the realm for a token with Basic credentials (or none, for
// anonymous pulls) and repeats the request with "Authorization: Bearer <token>". Harbor also accepts Basic
// credentials directly on /v2 (its basic-auth security context applies to every request), but checks the
// password on each one; a token is checked cheaply, so this client follows the challenge and caches a token
// per scope. A registry that asks for Basic gets Basic; one that asks for nothing gets nothing.
//
// Credentials go only where they were meant for: Basic credentials and tokens only to the registry's own origin
// (the URL the user gave); an upload Location on another origin gets the request without them. A token realm
// gets the Basic credentials only over https (its certificate checked like the registry's), or when it is the
// registry's own origin: a user who points seed at http://127.0.0.1:5000 has chosen to send them there, but a
// registry served over https that names an http:// realm would have them cross the network in clear (refused).
//
// Blobs of any size go up as streams (pushBlobStream): one PUT with Content-Length, or PATCH chunks of the
// client's chunk size, each read from the bundle's file as it is sent and hashed on the way; a chunked upload
// whose bytes do not hash to the digest is cancelled before the PUT that would commit it.
import crypto from "node:crypto";
import { Transform, type Readable } from "node:stream";
import { request, type HttpResponse } from "../io/http.js";
import { requestStream } from "../io/http-stream.js";

export const MEDIA = {
  ociIndex: "application/vnd.oci.image.index.v1+json",
  ociManifest: "application/vnd.oci.image.manifest.v1+json",
  dockerList: "application/vnd.docker.distribution.manifest.list.v2+json",
  dockerManifest: "application/vnd.docker.distribution.manifest.v2+json",
} as const;
export const MANIFEST_ACCEPT = [MEDIA.ociIndex, MEDIA.dockerList, MEDIA.ociManifest, MEDIA.dockerManifest].join(", ");

export const sha256 = (b: Buffer | string) => `sha256:${crypto.createHash("sha256").update(b).digest("hex")}`;

export class RegistryError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export interface RegistryOptions {
  /** https://harbor.example:30003 or http://127.0.0.1:5000 */
  url: string;
  username?: string;
  password?: string;
  ca?: string | Buffer;
  /** chunked uploads above this size (bytes); 0: always monolithic */
  chunkSize?: number;
  timeoutMs?: number;
}

function parseChallenge(h: string | string[] | undefined): { scheme: string; params: Record<string, string> } | undefined {
  const v = Array.isArray(h) ? h[0] : h;
  if (!v) return undefined;
  const m = v.match(/^(\w+)\s*(.*)$/);
  if (!m) return undefined;
  const params: Record<string, string> = {};
  for (const p of m[2].matchAll(/(\w+)="([^"]*)"/g)) params[p[1]] = p[2];
  return { scheme: m[1].toLowerCase(), params };
}

export class Registry {
  readonly base: string;
  /** every HTTP request sent, token requests included */
  requests = 0;
  private tokens = new Map<string, string>();
  private basic = false;

  /** the origin credentials and tokens may go to */
  readonly origin: string;

  constructor(readonly o: RegistryOptions) {
    this.base = o.url.replace(/\/+$/, "");
    this.origin = new URL(this.base).origin;
  }

  /** Whether a request to url may carry the registry's credentials or tokens: its own origin only. */
  ownOrigin(url: string): boolean {
    return new URL(url).origin === this.origin;
  }

  private auth(scope: string, url: string): Record<string, string> {
    if (!this.ownOrigin(url)) return {};
    const t = this.tokens.get(scope);
    if (t) return { authorization: `Bearer ${t}` };
    if (this.basic && this.o.username !== undefined)
      return { authorization: `Basic ${Buffer.from(`${this.o.username}:${this.o.password ?? ""}`).toString("base64")}` };
    return {};
  }

  private async token(challenge: Record<string, string>, scope: string): Promise<void> {
    if (!challenge.realm) throw new RegistryError("the registry asked for a token but named no realm", 401);
    let u: URL;
    try {
      u = new URL(challenge.realm);
    } catch {
      throw new RegistryError("the registry named a token service that is not a URL", 401);
    }
    if (u.protocol !== "https:" && u.protocol !== "http:")
      throw new RegistryError(`the registry named a token service that is not http(s) (${u.protocol})`, 401);
    if (this.o.username !== undefined && u.protocol !== "https:" && u.origin !== this.origin) {
      throw new RegistryError(
        `the registry named a token service on plain http (${u.origin}), not its own origin ${this.origin}: the credentials are not sent there`,
        401,
      );
    }
    if (challenge.service) u.searchParams.set("service", challenge.service);
    u.searchParams.set("scope", challenge.scope ?? scope);
    const headers: Record<string, string> = {};
    if (this.o.username !== undefined)
      headers.authorization = `Basic ${Buffer.from(`${this.o.username}:${this.o.password ?? ""}`).toString("base64")}`;
    this.requests++;
    const r = await request({ method: "GET", url: u.toString(), headers, ca: this.o.ca, timeoutMs: this.o.timeoutMs });
    if (r.status === 401)
      throw new RegistryError(`the registry's token service refused the credentials of ${this.o.username ?? "an anonymous user"}`, 401);
    if (r.status !== 200) throw new RegistryError(`token service ${u.origin}${u.pathname} answered HTTP ${r.status}`, r.status);
    const body = JSON.parse(r.body.toString("utf8")) as { token?: string; access_token?: string };
    const t = body.token ?? body.access_token;
    if (!t) throw new RegistryError("the token service answered without a token", 502);
    this.tokens.set(scope, t);
  }

  /** One request; a 401 is answered once by getting a token or switching to Basic, then the request is sent again. */
  async send(
    method: string,
    pathOrUrl: string,
    scope: string,
    o: { headers?: Record<string, string>; body?: Buffer } = {},
  ): Promise<HttpResponse> {
    const url = /^https?:/.test(pathOrUrl) ? pathOrUrl : `${this.base}${pathOrUrl}`;
    for (let attempt = 0; ; attempt++) {
      this.requests++;
      const r = await request({
        method,
        url,
        headers: { ...(o.headers ?? {}), ...this.auth(scope, url) },
        body: o.body,
        ca: this.o.ca,
        timeoutMs: this.o.timeoutMs,
      });
      // another origin's challenge is not answered: the credentials are not for it
      if (r.status !== 401 || attempt > 0 || !this.ownOrigin(url)) return r;
      const c = parseChallenge(r.headers["www-authenticate"]);
      if (c?.scheme === "bearer") await this.token(c.params, scope);
      else if (c?.scheme === "basic" && this.o.username !== undefined && !this.basic) this.basic = true;
      else return r;
    }
  }

  private fail(what: string, r: HttpResponse): never {
    let detail: string;
    try {
      const e = JSON.parse(r.body.toString("utf8")) as { errors?: Array<{ code?: string; message?: string }> };
      detail = (e.errors ?? []).map((x) => `${x.code ?? ""} ${x.message ?? ""}`.trim()).join("; ");
    } catch {
      detail = r.body.toString("utf8").slice(0, 200);
    }
    throw new RegistryError(`${what}: HTTP ${r.status}${detail ? ` ${detail}` : ""}`, r.status);
  }

  static pushScope = (repo: string) => `repository:${repo}:pull,push`;
  static pullScope = (repo: string) => `repository:${repo}:pull`;

  async ping(): Promise<void> {
    const r = await this.send("GET", "/v2/", "");
    if (r.status !== 200 && r.status !== 401) this.fail("GET /v2/", r);
  }

  async blobExists(repo: string, digest: string, scope = Registry.pushScope(repo)): Promise<boolean> {
    const r = await this.send("HEAD", `/v2/${repo}/blobs/${digest}`, scope);
    if (r.status === 200) return true;
    if (r.status === 404) return false;
    this.fail(`HEAD blob ${repo}@${digest}`, r);
  }

  private location(r: HttpResponse): string {
    const loc = r.headers.location;
    if (!loc) throw new RegistryError("the registry started an upload but gave no Location", 502);
    return new URL(loc, `${this.base}/`).toString();
  }

  private withDigest(loc: string, digest: string): string {
    const u = new URL(loc);
    u.searchParams.set("digest", digest);
    return u.toString();
  }

  /** Uploads a blob: POST then PUT with the body (monolithic), or POST, PATCH chunks, PUT (chunked). */
  async pushBlob(repo: string, digest: string, data: Buffer): Promise<void> {
    const scope = Registry.pushScope(repo);
    const start = await this.send("POST", `/v2/${repo}/blobs/uploads/`, scope, { headers: { "content-length": "0" } });
    if (start.status !== 202) this.fail(`starting an upload to ${repo}`, start);
    let loc = this.location(start);
    const chunk = this.o.chunkSize ?? 0;
    if (chunk > 0 && data.length > chunk) {
      for (let off = 0; off < data.length; off += chunk) {
        const part = data.subarray(off, Math.min(off + chunk, data.length));
        const r = await this.send("PATCH", loc, scope, {
          headers: { "content-type": "application/octet-stream", "content-range": `${off}-${off + part.length - 1}` },
          body: part,
        });
        if (r.status !== 202) this.fail(`uploading bytes ${off}- of ${digest} to ${repo}`, r);
        loc = this.location(r);
      }
      const done = await this.send("PUT", this.withDigest(loc, digest), scope, { headers: { "content-length": "0" } });
      if (done.status !== 201) this.fail(`completing the upload of ${digest} to ${repo}`, done);
      return;
    }
    const done = await this.send("PUT", this.withDigest(loc, digest), scope, {
      headers: { "content-type": "application/octet-stream" },
      body: data,
    });
    if (done.status !== 201) this.fail(`uploading ${digest} to ${repo}`, done);
  }

  /** One request with a streamed body; `open` is called again when a 401 makes the request go out twice. */
  async sendStream(
    method: string,
    url: string,
    scope: string,
    o: { headers?: Record<string, string>; length: number; open: () => Readable },
  ): Promise<HttpResponse> {
    for (let attempt = 0; ; attempt++) {
      this.requests++;
      const r = await requestStream({
        method,
        url,
        headers: { ...(o.headers ?? {}), ...this.auth(scope, url) },
        body: o.open(),
        length: o.length,
        ca: this.o.ca,
        timeoutMs: this.o.timeoutMs,
      });
      if (r.status !== 401 || attempt > 0 || !this.ownOrigin(url)) return r;
      const c = parseChallenge(r.headers["www-authenticate"]);
      if (c?.scheme === "bearer") await this.token(c.params, scope);
      else if (c?.scheme === "basic" && this.o.username !== undefined && !this.basic) this.basic = true;
      else return r;
    }
  }

  /**
   * Uploads a blob of `size` bytes without holding it: `open(start, end)` gives bytes [start, end) as a stream.
   * Monolithic (POST, then PUT with the stream and Content-Length) or, above the client's chunk size, PATCH
   * chunks then an empty PUT. The bytes are hashed as they go; a mismatch with `digest` is an error (a chunked
   * upload is cancelled before it is committed; the registry refuses a monolithic one by its digest).
   */
  async pushBlobStream(
    repo: string,
    digest: string,
    size: number,
    open: (start: number, end: number) => Readable,
    o: { onBytes?: (n: number) => void } = {},
  ): Promise<void> {
    const scope = Registry.pushScope(repo);
    const start = await this.send("POST", `/v2/${repo}/blobs/uploads/`, scope, { headers: { "content-length": "0" } });
    if (start.status !== 202) this.fail(`starting an upload to ${repo}`, start);
    let loc = this.location(start);
    let hash = crypto.createHash("sha256");
    // a stream of [from, to) that hashes into a copy of the hash so far (a resent request starts again)
    let next = hash;
    const hashed = (from: number, to: number) => () => {
      const h = hash.copy();
      next = h;
      return open(from, to).pipe(
        new Transform({
          transform(c: Buffer, _e, done) {
            h.update(c);
            o.onBytes?.(c.length);
            done(null, c);
          },
        }),
      );
    };
    const changed = () =>
      new RegistryError(
        `uploading ${digest} to ${repo}: the bytes read hash to ${`sha256:${hash.digest("hex")}`}, not ${digest}: the bundle changed since it was checked`,
        409,
      );
    const chunk = this.o.chunkSize ?? 0;
    if (chunk > 0 && size > chunk) {
      for (let off = 0; off < size; off += chunk) {
        const end = Math.min(off + chunk, size);
        const r = await this.sendStream("PATCH", loc, scope, {
          headers: { "content-type": "application/octet-stream", "content-range": `${off}-${end - 1}` },
          length: end - off,
          open: hashed(off, end),
        });
        if (r.status !== 202) this.fail(`uploading bytes ${off}- of ${digest} to ${repo}`, r);
        hash = next;
        loc = this.location(r);
      }
      if (`sha256:${hash.copy().digest("hex")}` !== digest) {
        await this.send("DELETE", loc, scope).catch(() => undefined);
        throw changed();
      }
      const done = await this.send("PUT", this.withDigest(loc, digest), scope, { headers: { "content-length": "0" } });
      if (done.status !== 201) this.fail(`completing the upload of ${digest} to ${repo}`, done);
      return;
    }
    const done = await this.sendStream("PUT", this.withDigest(loc, digest), scope, {
      headers: { "content-type": "application/octet-stream" },
      length: size,
      open: hashed(0, size),
    });
    hash = next;
    if (done.status !== 201) this.fail(`uploading ${digest} to ${repo}`, done);
    if (`sha256:${hash.copy().digest("hex")}` !== digest) throw changed();
  }

  async putManifest(repo: string, reference: string, mediaType: string, body: Buffer): Promise<string> {
    const r = await this.send("PUT", `/v2/${repo}/manifests/${reference}`, Registry.pushScope(repo), {
      headers: { "content-type": mediaType },
      body,
    });
    if (r.status !== 201) this.fail(`PUT manifest ${repo}:${reference}`, r);
    return String(r.headers["docker-content-digest"] ?? sha256(body));
  }

  async manifestExists(repo: string, reference: string, scope = Registry.pushScope(repo)): Promise<string | undefined> {
    const r = await this.send("HEAD", `/v2/${repo}/manifests/${reference}`, scope, { headers: { accept: MANIFEST_ACCEPT } });
    if (r.status === 200) return String(r.headers["docker-content-digest"] ?? "");
    if (r.status === 404) return undefined;
    this.fail(`HEAD manifest ${repo}:${reference}`, r);
  }

  async getManifest(
    repo: string,
    reference: string,
    scope = Registry.pullScope(repo),
  ): Promise<{ mediaType: string; body: Buffer; digest: string } | undefined> {
    const r = await this.send("GET", `/v2/${repo}/manifests/${reference}`, scope, { headers: { accept: MANIFEST_ACCEPT } });
    if (r.status === 404) return undefined;
    if (r.status !== 200) this.fail(`GET manifest ${repo}:${reference}`, r);
    return {
      mediaType: String(r.headers["content-type"] ?? "").split(";")[0],
      body: r.body,
      digest: String(r.headers["docker-content-digest"] ?? sha256(r.body)),
    };
  }

  async getBlob(repo: string, digest: string, scope = Registry.pullScope(repo)): Promise<Buffer | undefined> {
    const r = await this.send("GET", `/v2/${repo}/blobs/${digest}`, scope);
    if (r.status === 404) return undefined;
    if (r.status !== 200) this.fail(`GET blob ${repo}@${digest}`, r);
    return r.body;
  }
}
