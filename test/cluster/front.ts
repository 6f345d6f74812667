// The drill scenario's stand-in for Harbor's front door (nginx), run as its own process inside the cluster's
// network namespace: node front.ts CONFIG. It serves Harbor's URL shape over TLS on every address in
// `listen` and logs every request (and every failed TLS handshake) as a JSON line to `log`, naming the client.
//   /v2/<project>/<repository>/...  forwarded to the registry the route names as /v2/<repository>/... (the
//                                   proxy-cache project: a pull-through registry), unless a defect applies:
//   `private`   prefixes answered as Harbor answers an anonymous pull from a private project: 401 with a Bearer
//               challenge whose realm is this front's /service/token, which hands out an anonymous token that
//               grants nothing (the retry with it is refused again);
//   `badRealm`  prefixes answered 401 with a Bearer challenge whose realm names the given (unresolvable) host;
//   `badSan`    clients (an address, or a prefix ending in '.') get a certificate from the same CA that does
//               not name the address they dial (`badCert`/`badKey`): a SAN left out, for those nodes only
//               (only on the listen addresses in `badSanOn`, default every one; the drill names the nodes'
//               address there, so that the Jobs' address, whose name the certificate carries, stays good).
//   /service/token                  the anonymous token above;
//   /api/v2.0/projects/<project>/repositories/<repository>/artifacts/<reference>
//                                   for a project in `held`: Harbor's artifacts API as the report reads it,
//                                   answered from the pull-through registry's storage (200 when the manifest
//                                   and every blob it names are there: what Harbor holds, 404 otherwise);
//   anything else                   forwarded to `fallback` (the test Harbor's API), or 404.
// The config file is read again for every connection, so a test can change the defects while it runs
// (certificates and addresses are read once, at start). The defects are those of the kind drill's front too
// (test/fakes/front-defects.ts); a client that refuses the certificate is logged as a failed handshake.
import fs from "node:fs";
import http from "node:http";
import tls from "node:tls";
import { matchesClient, prefixOf, ruleFor, tlsByClient, unauthorized } from "../fakes/front-defects.js";

interface Config {
  listen: string[];
  cert: string;
  key: string;
  badCert?: string;
  badKey?: string;
  log: string;
  routes: Array<{ prefix: string; target: string }>;
  private?: string[];
  badRealm?: Array<{ prefix: string; realm: string }>;
  badSan?: string[];
  badSanOn?: string[];
  held?: Array<{ project: string; storage: string }>;
  fallback?: string;
}

const file = process.argv[2];
const read = (): Config => JSON.parse(fs.readFileSync(file, "utf8"));
const first = read();
const log = (o: Record<string, unknown>) => fs.appendFileSync(first.log, `${JSON.stringify({ t: Date.now(), ...o })}\n`);

/** The manifest digest a pull-through registry's storage holds for repository:reference, with every blob it names; else undefined. */
function heldIn(storage: string, repository: string, reference: string): string | undefined {
  const v2 = `${storage}/docker/registry/v2`;
  const blob = (d: string) => `${v2}/blobs/sha256/${d.slice(7, 9)}/${d.slice(7)}/data`;
  const link = reference.startsWith("sha256:")
    ? `${v2}/repositories/${repository}/_manifests/revisions/sha256/${reference.slice(7)}/link`
    : `${v2}/repositories/${repository}/_manifests/tags/${reference}/current/link`;
  if (!/^[a-z0-9._/-]+$/.test(repository) || repository.includes("..") || !/^[\w.:-]+$/.test(reference) || !fs.existsSync(link))
    return undefined;
  const digest = fs.readFileSync(link, "utf8").trim();
  if (!/^sha256:[0-9a-f]{64}$/.test(digest) || !fs.existsSync(blob(digest))) return undefined;
  const m = JSON.parse(fs.readFileSync(blob(digest), "utf8"));
  const named = [m.config?.digest, ...(m.layers ?? []).map((l: any) => l.digest)].filter(Boolean) as string[];
  return named.every((d) => /^sha256:[0-9a-f]{64}$/.test(d) && fs.existsSync(blob(d))) ? digest : undefined;
}

