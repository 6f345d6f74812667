// Real components: Debian's containerd reads the hosts.toml that `harbor-edge node-config` writes and pulls
// through Debian's docker-registry in pull-through proxy mode, reached at Harbor's URL shape /v2/<project>/...
// over TLS with a certificate from the chart's generated CA (harbor-edge secrets).
//
// Everything that listens runs inside a network namespace made here (he-nm-<pid>), with only loopback and no
// route out: the upstream registry (127.0.0.1:5001, holding images pushed here), the mirror (5002,
// proxy.remoteurl = upstream; started after it, as distribution panics when its upstream is down), a plain
// registry standing for Harbor's spectro-images project (5003), the TLS front (8443) that strips
// "<project>/" like Harbor's URL shape and logs every request, and containerd.
//
// Pulls go through containerd's CRI image service, as the kubelet's do (gRPC on its socket,
// test/helpers/cri-images.ts): Debian has no crictl (cri-tools is not packaged), and the CRI is what reads
// config_path on a node. `ctr images pull --hosts-dir` runs the same hosts.toml code
// (remotes/docker/config.ConfigureHosts) in the ctr process; the last test uses it too, for containerd's own
// "trying next host" log line. Removal is CRI RemoveImage plus a check with ctr that the content is gone.
// A second containerd with an empty store, started while the upstream is down, stands for a node that joins
// during the outage.
//
// Runs when root with containerd, runc and docker-registry (installed here when missing); otherwise one
// NOT RUN line. Every process is stopped by PID and the namespace deleted in afterAll.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import fs from "node:fs";
import path from "node:path";
import { spawnSync, type ChildProcess } from "node:child_process";
import yaml from "js-yaml";
import { cli } from "../helpers/cli.js";
import { ensureDebianPackages } from "../helpers/debian.js";
import { criPull, criRemove, ctrPull } from "../helpers/cri-images.js";
import { testImage, NODE_ARCH } from "../helpers/oci-images.js";
import { ROOT } from "../../generator/src/paths.js";
import { Processes, runOk } from "../helpers/process.js";
import { waitFor } from "../helpers/wait.js";
import { registryConfig } from "../helpers/docker-registry.js";

const unavailable = ensureDebianPackages(
  ["containerd", "runc", "docker-registry", "iproute2"],
  ["containerd", "ctr", "docker-registry", "ip"],
);
if (unavailable)
  process.stderr.write(
    `\n*** NOT RUN: test/node-mirror/real-containerd.test.ts (real containerd through a pull-through registry): ${unavailable} ***\n\n`,
  );

const NS = `he-nm-${process.pid}`;
const T = unavailable ? "" : fs.mkdtempSync("/tmp/he-nm-");
// nodeMirror.hostDir must be a certs.d under containerd's own directories (validate refuses the rest): a directory
// of this run's own under /etc/containerd, which no containerd of the machine reads (theirs is /etc/containerd/certs.d)
const HOSTS_ROOT = unavailable ? "" : path.join("/etc/containerd", path.basename(T));
const HOSTS = path.join(HOSTS_ROOT, "certs.d");
const SOCK = path.join(T, "c.sock");
const PROXY_LOG = path.join(T, "proxy.log");
const P = new Processes(T);
const timings: string[] = [];
async function timed<T>(label: string, f: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  const v = await f();
  timings.push(`${label}: ${Math.round(performance.now() - t0)} ms`);
  return v;
}

const sh = (cmd: string, args: string[]) => runOk(cmd, args);
/** Starts a command inside the namespace; its stdout and stderr go to <name>.out / <name>.err. */
const startInNs = (name: string, argv: string[], cwd = T): ChildProcess =>
  P.start(name, argv, { cwd, prefix: ["ip", "netns", "exec", NS], split: true });
const logOf = (name: string) => P.log(name);
const stop = (name: string): Promise<void> => P.stop(name);

