// checkNode against loopback registries with certificates of a CA made here: each failure kind and the success,
// the index narrowed to the node's platform, the fallback server answering while Harbor fails (still not ok),
// the addresses tried in file order, the containerd config_path check, and the bounds.
import { vi, describe, it, expect, beforeAll, afterAll } from "vitest";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import net from "node:net";
import https from "node:https";
import { checkNode } from "../../generator/src/nodecheck/check.js";
import { loadNodeRoots } from "../../generator/src/nodecheck/roots.js";
import { generateCA, generateServerCert, type KeyAndCert } from "../../generator/src/certs/generate.js";
import { startFakeRegistry, contentOf, type LogEntry } from "../fakes/harbor-registry.js";
import { NODE_ARCH } from "../helpers/oci-images.js";

const T = fs.mkdtempSync(path.join(os.tmpdir(), "he-nodecheck-"));
const servers: Array<{ close: () => Promise<void> }> = [];
let ca: KeyAndCert, otherCa: KeyAndCert, cert: KeyAndCert;
let good: { url: string; log: LogEntry[] },
  noSan: { url: string },
  wrongCa: { url: string },
  realmBad: { url: string },
  challenging: { url: string; log: LogEntry[] };
let upstream: { url: string; log: LogEntry[] };
let basicAuth: { url: string; log: LogEntry[] };
const BASIC = "robot$ci:s3cret-Pa55";
/** a host root with no CA store at all (the default for these tests: only the ca lines are trusted) */
const EMPTY_ROOT = path.join(T, "empty-root");
let refused: number;
const harbor = contentOf("harbor");
const up = contentOf("upstream");
const A = harbor["proxy/library/a"]["1"];
const MULTI = harbor["proxy/library/multi"]["1"] as { children: Array<{ digest: string; platform: { architecture: string } }> };

/** hosts.toml for registry.test: the Harbor URLs in order, then the upstream as server. */
function hostsFile(dir: string, urls: string[], extra = "") {
  const d = path.join(dir, "registry.test");
  fs.mkdirSync(d, { recursive: true });
  fs.writeFileSync(path.join(d, "harbor-ca.crt"), ca.cert);
  const text = [
    `server = "${upstream.url}"`,
    ...urls.map(
      (u) =>
        `\n[host."${u}"]\n  capabilities = ["pull", "resolve"]\n  override_path = true\n  ca = "${path.join(d, "harbor-ca.crt")}"${extra}`,
    ),
  ].join("\n");
  fs.writeFileSync(path.join(d, "hosts.toml"), `${text}\n`);
  return dir;
}
let n = 0;
const dirFor = (urls: string[], extra = "") => hostsFile(path.join(T, `case-${n++}`), urls, extra);
const check = (hostDir: string, images: string[], o: Partial<Parameters<typeof checkNode>[0]> = {}) =>
  checkNode({
    node: "node-1",
    hostDir,
    images,
    platform: `linux/${NODE_ARCH}`,
    timeoutMs: 3000,
    now: () => Date.UTC(2026, 0, 2, 3, 4, 5, 678),
    ...(o.hostRoot ? {} : { roots: emptyStore() }),
    ...o,
  });
// an empty CA store (the node trusts nothing of its own), with "/" as the node's root: the ca files the tests name
// are read where they are
const emptyStore = () => loadNodeRoots(EMPTY_ROOT);

beforeAll(async () => {
  ca = generateCA("nodecheck test CA", 1);
  otherCa = generateCA("another CA", 1);
  cert = generateServerCert("harbor", { dns: ["harbor.test"], ips: ["127.0.0.1"] }, 1, ca);
  const start = async (o: Parameters<typeof startFakeRegistry>[0]) => {
    const s = await startFakeRegistry(o);
    servers.push(s);
    return s;
  };
  upstream = await start({ content: up, projects: false });
  good = await start({ tls: cert, content: harbor, private: ["private"] });
  noSan = await start({ tls: generateServerCert("harbor", { dns: ["harbor.test"], ips: [] }, 1, ca), content: harbor });
  wrongCa = await start({ tls: generateServerCert("harbor", { dns: [], ips: ["127.0.0.1"] }, 1, otherCa), content: harbor });
  realmBad = await start({ tls: cert, content: harbor, realm: "https://harbor-realm.invalid/service/token" });
  challenging = await start({ tls: cert, content: harbor, challengeAll: true });
  basicAuth = await start({ tls: cert, content: harbor, private: ["private"], basic: BASIC });
  fs.mkdirSync(EMPTY_ROOT, { recursive: true });
  // a port nothing listens on
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  refused = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
}, 60_000);
afterAll(async () => {
  for (const s of servers) await s.close();
  fs.rmSync(T, { recursive: true, force: true });
});

