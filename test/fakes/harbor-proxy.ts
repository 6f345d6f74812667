// A test Harbor for the registry side: proxy-cache projects that pull through from upstream registries,
// other projects (spectro-images) that take pushes, Harbor's token service, and the artifacts API. Its storage
// is a real registry (Debian's docker-registry, as Harbor's own registry is distribution), so pushes, uploads
// and manifest validation are distribution's; this server adds what Harbor 2.15.1 does in front of it:
//
// - /v2 authentication (src/server/middleware/v2auth/auth.go): a GET/HEAD on a repository with no
//   Authorization header gets 401 and a Bearer challenge to /service/token, even on a public project; Basic
//   credentials are accepted directly; wrong credentials count as anonymous; anonymous may pull from public
//   projects only; pushes need the admin.
// - pushes to a proxy-cache project are refused: 403 DENIED "can not push artifact to a proxy project".
// - the proxy (src/server/middleware/repoproxy/proxy.go, src/controller/proxy/{controller,manifestcache}.go):
//   * a manifest GET that is not held locally (or a tag whose upstream digest changed) is fetched from the
//     upstream and answered at once; the caching runs in the background:
//       - image manifest: wait intervalMs (Harbor: 20 s) up to 10 times for its blobs to be local, then push
//         the missing blobs from the upstream itself, then push the manifest by digest and by tag;
//       - index / manifest list: wait intervalMs up to 20 times for its children to be local, then push an index
//         re-written with only the children that are (re-serialised: another digest), under the tag, or, when
//         pulled by digest, under its NEW digest (the requested digest never appears in Harbor);
//   * a blob GET not held locally is streamed from the upstream and fetched again in the background to be kept;
//   * a manifest HEAD only asks the upstream; a held manifest pulled by digest is served locally;
//   * upstream unreachable: served from local storage when held, 404 otherwise (the "fallback to local").
// - the artifacts API GET /api/v2.0/projects/{p}/repositories/{r}/artifacts/{ref}: the repository name must be
//   URL-encoded twice (a%252Fb); checked against Harbor's API description (harbor-swagger.ts: path, query and header
//   parameters) and the answer validated against its Artifact definition.
import http from "node:http";
import crypto from "node:crypto";
import type { AddressInfo } from "node:net";
import { findOperation, harborApi, parameterViolations } from "./harbor-swagger.js";
import { MEDIA, Registry, sha256 } from "../../generator/src/registry/distribution.js";

export interface ProxyProject {
  name: string;
  public: boolean;
  /** the registry a proxy-cache project pulls from (its URL); none: an ordinary project */
  upstream?: string;
}

type User = "admin" | "robot" | "anonymous";

export interface FakeHarborProxyOptions {
  adminPassword: string;
  /** robot accounts (name -> secret), e.g. robot$harbor-edge-report, with what configure grants the report's:
   *  read and pull on every project, never push (src/common/rbac/system: project read, repository pull) */
  robots?: Record<string, string>;
  /** Harbor's storage: a real registry's URL */
  storage: string;
  projects: ProxyProject[];
  /** Harbor's sleepIntervalSec (20 s), scaled for tests */
  intervalMs?: number;
  /** proxy_cache_local_on_not_found on every proxy project */
  localOnNotFound?: boolean;
}

export interface ProxyLogged {
  method: string;
  path: string;
  status: number;
  user: User;
  at: number;
}

export interface FakeHarborProxy {
  url: string;
  requests: ProxyLogged[];
  violations: string[];
  /** requests this Harbor sent to upstreams: "GET <upstream path>" */
  upstreamRequests: string[];
  /** background caching still running */
  busy(): number;
  /** wait until no background caching runs */
  settled(): Promise<void>;
  close(): Promise<void>;
}

const INDEX_TYPES: string[] = [MEDIA.ociIndex, MEDIA.dockerList];
const isDigest = (ref: string) => /^sha256:[0-9a-f]{64}$/.test(ref);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Harbor's manifest list re-written with the children it holds (distribution manifestlist.FromDescriptors, MarshalIndent "   "). */
function trimmedIndex(index: any, present: any[]): Buffer {
  const mediaType = present[0]?.mediaType === MEDIA.ociManifest ? MEDIA.ociIndex : MEDIA.dockerList;
  const manifests = present.map((d) => ({
    mediaType: d.mediaType,
    size: d.size,
    digest: d.digest,
    ...(d.platform ? { platform: { architecture: d.platform.architecture, os: d.platform.os } } : {}),
  }));
  return Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType, manifests }, null, 3));
}

