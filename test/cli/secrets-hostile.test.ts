// Secrets on disk and in output, from hostile inputs made here: output files are 0600, a broken secrets file is
// named by line and column and never quoted, credentials go only to the registry's own origin (and never to an
// http:// token realm elsewhere), a kubeconfig with a CA and insecure-skip-tls-verify is refused as kubectl does,
// and what `status` and the report print from the cluster carries no terminal escape.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import http from "node:http";
import type { AddressInfo } from "node:net";
import yaml from "js-yaml";
import { cli } from "../helpers/cli.js";
import { HELMS } from "../helpers/chart.js";
import { writeFileAtomic, PUBLIC } from "../../generator/src/io/atomic.js";
import { Registry, RegistryError } from "../../generator/src/registry/distribution.js";
import { loadKubeconfig } from "../../generator/src/kube/client.js";
import { formatStatus, type ReportStatus } from "../../generator/src/status/status.js";
import { formatReport, type Report } from "../../generator/src/report/run.js";
import { printable } from "../../generator/src/io/printable.js";
import { maskSecrets, readSecretsFile } from "../../generator/src/secrets/read.js";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "secrets-hostile-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const f = path.join(tmp, name);
  fs.writeFileSync(f, text);
  return f;
};
const mode = (f: string) => fs.statSync(f).mode & 0o777;

const PASSWORD = "Hunter2-Secret-Value";
/** A secrets file with a YAML error on line 4, after a password and a key. */
const BROKEN = `secrets:\n  adminPassword: ${PASSWORD}\n  coreSecret: "abcdefgh12345678"\n  tokenKey: [unclosed\n`;
const leaks = (s: string) =>
  [PASSWORD, "adminPassword", "coreSecret", "tokenKey", "abcdefgh12345678", "unclosed"].filter((x) => s.includes(x));

describe("files holding credentials are written 0600", () => {
  it("writeFileAtomic: private unless told public, replacing a 0644 file makes it 0600", () => {
    const f = path.join(tmp, "out", "a.yaml");
    writeFileAtomic(f, "x");
    expect(mode(f)).toBe(0o600);
    fs.chmodSync(f, 0o644);
    writeFileAtomic(f, "y");
    expect(mode(f)).toBe(0o600);
    writeFileAtomic(path.join(tmp, "out", "b.toml"), "x", PUBLIC);
    expect(mode(path.join(tmp, "out", "b.toml")) & 0o600).toBe(0o600);
    expect(fs.readdirSync(path.join(tmp, "out")).sort()).toEqual(["a.yaml", "b.toml"]);
  });

  it("values -o with a password: 0600", () => {
    const spec = file("pw.yaml", yaml.dump({ "harbor-config": { auth: { password: "Abcdefgh1234" } } }));
    const out = path.join(tmp, "values-out.yaml");
    const r = cli(["values", spec, "-o", out]);
    expect(r.stderr).toMatch(/wrote/);
    expect(r.code).toBe(0);
    expect(mode(out)).toBe(0o600);
  });

  it("secrets -o: 0600", () => {
    const spec = file("plain.yaml", yaml.dump({ "harbor-config": {} }));
    const out = path.join(tmp, "secrets-out.yaml");
    const r = cli(["secrets", spec, "-o", out]);
    expect(r.code, r.stderr).toBe(0);
    expect(mode(out)).toBe(0o600);
  });

  it.skipIf(HELMS.length === 0)("render: manifests.yaml (every Secret) and values.yaml are 0600", () => {
    const dir = path.join(tmp, "render");
    const r = cli(["render", "examples/edge-single-node.yaml", "-d", dir, "--own-only"]);
    expect(r.code, r.stderr).toBe(0);
    expect(fs.readFileSync(path.join(dir, "manifests.yaml"), "utf8")).toMatch(/^kind: Secret$/m);
    expect(mode(path.join(dir, "manifests.yaml"))).toBe(0o600);
    expect(mode(path.join(dir, "values.yaml"))).toBe(0o600);
  });
});

