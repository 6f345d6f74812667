// The decisive test: the check's verdict matches real containerd. Debian's containerd 1.6 (ctr images pull
// --hosts-dir, which resolves and fetches in the ctr process with containerd's own hosts.toml code) and
// `harbor-edge node-check --json` run side by side, inside one network namespace made here (he-nc-<pid>, only
// loopback, no route out), against the same host directory and the same servers:
//   - a test Harbor (test/fakes/harbor-registry.ts: Harbor 2.15.1's anonymous pull and token realm) on
//     127.0.0.1:8443 with a certificate of the CA the host file names, and variants: no SAN for 127.0.0.1
//     (8444), another CA (8445), a token realm naming a host the node cannot resolve (8446), a realm from the
//     request's Host (8448); nothing at 8447;
//   - the upstream registry as the file's `server` (plain http, 5000) holding the same names with other
//     bytes, so a pull that containerd completes through the fallback is told apart by its digest.
// The node's own CA store: ctr fetches in its own process, so for the cases that name a store it runs with
// SSL_CERT_FILE / SSL_CERT_DIR pointing into a host root made here (a bundle with the test CA, or one without it),
// and the check reads the same host root (--host-root): the CA only there, with no ca line, is trusted by both;
// in neither, by neither (containerd then pulls from the upstream, told apart by its digest). Other cases: ctr
// with this machine's store and the check with / (the same files). A case with a `header` table sends Basic
// credentials written by hand in hosts.toml to a private project (8443 grants them, Harbor's basic auth).
// For each case containerd got the image from Harbor (its digest is Harbor's) exactly when the check says
// ok; otherwise containerd's own log names the same cause on the Harbor host, and (where the upstream has
// the image) containerd did pull it, from the upstream, which the check does not count.
// The namespace resolves names with /etc/netns/he-nc-<pid>/resolv.conf (a nameserver on its loopback where
// nothing listens), which ip netns exec mounts over /etc/resolv.conf for ctr and the CLI alike.
//
// Runs when root with containerd, ctr and ip; otherwise one NOT RUN line. Every process is stopped by PID,
// the namespace and /etc/netns/he-nc-<pid> removed in afterAll.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import fs from "node:fs";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { ensureDebianPackages } from "../helpers/debian.js";
import { Processes, runOk } from "../helpers/process.js";
import { waitFor } from "../helpers/wait.js";
import { BIN } from "../helpers/cli.js";
import { contentOf } from "../fakes/harbor-registry.js";
import { NODE_ARCH, type TestImage, type TestIndex } from "../helpers/oci-images.js";
import { generateCA, generateServerCert } from "../../generator/src/certs/generate.js";
import { ROOT } from "../../generator/src/paths.js";
import type { NodeResult, NodeFailureKind } from "../../generator/src/nodecheck/types.js";
import { ctrPull } from "../helpers/cri-images.js";

const unavailable =
  process.getuid?.() !== 0
    ? "needs root (network namespaces)"
    : ensureDebianPackages(["containerd", "iproute2"], ["containerd", "ctr", "ip"]);
if (unavailable)
  process.stderr.write(`\n*** NOT RUN: test/nodecheck/containerd.test.ts (node-check against real containerd): ${unavailable} ***\n\n`);

const NS = `he-nc-${process.pid}`;
const NETNS_ETC = path.join("/etc/netns", NS);
const T = unavailable ? "" : fs.mkdtempSync("/tmp/he-nc-");
const SOCK = path.join(T, "c.sock");
const LOG = path.join(T, "requests.log");
const P = new Processes(T);
const madeEtcNetns = !fs.existsSync("/etc/netns");

const harbor = contentOf("harbor");
const upstream = contentOf("upstream");
const digestOf = (img: TestImage | TestIndex | undefined) => img?.digest;

const sh = (cmd: string, args: string[]) => runOk(cmd, args);
const startInNs = (name: string, argv: string[]) => P.start(name, argv, { cwd: ROOT, prefix: ["ip", "netns", "exec", NS] });
const logOf = (name: string) => P.log(name);
/** `harbor-edge node-check --json` for one image, in the test's network namespace (its host files, its resolver). */
const nodeCheckInNs = (hostDir: string, image: string, root?: string) =>
  spawnSync(
    "ip",
    [
      "netns",
      "exec",
      NS,
      process.execPath,
      BIN,
      "node-check",
      "--json",
      "--node",
      "n1",
      "--host-dir",
      hostDir,
      ...(root ? ["--host-root", root] : []),
      "--timeout",
      "5",
      image,
    ],
    {
      encoding: "utf8",
      timeout: 120_000,
    },
  );