function handler(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  { client, san, port }: { client: string; san: string; port: number },
) {
  const c = read();
  const url = req.url ?? "/";
  const p = url.split("?")[0];
  const entry = (status: number, route: string | null) => log({ client, port, san, method: req.method, path: p, route, status });
  const host = req.headers.host ?? "";
  const priv = prefixOf(p, c.private);
  const realm = ruleFor(p, c.badRealm);
  const art = /^\/api\/v2\.0\/projects\/([^/]+)\/repositories\/([^/]+)\/artifacts\/([^/]+)$/.exec(p);
  const heldAt = art && (c.held ?? []).find((x) => x.project === decodeURIComponent(art[1]));
  if (art && heldAt) {
    const digest = heldIn(heldAt.storage, decodeURIComponent(decodeURIComponent(art[2])), decodeURIComponent(art[3]));
    entry(digest ? 200 : 404, "artifacts");
    if (digest) res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ digest, type: "IMAGE", references: null }));
    else res.writeHead(404, { "content-type": "application/json" }).end('{"errors":[{"code":"NOT_FOUND","message":"artifact not found"}]}');
    return;
  }
  if (p === "/service/token") {
    entry(200, "token");
    res
      .writeHead(200, { "content-type": "application/json" })
      .end(JSON.stringify({ token: "anonymous", access_token: "anonymous", expires_in: 1800 }));
    return;
  }
  if (priv || realm) {
    entry(401, priv ?? realm!.prefix);
    unauthorized(res, realm ? realm.realm : `https://${host}/service/token`, p);
    return;
  }
  const route = c.routes.find((r) => url.startsWith(r.prefix));
  const target = route
    ? new URL(route.target + url.slice(route.prefix.length))
    : c.fallback && !url.startsWith("/v2/")
      ? new URL(c.fallback + url)
      : undefined;
  if (!target) {
    entry(404, null);
    res.writeHead(404, { "content-type": "application/json" }).end('{"errors":[{"code":"NAME_UNKNOWN","message":"no such project"}]}');
    return;
  }
  const up = http.request(target, { method: req.method, headers: { ...req.headers, host: target.host } }, (ur) => {
    entry(ur.statusCode ?? 502, route?.prefix ?? "fallback");
    res.writeHead(ur.statusCode ?? 502, ur.headers);
    ur.pipe(res);
  });
  up.on("error", (e) => {
    entry(502, route?.prefix ?? "fallback");
    res.writeHead(502).end(String(e));
  });
  req.pipe(up);
}

const good = tls.createSecureContext({ cert: fs.readFileSync(first.cert), key: fs.readFileSync(first.key) });
const bad = first.badCert
  ? tls.createSecureContext({ cert: fs.readFileSync(first.badCert), key: fs.readFileSync(first.badKey!) })
  : undefined;
let listening = 0;
for (const addr of first.listen) {
  const i = addr.lastIndexOf(":");
  const { server } = tlsByClient({
    good,
    bad,
    badSan: (client) => {
      const c = read();
      return matchesClient(client, c.badSan) && (!c.badSanOn || c.badSanOn.includes(addr));
    },
    request: handler,
    tlsError: ({ client, san }, e) =>
      log({
        client,
        san,
        tlsError: e === "refused" ? "closed before any request (the client refused the certificate)" : (e.code ?? e.message),
      }),
  });
  server.listen(Number(addr.slice(i + 1)), addr.slice(0, i), () => {
    if (++listening === first.listen.length) process.stdout.write(`front listening on ${first.listen.join(" ")}\n`);
  });
}
for (const sig of ["SIGTERM", "SIGINT"]) process.on(sig, () => process.exit(0));