export async function startFakeHarborProxy(opts: FakeHarborProxyOptions): Promise<FakeHarborProxy> {
  const artifactSchema = harborApi().definition("Artifact");
  const interval = opts.intervalMs ?? 100;
  const storage = new Registry({ url: opts.storage });
  const projects = new Map(opts.projects.map((p, i) => [p.name, { ...p, id: i + 1 }]));
  const upstreams = new Map<string, Registry>();
  const requests: ProxyLogged[] = [];
  const violations: string[] = [];
  const upstreamRequests: string[] = [];
  const tokens = new Map<string, User>();
  let busy = 0;
  let idle: Array<() => void> = [];
  let url = "";

  const upstreamOf = (p: { upstream?: string }) => {
    if (!upstreams.has(p.upstream!)) upstreams.set(p.upstream!, new Registry({ url: p.upstream!, timeoutMs: 5000 }));
    return upstreams.get(p.upstream!)!;
  };
  const upstreamCall = async <T>(what: string, f: () => Promise<T>): Promise<T> => {
    upstreamRequests.push(what);
    return f();
  };
  const background = (f: () => Promise<void>) => {
    busy++;
    f()
      .catch(() => {})
      .finally(() => {
        busy--;
        if (busy === 0) for (const r of idle.splice(0)) r();
      });
  };

  // --- the proxy controller: what Harbor caches, and when ---------------------------------------------------
  async function cacheManifest(
    repo: string,
    remoteRepo: string,
    up: Registry,
    ref: string,
    man: { mediaType: string; body: Buffer; digest: string },
  ) {
    const isTag = !isDigest(ref);
    const local = await storage.getManifest(repo, ref);
    if (isTag && local && local.digest === man.digest) return;
    const doc = JSON.parse(man.body.toString("utf8"));
    if (INDEX_TYPES.includes(man.mediaType)) {
      // ManifestListCache.push: wait for the children, then push what is there
      let present: any[] = [];
      for (let i = 0; i < 20; i++) {
        await sleep(interval);
        present = [];
        for (const d of doc.manifests) if (await storage.manifestExists(repo, d.digest)) present.push(d);
        if (present.length === doc.manifests.length) break;
      }
      if (present.length === 0) return; // "manifest list doesn't contain any pushed manifest"
      const body = trimmedIndex(doc, present);
      const newDig = sha256(body);
      const have = await storage.getManifest(repo, ref);
      if (have && have.digest === newDig) return;
      const mediaType = JSON.parse(body.toString()).mediaType;
      await storage.putManifest(repo, isTag ? ref : newDig, mediaType, body);
      return;
    }
    // ManifestCache.CacheContent: wait for the blobs, push the missing ones from the upstream, push the manifest
    const blobs: Array<{ digest: string; size: number }> = [doc.config, ...(doc.layers ?? [])].filter(Boolean);
    let waiting = blobs;
    for (let i = 0; i < 10; i++) {
      await sleep(interval);
      waiting = [];
      for (const b of blobs) if (!(await storage.blobExists(repo, b.digest))) waiting.push(b);
      if (waiting.length === 0) break;
    }
    for (const b of waiting) {
      const data = await upstreamCall(`GET /v2/${remoteRepo}/blobs/${b.digest}`, () => up.getBlob(remoteRepo, b.digest));
      if (!data) return;
      await storage.pushBlob(repo, b.digest, data);
    }
    await storage.putManifest(repo, man.digest, man.mediaType, man.body);
    if (isTag) await storage.putManifest(repo, ref, man.mediaType, man.body);
  }

  // --- HTTP -----------------------------------------------------------------------------------------------
  const handler = async (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer) => {
    const raw = req.url ?? "/";
    const u = new URL(raw, "http://harbor");
    const rawPath = raw.split("?")[0];
    const method = req.method ?? "GET";
    const auth = req.headers.authorization ?? "";
    let user: User = "anonymous";
    const basic = /^Basic (.+)$/i.exec(auth);
    if (basic) {
      const [name, pw] = Buffer.from(basic[1], "base64").toString().split(/:(.*)/s);
      if (name === "admin" && pw === opts.adminPassword) user = "admin";
      else if (opts.robots && Object.hasOwn(opts.robots, name) && opts.robots[name] === pw) user = "robot";
    }
    const bearer = /^Bearer (.+)$/i.exec(auth);
    if (bearer) user = tokens.get(bearer[1]) ?? "anonymous";
    const log: ProxyLogged = { method, path: raw, status: 0, user, at: Date.now() };
    requests.push(log);
    const send = (status: number, b?: Buffer | string | object, headers: Record<string, string> = {}) => {
      log.status = status;
      const payload =
        b === undefined ? Buffer.alloc(0) : Buffer.isBuffer(b) ? b : Buffer.from(typeof b === "string" ? b : JSON.stringify(b));
      res.writeHead(status, { "content-type": "application/json", "content-length": String(payload.length), ...headers });
      res.end(method === "HEAD" ? undefined : payload);
    };
    const error = (status: number, code: string, message: string, headers: Record<string, string> = {}) =>
      send(status, { errors: [{ code, message }] }, headers);

    // token service (src/core/service/token): Basic credentials or none; wrong credentials are refused
    if (u.pathname === "/service/token") {
      if (basic && user === "anonymous") return error(401, "UNAUTHORIZED", "invalid credentials");
      const t = crypto.randomBytes(16).toString("hex");
      tokens.set(t, user);
      return send(200, { token: t, access_token: t, expires_in: 1800, issued_at: new Date().toISOString() });
    }

    if (u.pathname.startsWith("/api/v2.0/")) return api(req, res, u, rawPath.slice("/api/v2.0".length), user, send, error);
    if (!u.pathname.startsWith("/v2/")) return error(404, "NOT_FOUND", "not found");

    const challenge = (scope: string) =>
      auth ? `Basic realm="harbor"` : `Bearer realm="${url}/service/token",service="harbor-registry"${scope ? `,scope="${scope}"` : ""}`;
    if (u.pathname === "/v2/" || u.pathname === "/v2") {
      if (user === "anonymous")
        return error(401, "UNAUTHORIZED", "unauthorized", {
          "www-authenticate": challenge(""),
          "docker-distribution-api-version": "registry/2.0",
        });
      return send(200, {}, { "docker-distribution-api-version": "registry/2.0" });
    }
    const m = /^\/v2\/(.+?)\/(manifests|blobs|tags)\/(.*)$/.exec(u.pathname);
    if (!m) return error(404, "NOT_FOUND", "not found");
    const [, repo, kind, rest] = m;
    const projectName = repo.split("/")[0];
    const push = !["GET", "HEAD"].includes(method);
    const scope = `repository:${repo}:${push ? "pull,push" : "pull"}`;
    if (!auth)
      return error(401, "UNAUTHORIZED", "authorize header needed to send HEAD to repository", {
        "www-authenticate": challenge(scope),
        "docker-distribution-api-version": "registry/2.0",
      });
    const p = projects.get(projectName);
    if (!p) return error(401, "UNAUTHORIZED", `project ${projectName} not found`, { "www-authenticate": "" });
    const allowed = user === "admin" || (!push && (p.public || user === "robot"));
    if (!allowed)
      return error(401, "UNAUTHORIZED", `unauthorized to access repository: ${repo}, action: ${push ? "push" : "pull"}`, {
        "www-authenticate": challenge(scope),
      });
    if (p.upstream && push) return error(403, "DENIED", `can not push artifact to a proxy project: ${p.name}`);

    if (p.upstream && kind === "manifests") return proxyManifest(p, repo, rest, method, req, send, error);
    if (p.upstream && kind === "blobs" && method === "GET" && isDigest(rest) && !(await storage.blobExists(repo, rest))) {
      const remoteRepo = repo.slice(p.name.length + 1);
      const up = upstreamOf(p);
      let data: Buffer | undefined;
      try {
        data = await upstreamCall(`GET /v2/${remoteRepo}/blobs/${rest}`, () => up.getBlob(remoteRepo, rest));
      } catch (e) {
        return error(500, "UNKNOWN", `failed to pull blob: ${(e as Error).message}`);
      }
      if (!data) return error(404, "NOT_FOUND", `blob ${rest} not found`);
      // putBlobToLocal: read it again from the upstream, in the background
      background(async () => {
        const again = await upstreamCall(`GET /v2/${remoteRepo}/blobs/${rest}`, () => up.getBlob(remoteRepo, rest));
        if (again) await storage.pushBlob(repo, rest, again);
      });
      return send(200, data, { "content-type": "application/octet-stream", "docker-content-digest": rest, etag: rest });
    }
    return forward(req, res, body, log);
  };

  async function proxyManifest(
    p: ProxyProject,
    repo: string,
    ref: string,
    method: string,
    req: http.IncomingMessage,
    send: any,
    error: any,
  ) {
    const remoteRepo = repo.slice(p.name.length + 1);
    const up = upstreamOf(p);
    const local = await storage.getManifest(repo, ref);
    const serveLocal = () =>
      local
        ? send(200, local.body, { "content-type": local.mediaType, "docker-content-digest": local.digest, etag: local.digest })
        : error(404, "MANIFEST_UNKNOWN", `manifest unknown: ${repo}:${ref}`);
    if (local && isDigest(ref)) return serveLocal();
    let remoteDigest: string | undefined;
    try {
      remoteDigest = await upstreamCall(`HEAD /v2/${remoteRepo}/manifests/${ref}`, () =>
        up.manifestExists(remoteRepo, ref, Registry.pullScope(remoteRepo)),
      );
    } catch {
      return serveLocal(); // "failed to proxy manifest, fallback to local"
    }
    if (!remoteDigest) {
      if (local && opts.localOnNotFound) return serveLocal();
      return error(404, "NOT_FOUND", `repo ${repo}, tag ${ref} not found`);
    }
    if (local && local.digest === remoteDigest) return serveLocal();
    if (method === "HEAD") {
      const head = await up.send("HEAD", `/v2/${remoteRepo}/manifests/${ref}`, Registry.pullScope(remoteRepo), {
        headers: { accept: String(req.headers.accept ?? "") },
      });
      return send(200, undefined, {
        "content-type": String(head.headers["content-type"] ?? ""),
        "docker-content-digest": remoteDigest,
        etag: remoteDigest,
      });
    }
    let man: Awaited<ReturnType<Registry["getManifest"]>>;
    try {
      man = await upstreamCall(`GET /v2/${remoteRepo}/manifests/${ref}`, () => up.getManifest(remoteRepo, ref));
    } catch {
      return serveLocal();
    }
    if (!man) return error(404, "NOT_FOUND", `repo ${repo}, tag ${ref} not found`);
    background(() => cacheManifest(repo, remoteRepo, up, ref, man));
    // setHeaders(w, len, ct, art.Digest): art.Digest is empty for a pull by tag
    return send(200, man.body, {
      "content-type": man.mediaType,
      "docker-content-digest": isDigest(ref) ? ref : "",
      etag: isDigest(ref) ? ref : "",
    });
  }

  function forward(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer, log: ProxyLogged) {
    const target = new URL(req.url ?? "/", opts.storage);
    const headers = { ...req.headers };
    delete headers.authorization;
    const f = http.request(target, { method: req.method, headers }, (up) => {
      log.status = up.statusCode ?? 502;
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    f.on("error", (e) => {
      log.status = 502;
      res.writeHead(502).end(e.message);
    });
    f.end(body);
  }

  // --- the artifacts API ------------------------------------------------------------------------------------
  async function api(req: http.IncomingMessage, _res: http.ServerResponse, u: URL, apiPath: string, user: User, send: any, error: any) {
    const method = req.method ?? "GET";
    const op = findOperation(method, apiPath);
    if (!op) {
      violations.push(`${method} ${apiPath}: no such operation in the API`);
      return error(404, "NOT_FOUND", "not found");
    }
    violations.push(...parameterViolations(op, method, apiPath, u, req.headers));
    if (apiPath === "/health") return send(200, { status: "healthy", components: [{ name: "core", status: "healthy" }] });
    const pm = /^\/projects\/([^/]+)$/.exec(apiPath);
    if (pm && method === "GET") {
      const name = decodeURIComponent(pm[1]);
      const byName = String(req.headers["x-is-resource-name"]) === "true" || !/^\d+$/.test(name);
      const p = byName ? projects.get(name) : [...projects.values()].find((x) => x.id === Number(name));
      // BaseAPI.RequireProjectAccess: no such project 404; not allowed and anonymous 401
      if (!p) return error(404, "NOT_FOUND", `project ${name} not found`);
      if (!p.public && user === "anonymous") return error(401, "UNAUTHORIZED", "unauthorized");
      return send(
        200,
        Buffer.from(
          JSON.stringify(
            {
              project_id: p.id,
              name: p.name,
              registry_id: p.upstream ? p.id : 0,
              metadata: { public: String(p.public) },
              owner_id: 1,
              owner_name: "admin",
              repo_count: 0,
            },
            null,
            2,
          ),
        ),
      );
    }
    const a = /^\/projects\/([^/]+)\/repositories\/([^/]+)\/artifacts\/([^/]+)$/.exec(apiPath);
    if (!a || method !== "GET") {
      violations.push(`${method} ${apiPath}: not modelled by the test server`);
      return error(501, "UNKNOWN", "not modelled");
    }
    const [, projectName, repoRaw, refRaw] = a;
    // Harbor's router decodes the path once: a single-encoded "/" splits the path and matches no route
    if (/%2F/i.test(repoRaw)) {
      violations.push(`GET ${apiPath}: repository name encoded once (Harbor needs a%252Fb)`);
      return error(404, "NOT_FOUND", "not found");
    }
    const repoName = decodeURIComponent(decodeURIComponent(repoRaw));
    const ref = decodeURIComponent(refRaw);
    const p = projects.get(decodeURIComponent(projectName));
    if (!p) return error(404, "NOT_FOUND", `project ${projectName} not found`);
    if (!p.public && user === "anonymous") return error(401, "UNAUTHORIZED", "unauthorized");
    const repo = `${p.name}/${repoName}`;
    const man = await storage.getManifest(repo, ref);
    if (!man) return error(404, "NOT_FOUND", `artifact ${repo}:${ref} not found`);
    const doc = JSON.parse(man.body.toString("utf8"));
    const index = INDEX_TYPES.includes(man.mediaType);
    const withTag = u.searchParams.get("with_tag") !== "false";
    const now = new Date().toISOString();
    const art = {
      id: 1000 + requests.length,
      type: "IMAGE",
      media_type: index ? man.mediaType : doc.config?.mediaType,
      manifest_media_type: man.mediaType,
      project_id: p.id,
      repository_id: 1,
      repository_name: repo,
      digest: man.digest,
      size: man.body.length + (index ? 0 : [doc.config, ...(doc.layers ?? [])].reduce((s: number, d: any) => s + d.size, 0)),
      push_time: now,
      pull_time: now,
      extra_attrs: {},
      annotations: {},
      references: index
        ? doc.manifests.map((d: any, i: number) => ({
            parent_id: 1000,
            child_id: 2000 + i,
            child_digest: d.digest,
            platform: d.platform ? { architecture: d.platform.architecture, os: d.platform.os } : undefined,
            urls: null,
          }))
        : null,
      tags:
        withTag && !isDigest(ref)
          ? [{ id: 1, repository_id: 1, artifact_id: 1000, name: ref, push_time: now, pull_time: now, immutable: false }]
          : null,
      labels: null,
      accessories: null,
      addition_links: {
        vulnerabilities: {
          absolute: false,
          href: `/api/v2.0/projects/${p.name}/repositories/${repoRaw}/artifacts/${man.digest}/additions/vulnerabilities`,
        },
      },
    };
    // fields without a value are left out (the API description declares them arrays, not nullable)
    const clean = JSON.parse(JSON.stringify(art, (_k, v) => (v === null ? undefined : v)));
    if (!artifactSchema(clean))
      violations.push(`the test server's Artifact does not match the API description: ${JSON.stringify(artifactSchema.errors)}`);
    // Harbor answers pretty-printed JSON with any key order a client must cope with
    return send(200, Buffer.from(JSON.stringify(clean, null, 2)));
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (d: Buffer) => chunks.push(d));
    req.on("end", () => {
      handler(req, res, Buffer.concat(chunks)).catch((e) => {
        if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
        res.end(JSON.stringify({ errors: [{ code: "UNKNOWN", message: String(e?.message ?? e) }] }));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    requests,
    violations,
    upstreamRequests,
    busy: () => busy,
    settled: () => (busy === 0 ? Promise.resolve() : new Promise<void>((r) => idle.push(r))),
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      idle = [];
    },
  };
}
