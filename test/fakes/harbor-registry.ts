// A registry that answers like Harbor 2.15.1 for pulls (src/server/middleware/v2auth/auth.go): manifests and
// blobs under /v2/<project>/<repository>/..., anonymous GETs of a public project answered; an anonymous HEAD
// on a repository (any project: goharbor/harbor#11271) and any anonymous request to a private project
// refused with 401 and `WWW-Authenticate: Bearer realm="<scheme>://<Host>/service/token",
// service="harbor-registry",scope="repository:<repo>:pull"` (the realm from the request's Host, as tokenRealm()
// in generator/src/harbor/realm.ts); a request with a token it refuses gets `Basic realm="harbor"`; the
// anonymous token from /service/token grants nothing in a private project. Options: `realm` names another realm (as Harbor does for a request without a Host, or another
// version), `challengeAll` challenges every anonymous request and accepts any token it issued (a registry
// behind a token service); `projects: false` serves /v2/<repository>/... (the upstream registry, plain);
// `basic` ("user:password") grants a request carrying those Basic credentials in any project, private ones too
// (Harbor's basic authentication on /v2), and refuses other credentials with `Basic realm="harbor"`.
// Every request is logged (method, path, status). Used in-process by the unit tests and, through
// test/helpers/nodecheck-tool.ts, inside the real-containerd test's network namespace.
import http from "node:http";
import https from "node:https";
import crypto from "node:crypto";
import type { AddressInfo } from "node:net";
import { testImage, testIndex, NODE_ARCH, type TestImage, type TestIndex } from "../helpers/oci-images.js";

export interface FakeRegistryOptions {
  tls?: { cert: string; key: string };
  /** repository (with the project, when projects) -> tag -> image */
  content: Record<string, Record<string, TestImage | TestIndex>>;
  /** the first path segment is a Harbor project (default true) */
  projects?: boolean;
  private?: string[];
  realm?: string;
  challengeAll?: boolean;
  /** answer every manifest request with this status */
  status?: number;
  /** "user:password": a request with these Basic credentials is granted in any project (Harbor's basic auth) */
  basic?: string;
}

export interface LogEntry {
  method: string;
  path: string;
  status: number;
  auth: boolean;
  ns?: string;
  /** the request carried the Basic credentials of `basic` (only logged when the option is set) */
  basic?: boolean;
}

/** The content of the test's Harbor and of the upstream registry: the same names, other bytes. */
export function contentOf(
  side: "harbor" | "upstream",
  projects: string[] = ["proxy", "private"],
): Record<string, Record<string, TestImage | TestIndex>> {
  const other = NODE_ARCH === "amd64" ? "arm64" : "amd64";
  const images: Record<string, Record<string, TestImage | TestIndex>> = {
    "library/a": { "1": testImage(`${side} a`, { architecture: NODE_ARCH }) },
    "library/multi": { "1": testIndex(`${side} multi`, [`linux/${other}`, `linux/${NODE_ARCH}`]) },
    "library/other-arch": { "1": testIndex(`${side} other-arch`, [`linux/${other}`]) },
  };
  if (side === "upstream") {
    images["library/missing"] = { "1": testImage("upstream missing", { architecture: NODE_ARCH }) };
    return images;
  }
  const out: Record<string, Record<string, TestImage | TestIndex>> = {};
  for (const p of projects) for (const [repo, tags] of Object.entries(images)) out[`${p}/${repo}`] = tags;
  return out;
}