const requests = (): Array<{ port: number; method: string; path: string; status: number; auth: boolean; basic?: boolean }> =>
  fs.existsSync(LOG)
    ? fs
        .readFileSync(LOG, "utf8")
        .trim()
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l))
    : [];

interface Case {
  name: string;
  /** the Harbor host URL in the file */
  harbor: string;
  repo: string;
  /** the check's verdict: ok, or the failure kind */
  want: "ok" | NodeFailureKind;
  /** what containerd's log says about the Harbor host when it fails there */
  ctrSays?: RegExp;
  /** containerd's error when the fallback is down too */
  ctrFinal?: RegExp;
  /** no ca line in the host table */
  noCa?: boolean;
  /** the node's CA store for both: a bundle with the test CA, or without it (default: this machine's) */
  store?: "with-ca" | "without-ca";
  /** lines of a [host."URL".header] table */
  header?: string[];
}
const BASIC = "robot$ci:s3cret-Pa55";
const CASES: Case[] = [
  { name: "ok", harbor: "https://127.0.0.1:8443/v2/proxy", repo: "library/a", want: "ok" },
  { name: "ok: an index, the node's platform", harbor: "https://127.0.0.1:8443/v2/proxy", repo: "library/multi", want: "ok" },
  {
    name: "ok: a registry that challenges every anonymous request (realm from the request's Host)",
    harbor: "https://127.0.0.1:8448/v2/proxy",
    repo: "library/a",
    want: "ok",
  },
  {
    name: "tls-san: the certificate does not name 127.0.0.1",
    harbor: "https://127.0.0.1:8444/v2/proxy",
    repo: "library/a",
    want: "tls-san",
    ctrSays: /x509: cannot validate certificate for 127\.0\.0\.1 because it doesn't contain any IP SANs/,
  },
  {
    name: "tls-ca: signed by a CA the file does not name",
    harbor: "https://127.0.0.1:8445/v2/proxy",
    repo: "library/a",
    want: "tls-ca",
    ctrSays: /x509: certificate signed by unknown authority/,
  },
  // containerd 1.6 moves on after a 401 without a log line: Harbor's log shows the same exchange as the check's
  {
    name: "unauthorized: a private project",
    harbor: "https://127.0.0.1:8443/v2/private",
    repo: "library/a",
    want: "unauthorized",
    ctrFinal: /401 Unauthorized/,
  },
  {
    name: "unreachable: nothing listens",
    harbor: "https://127.0.0.1:8447/v2/proxy",
    repo: "library/a",
    want: "unreachable",
    ctrSays: /dial tcp 127\.0\.0\.1:8447: connect: connection refused/,
  },
  {
    name: "not-found: Harbor answers 404, the upstream has it",
    harbor: "https://127.0.0.1:8443/v2/proxy",
    repo: "library/missing",
    want: "not-found",
    ctrSays: /trying next host - response was http\.StatusNotFound" host="127\.0\.0\.1:8443"/,
  },
  {
    name: "realm-unresolvable: the token realm names a host the node cannot resolve",
    harbor: "https://127.0.0.1:8446/v2/proxy",
    repo: "library/a",
    want: "realm-unresolvable",
    ctrSays: /failed to fetch anonymous token.*harbor-realm\.invalid/,
  },
  {
    name: "ok: the CA only in the node's store, no ca line",
    harbor: "https://127.0.0.1:8443/v2/proxy",
    repo: "library/a",
    want: "ok",
    noCa: true,
    store: "with-ca",
  },
  {
    name: "tls-ca: the CA in neither the node's store nor a ca line",
    harbor: "https://127.0.0.1:8443/v2/proxy",
    repo: "library/a",
    want: "tls-ca",
    noCa: true,
    store: "without-ca",
    ctrSays: /x509: certificate signed by unknown authority/,
  },
  {
    name: "ok: a private project with an authorization header written in the host file",
    harbor: "https://127.0.0.1:8443/v2/private",
    repo: "library/a",
    want: "ok",
    header: [`authorization = "Basic ${Buffer.from(BASIC).toString("base64")}"`],
  },
];
/** the host root of a case's node CA store (or undefined: this machine's) */
const rootOf = (c: Case) => (c.store ? path.join(T, `root-${c.store}`) : undefined);
/** ctr's environment: Go's system pool read from the case's host root, as the check reads it */
const ctrEnv = (c: Case): NodeJS.ProcessEnv => {
  const r = rootOf(c);
  return r
    ? {
        ...process.env,
        SSL_CERT_FILE: path.join(r, "etc/ssl/certs/ca-certificates.crt"),
        SSL_CERT_DIR: `${path.join(r, "etc/ssl/certs")}:${path.join(r, "etc/pki/tls/certs")}`,
      }
    : process.env;
};