describe("checkNode", () => {
  it("ok: the platform manifest from Harbor, via the host URL, with ?ns= and containerd's Accept list", async () => {
    const r = await check(dirFor([`${good.url}/v2/proxy`]), ["registry.test/library/a:1"]);
    expect(r).toEqual({
      node: "node-1",
      platform: `linux/${NODE_ARCH}`,
      checkedAt: "2026-01-02T03:04:05Z",
      hostDir: r.hostDir,
      images: [{ image: "registry.test/library/a:1", ok: true, via: `${good.url}/v2/proxy`, digest: A.digest }],
    });
    // as containerd: HEAD (Harbor challenges it), the anonymous token, HEAD again, then GET by digest
    expect(
      good.log
        .filter((e) => e.path.startsWith("/v2/proxy/library/a/") || e.path === "/service/token")
        .map((e) => [e.method, e.path, e.status, e.auth, e.ns]),
    ).toEqual([
      ["HEAD", "/v2/proxy/library/a/manifests/1", 401, false, "registry.test"],
      ["GET", "/service/token", 200, false, undefined],
      ["HEAD", "/v2/proxy/library/a/manifests/1", 200, true, "registry.test"],
      ["GET", `/v2/proxy/library/a/manifests/${A.digest}`, 200, true, "registry.test"],
    ]);
    expect(upstream.log.some((e) => e.path.includes("library/a/"))).toBe(false);
  });

  it("an index: the node's platform manifest, fetched by digest from the same host", async () => {
    const r = await check(dirFor([`${good.url}/v2/proxy`]), ["registry.test/library/multi:1"]);
    const mine = MULTI.children.find((c) => c.platform.architecture === NODE_ARCH)!;
    expect(r.images[0]).toMatchObject({ ok: true, digest: mine.digest });
    expect(good.log.some((e) => e.path === `/v2/proxy/library/multi/manifests/${mine.digest}` && e.status === 200)).toBe(true);
    // another platform's node: that one's manifest
    const other = MULTI.children.find((c) => c.platform.architecture !== NODE_ARCH)!;
    const r2 = await check(dirFor([`${good.url}/v2/proxy`]), ["registry.test/library/multi:1"], {
      platform: `linux/${other.platform.architecture}`,
    });
    expect(r2.images[0]).toMatchObject({ ok: true, digest: other.digest });
    // an index without the node's platform: not-found
    const r3 = await check(dirFor([`${good.url}/v2/proxy`]), ["registry.test/library/other-arch:1"]);
    expect(r3.images[0].failure).toMatchObject({
      kind: "not-found",
      detail: expect.stringContaining(`no manifest for linux/${NODE_ARCH}`),
    });
  });

  it("tls-san: the certificate does not name the address dialled", async () => {
    const r = await check(dirFor([`${noSan.url}/v2/proxy`]), ["registry.test/library/a:1"]);
    expect(r.images[0]).toMatchObject({ ok: false, failure: { kind: "tls-san" } });
    expect(r.images[0].failure!.detail).toMatch(/does not name this address.*127\.0\.0\.1/);
  });

  it("tls-ca: signed by a CA the node does not trust for that host; no ca line: the system roots only", async () => {
    const r = await check(dirFor([`${wrongCa.url}/v2/proxy`]), ["registry.test/library/a:1"]);
    expect(r.images[0].failure).toMatchObject({ kind: "tls-ca" });
    const d = path.join(T, "no-ca", "registry.test");
    fs.mkdirSync(d, { recursive: true });
    fs.writeFileSync(
      path.join(d, "hosts.toml"),
      `server = "${upstream.url}"\n[host."${good.url}/v2/proxy"]\n  capabilities = ["pull", "resolve"]\n  override_path = true\n`,
    );
    expect((await check(path.join(T, "no-ca"), ["registry.test/library/a:1"])).images[0].failure!.kind).toBe("tls-ca");
  });

  it("a relative ca path is read relative to the host directory; a missing CA file fails the host", async () => {
    const d = path.join(T, "rel-ca", "registry.test");
    fs.mkdirSync(d, { recursive: true });
    fs.writeFileSync(path.join(d, "my-ca.pem"), ca.cert);
    fs.writeFileSync(
      path.join(d, "hosts.toml"),
      `[host."${good.url}/v2/proxy"]\n  capabilities = ["pull", "resolve"]\n  override_path = true\n  ca = "my-ca.pem"\n`,
    );
    expect((await check(path.join(T, "rel-ca"), ["registry.test/library/a:1"])).images[0].ok).toBe(true);
    fs.rmSync(path.join(d, "my-ca.pem"));
    expect((await check(path.join(T, "rel-ca"), ["registry.test/library/a:1"])).images[0].failure).toMatchObject({
      kind: "tls-ca",
      detail: expect.stringContaining("my-ca.pem (ca of "),
    });
    expect((await check(path.join(T, "rel-ca"), ["registry.test/library/a:1"])).images[0].failure!.detail).toMatch(
      /: it cannot be read \(ENOENT\), so containerd cannot load it and refuses every pull of registry\.test/,
    );
  });

  it("skip_verify = true is honoured and reported", async () => {
    const r = await check(dirFor([`${wrongCa.url}/v2/proxy`], "\n  skip_verify = true"), ["registry.test/library/a:1"]);
    expect(r.images[0]).toMatchObject({ ok: true, note: expect.stringContaining("skip_verify") });
  });

  it("unauthorized: a private project answers 401 even with the anonymous token (the token dance happened)", async () => {
    const before = good.log.length;
    const r = await check(dirFor([`${good.url}/v2/private`]), ["registry.test/library/a:1"]);
    expect(r.images[0].failure).toMatchObject({ kind: "unauthorized", detail: expect.stringContaining("anonymous token") });
    expect(good.log.slice(before).map((e) => [e.method, e.path, e.status, e.auth])).toEqual([
      ["HEAD", "/v2/private/library/a/manifests/1", 401, false],
      ["GET", "/service/token", 200, false],
      ["HEAD", "/v2/private/library/a/manifests/1", 401, true],
    ]);
    expect(JSON.stringify(r)).not.toMatch(/Bearer [0-9a-f]{32}/);
  });

  it("a registry that challenges every anonymous request: an anonymous token from the realm of the request's Host, then the manifest (ok)", async () => {
    const r = await check(dirFor([`${challenging.url}/v2/proxy`]), ["registry.test/library/a:1"]);
    expect(r.images[0]).toMatchObject({ ok: true, digest: A.digest });
    expect(challenging.log.map((e) => [e.method, e.path, e.status])).toEqual([
      ["HEAD", "/v2/proxy/library/a/manifests/1", 401],
      ["GET", "/service/token", 200],
      ["HEAD", "/v2/proxy/library/a/manifests/1", 200],
      ["GET", `/v2/proxy/library/a/manifests/${A.digest}`, 200],
    ]);
  });

  it("realm-unresolvable: the realm's host does not resolve with the node's resolver (lookup)", async () => {
    const asked: string[] = [];
    const lookup = async (h: string) => {
      asked.push(h);
      if (h === "harbor-realm.invalid") throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${h}`), { code: "ENOTFOUND" });
      return ["127.0.0.1"];
    };
    const r = await check(dirFor([`${realmBad.url}/v2/proxy`]), ["registry.test/library/a:1"], { lookup });
    expect(r.images[0].failure).toMatchObject({ kind: "realm-unresolvable", detail: expect.stringContaining("harbor-realm.invalid") });
    expect(asked).toEqual(["harbor-realm.invalid"]);
    // the same realm, resolvable by this node (to where nothing answers for it): no longer realm-unresolvable
    const r2 = await check(dirFor([`${realmBad.url}/v2/proxy`]), ["registry.test/library/a:1"], { lookup: async () => [`127.0.0.1`] });
    expect(r2.images[0].failure!.kind).not.toBe("realm-unresolvable");
  });

  it("a Harbor address by name is resolved with the node's resolver (lookup); a name it cannot resolve: unreachable", async () => {
    const port = new URL(good.url).port;
    const asked: string[] = [];
    const lookup = async (h: string) => {
      asked.push(h);
      if (h === "harbor.test") return ["127.0.0.1"];
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${h}`), { code: "ENOTFOUND" });
    };
    const r = await check(dirFor([`https://harbor.test:${port}/v2/proxy`]), ["registry.test/library/a:1"], { lookup });
    expect(r.images[0]).toMatchObject({ ok: true, via: `https://harbor.test:${port}/v2/proxy` });
    expect(asked).toContain("harbor.test");
    const r2 = await check(dirFor([`https://nowhere.test:${port}/v2/proxy`]), ["registry.test/library/a:1"], { lookup });
    expect(r2.images[0].failure).toMatchObject({ kind: "unreachable", detail: expect.stringContaining("does not resolve (ENOTFOUND)") });
  });

  it("unreachable: nothing listens at the address", async () => {
    const r = await check(dirFor([`https://127.0.0.1:${refused}/v2/proxy`]), ["registry.test/library/a:1"]);
    expect(r.images[0].failure).toMatchObject({ kind: "unreachable", detail: expect.stringContaining("ECONNREFUSED") });
  });

  it("not-found: Harbor answers 404 while the fallback server has the image: still not ok", async () => {
    const r = await check(dirFor([`${good.url}/v2/proxy`]), ["registry.test/library/missing:1"]);
    expect(r.images[0]).toMatchObject({ ok: false, failure: { kind: "not-found", detail: expect.stringContaining(": 404") } });
    // the check never asks the fallback
    expect(upstream.log.filter((e) => e.path.includes("missing"))).toEqual([]);
  });

  it("the server fallback never makes an image ok: Harbor failing (TLS) while the upstream serves it", async () => {
    const dir = dirFor([`${noSan.url}/v2/proxy`]);
    const r = await check(dir, ["registry.test/library/a:1"]);
    expect(r.images[0].ok).toBe(false);
    // the upstream does serve it (what containerd would fall back to)
    const direct = await fetch(`${upstream.url}/v2/library/a/manifests/1`);
    expect(direct.status).toBe(200);
  });

  it("hosts in file order: the first unreachable, the second ok => ok via the second; failing all, the most telling failure", async () => {
    const r = await check(dirFor([`https://127.0.0.1:${refused}/v2/proxy`, `${good.url}/v2/proxy`]), ["registry.test/library/a:1"]);
    expect(r.images[0]).toMatchObject({ ok: true, via: `${good.url}/v2/proxy`, note: expect.stringContaining("unreachable") });
    // both failing: the first host's failure, the others in the detail
    const r2 = await check(dirFor([`https://127.0.0.1:${refused}/v2/proxy`, `${noSan.url}/v2/proxy`]), ["registry.test/library/a:1"]);
    expect(r2.images[0].failure).toMatchObject({
      kind: "unreachable",
      detail: expect.stringMatching(new RegExp(`ECONNREFUSED; ${noSan.url}/v2/proxy: tls-san: `)),
    });
    // a 404 first (spectro-images lacks it) and another failure after: the other failure is the telling one
    const r3 = await check(dirFor([`${good.url}/v2/spectro-images`, `${good.url}/v2/private`]), ["registry.test/library/a:1"]);
    expect(r3.images[0].failure).toMatchObject({
      kind: "unauthorized",
      detail: expect.stringContaining(`; ${good.url}/v2/spectro-images: not-found: HEAD`),
    });
    // 404 everywhere: not-found
    const r4 = await check(dirFor([`${good.url}/v2/spectro-images`, `${good.url}/v2/proxy`]), ["registry.test/library/missing:1"]);
    expect(r4.images[0].failure!.kind).toBe("not-found");
  });

  it("capabilities as containerd's Resolve: a tag needs pull and resolve, a digest pull only", async () => {
    const only = (caps: string) => {
      const root = path.join(T, `caps-${n++}`);
      const d = path.join(root, "registry.test");
      fs.mkdirSync(d, { recursive: true });
      fs.writeFileSync(path.join(d, "harbor-ca.crt"), ca.cert);
      fs.writeFileSync(
        path.join(d, "hosts.toml"),
        `server = "${upstream.url}"\n[host."${good.url}/v2/proxy"]\n  capabilities = [${caps}]\n  override_path = true\n  ca = "${path.join(d, "harbor-ca.crt")}"\n`,
      );
      return root;
    };
    // pull only: not asked for a tag (no-mirror), asked for a digest (ok)
    const pull = only(`"pull"`);
    expect((await check(pull, ["registry.test/library/a:1"])).images[0].failure).toMatchObject({
      kind: "no-mirror",
      detail: expect.stringContaining("pull and resolve capabilities"),
    });
    expect((await check(pull, [`registry.test/library/a@${A.digest}`])).images[0]).toMatchObject({ ok: true, via: `${good.url}/v2/proxy` });
    // resolve only: containerd skips it for a tag and a digest alike
    const resolve = only(`"resolve"`);
    expect((await check(resolve, ["registry.test/library/a:1"])).images[0].failure).toMatchObject({ kind: "no-mirror" });
    expect((await check(resolve, [`registry.test/library/a@${A.digest}`])).images[0].failure).toMatchObject({
      kind: "no-mirror",
      detail: expect.stringContaining("pull capability"),
    });
  });

  it("no-mirror: no host directory, an empty directory, a hosts.toml containerd cannot parse", async () => {
    const root = path.join(T, "nm");
    fs.mkdirSync(path.join(root, "empty.test"), { recursive: true });
    fs.mkdirSync(path.join(root, "bad.test"), { recursive: true });
    fs.writeFileSync(path.join(root, "bad.test", "hosts.toml"), `[host."https://x/v2"\n`);
    const r = await check(root, ["nginx:1.25", "empty.test/a:1", "bad.test/a:1"]);
    expect(r.images.map((i) => [i.image, i.failure?.kind])).toEqual([
      ["docker.io/library/nginx:1.25", "no-mirror"],
      ["empty.test/a:1", "no-mirror"],
      ["bad.test/a:1", "no-mirror"],
    ]);
    expect(r.images[0].failure!.detail).toContain("https://registry-1.docker.io");
    expect(r.images[2].failure!.detail).toContain("cannot be parsed");
  });

  it("a registry with a port: <host>_<port>_ first, then <host>:<port>, then _default", async () => {
    const root = path.join(T, "ports");
    for (const [dirName, project] of [
      ["registry.test:5000", "proxy"],
      ["_default", "private"],
    ] as const) {
      const d = path.join(root, dirName);
      fs.mkdirSync(d, { recursive: true });
      fs.writeFileSync(
        path.join(d, "hosts.toml"),
        `[host."${good.url}/v2/${project}"]\n  capabilities = ["pull", "resolve"]\n  override_path = true\n  ca = "${path.join(T, "ca.pem")}"\n`,
      );
    }
    fs.writeFileSync(path.join(T, "ca.pem"), ca.cert);
    expect(
      (await check(root, ["registry.test:5000/library/a:1", "other.test/library/a:1"])).images.map((i) => [i.ok, i.via ?? i.failure!.kind]),
    ).toEqual([
      [true, `${good.url}/v2/proxy`],
      [false, "unauthorized"],
    ]);
    fs.mkdirSync(path.join(root, "registry.test_5000_"));
    fs.writeFileSync(path.join(root, "registry.test_5000_", "hosts.toml"), `[host."https://127.0.0.1:${refused}/v2/proxy"]\n`);
    expect((await check(root, ["registry.test:5000/library/a:1"])).images[0].failure!.kind).toBe("unreachable");
  });

  it("hostDirOnNode: ca paths the file names on the node are read where this process sees the directory", async () => {
    const dir = dirFor([`${good.url}/v2/proxy`]);
    // rewrite the file as node-config writes it for the node's /etc/containerd/certs.d
    const f = path.join(dir, "registry.test", "hosts.toml");
    fs.writeFileSync(f, fs.readFileSync(f, "utf8").split(dir).join("/etc/containerd/certs.d"));
    const r = await check(dir, ["registry.test/library/a:1"], { hostDirOnNode: "/etc/containerd/certs.d" });
    expect(r).toMatchObject({ hostDir: "/etc/containerd/certs.d", images: [{ ok: true }] });
  });

  it("containerd-config: config_path not the host directory fails the node and every image, before any request", async () => {
    const dir = dirFor([`${good.url}/v2/proxy`]);
    const cfg = path.join(T, "config.toml");
    fs.writeFileSync(cfg, `version = 2\n[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "/etc/docker/certs.d"\n`);
    const before = good.log.length;
    const r = await check(dir, ["registry.test/library/a:1", "registry.test/library/multi:1"], {
      containerdConfig: cfg,
      containerdConfigOnNode: "/etc/containerd/config.toml",
      hostDirOnNode: "/etc/containerd/certs.d",
    });
    expect(r.nodeFailure).toMatchObject({
      kind: "containerd-config",
      detail: expect.stringContaining(
        'config_path in [plugins."io.containerd.grpc.v1.cri".registry] of /etc/containerd/config.toml is "/etc/docker/certs.d"',
      ),
    });
    expect(r.images.map((i) => [i.ok, i.failure!.kind])).toEqual([
      [false, "containerd-config"],
      [false, "containerd-config"],
    ]);
    expect(good.log.length).toBe(before);
    fs.writeFileSync(cfg, `version = 2\n[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "${dir}"\n`);
    expect((await check(dir, ["registry.test/library/a:1"], { containerdConfig: cfg })).images[0].ok).toBe(true);
  });

  it("HTTP 5xx and an oversized manifest: error", async () => {
    const s = await startFakeRegistry({
      tls: generateServerCert("h", { dns: [], ips: ["127.0.0.1"] }, 1, ca),
      content: harbor,
      status: 503,
    });
    servers.push(s);
    const r = await check(dirFor([`${s.url}/v2/proxy`]), ["registry.test/library/a:1"]);
    expect(r.images[0].failure).toMatchObject({ kind: "error", detail: expect.stringContaining("HTTP 503") });
    const big = { "proxy/library/a": { "1": { ...A, manifest: Buffer.alloc(5 * 1024 * 1024, 32) } } } as any;
    const s2 = await startFakeRegistry({ tls: generateServerCert("h", { dns: [], ips: ["127.0.0.1"] }, 1, ca), content: big });
    servers.push(s2);
    const r2 = await check(dirFor([`${s2.url}/v2/proxy`]), ["registry.test/library/a:1"]);
    expect(r2.images[0].failure).toMatchObject({ kind: "error", detail: expect.stringContaining("larger than 4194304") });
  });

  it("a server that never answers: unreachable within the timeout", async () => {
    const socks: net.Socket[] = [];
    const s = net.createServer((c) => socks.push(c));
    await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
    const port = (s.address() as net.AddressInfo).port;
    const t0 = Date.now();
    const r = await check(dirFor([`https://127.0.0.1:${port}/v2/proxy`]), ["registry.test/library/a:1"], { timeoutMs: 500 });
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(r.images[0].failure!.kind).toBe("unreachable");
    for (const c of socks) c.destroy();
    await new Promise<void>((res) => s.close(() => res()));
  });

  it("a host found unreachable is not dialled again in the round: the next host is asked at once for every other image", async () => {
    const socks: net.Socket[] = [];
    const s = net.createServer((c) => socks.push(c));
    await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
    const port = (s.address() as net.AddressInfo).port;
    const images = [
      "registry.test/library/a:1",
      "registry.test/library/multi:1",
      "registry.test/library/a:1",
      `registry.test/library/a@${A.digest}`,
    ];
    const t0 = Date.now();
    const r = await check(dirFor([`https://127.0.0.1:${port}/v2/proxy`, `${good.url}/v2/proxy`]), images, {
      timeoutMs: 1000,
      concurrency: 1,
    });
    const took = Date.now() - t0;
    // one timeout for the blackholed host, not one per image
    expect(socks).toHaveLength(1);
    expect(took).toBeLessThan(2500);
    expect(r.images.every((i) => i.ok && i.via === `${good.url}/v2/proxy`)).toBe(true);
    expect(r.images.map((i) => i.note)).toEqual(images.map(() => `first tried: https://127.0.0.1:${port}/v2/proxy: unreachable`));
    for (const c of socks) c.destroy();
    await new Promise<void>((res) => s.close(() => res()));
  });

  it("redirects followed as Go's HTTP client (containerd's) follows them: 10, not 11", async () => {
    // a TLS host that answers every request with a chain of `hops` redirects on its own origin, then passes it
    // (headers and all) to the good Harbor and its answer back: the token goes along, as Go sends it to the same host
    const hopper = async (hops: number) => {
      const seen: string[] = [];
      const srv = https.createServer({ key: cert.key, cert: cert.cert }, (req, res) => {
        const u = new URL(req.url ?? "/", "https://x");
        const m = /^\/hop\/(\d+)(\/.*)$/.exec(u.pathname);
        const i = m ? Number(m[1]) : 0;
        const rest = m ? m[2] : u.pathname;
        seen.push(`${req.method} ${i}`);
        if (i < hops) return void res.writeHead(307, { location: `/hop/${i + 1}${rest}${u.search}` }).end();
        const out = https.request(
          `${good.url}${rest}${u.search}`,
          { method: req.method, headers: { ...req.headers, host: new URL(good.url).host }, ca: ca.cert },
          (a) => {
            res.writeHead(a.statusCode ?? 502, a.headers);
            a.pipe(res);
          },
        );
        out.on("error", () => res.destroy());
        out.end();
      });
      await new Promise<void>((r) => srv.listen(0, "127.0.0.1", () => r()));
      servers.push({ close: () => new Promise<void>((r) => srv.close(() => r())) });
      return { url: `https://127.0.0.1:${(srv.address() as net.AddressInfo).port}`, seen };
    };
    const ten = await hopper(10);
    const r10 = await check(dirFor([`${ten.url}/v2/proxy`]), ["registry.test/library/a:1"]);
    expect(r10.images[0], JSON.stringify(r10.images[0])).toMatchObject({ ok: true, digest: expect.any(String) });
    const eleven = await hopper(11);
    const r11 = await check(dirFor([`${eleven.url}/v2/proxy`]), ["registry.test/library/a:1"]);
    expect(r11.images[0].ok).toBe(false);
    expect(r11.images[0].failure?.detail).toContain("HTTP 307");
    // ten redirects followed, the eleventh answer returned as it is: hops 0 to 10 asked, never the Harbor behind
    expect(ten.seen).toContain("HEAD 10");
    expect(eleven.seen).toContain("HEAD 10");
    expect(eleven.seen).not.toContain("HEAD 11");
  });
});

