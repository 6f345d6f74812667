// The host's door to the API server in the tier's network namespace, through a Unix socket (a file, seen
// from both namespaces):
//   node forward.mjs in  SOCKET HOST:PORT   (in the namespace) SOCKET -> the API server's HOST:PORT
//   node forward.mjs out SOCKET HOST:PORT   (on the host)      HOST:PORT (loopback) -> SOCKET
import net from "node:net";
import fs from "node:fs";

const [mode, socket, target] = process.argv.slice(2);
const [host, port] = target.split(":");
const pipe = (a, b) => {
  a.pipe(b).on("error", () => a.destroy());
  b.pipe(a).on("error", () => b.destroy());
  a.on("error", () => b.destroy());
  b.on("error", () => a.destroy());
};
let server;
if (mode === "in") {
  fs.rmSync(socket, { force: true });
  server = net.createServer((c) => pipe(c, net.connect(Number(port), host))).listen(socket);
} else if (mode === "out") {
  server = net.createServer((c) => pipe(c, net.connect(socket))).listen(Number(port), host);
} else {
  console.error("usage: forward.mjs in|out SOCKET HOST:PORT");
  process.exit(2);
}
server.on("error", (e) => {
  console.error(`forward ${mode}: ${e.message}`);
  process.exit(1);
});
for (const s of ["SIGTERM", "SIGINT"]) process.on(s, () => process.exit(0));