export function startFakeRegistry(
  o: FakeRegistryOptions,
  port = 0,
  host = "127.0.0.1",
): Promise<{ url: string; port: number; log: LogEntry[]; close: () => Promise<void>; server: http.Server }> {
  const log: LogEntry[] = [];
  const tokens = new Set<string>();
  // manifests and blobs by repository
  const manifests = new Map<string, Map<string, { body: Buffer; mediaType: string; digest: string }>>();
  const blobs = new Map<string, Map<string, Buffer>>();
  for (const [repo, tags] of Object.entries(o.content)) {
    const m = new Map<string, { body: Buffer; mediaType: string; digest: string }>();
    const b = new Map<string, Buffer>();
    for (const [tag, img] of Object.entries(tags)) {
      const all = "children" in img ? [img, ...img.children] : [img];
      for (const i of all) {
        m.set(i.digest, { body: i.manifest, mediaType: i.mediaType, digest: i.digest });
        if ("blobs" in i) for (const bl of i.blobs) b.set(bl.digest, bl.data);
      }
      m.set(tag, { body: img.manifest, mediaType: img.mediaType, digest: img.digest });
    }
    manifests.set(repo, m);
    blobs.set(repo, b);
  }
  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const u = new URL(req.url ?? "/", "http://x");
    const auth = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
    const entry: LogEntry = {
      method: req.method ?? "",
      path: u.pathname,
      status: 0,
      auth: Boolean(auth),
      ns: u.searchParams.get("ns") ?? undefined,
    };
    const basic = o.basic !== undefined && req.headers.authorization === `Basic ${Buffer.from(o.basic).toString("base64")}`;
    if (o.basic !== undefined) entry.basic = basic;
    log.push(entry);
    const send = (status: number, headers: Record<string, string>, body: Buffer | string = "") => {
      entry.status = status;
      const b = Buffer.from(body);
      res.writeHead(status, { "content-length": String(b.length), ...headers });
      res.end(req.method === "HEAD" ? undefined : b);
    };
    const error = (status: number, code: string, headers: Record<string, string> = {}) =>
      send(status, { "content-type": "application/json", ...headers }, JSON.stringify({ errors: [{ code, message: code.toLowerCase() }] }));
    if (u.pathname === "/service/token") {
      const t = crypto.randomBytes(16).toString("hex");
      tokens.add(t);
      return send(200, { "content-type": "application/json" }, JSON.stringify({ token: t, access_token: t, expires_in: 1800 }));
    }
    const m = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/.exec(u.pathname);
    if (!m) return error(404, "NOT_FOUND");
    const [, repo, kind, ref] = m as unknown as [string, string, string, string];
    const project = o.projects === false ? "" : repo.split("/")[0];
    const granted = (auth !== undefined && tokens.has(auth)) || basic;
    const isPrivate = (o.private ?? []).includes(project);
    // v2auth: an anonymous HEAD on a repository is always challenged (goharbor/harbor#11271); a private project
    // refuses anonymous requests and anonymous tokens; challengeAll: every request without a token
    const refused = o.challengeAll
      ? !granted
      : !basic && (isPrivate || (o.projects !== false && req.method === "HEAD" && !req.headers.authorization));
    if (refused) {
      const scheme = o.tls ? "https" : "http";
      const realm = o.realm ?? `${scheme}://${req.headers.host}/service/token`;
      // getChallenge(): with an Authorization header, Basic; without, the token service
      const challenge = req.headers.authorization
        ? `Basic realm="harbor"`
        : `Bearer realm="${realm}",service="harbor-registry",scope="repository:${repo}:pull"`;
      return error(401, "UNAUTHORIZED", { "www-authenticate": challenge });
    }
    if (kind === "manifests") {
      if (o.status) return error(o.status, "INJECTED");
      const man = manifests.get(repo)?.get(ref);
      if (!man) return error(404, manifests.has(repo) ? "MANIFEST_UNKNOWN" : "NAME_UNKNOWN");
      return send(200, { "content-type": man.mediaType, "docker-content-digest": man.digest }, man.body);
    }
    const blob = blobs.get(repo)?.get(ref);
    if (!blob) return error(404, "BLOB_UNKNOWN");
    return send(200, { "content-type": "application/octet-stream", "docker-content-digest": ref }, blob);
  };
  const server = o.tls ? https.createServer({ cert: o.tls.cert, key: o.tls.key }, handler) : http.createServer(handler);
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      const p = (server.address() as AddressInfo).port;
      resolve({
        url: `${o.tls ? "https" : "http"}://${host}:${p}`,
        port: p,
        log,
        server,
        close: () =>
          new Promise<void>((r) => {
            server.closeAllConnections();
            server.close(() => r());
          }),
      });
    });
  });
}