describe("what containerd trusts: the node's CA store (never Node's roots) plus the ca files", () => {
  /** hosts.toml for registry.test with one Harbor URL and these lines in its table (no ca line unless given) */
  const file = (url: string, lines: string[]) => {
    const dir = path.join(T, `case-${n++}`);
    const d = path.join(dir, "registry.test");
    fs.mkdirSync(d, { recursive: true });
    fs.writeFileSync(
      path.join(d, "hosts.toml"),
      `server = "${upstream.url}"\n\n[host."${url}"]\n  capabilities = ["pull", "resolve"]\n  override_path = true\n${lines.map((l) => `  ${l}\n`).join("")}`,
    );
    return dir;
  };
  const hostRoot = (bundle: string) => {
    const r = path.join(T, `root-${n++}`);
    fs.mkdirSync(path.join(r, "etc/ssl/certs"), { recursive: true });
    fs.writeFileSync(path.join(r, "etc/ssl/certs/ca-certificates.crt"), bundle);
    return r;
  };

  it("the CA only in the node's store (its ca-certificates.crt), no ca line: ok", async () => {
    const r = await check(file(`${good.url}/v2/proxy`, []), ["registry.test/library/a:1"], { hostRoot: hostRoot(otherCa.cert + ca.cert) });
    expect(r.images).toEqual([{ image: "registry.test/library/a:1", ok: true, via: `${good.url}/v2/proxy`, digest: A.digest }]);
  });

  it("the CA in neither the store nor a ca line: tls-ca, saying what the node's store holds", async () => {
    const r = await check(file(`${good.url}/v2/proxy`, []), ["registry.test/library/a:1"], { hostRoot: hostRoot(otherCa.cert) });
    expect(r.images[0]).toMatchObject({ ok: false, failure: { kind: "tls-ca" } });
    expect(r.images[0].failure!.detail).toMatch(
      /the certificate is not signed by a CA the node trusts for this host \(\w+\); trusted: 1 CA certificate in the node's store \(\/etc\/ssl\/certs\/ca-certificates\.crt\), no ca file$/,
    );
  });

  it("the ca line adds to the store (an unrelated store does not hide it); a ca file with no certificate in it: tls-ca, as containerd cannot load it", async () => {
    const root = hostRoot(otherCa.cert);
    const dir = file(`${good.url}/v2/proxy`, [`ca = "harbor-ca.crt"`]);
    fs.writeFileSync(path.join(dir, "registry.test", "harbor-ca.crt"), ca.cert);
    expect((await check(dir, ["registry.test/library/a:1"], { hostRoot: root })).images[0]).toMatchObject({ ok: true });
    fs.writeFileSync(path.join(dir, "registry.test", "harbor-ca.crt"), "not a certificate\n");
    const r = await check(dir, ["registry.test/library/a:1"], { hostRoot: hostRoot(ca.cert) });
    expect(r.images[0].failure).toEqual({
      kind: "tls-ca",
      detail: `${path.join(dir, "registry.test", "harbor-ca.crt")} (ca of ${good.url}/v2/proxy): it holds no PEM certificate, so containerd cannot load it and refuses every pull of registry.test, the fallback to ${upstream.url} included`,
    });
  });

  it("a ca file containerd cannot load fails the whole registry, even when it belongs to a later host or the server (containerd loads every host's before it asks any)", async () => {
    const dir = file(`${good.url}/v2/proxy`, []);
    // the first host would answer; a second, never reached, names a ca file that is not there
    fs.appendFileSync(
      path.join(dir, "registry.test", "hosts.toml"),
      `\n[host."https://127.0.0.1:${refused}"]\n  capabilities = ["pull"]\n  ca = "missing.crt"\n`,
    );
    const r = await check(dir, ["registry.test/library/a:1"], { hostRoot: hostRoot(ca.cert) });
    expect(r.images[0]).toMatchObject({
      ok: false,
      failure: {
        kind: "tls-ca",
        detail: expect.stringMatching(/missing\.crt \(ca of https:\/\/127\.0\.0\.1:\d+\): it cannot be read \(ENOENT\)/),
      },
    });
  });

  it("a ca path outside the host directory is read under the host root (the node's file, not this process's); one missing there under a mounted root is not known, not counted", async () => {
    const root = hostRoot(otherCa.cert);
    fs.mkdirSync(path.join(root, "etc/pki/ca-trust/source/anchors"), { recursive: true });
    fs.writeFileSync(path.join(root, "etc/pki/ca-trust/source/anchors/harbor.crt"), ca.cert);
    const dir = file(`${good.url}/v2/proxy`, [`ca = "/etc/pki/ca-trust/source/anchors/harbor.crt"`]);
    expect((await check(dir, ["registry.test/library/a:1"], { hostRoot: root })).images[0]).toMatchObject({ ok: true });
    const elsewhere = file(`${good.url}/v2/proxy`, [`ca = "/opt/certs/harbor.crt"`]);
    const r = await check(elsewhere, ["registry.test/library/a:1"], { hostRoot: root });
    expect(r.images[0]).toMatchObject({
      ok: false,
      failure: { kind: "error", detail: expect.stringContaining("/opt/certs/harbor.crt (ca of ") },
    });
    expect(r.images[0].failure!.detail).toContain("whether containerd can load it is not known");
  });

  it("each ca file is read once a round, whatever number of images name it", async () => {
    const dir = file(`${good.url}/v2/proxy`, [`ca = "harbor-ca.crt"`]);
    fs.writeFileSync(path.join(dir, "registry.test", "harbor-ca.crt"), ca.cert);
    const spy = vi.spyOn(fs, "readFileSync");
    try {
      const r = await check(dir, ["registry.test/library/a:1", "registry.test/library/a:1", "registry.test/library/a:1"], {
        hostRoot: hostRoot(otherCa.cert),
      });
      expect(r.images.map((i) => i.ok)).toEqual([true, true, true]);
      expect(spy.mock.calls.filter(([f]) => String(f).endsWith("harbor-ca.crt"))).toHaveLength(1);
    } finally {
      spy.mockRestore();
    }
  });
});

