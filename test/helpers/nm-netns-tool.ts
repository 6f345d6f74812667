// Run inside the real-containerd test's network namespace (ip netns exec NS tsx this-file ...), where the
// registries listen: `push BASE REPO TAG TEXT` pushes testImage(TEXT) of oci-images.ts for this machine's
// architecture (what the test expects, built the same way); `proxy PORT CERT KEY ROUTES LOG` serves
// Harbor's URL shape over TLS: /v2/<project>/<repository>/... is forwarded to the registry the route names
// as /v2/<repository>/... (the <project>/ segment stripped), and every request is logged as a JSON line.
import fs from "node:fs";
import https from "node:https";
import http from "node:http";
import { testImage, pushImage, NODE_ARCH } from "./oci-images.js";

const [cmd, ...args] = process.argv.slice(2);

if (cmd === "push") {
  const [base, repo, tag, text] = args as [string, string, string, string];
  const image = testImage(text, { architecture: NODE_ARCH });
  await pushImage(base, repo, tag, image);
  process.stdout.write(`${image.digest}\n`);
} else if (cmd === "proxy") {
  const [port, cert, key, routesJson, log] = args as [string, string, string, string, string];
  const routes = JSON.parse(routesJson) as Array<{ prefix: string; target: string }>;
  const server = https.createServer({ cert: fs.readFileSync(cert), key: fs.readFileSync(key) }, (req, res) => {
    const url = req.url ?? "/";
    const route = routes.find((r) => url.startsWith(r.prefix));
    const entry = (status: number) =>
      fs.appendFileSync(log, `${JSON.stringify({ method: req.method, path: url.split("?")[0], route: route?.prefix ?? null, status })}\n`);
    if (!route) {
      entry(404);
      res.writeHead(404, { "content-type": "application/json" }).end('{"errors":[{"code":"NAME_UNKNOWN","message":"no such project"}]}');
      return;
    }
    const target = new URL(route.target + url.slice(route.prefix.length));
    const up = http.request(target, { method: req.method, headers: { ...req.headers, host: target.host } }, (ur) => {
      entry(ur.statusCode ?? 502);
      res.writeHead(ur.statusCode ?? 502, ur.headers);
      ur.pipe(res);
    });
    up.on("error", (e) => {
      entry(502);
      res.writeHead(502).end(String(e));
    });
    req.pipe(up);
  });
  server.listen(Number(port), "127.0.0.1", () => process.stdout.write(`proxy listening on ${port}\n`));
} else {
  process.stderr.write(`usage: push BASE REPO TAG TEXT | proxy PORT CERT KEY ROUTES LOG\n`);
  process.exit(2);
}
