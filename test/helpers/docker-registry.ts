// Debian's docker-registry (the CNCF distribution registry 2.8) for tests that need a real registry: the
// upstream a proxy cache pulls from, Harbor's own storage behind the test Harbor, the target of pushes
// (images, `helm push`). startRegistry runs one on 127.0.0.1 at a free port, with its configuration and
// storage in a temporary directory (or a storage directory the test gives), optionally as a pull-through
// cache (proxy.remoteurl) and with its access log on; it is stopped by its PID (SIGTERM, then SIGKILL) and
// can be started again on the same port and storage. registryConfig writes the same configuration for tests
// that run the registry themselves (inside a network namespace). Installed when missing and we are root
// (idempotent, waiting for the apt lock other jobs may hold); otherwise registryUnavailable says why, and the
// caller prints one "NOT RUN" line and skips.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import net from "node:net";
import { spawn, type ChildProcess } from "node:child_process";
import yaml from "js-yaml";
import { ensureDebianPackages, onPath } from "./debian.js";
import { stopChild } from "./process.js";

export const REGISTRY_BIN = "/usr/bin/docker-registry";

/** Why a real registry cannot run here, or undefined when it can (installing it first when possible). */
export function registryUnavailable(): string | undefined {
  return ensureDebianPackages(["docker-registry"], ["docker-registry"]);
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

export interface RegistryConfig {
  /** host:port it listens on */
  addr: string;
  /** where it keeps blobs and manifests */
  storage: string;
  /** a pull-through cache of this upstream registry URL (distribution's proxy.remoteurl) */
  proxy?: string;
  /** log every request (the access log); off by default */
  accessLog?: boolean;
  /** default: "error" (with the access log: "info", where distribution also says "listening on") */
  logLevel?: "error" | "warn" | "info" | "debug";
}

/** distribution's config.yml for these settings (deletes enabled, as Harbor's registry has them). */
export function registryConfig(c: RegistryConfig): string {
  return yaml.dump({
    version: 0.1,
    log: { level: c.logLevel ?? (c.accessLog ? "info" : "error"), accesslog: { disabled: !c.accessLog } },
    storage: { filesystem: { rootdirectory: c.storage }, delete: { enabled: true } },
    http: { addr: c.addr },
    ...(c.proxy ? { proxy: { remoteurl: c.proxy } } : {}),
  });
}

export interface RegistryOptions extends Partial<Omit<RegistryConfig, "addr">> {
  /** names its temporary directory (<name>-registry-*) */
  name?: string;
  /** the docker-registry binary; default: the one on PATH, else /usr/bin/docker-registry */
  bin?: string;
}

export interface RunningRegistry {
  /** http://127.0.0.1:port */
  url: string;
  /** 127.0.0.1:port */
  host: string;
  port: number;
  /** its temporary directory (config.yml; data/ unless a storage directory was given) */
  dir: string;
  /** what it has printed (stdout and stderr, the access log with it when on) */
  log(): string;
  /** stop it (by its PID); it can be started again on the same port and storage */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** stop it and remove its temporary directory (a storage directory the test gave is left alone) */
  close(): Promise<void>;
}

/** Starts a registry; `o` as a string is the name. Throws, with what it printed, when it does not answer. */
export async function startRegistry(o: string | RegistryOptions = {}): Promise<RunningRegistry> {
  const opts: RegistryOptions = typeof o === "string" ? { name: o } : o;
  const bin = opts.bin ?? onPath("docker-registry") ?? REGISTRY_BIN;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${opts.name ?? "test"}-registry-`));
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const url = `http://${host}`;
  const config = path.join(dir, "config.yml");
  fs.writeFileSync(config, registryConfig({ ...opts, addr: host, storage: opts.storage ?? path.join(dir, "data") }));
  let output = "";
  let child: ChildProcess | undefined;

  const answers = async () => {
    try {
      return (await fetch(`${url}/v2/`)).status === 200;
    } catch {
      return false;
    }
  };
  const stop = async () => {
    const c = child;
    child = undefined;
    await stopChild(c);
  };
  const start = async () => {
    const c = spawn(bin, ["serve", config], { stdio: ["ignore", "pipe", "pipe"] });
    child = c;
    c.stdout.on("data", (d) => (output += d));
    c.stderr.on("data", (d) => (output += d));
    const until = Date.now() + 10_000;
    while (c.exitCode === null && c.signalCode === null && Date.now() < until) {
      if (await answers()) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    await stop();
    throw new Error(`docker-registry did not answer on ${host}: ${output.trim()}`);
  };
  const close = async () => {
    await stop();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    await start();
  } catch (e) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return { url, host, port, dir, log: () => output, start, stop, close };
}