/** The registry's config file: on 127.0.0.1:port, storage <name>-data, access log on, a pull-through cache of `proxy`. */
function configFile(name: string, port: number, proxy?: string) {
  const f = path.join(T, `${name}.yml`);
  fs.writeFileSync(f, registryConfig({ addr: `127.0.0.1:${port}`, storage: path.join(T, `${name}-data`), proxy, accessLog: true }));
  return f;
}
async function startRegistry(name: string, port: number, proxy?: string) {
  startInNs(name, ["docker-registry", "serve", configFile(name, port, proxy)]);
  await waitFor(`${name} to listen`, () => /listening on 127\.0\.0\.1:\d+/.test(logOf(name)));
}
function tool(args: string[]) {
  return spawnSync(
    "ip",
    ["netns", "exec", NS, process.execPath, "--import", "tsx", path.join(ROOT, "test/helpers/nm-netns-tool.ts"), ...args],
    { cwd: ROOT, encoding: "utf8", timeout: 60_000 },
  );
}
function push(port: number, repo: string, text: string) {
  const r = tool(["push", `http://127.0.0.1:${port}`, repo, "1", text]);
  if (r.status !== 0) throw new Error(`push ${repo}: ${r.stderr}`);
}
/** A containerd (a node) in the namespace with its own store, reading the host files node-config wrote. */
async function startContainerd(name: string, sock: string) {
  fs.writeFileSync(
    path.join(T, `${name}.toml`),
    `version = 2
root = "${T}/${name}-root"
state = "${T}/${name}-state"
[grpc]
  address = "${sock}"
[plugins."io.containerd.grpc.v1.cri"]
  disable_cgroup = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "native"
  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = "${HOSTS}"
`,
  );
  startInNs(name, ["containerd", "--config", path.join(T, `${name}.toml`)]);
  await waitFor(`${name}'s socket`, () => fs.existsSync(sock));
  await waitFor(
    `${name}'s CRI plugin`,
    () =>
      spawnSync("ctr", ["--address", sock, "plugins", "ls"], { encoding: "utf8" }).stdout.match(
        /io\.containerd\.grpc\.v1\s+cri\s+\S+\s+ok/,
      ) !== null,
  );
}
type Entry = { method: string; path: string; route: string | null; status: number };
const proxyLog = (): Entry[] =>
  fs.existsSync(PROXY_LOG)
    ? fs
        .readFileSync(PROXY_LOG, "utf8")
        .trim()
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l))
    : [];
const ctr = (...args: string[]) => sh("ctr", ["--address", SOCK, "--namespace", "k8s.io", ...args]);
const blobPath = (registry: string, digest: string) =>
  path.join(T, `${registry}-data`, "docker/registry/v2/blobs/sha256", digest.slice(7, 9), digest.slice(7), "data");

const SPECTRO = "/v2/spectro-images/docker.io/";
const PROXY = "/v2/docker.io/";
const A = testImage("image a: pulled once, then served by the mirror while the upstream is down", { architecture: NODE_ARCH });

