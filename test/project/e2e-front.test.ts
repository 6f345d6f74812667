// The kind drill's front (test/e2e/front.ts) cannot be run where it is used here (no Docker), so it is checked
// on loopback against the node check itself (checkNode, as the node-check DaemonSet runs it) and a registry
// that answers like Harbor 2.15.1 (its token realm built from the request's Host): forwarded requests pass, a
// badRealm prefix gives `realm-unresolvable`, a badSan client gets `tls-san`, and the front logs each of them.
// Every certificate comes from a CA made as the chart makes harbor-edge-ca (ECDSA P-256), through the same
// functions the drill uses (test/helpers/openssl-certs.ts): node-forge cannot sign with such a CA.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { checkNode } from "../../generator/src/nodecheck/check.js";
import crypto from "node:crypto";
import { ROOT } from "../../generator/src/paths.js";
import { generateServerCert } from "../../generator/src/certs/generate.js";
import { ecdsaCA, signedCert, type Pem } from "../helpers/openssl-certs.js";
import { startFakeRegistry, contentOf } from "../fakes/harbor-registry.js";
import { NODE_ARCH } from "../helpers/oci-images.js";
import { waitFor } from "../helpers/wait.js";
import { startFront, type Front } from "../e2e/front.js";

const T = fs.mkdtempSync(path.join(os.tmpdir(), "he-e2e-front-"));
let ca: Pem;
let harbor: Awaited<ReturnType<typeof startFakeRegistry>>;
const fronts: Front[] = [];

async function front(o: { badSan?: string[]; badRealm?: Array<{ prefix: string; host: string }> }): Promise<Front> {
  const cert = signedCert(ca, "harbor", { dns: ["localhost"], ips: ["127.0.0.1"] }, 1);
  const bad = signedCert(ca, "harbor", { dns: ["harbor"], ips: [] }, 1);
  const f = await startFront({
    host: "127.0.0.1",
    cert: cert.cert,
    key: cert.key,
    badCert: bad.cert,
    badKey: bad.key,
    upstream: { host: "127.0.0.1", port: harbor.port, ca: ca.cert },
    ...o,
  });
  fronts.push(f);
  return f;
}

/** A host directory whose registry.test/hosts.toml sends pulls to the front (project proxy), with the CA. */
function hostDir(f: Front): string {
  const d = path.join(T, `front-${f.port}`, "registry.test");
  fs.mkdirSync(d, { recursive: true });
  fs.writeFileSync(path.join(d, "harbor-ca.crt"), ca.cert);
  fs.writeFileSync(
    path.join(d, "hosts.toml"),
    `server = "https://127.0.0.1:1"\n\n[host."https://127.0.0.1:${f.port}/v2/proxy"]\n  capabilities = ["pull", "resolve"]\n  override_path = true\n  ca = "${path.join(d, "harbor-ca.crt")}"\n`,
  );
  return path.dirname(d);
}
const check = (f: Front, images: string[]) =>
  checkNode({ node: "node-1", hostDir: hostDir(f), images, platform: `linux/${NODE_ARCH}`, timeoutMs: 5000 });

beforeAll(async () => {
  ca = ecdsaCA("harbor-edge-ca", 1);
  harbor = await startFakeRegistry({
    tls: signedCert(ca, "harbor", { dns: ["localhost"], ips: ["127.0.0.1"] }, 1),
    content: contentOf("harbor"),
  });
}, 60_000);
afterAll(async () => {
  for (const f of fronts) await f.close();
  await harbor.close();
  fs.rmSync(T, { recursive: true, force: true });
});

