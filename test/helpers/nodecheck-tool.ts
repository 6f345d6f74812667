// Run inside the real-containerd node-check test's network namespace (ip netns exec NS tsx this-file serve
// CONFIG): starts the registries CONFIG (a JSON file) lists with test/fakes/harbor-registry.ts, each on 127.0.0.1:port,
// Harbor's content or the upstream's, and logs every request as a JSON line ({port, method, path, status}) to
// LOG. Prints "listening" once all listen.
import fs from "node:fs";
import { startFakeRegistry, contentOf } from "../fakes/harbor-registry.js";

export interface ToolServer {
  port: number;
  side: "harbor" | "upstream";
  cert?: string;
  key?: string;
  private?: string[];
  challengeAll?: boolean;
  realm?: string;
  basic?: string;
}

const [cmd, configFile, logFile] = process.argv.slice(2);
if (cmd !== "serve" || !configFile || !logFile) {
  process.stderr.write("usage: serve CONFIG LOG\n");
  process.exit(2);
}
const servers = JSON.parse(fs.readFileSync(configFile, "utf8")) as ToolServer[];
for (const s of servers) {
  const r = await startFakeRegistry(
    {
      tls: s.cert ? { cert: fs.readFileSync(s.cert, "utf8"), key: fs.readFileSync(s.key!, "utf8") } : undefined,
      content: contentOf(s.side),
      projects: s.side === "harbor",
      private: s.private,
      challengeAll: s.challengeAll,
      realm: s.realm,
      basic: s.basic,
    },
    s.port,
  );
  r.server.on("request", (_req, res) =>
    res.on("finish", () => {
      const e = r.log.at(-1);
      if (e) fs.appendFileSync(logFile, `${JSON.stringify({ port: s.port, ...e })}\n`);
    }),
  );
}
process.stdout.write("listening\n");