describe.skipIf(Boolean(unavailable))("real containerd pulls through the files node-config writes", () => {
  beforeAll(async () => {
    // the node files, exactly as a user makes them
    const spec = path.join(T, "spec.yaml");
    fs.writeFileSync(
      spec,
      yaml.dump({
        "harbor-config": {
          registryInfo: { enabled: false },
          proxyCache: { enabled: true, registries: ["docker.io"] },
          nodeMirror: { spectroImages: true, addresses: ["127.0.0.1:8443"], hostDir: HOSTS },
        },
      }),
    );
    const secrets = path.join(T, "secrets.yaml");
    for (const args of [
      ["secrets", spec, "-o", secrets],
      ["node-config", spec, "--format", "containerd", "--secrets", secrets, "-o", HOSTS],
    ]) {
      const r = cli(args);
      if (r.code !== 0) throw new Error(`harbor-edge ${args[0]}: ${r.stderr}`);
    }
    const tls = (yaml.load(fs.readFileSync(secrets, "utf8")) as any).secrets.tls;
    fs.writeFileSync(path.join(T, "tls.crt"), tls.crt);
    fs.writeFileSync(path.join(T, "tls.key"), tls.key, { mode: 0o600 });

    sh("ip", ["netns", "add", NS]);
    sh("ip", ["-n", NS, "link", "set", "lo", "up"]);
    await startRegistry("upstream", 5001);
    await startRegistry("spectro", 5003);
    push(5001, "library/nm-a", "image a: pulled once, then served by the mirror while the upstream is down");
    push(5001, "library/nm-c", "image c: in the upstream, never pulled");
    push(5001, "library/nm-d", "image d: pulled straight from the upstream, for the timing");
    push(5003, "library/nm-b", "image b: only in spectro-images, as from an air-gap bundle");
    await startRegistry("mirror", 5002, "http://127.0.0.1:5001");
    const routes = JSON.stringify([
      { prefix: SPECTRO, target: "http://127.0.0.1:5003/v2/" },
      { prefix: PROXY, target: "http://127.0.0.1:5002/v2/" },
    ]);
    startInNs(
      "proxy",
      [
        process.execPath,
        "--import",
        "tsx",
        path.join(ROOT, "test/helpers/nm-netns-tool.ts"),
        "proxy",
        "8443",
        path.join(T, "tls.crt"),
        path.join(T, "tls.key"),
        routes,
        PROXY_LOG,
      ],
      ROOT,
    );
    await waitFor("the TLS front", () => logOf("proxy").includes("proxy listening"));

    await startContainerd("containerd", SOCK);
  }, 180_000);

  afterAll(async () => {
    if (timings.length)
      process.stdout.write(`\nbenchmark, one-layer image, CRI PullImage on containerd 1.6 (loopback):\n  ${timings.join("\n  ")}\n`);
    await P.stopAll();
    spawnSync("ip", ["netns", "del", NS]);
    const mounts = fs
      .readFileSync("/proc/mounts", "utf8")
      .split("\n")
      .filter((l) => l.includes(T) || l.includes(`/run/netns/${NS} `));
    if (HOSTS_ROOT) fs.rmSync(HOSTS_ROOT, { recursive: true, force: true });
    if (mounts.length === 0) fs.rmSync(T, { recursive: true, force: true });
    else process.stderr.write(`left mounted (not removed): ${mounts.join("; ")}\n`);
  }, 60_000);

  it("the namespace has no route out", () => {
    expect(sh("ip", ["-n", NS, "route", "show"]).trim()).toBe("");
  });

  it("containerd moves on after spectro-images answers 404 and pulls through the proxy-cache project", async () => {
    const ref = await timed("through the mirror, upstream up (spectro-images 404 first)", () => criPull(SOCK, "docker.io/library/nm-a:1"));
    expect(ref).toBe(A.config.digest);
    // the same size of image straight from the registry (127.0.0.1:5001, no host file: plain http), for comparison
    await timed("direct from the registry, no mirror", () => criPull(SOCK, "127.0.0.1:5001/library/nm-d:1"));
    const log = proxyLog().filter((e) => e.path.includes("/library/nm-a/"));
    // the first host (spectro-images) was asked and said 404, then the second (docker.io) served it
    expect(log[0]).toMatchObject({ method: "HEAD", path: `${SPECTRO}library/nm-a/manifests/1`, status: 404 });
    expect(log.filter((e) => e.route === PROXY && e.status === 200).map((e) => e.path)).toEqual(
      expect.arrayContaining([
        `${PROXY}library/nm-a/manifests/1`,
        `${PROXY}library/nm-a/blobs/${A.layer.digest}`,
        `${PROXY}library/nm-a/blobs/${A.config.digest}`,
      ]),
    );
    // the mirror registry served it (its own access log), fetching from the upstream
    expect(logOf("mirror")).toMatch(/"GET \/v2\/library\/nm-a\/blobs\/sha256:[0-9a-f]{64}\?ns=docker\.io HTTP\/1\.1" 200/);
    expect(logOf("upstream")).toMatch(/\/v2\/library\/nm-a\/manifests\/1/);
  }, 120_000);

  it("an image in spectro-images is served from there: the proxy-cache project is not asked", async () => {
    await criPull(SOCK, "docker.io/library/nm-b:1");
    const log = proxyLog().filter((e) => e.path.includes("/library/nm-b/"));
    expect(log.length).toBeGreaterThan(0);
    expect(log.every((e) => e.route === SPECTRO && e.status === 200)).toBe(true);
  }, 120_000);

  it("with the upstream stopped, a removed image is pulled again from the mirror; one never pulled fails", async () => {
    // the mirror stores a blob in the background after serving it: wait until it holds all of image a
    await waitFor("the mirror to store image a", () =>
      [A.layer.digest, A.config.digest].every((d) => fs.existsSync(blobPath("mirror", d))),
    );
    await stop("upstream");
    expect(P.get("upstream")!.exitCode !== null || P.get("upstream")!.signalCode !== null).toBe(true);

    await criRemove(SOCK, "docker.io/library/nm-a:1");
    await waitFor("containerd to drop image a's content", () => !ctr("content", "ls", "-q").includes(A.layer.digest), { ms: 15_000 });
    expect(ctr("images", "ls", "-q")).not.toMatch(/nm-a/);

    const before = proxyLog().length;
    const mirrorBefore = fs.readFileSync(path.join(T, "mirror.out"), "utf8").length;
    const ref = await timed("through the mirror, upstream down (served from the mirror's copy)", () =>
      criPull(SOCK, "docker.io/library/nm-a:1"),
    );
    expect(ref).toBe(A.config.digest);
    expect(ctr("content", "ls", "-q")).toContain(A.layer.digest);
    const again = proxyLog().slice(before);
    expect(again).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ route: PROXY, path: `${PROXY}library/nm-a/blobs/${A.layer.digest}`, status: 200 }),
      ]),
    );
    // served by the mirror from what it kept (its access log), the upstream being down
    expect(fs.readFileSync(path.join(T, "mirror.out"), "utf8").slice(mirrorBefore)).toContain(
      `"GET /v2/library/nm-a/blobs/${A.layer.digest}?ns=docker.io HTTP/1.1" 200`,
    );

    await expect(criPull(SOCK, "docker.io/library/nm-c:1")).rejects.toThrow(/nm-c/);
    const tried = proxyLog().filter((e) => e.path.includes("/library/nm-c/"));
    expect(tried.some((e) => e.route === PROXY && e.status >= 400)).toBe(true);
  }, 180_000);

  it("a node that joins during the outage (a second containerd, empty store, the same host files) pulls image a from the mirror", async () => {
    expect(P.get("upstream")!.exitCode !== null || P.get("upstream")!.signalCode !== null).toBe(true);
    const sock2 = path.join(T, "c2.sock");
    await startContainerd("containerd-new-node", sock2);
    const before = proxyLog().length;
    expect(await criPull(sock2, "docker.io/library/nm-a:1")).toBe(A.config.digest);
    const served = proxyLog().slice(before);
    expect(served).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ route: PROXY, path: `${PROXY}library/nm-a/blobs/${A.layer.digest}`, status: 200 }),
      ]),
    );
    expect(sh("ctr", ["--address", sock2, "--namespace", "k8s.io", "content", "ls", "-q"])).toContain(A.layer.digest);
    await stop("containerd-new-node");
  }, 120_000);

  it("ctr images pull --hosts-dir reads the same files (resolving in the ctr process, inside the namespace)", () => {
    const before = proxyLog().length;
    const r = ctrPull({ netns: NS, sock: SOCK, namespace: "he-nm-ctr", hostsDir: HOSTS, image: "docker.io/library/nm-a:1" });
    expect(r.status, r.stderr).toBe(0);
    // containerd's own words for the move from spectro-images to the proxy-cache project
    expect(r.stderr).toMatch(/trying next host - response was http\.StatusNotFound" host="127\.0\.0\.1:8443"/);
    const log = proxyLog().slice(before);
    expect(log[0]).toMatchObject({ path: `${SPECTRO}library/nm-a/manifests/1`, status: 404 });
    expect(log.some((e) => e.route === PROXY && e.path === `${PROXY}library/nm-a/manifests/1` && e.status === 200)).toBe(true);
  }, 120_000);
});
