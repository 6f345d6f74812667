// The defects the drills' stand-ins for Harbor's front door inject (test/cluster/front.ts on the local cluster,
// test/e2e/front.ts on kind), in one place:
//   badSan     clients (an address, or a prefix ending in '.') get a certificate from Harbor's CA that does not
//              name the address they dial: TLS by hand on each accepted connection, so the certificate depends
//              on who connects; a failed handshake is reported, and so is a connection closed before any
//              request (TLS 1.3: the server's side of the handshake is done before the client checks the
//              certificate, and a client that refuses it closes without a request, with an alert or none);
//   badRealm   path prefixes whose token realm names a host the node cannot resolve (the local front answers
//              the 401 itself; the kind front makes real Harbor name it, by another Host header);
//   private    path prefixes answered as Harbor answers an anonymous pull from a private project (401 with a
//              Bearer challenge whose realm hands out an anonymous token that grants nothing).
import net from "node:net";
import tls from "node:tls";
import http from "node:http";

/** The client's address (IPv4 without the ::ffff: prefix). */
export const clientAddress = (s: net.Socket): string => (s.remoteAddress ?? "").replace(/^::ffff:/, "");

/** Whether the client is one of these: an address, or a prefix ending in '.' (10.213.0.). */
export const matchesClient = (client: string, rules: string[] = []): boolean =>
  rules.some((r) => (r.endsWith(".") ? client.startsWith(r) : client === r));

/** The first rule whose prefix the request path starts with. */
export const ruleFor = <T extends { prefix: string }>(path: string, rules: T[] = []): T | undefined =>
  rules.find((r) => path.startsWith(r.prefix));

/** The first of these prefixes the request path starts with. */
export const prefixOf = (path: string, prefixes: string[] = []): string | undefined => prefixes.find((x) => path.startsWith(x));

/** The repository a /v2/ request names (/v2/<repository>/manifests|blobs|tags/...). */
export const repositoryOf = (path: string): string => path.replace(/^\/v2\//, "").replace(/\/(manifests|blobs|tags)\/.*$/, "");

/** A 401 as Harbor answers an anonymous pull it refuses: a Bearer challenge to `realm` for the repository. */
export function unauthorized(res: http.ServerResponse, realm: string, path: string): void {
  const challenge = `Bearer realm="${realm}",service="harbor-registry",scope="repository:${repositoryOf(path)}:pull"`;
  res.writeHead(401, {
    "content-type": "application/json",
    "www-authenticate": challenge,
    "docker-distribution-api-version": "registry/2.0",
  });
  res.end('{"errors":[{"code":"UNAUTHORIZED","message":"unauthorized to access repository"}]}');
}

/** The connection a request came on: who, which certificate it was given, the local port it dialed. */
export interface Connection {
  client: string;
  san: "good" | "bad";
  port: number;
}

export interface TlsByClientOptions {
  /** the certificate Harbor serves, and the one without the address (for the badSan clients) */
  good: tls.SecureContext;
  bad?: tls.SecureContext;
  /** whether this client gets the bad certificate (asked for every connection) */
  badSan: (client: string) => boolean;
  request: (req: http.IncomingMessage, res: http.ServerResponse, c: Connection) => void;
  /** a failed handshake, or a connection closed after the server's side of it without any request */
  tlsError: (c: Connection, e: NodeJS.ErrnoException | "refused") => void;
}

/** An HTTPS server whose certificate depends on the client (badSan); listen on the returned server. */
export function tlsByClient(o: TlsByClientOptions): { server: net.Server; sockets: Set<net.Socket> } {
  const sockets = new Set<net.Socket>();
  const connections = new WeakMap<net.Socket, Connection>();
  const used = new WeakSet<net.Socket>();
  const web = http.createServer((req, res) => {
    used.add(req.socket);
    o.request(req, res, connections.get(req.socket)!);
  });
  const server = net.createServer((raw) => {
    sockets.add(raw);
    raw.on("close", () => sockets.delete(raw));
    const client = clientAddress(raw);
    const c: Connection = { client, san: o.bad && o.badSan(client) ? "bad" : "good", port: raw.localPort ?? 0 };
    const secure = new tls.TLSSocket(raw, { isServer: true, secureContext: c.san === "bad" ? o.bad : o.good });
    connections.set(secure, c);
    let failed = false;
    secure.on("error", (e) => {
      failed = true;
      o.tlsError(c, e);
      raw.destroy();
    });
    secure.on("close", () => {
      if (!failed && !used.has(secure)) o.tlsError(c, "refused");
    });
    secure.on("secure", () => web.emit("connection", secure));
  });
  return { server, sockets };
}