describe("test/e2e/front.ts", () => {
  it("its CA is made as the chart makes harbor-edge-ca: an ECDSA P-256 key, which node-forge cannot sign with (so the drill signs with openssl)", () => {
    // the chart: a new CA is genCAWithKey ... (genPrivateKey "ecdsa"), and sprig's "ecdsa" is P-256
    expect(fs.readFileSync(path.join(ROOT, "chart", "templates", "_helpers-tls.tpl"), "utf8")).toMatch(
      /genCAWithKey \(include "harbor-edge\.name" \(list \. "caCommonName"\)\) \(int \$c\.auth\.certs\.caValidityDays\) \(genPrivateKey "ecdsa"\)/,
    );
    const key = crypto.createPrivateKey(ca.key);
    expect([key.asymmetricKeyType, key.asymmetricKeyDetails?.namedCurve]).toEqual(["ec", "prime256v1"]);
    expect(ca.key).toMatch(/^-----BEGIN EC PRIVATE KEY-----\n/);
    expect(new crypto.X509Certificate(ca.cert).ca).toBe(true);
    expect(() => generateServerCert("harbor", { dns: ["harbor"], ips: [] }, 1, ca)).toThrow(/OID is not RSA/);
    // what signedCert makes from it: a P-256 key, and a certificate for exactly the names asked, signed by that CA
    const leaf = signedCert(ca, "harbor", { dns: ["harbor", "localhost"], ips: ["127.0.0.1"] }, 1);
    const x = new crypto.X509Certificate(leaf.cert);
    expect([
      x.subjectAltName,
      x.ca,
      x.verify(new crypto.X509Certificate(ca.cert).publicKey),
      x.checkPrivateKey(crypto.createPrivateKey(leaf.key)),
    ]).toEqual(["DNS:harbor, DNS:localhost, IP Address:127.0.0.1", false, true, true]);
    expect(leaf.key).toMatch(/^-----BEGIN EC PRIVATE KEY-----\n/);
    // a name that would add another to openssl's extension line, or none at all, is refused
    expect(() => signedCert(ca, "harbor", { dns: ["harbor,DNS:evil"], ips: [] }, 1)).toThrow(/refusing the name "DNS:harbor,DNS:evil"/);
    expect(() => signedCert(ca, "harbor", { dns: [], ips: [] }, 1)).toThrow(/at least one DNS name or IP address/);
  });

  it("forwards to Harbor as it came: the node check pulls through it (HEAD, the token at the realm Harbor names, the manifest)", async () => {
    const f = await front({});
    const r = await check(f, ["registry.test/library/a:1"]);
    expect(r.images[0]).toMatchObject({ ok: true, via: `https://127.0.0.1:${f.port}/v2/proxy` });
    expect(
      f.log
        .filter((e) => e.path?.startsWith("/v2/proxy/library/a/") || e.path?.startsWith("/service/token"))
        .map((e) => [e.client, e.method, e.path, e.status]),
    ).toEqual([
      ["127.0.0.1", "HEAD", "/v2/proxy/library/a/manifests/1?ns=registry.test", 401],
      ["127.0.0.1", "GET", expect.stringMatching(/^\/service\/token\?/), 200],
      ["127.0.0.1", "HEAD", "/v2/proxy/library/a/manifests/1?ns=registry.test", 200],
      ["127.0.0.1", "GET", expect.stringMatching(/^\/v2\/proxy\/library\/a\/manifests\/sha256:/), 200],
    ]);
  });

  it("badRealm: under the prefix Harbor sees another Host and names a realm the node cannot resolve (realm-unresolvable); elsewhere as before", async () => {
    const f = await front({ badRealm: [{ prefix: "/v2/proxy/library/multi/", host: "harbor-token.drill.invalid:30003" }] });
    const r = await check(f, ["registry.test/library/multi:1", "registry.test/library/a:1"]);
    expect(r.images.map((i) => [i.image, i.ok, i.failure?.kind])).toEqual([
      ["registry.test/library/multi:1", false, "realm-unresolvable"],
      ["registry.test/library/a:1", true, undefined],
    ]);
    expect(r.images[0].failure!.detail).toContain("https://harbor-token.drill.invalid:30003/service/token");
  });

  it("badSan: that client gets a certificate without the address it dials (tls-san), logged as a failed handshake; the others do not", async () => {
    const f = await front({ badSan: ["127.0.0.1"] });
    const r = await check(f, ["registry.test/library/a:1"]);
    expect(r.images[0]).toMatchObject({ ok: false, failure: { kind: "tls-san" } });
    // logged when the client closes the connection it refused (TLS 1.3: after the server's side of the handshake)
    await waitFor("the front to log the refused handshake", () => f.log.some((e) => e.client === "127.0.0.1" && e.tlsError), { ms: 5000 });
    expect(f.log.some((e) => e.path)).toBe(false);
    const other = await front({ badSan: ["10.0.0.9"] });
    expect((await check(other, ["registry.test/library/a:1"])).images[0].ok).toBe(true);
  });
});