describe("no message quotes a secrets file", () => {
  const broken = file("broken-secrets.yaml", BROKEN);

  it("readSecretsFile: the line and column, nothing of the text", () => {
    expect(() => readSecretsFile(broken)).toThrow(
      /broken-secrets\.yaml is not valid YAML or JSON at line \d+, column \d+: \(its content is not shown: the file holds secrets\)$/,
    );
    try {
      readSecretsFile(broken);
    } catch (e) {
      expect(leaks((e as Error).message)).toEqual([]);
    }
  });

  it("seed --secrets", () => {
    const r = cli(["seed", "--bundle", tmp, "--harbor", "https://127.0.0.1:9", "--secrets", broken]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/broken-secrets\.yaml is not valid YAML or JSON at line/);
    expect(leaks(r.stdout + r.stderr)).toEqual([]);
  });

  it("node-config --secrets", () => {
    const spec = file("nc.yaml", yaml.dump({ "harbor-config": { cluster: { vip: "10.0.0.1" }, proxyCache: { enabled: true } } }));
    const r = cli(["node-config", spec, "--format", "k3s", "--secrets", broken]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/broken-secrets\.yaml is not valid YAML or JSON at line/);
    expect(leaks(r.stdout + r.stderr)).toEqual([]);
  });

  it.skipIf(HELMS.length === 0)("render -s: a YAML error, and helm's values-schema error, without the values", () => {
    const dir = path.join(tmp, "render-s");
    const r = cli(["render", "examples/edge-single-node.yaml", "-s", broken, "-d", dir, "--own-only"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/broken-secrets\.yaml is not valid YAML or JSON at line/);
    expect(leaks(r.stdout + r.stderr)).toEqual([]);
    const ctl = file("ctl-secrets.yaml", `secrets:\n  adminPassword: "${PASSWORD}\\x01"\n`);
    const r2 = cli(["render", "examples/edge-single-node.yaml", "-s", ctl, "-d", dir, "--own-only"]);
    expect(r2.code).not.toBe(0);
    expect(r2.stderr).toMatch(/\/secrets\/adminPassword': \(a value, not shown\)/);
    expect(r2.stderr).not.toContain("Hunter2");
    expect(fs.existsSync(dir)).toBe(false);
  });

  it("maskSecrets masks values as they are, per line, and as Go quotes them", () => {
    const f = file(
      "ok-secrets.yaml",
      yaml.dump({
        secrets: { adminPassword: `${PASSWORD}\u0001`, tls: { key: "-----BEGIN KEY-----\nAAAABBBBCCCC\n-----END KEY-----\n" } },
      }),
    );
    const masked = maskSecrets(`x ${PASSWORD}\\x01 y AAAABBBBCCCC z`, [f]);
    expect(masked).not.toContain(PASSWORD);
    expect(masked).not.toContain("AAAABBBBCCCC");
  });
});

/** A server that records what reaches it and answers with handler. */
async function server(handler: (req: http.IncomingMessage, res: http.ServerResponse, self: string) => void) {
  const seen: Array<{ method: string; url: string; authorization?: string }> = [];
  let self = "";
  const s = http.createServer((req, res) => {
    seen.push({ method: req.method!, url: req.url!, authorization: req.headers.authorization });
    req.resume();
    req.on("end", () => handler(req, res, self));
  });
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  self = `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
  return { url: self, seen, close: () => new Promise<void>((r) => s.close(() => r())) };
}

describe("credentials go only to the registry's own origin", () => {
  let elsewhere: Awaited<ReturnType<typeof server>>;
  beforeAll(async () => {
    // another origin: an upload target and an http:// token realm, recording any credentials it is sent
    elsewhere = await server((req, res) => {
      if (req.url!.startsWith("/token")) return res.writeHead(200, { "content-type": "application/json" }).end('{"token":"t"}');
      res.writeHead(201).end();
    });
  });
  afterAll(() => elsewhere.close());

  it("an upload Location on another origin gets the request without Basic credentials", async () => {
    const reg = await server((req, res) => {
      if (!req.headers.authorization) return res.writeHead(401, { "www-authenticate": 'Basic realm="r"' }).end();
      if (req.method === "POST") return res.writeHead(202, { location: `${elsewhere.url}/upload/1` }).end();
      res.writeHead(500).end();
    });
    try {
      const r = new Registry({ url: reg.url, username: "admin", password: PASSWORD });
      await r.pushBlob("p/r", `sha256:${"0".repeat(64)}`, Buffer.from("x"));
      const put = elsewhere.seen.find((s) => s.url.startsWith("/upload/1"));
      expect(put?.method).toBe("PUT");
      expect(put?.authorization).toBeUndefined();
      expect(reg.seen.some((s) => s.authorization?.startsWith("Basic "))).toBe(true);
    } finally {
      await reg.close();
    }
  });

  it("a token realm on http:// elsewhere is refused before any credential is sent", async () => {
    const before = elsewhere.seen.length;
    const reg = await server((_req, res, self) =>
      res.writeHead(401, { "www-authenticate": `Bearer realm="${elsewhere.url}/token",service="harbor-registry"` }).end(self),
    );
    try {
      const r = new Registry({ url: reg.url, username: "admin", password: PASSWORD });
      const e = await r.ping().catch((x) => x);
      expect(e).toBeInstanceOf(RegistryError);
      expect(e.message).toMatch(
        /token service on plain http \(http:\/\/127\.0\.0\.1:\d+\), not its own origin .*credentials are not sent there/,
      );
      expect(elsewhere.seen.length).toBe(before);
    } finally {
      await reg.close();
    }
  });

  it("a token realm on the registry's own http origin (the user chose http for it) works", async () => {
    const reg = await server((req, res, self) => {
      if (req.url!.startsWith("/token")) return res.writeHead(200, { "content-type": "application/json" }).end('{"token":"t"}');
      if (req.headers.authorization === "Bearer t") return res.writeHead(200).end();
      res.writeHead(401, { "www-authenticate": `Bearer realm="${self}/token",service="harbor-registry"` }).end();
    });
    try {
      await new Registry({ url: reg.url, username: "admin", password: PASSWORD }).ping();
      expect(reg.seen.find((s) => s.url.startsWith("/token"))?.authorization).toMatch(/^Basic /);
    } finally {
      await reg.close();
    }
  });

  it("a 401 from another origin is not answered with a token request", async () => {
    const other = await server((_req, res) => res.writeHead(401, { "www-authenticate": `Bearer realm="${elsewhere.url}/token"` }).end());
    const reg = await server((_req, res) => res.writeHead(200).end());
    try {
      const r = new Registry({ url: reg.url, username: "admin", password: PASSWORD });
      const a = await r.send("GET", `${other.url}/x`, "");
      expect(a.status).toBe(401);
      expect(other.seen.every((s) => s.authorization === undefined)).toBe(true);
    } finally {
      await other.close();
      await reg.close();
    }
  });
});

describe("kubeconfig: insecure-skip-tls-verify with a CA is refused, as kubectl does", () => {
  const kc = (cluster: Record<string, unknown>) =>
    file(
      `kc-${Object.keys(cluster).join("-")}.yaml`,
      yaml.dump({
        apiVersion: "v1",
        kind: "Config",
        "current-context": "c",
        contexts: [{ name: "c", context: { cluster: "k", user: "u" } }],
        clusters: [{ name: "k", cluster: { server: "https://127.0.0.1:6443", ...cluster } }],
        users: [{ name: "u", user: { token: "tok-secret-123" } }],
      }),
    );
  it("certificate-authority-data + insecure-skip-tls-verify: true", () => {
    expect(() =>
      loadKubeconfig(kc({ "insecure-skip-tls-verify": true, "certificate-authority-data": Buffer.from("x").toString("base64") })),
    ).toThrow(/cluster "k": specifying a root certificates file with the insecure flag is not allowed \(kubectl's words\)/);
  });
  it("certificate-authority (a file) + insecure-skip-tls-verify: true", () => {
    expect(() => loadKubeconfig(kc({ "insecure-skip-tls-verify": true, "certificate-authority": "/nonexistent/ca.crt" }))).toThrow(
      /insecure flag is not allowed/,
    );
  });
  it("either alone is accepted", () => {
    expect(loadKubeconfig(kc({ "insecure-skip-tls-verify": true })).insecure).toBe(true);
    expect(loadKubeconfig(kc({ "certificate-authority-data": Buffer.from("x").toString("base64") })).insecure).toBe(false);
  });
  it("a broken kubeconfig does not quote its token", () => {
    const f = file("kc-broken.yaml", "users:\n- name: u\n  user: {token: tok-secret-123\n");
    expect(() => loadKubeconfig(f)).toThrow(/not valid YAML \(at line \d+, column \d+/);
    try {
      loadKubeconfig(f);
    } catch (e) {
      expect((e as Error).message).not.toContain("tok-secret-123");
    }
  });
});

describe("what status and the report print from the cluster is stripped of control characters", () => {
  const ESC = "\u001b";
  const hostile = [`${ESC}]0;pwned\u0007`, `${ESC}[2J${ESC}[H`, "\u009b31m", "line\nbreak", "\r\u202eevil", "\u0000"];
  const terminalSafe = (s: string) => expect(s.replace(/\n/g, "")).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);

  it("printable shows escapes instead of sending them", () => {
    expect(printable(`a${ESC}[31mb\u009bc\nd\u202ee`)).toBe("a\\x1b[31mb\\x9bc\\x0ad\\u{202e}e");
  });
  it("formatStatus: every field from the ConfigMap and the Event", () => {
    const s: ReportStatus = {
      namespace: "harbor",
      summary: `1 of 2 ${hostile[0]}`,
      held: 1,
      total: 2,
      allHeld: false,
      missing: hostile,
      platforms: [hostile[1]],
      updated: hostile[2],
      lastEvent: { type: hostile[3], reason: hostile[4], message: hostile.join(""), time: hostile[5] },
    };
    const out = formatStatus(s);
    terminalSafe(out);
    // summary and where, "missing:", one line each, "nodes were not measured", the Event, the final newline
    expect(out.split("\n").length).toBe(2 + 1 + hostile.length + 1 + 1 + 1);
    expect(out).toContain("\\x1b]0;pwned\\x07");
    // the per-node lines (key nodes): the node's name and its missing lines one line each, escaped
    const withNodes = formatStatus({
      ...s,
      nodes: [{ name: hostile.join(""), held: 0, total: hostile.length, missing: hostile, checkedAt: hostile[0] }],
    });
    terminalSafe(withNodes);
    expect(withNodes.split("\n").length).toBe(2 + 1 + hostile.length + 1 + hostile.length + 1 + 1);
  });
  it("formatReport: image names, namespaces and the summary", () => {
    const r: Report = {
      summary: `x${hostile[0]}`,
      held: 0,
      total: 1,
      allHeld: false,
      missing: hostile,
      platforms: ["linux/amd64"],
      skipped: [hostile[1]],
      updated: hostile[2],
      requests: { harbor: 0, kube: 0 },
    };
    terminalSafe(formatReport(r, "https://harbor"));
  });
});
