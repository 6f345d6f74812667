// Debian's docker-registry (distribution 2.8) on loopback, for tests that need a real registry: the upstream a
// proxy cache pulls from, Harbor's own storage behind the test Harbor, the target of pushes. Installed when
// missing and we are root (idempotent, waiting for the apt lock other jobs may hold); otherwise the caller
// prints one "NOT RUN" line and skips.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import net from "node:net";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";

export const REGISTRY_BIN = "/usr/bin/docker-registry";

/** Why a real registry cannot run here, or undefined when it can (installing it first when possible). */
export function registryUnavailable(): string | undefined {
  if (fs.existsSync(REGISTRY_BIN)) return undefined;
  if (process.getuid?.() !== 0) return `${REGISTRY_BIN} is missing and we are not root to apt-get install docker-registry`;
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const r = spawnSync("apt-get", ["-o", "DPkg::Lock::Timeout=900", "install", "-y", "--no-install-recommends", "docker-registry"], { env, encoding: "utf8", timeout: 1_200_000 });
  if (fs.existsSync(REGISTRY_BIN)) return undefined;
  return `apt-get install docker-registry failed (${r.status}): ${(r.stderr || r.stdout || "").trim().split("\n").pop()}`;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

export interface RunningRegistry {
  url: string;
  port: number;
  dir: string;
  /** stop it (by its PID); it can be started again on the same port and storage */
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

async function waitUp(url: string, ms: number) {
  const until = Date.now() + ms;
  for (;;) {
    try {
      const r = await fetch(`${url}/v2/`);
      if (r.status === 200) return;
    } catch {
      /* not yet */
    }
    if (Date.now() > until) throw new Error(`docker-registry at ${url} did not start`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function startRegistry(name = "report"): Promise<RunningRegistry> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${name}-registry-`));
  const port = await freePort();
  const config = path.join(dir, "config.yml");
  fs.writeFileSync(
    config,
    `version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: ${dir}/data\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:${port}\n`,
  );
  const url = `http://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn(REGISTRY_BIN, ["serve", config], { stdio: ["ignore", "ignore", "pipe"] });
    child.stderr?.on("data", () => {});
    await waitUp(url, 10_000);
  };
  const stop = async () => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once("exit", () => resolve());
      c.kill("SIGTERM");
    });
  };
  await start();
  return {
    url,
    port,
    dir,
    start,
    stop,
    close: async () => {
      await stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
