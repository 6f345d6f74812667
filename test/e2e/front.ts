// The drill's front door on kind, for the two defects real Harbor cannot be made to show by its settings alone
// (drill.e2e.ts step 6): it runs in the test process on the host, on kind's network, and the nodes' own
// traffic to Harbor's address is redirected to it (nodes.redirectHarbor). Every request is forwarded to the
// real Harbor (the host's 127.0.0.1:30003, kind's port mapping) as it came, with two exceptions:
//   badSan     clients (node addresses) get a certificate from Harbor's own CA that does not name the address
//              they dial: a SAN left out, for those nodes only; their TLS handshake fails;
//   badRealm   requests under these path prefixes reach Harbor with another Host header (a reverse proxy that
//              rewrites Host, in front of Harbor): Harbor 2.15.1 builds the token realm of its 401 from the
//              Host (src/server/middleware/v2auth/auth.go; generator/src/harbor/realm.ts), so the node is sent
//              to a realm whose host it cannot resolve.
// Every request and every failed handshake is logged (in memory), naming the client. The defects are those of
// the local drill's front too (test/fakes/front-defects.ts).
import net from "node:net";
import tls from "node:tls";
import https from "node:https";
import { matchesClient, ruleFor, tlsByClient } from "../fakes/front-defects.js";

export interface FrontEntry {
  t: number;
  client: string;
  method?: string;
  path?: string;
  status?: number;
  tlsError?: string;
}

export interface FrontOptions {
  /** where the nodes reach it: the host's address on kind's network */
  host: string;
  /** the certificate and key Harbor serves (Secret harbor-tls) */
  cert: string;
  key: string;
  /** a certificate from the same CA without the nodes' Harbor address, for the badSan clients */
  badCert: string;
  badKey: string;
  /** Harbor: where the front forwards to, and the CA to trust there */
  upstream: { host: string; port: number; ca: string };
  badSan?: string[];
  badRealm?: Array<{ prefix: string; host: string }>;
}

export interface Front {
  port: number;
  log: FrontEntry[];
  close(): Promise<void>;
}

export async function startFront(o: FrontOptions): Promise<Front> {
  const log: FrontEntry[] = [];
  const agent = new https.Agent({ keepAlive: false, ca: o.upstream.ca, servername: "localhost" });
  const { server, sockets } = tlsByClient({
    good: tls.createSecureContext({ cert: o.cert, key: o.key }),
    bad: tls.createSecureContext({ cert: o.badCert, key: o.badKey }),
    badSan: (client) => matchesClient(client, o.badSan),
    request: (req, res, { client }) => {
      const p = req.url ?? "/";
      const realm = ruleFor(p, o.badRealm);
      const headers = { ...req.headers, host: realm ? realm.host : req.headers.host };
      const up = https.request(
        { host: o.upstream.host, port: o.upstream.port, method: req.method, path: p, headers, agent, timeout: 120_000 },
        (r) => {
          log.push({ t: Date.now(), client, method: req.method, path: p, status: r.statusCode });
          res.writeHead(r.statusCode ?? 502, r.headers);
          r.pipe(res);
        },
      );
      up.on("timeout", () => up.destroy(new Error("Harbor did not answer within 120 s")));
      up.on("error", (e) => {
        log.push({ t: Date.now(), client, method: req.method, path: p, status: 502 });
        if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" });
        res.end(`front: ${e.message}\n`);
      });
      req.pipe(up);
    },
    tlsError: ({ client }, e) =>
      log.push({
        t: Date.now(),
        client,
        tlsError: e === "refused" ? "closed before any request (the client refused the certificate)" : e.message,
      }),
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, o.host, () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    log,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        agent.destroy();
        server.close(() => resolve());
      }),
  };
}