describe("hosts.toml headers: sent on every request to the host, never shown", () => {
  const secret = `Basic ${Buffer.from(BASIC).toString("base64")}`;
  const file = (table: string) => {
    const dir = path.join(T, `case-${n++}`);
    const d = path.join(dir, "registry.test");
    fs.mkdirSync(d, { recursive: true });
    fs.writeFileSync(path.join(d, "harbor-ca.crt"), ca.cert);
    fs.writeFileSync(
      path.join(d, "hosts.toml"),
      `server = "${upstream.url}"\n\n[host."${basicAuth.url}/v2/private"]\n  capabilities = ["pull", "resolve"]\n  override_path = true\n  ca = "harbor-ca.crt"\n${table}`,
    );
    return dir;
  };

  it("an authorization header written by hand: a private project's image, with it on every request (no token asked)", async () => {
    const before = basicAuth.log.length;
    const r = await check(file(`[host."${basicAuth.url}/v2/private".header]\n  authorization = "${secret}"\n  x-extra = ["1", "2"]\n`), [
      "registry.test/library/a:1",
    ]);
    expect(r.images).toEqual([{ image: "registry.test/library/a:1", ok: true, via: `${basicAuth.url}/v2/private`, digest: A.digest }]);
    expect(basicAuth.log.slice(before).map((e) => [e.method, e.path, e.status, e.basic])).toEqual([
      ["HEAD", "/v2/private/library/a/manifests/1", 200, true],
      ["GET", `/v2/private/library/a/manifests/${A.digest}`, 200, true],
    ]);
  });

  it("without it: unauthorized; with wrong credentials: unauthorized naming the host file's header, never its value", async () => {
    const none = await check(file(""), ["registry.test/library/a:1"]);
    expect(none.images[0].failure!.kind).toBe("unauthorized");
    const wrong = `Basic ${Buffer.from("robot$ci:wrong-Pa55").toString("base64")}`;
    const r = await check(file(`[host."${basicAuth.url}/v2/private".header]\n  Authorization = "${wrong}"\n`), [
      "registry.test/library/a:1",
    ]);
    expect(r.images[0].failure).toEqual({
      kind: "unauthorized",
      detail: `HEAD ${basicAuth.url}/v2/private/library/a/manifests/1: 401 and a basic challenge: the authorization header of the host file is refused`,
    });
    expect(JSON.stringify(r)).not.toContain(wrong.slice(6));
  });

  it("a header value with a line break: an error naming the header, not its value, and nothing sent", async () => {
    const before = basicAuth.log.length;
    const r = await check(file(`[host."${basicAuth.url}/v2/private".header]\n  authorization = "${secret}\\r\\nX-Injected: 1"\n`), [
      "registry.test/library/a:1",
    ]);
    expect(r.images[0].failure!.kind).toBe("error");
    expect(r.images[0].failure!.detail).toMatch(/header\.authorization: a value with CR, LF or NUL/);
    expect(JSON.stringify(r)).not.toMatch(/Basic|X-Injected/);
    expect(basicAuth.log.length).toBe(before);
  });
});