describe.skipIf(Boolean(unavailable))("node-check agrees with real containerd (ctr images pull --hosts-dir)", () => {
  beforeAll(async () => {
    const ca = generateCA("node-check test CA", 1);
    const other = generateCA("a CA no node trusts", 1);
    const files: Record<string, string> = {
      "ca.crt": ca.cert,
      ...Object.fromEntries(
        (
          [
            ["good", generateServerCert("harbor", { dns: ["harbor.test"], ips: ["127.0.0.1"] }, 1, ca)],
            ["nosan", generateServerCert("harbor", { dns: ["harbor.test"], ips: [] }, 1, ca)],
            ["wrongca", generateServerCert("harbor", { dns: [], ips: ["127.0.0.1"] }, 1, other)],
          ] as const
        ).flatMap(([n, k]) => [
          [`${n}.crt`, k.cert],
          [`${n}.key`, k.key],
        ]),
      ),
    };
    for (const [f, text] of Object.entries(files)) fs.writeFileSync(path.join(T, f), text, { mode: 0o600 });
    const tlsOf = (n: string) => ({ cert: path.join(T, `${n}.crt`), key: path.join(T, `${n}.key`) });
    fs.writeFileSync(
      path.join(T, "servers.json"),
      JSON.stringify([
        { port: 5000, side: "upstream" },
        { port: 8443, side: "harbor", ...tlsOf("good"), private: ["private"], basic: BASIC },
        { port: 8444, side: "harbor", ...tlsOf("nosan") },
        { port: 8445, side: "harbor", ...tlsOf("wrongca") },
        // a public project, but the realm names a host the node cannot resolve
        { port: 8446, side: "harbor", ...tlsOf("good"), realm: "https://harbor-realm.invalid/service/token" },
        { port: 8448, side: "harbor", ...tlsOf("good"), challengeAll: true },
      ]),
    );
    // a host directory per case, as node-config writes it: Harbor's address, then the registry itself
    CASES.forEach((c, i) => {
      const d = path.join(T, `hosts-${i}`, "registry.test");
      fs.mkdirSync(d, { recursive: true });
      fs.copyFileSync(path.join(T, "ca.crt"), path.join(d, "harbor-ca.crt"));
      const header = c.header ? `[host."${c.harbor}".header]\n${c.header.map((l) => `  ${l}\n`).join("")}` : "";
      fs.writeFileSync(
        path.join(d, "hosts.toml"),
        `server = "http://127.0.0.1:5000"\n\n[host."${c.harbor}"]\n  capabilities = ["pull", "resolve"]\n  override_path = true\n${c.noCa ? "" : `  ca = "${path.join(d, "harbor-ca.crt")}"\n`}${header}`,
      );
    });
    // the nodes' CA stores: Debian's bundle file, with the test CA (and another) or with the other alone
    for (const [name, bundle] of [
      ["with-ca", other.cert + ca.cert],
      ["without-ca", other.cert],
    ] as const) {
      fs.mkdirSync(path.join(T, `root-${name}`, "etc/ssl/certs"), { recursive: true });
      fs.writeFileSync(path.join(T, `root-${name}`, "etc/ssl/certs/ca-certificates.crt"), bundle);
    }

    sh("ip", ["netns", "add", NS]);
    sh("ip", ["-n", NS, "link", "set", "lo", "up"]);
    fs.mkdirSync(NETNS_ETC, { recursive: true });
    // the node's resolver: /etc/hosts knows localhost only; the name server (on loopback) does not answer
    fs.writeFileSync(path.join(NETNS_ETC, "resolv.conf"), "nameserver 127.0.0.1\noptions timeout:1 attempts:1\n");
    fs.writeFileSync(path.join(NETNS_ETC, "hosts"), "127.0.0.1 localhost\n::1 localhost\n");

    startInNs("servers", [
      process.execPath,
      "--import",
      "tsx",
      path.join(ROOT, "test/helpers/nodecheck-tool.ts"),
      "serve",
      path.join(T, "servers.json"),
      LOG,
    ]);
    await waitFor("the test registries", () => logOf("servers").includes("listening"), { ms: 60_000 });
    fs.writeFileSync(
      path.join(T, "containerd.toml"),
      `version = 2\nroot = "${T}/root"\nstate = "${T}/state"\ndisabled_plugins = ["io.containerd.grpc.v1.cri"]\n[grpc]\n  address = "${SOCK}"\n`,
    );
    startInNs("containerd", ["containerd", "--config", path.join(T, "containerd.toml")]);
    await waitFor("containerd's socket", () => fs.existsSync(SOCK));
  }, 180_000);

  afterAll(async () => {
    await P.stopAll();
    spawnSync("ip", ["netns", "del", NS]);
    fs.rmSync(NETNS_ETC, { recursive: true, force: true });
    if (madeEtcNetns) fs.rmdirSync("/etc/netns");
    const mounts = fs
      .readFileSync("/proc/mounts", "utf8")
      .split("\n")
      .filter((l) => (T && l.includes(T)) || l.includes(`/run/netns/${NS} `));
    if (mounts.length === 0 && T) fs.rmSync(T, { recursive: true, force: true });
    else if (mounts.length) process.stderr.write(`left mounted (not removed): ${mounts.join("; ")}\n`);
  }, 60_000);

  it("the namespace has no route out", () => {
    expect(sh("ip", ["-n", NS, "route", "show"]).trim()).toBe("");
  });

  it.each(CASES.map((c, i) => [c.name, c, i] as const))(
    "%s",
    (_n, c, i) => {
      const hostDir = path.join(T, `hosts-${i}`);
      const image = `registry.test/${c.repo}:1`;
      const before = requests().length;
      const pull = ctrPull({ netns: NS, sock: SOCK, namespace: `nc-${i}`, hostsDir: hostDir, image, env: ctrEnv(c) });
      const listed =
        pull.status === 0 ? sh("ip", ["netns", "exec", NS, "ctr", "--address", SOCK, "--namespace", `nc-${i}`, "images", "ls"]) : "";
      const pulledDigest = listed
        .split("\n")
        .find((l) => l.startsWith(`${image} `))
        ?.split(/\s+/)[2];
      const fromHarbor = pull.status === 0 && pulledDigest === digestOf(harbor[`proxy/${c.repo}`]?.["1"]);

      const harborPort = Number(new URL(c.harbor).port);
      const ctrRequests = requests()
        .slice(before)
        .filter((e) => e.port === harborPort);
      const ctrAsked = ctrRequests.map((e) => `${e.method} ${e.path} ${e.status}${e.auth ? " (token)" : ""}`);
      const root = rootOf(c);
      const check = nodeCheckInNs(hostDir, image, root);
      expect(check.status, check.stderr).toBe(fromHarbor ? 0 : 1);
      const r = JSON.parse(check.stdout) as NodeResult;
      expect(r.platform).toMatch(new RegExp(`^linux/${NODE_ARCH}`));
      const verdict = r.images[0];

      // the decisive assertion: the check says ok exactly when containerd got the image from Harbor
      expect(verdict.ok, `${pull.stderr}\n${JSON.stringify(verdict)}`).toBe(fromHarbor);
      if (c.want === "ok") {
        expect(fromHarbor, pull.stderr).toBe(true);
        // containerd sent the host file's credentials on every request to Harbor (manifests and blobs alike)
        if (c.header)
          expect(
            ctrRequests.length > 0 && ctrRequests.every((e) => e.basic === true && e.status === 200),
            JSON.stringify(ctrRequests),
          ).toBe(true);
        expect(verdict).toMatchObject({ via: c.harbor });
        const img = harbor[`proxy/${c.repo}`]["1"];
        // the platform manifest's digest: containerd pulled it (the index's child for this machine)
        const platformDigest = "children" in img ? img.children.find((x) => x.platform.architecture === NODE_ARCH)!.digest : img.digest;
        expect(verdict.digest).toBe(platformDigest);
      } else {
        expect(verdict.failure?.kind, verdict.failure?.detail).toBe(c.want);
        // containerd failed on the Harbor host for the same reason ...
        if (c.ctrSays) expect(pull.stderr).toMatch(c.ctrSays);
        else
          expect(ctrAsked).toEqual([
            `HEAD /v2/private/${c.repo}/manifests/1 401`,
            "GET /service/token 200",
            `HEAD /v2/private/${c.repo}/manifests/1 401 (token)`,
          ]);
        // ... and then pulled the image from the upstream (the fallback), which the check does not count
        expect(pull.status, pull.stderr).toBe(0);
        expect(pulledDigest).toBe(digestOf(upstream[c.repo]?.["1"]));
      }
    },
    180_000,
  );

  it("a ca file containerd cannot load, on a host after a good one: containerd refuses the whole registry (no Harbor request, no fallback), and the check says tls-ca", () => {
    for (const [n, extra] of [
      ["missing", `  ca = "${path.join(T, "no-such-ca.crt")}"\n`],
      ["empty", `  ca = "${path.join(T, "empty-ca.crt")}"\n`],
    ] as const) {
      fs.writeFileSync(path.join(T, "empty-ca.crt"), "not a certificate\n");
      const d = path.join(T, `hosts-badca-${n}`, "registry.test");
      fs.mkdirSync(d, { recursive: true });
      fs.copyFileSync(path.join(T, "ca.crt"), path.join(d, "harbor-ca.crt"));
      fs.writeFileSync(
        path.join(d, "hosts.toml"),
        `server = "http://127.0.0.1:5000"\n\n[host."https://127.0.0.1:8443/v2/proxy"]\n  capabilities = ["pull", "resolve"]\n  override_path = true\n  ca = "${path.join(d, "harbor-ca.crt")}"\n\n[host."https://127.0.0.1:8447/v2/proxy"]\n  capabilities = ["pull"]\n  override_path = true\n${extra}`,
      );
      const image = "registry.test/library/a:1";
      const before = requests().length;
      const pull = ctrPull({ netns: NS, sock: SOCK, namespace: `nc-badca-${n}`, hostsDir: path.dirname(d), image });
      expect(pull.status, `${n}: ${pull.stderr}`).not.toBe(0);
      expect(pull.stderr).toMatch(/unable to (read|load) CA cert/);
      // nothing was asked of Harbor nor of the upstream: containerd gave up before any request
      expect(requests().slice(before)).toEqual([]);
      const check = nodeCheckInNs(path.dirname(d), image);
      expect(check.status, check.stderr).toBe(1);
      expect((JSON.parse(check.stdout) as NodeResult).images[0]).toMatchObject({ ok: false, failure: { kind: "tls-ca" } });
    }
  }, 180_000);

  it("without the fallback (server unreachable) containerd fails exactly where the check does", () => {
    // the same files with server on a port nothing listens on: containerd's pull result is the check's verdict
    const results = CASES.map((c, i) => {
      const f = path.join(T, `hosts-${i}`, "registry.test", "hosts.toml");
      fs.writeFileSync(f, fs.readFileSync(f, "utf8").replace('server = "http://127.0.0.1:5000"', 'server = "http://127.0.0.1:5999"'));
      const image = `registry.test/${c.repo}:1`;
      const pull = ctrPull({
        netns: NS,
        sock: SOCK,
        namespace: `nc-down-${i}`,
        hostsDir: path.join(T, `hosts-${i}`),
        image: image,
        env: ctrEnv(c),
      });
      if (c.ctrFinal) expect(pull.stderr).toMatch(c.ctrFinal);
      return [c.name, pull.status === 0, c.want === "ok"];
    });
    expect(results.map(([n, pulled]) => [n, pulled])).toEqual(results.map(([n, , ok]) => [n, ok]));
  }, 300_000);
});
