// A given certificate (harbor-config.auth.certs) is checked before anything is written: it parses, matches
// its key, is valid now, was issued by the given CA, and names cluster.hostname and cluster.vip.
import { describe, it, expect, beforeAll } from "vitest";
import yaml from "js-yaml";
import { X509Certificate } from "node:crypto";
import { generateCA, generateServerCert, type KeyAndCert } from "../../generator/src/certs/generate.js";
import { validateSpec } from "../../generator/src/spec/validate.js";
import { HELMS, render, find, decode, tmpFile, valuesFileFor } from "../helpers/chart.js";
import { cli } from "../helpers/cli.js";

const DAY = 86400000;
let ca: KeyAndCert;
let otherCa: KeyAndCert;
const spec = (crt: string, key: string, extra: Record<string, unknown> = {}, cluster: Record<string, unknown> = { vip: "10.0.0.5" }) => ({
  cluster,
  auth: { certs: { crt, key, ...extra } },
});
const errorsOf = (raw: unknown) => validateSpec(raw).errors.map((e) => `${e.path}: ${e.expected}`);

beforeAll(() => {
  ca = generateCA("test-ca", 365);
  otherCa = generateCA("other-ca", 365);
});

describe("validate: a given certificate", () => {
  it("is accepted with the host name and the VIP among its SANs, issued by the given CA", () => {
    const c = generateServerCert("spectro.registry.local", { dns: ["spectro.registry.local"], ips: ["10.0.0.5"] }, 365, ca);
    expect(validateSpec(spec(c.cert, c.key, { ca: ca.cert })).errors).toEqual([]);
  });

  it("is accepted through a wildcard name and an IPv6 VIP", () => {
    const c = generateServerCert("*.registry.local", { dns: ["*.registry.local"], ips: ["fd00::5"] }, 365, ca);
    expect(validateSpec(spec(c.cert, c.key, {}, { vip: "fd00:0:0::5" })).errors).toEqual([]);
  });

  it("is accepted as a chain (leaf, then its issuer) with that issuer as ca", () => {
    const issuer = generateCA("issuing-ca", 365);
    const leaf = generateServerCert("spectro.registry.local", { dns: ["spectro.registry.local"], ips: ["10.0.0.5"] }, 365, issuer);
    expect(validateSpec(spec(leaf.cert + issuer.cert, leaf.key, { ca: issuer.cert })).errors).toEqual([]);
  });

  it.each([
    [
      "without the host name",
      () => generateServerCert("other.example", { dns: ["other.example"], ips: ["10.0.0.5"] }, 365, ca),
      "harbor-config.auth.certs.crt: a certificate for cluster.hostname spectro.registry.local",
    ],
    [
      "without the VIP",
      () => generateServerCert("spectro.registry.local", { dns: ["spectro.registry.local"], ips: ["10.0.0.6"] }, 365, ca),
      "harbor-config.auth.certs.crt: a certificate for cluster.vip 10.0.0.5",
    ],
    [
      "expired",
      () =>
        generateServerCert(
          "spectro.registry.local",
          { dns: ["spectro.registry.local"], ips: ["10.0.0.5"] },
          10,
          ca,
          new Date(Date.now() - 30 * DAY),
        ),
      "harbor-config.auth.certs.crt: a certificate that has not expired",
    ],
    [
      "not yet valid",
      () =>
        generateServerCert(
          "spectro.registry.local",
          { dns: ["spectro.registry.local"], ips: ["10.0.0.5"] },
          365,
          ca,
          new Date(Date.now() + 30 * DAY),
        ),
      "harbor-config.auth.certs.crt: a certificate that is already valid",
    ],
  ])("is refused %s", (_n, make, message) => {
    const c = make();
    expect(errorsOf(spec(c.cert, c.key))).toContainEqual(expect.stringContaining(message));
  });

  it("is refused when the host name is only its common name (Docker and containerd ignore it)", () => {
    const c = generateServerCert("spectro.registry.local", { dns: ["other.example"], ips: ["10.0.0.5"] }, 365, ca);
    expect(errorsOf(spec(c.cert, c.key))).toContainEqual(
      expect.stringContaining(
        "harbor-config.auth.certs.crt: a certificate for cluster.hostname spectro.registry.local as a DNS subject alternative name",
      ),
    );
    expect(validateSpec(spec(c.cert, c.key)).errors[0].given).toContain("only the common name");
  });

  it("cluster.hostname given as an IPv4 address must be an IP SAN: a DNS SAN of the same digits is refused, an IP SAN accepted", () => {
    const asDns = generateServerCert("10.20.0.5", { dns: ["10.20.0.5"], ips: ["10.0.0.5"] }, 365, ca);
    expect(errorsOf(spec(asDns.cert, asDns.key, {}, { hostname: "10.20.0.5", vip: "10.0.0.5" }))).toEqual([
      expect.stringContaining(
        "harbor-config.auth.certs.crt: a certificate for cluster.hostname 10.20.0.5 as an IP subject alternative name",
      ),
    ]);
    const asIp = generateServerCert("10.20.0.5", { dns: [], ips: ["10.20.0.5", "10.0.0.5"] }, 365, ca);
    expect(validateSpec(spec(asIp.cert, asIp.key, {}, { hostname: "10.20.0.5", vip: "10.0.0.5" })).errors).toEqual([]);
  });

  it("is refused with another certificate's key", () => {
    const a = generateServerCert("spectro.registry.local", { dns: ["spectro.registry.local"], ips: ["10.0.0.5"] }, 365, ca);
    const b = generateServerCert("spectro.registry.local", { dns: ["spectro.registry.local"], ips: ["10.0.0.5"] }, 365, ca);
    expect(errorsOf(spec(a.cert, b.key))).toContainEqual(
      expect.stringContaining("harbor-config.auth.certs.key: the private key of auth.certs.crt"),
    );
  });

  it("is refused with a CA that did not issue it", () => {
    const c = generateServerCert("spectro.registry.local", { dns: ["spectro.registry.local"], ips: ["10.0.0.5"] }, 365, ca);
    expect(errorsOf(spec(c.cert, c.key, { ca: otherCa.cert }))).toContainEqual(
      expect.stringContaining("harbor-config.auth.certs.ca: the CA that issued auth.certs.crt"),
    );
  });

  it("warns when it expires within 30 days", () => {
    const c = generateServerCert("spectro.registry.local", { dns: ["spectro.registry.local"], ips: ["10.0.0.5"] }, 10, ca);
    const r = validateSpec(spec(c.cert, c.key));
    expect(r.ok).toBe(true);
    expect(r.warnings.map((w) => w.path)).toContain("harbor-config.auth.certs.crt");
  });

  it("never echoes the key", () => {
    const r = validateSpec(spec("x", "-----BEGIN PRIVATE KEY-----\nsecretsecret\n-----END PRIVATE KEY-----"));
    expect(JSON.stringify(r)).not.toContain('secretsecret\n-----END PRIVATE KEY-----"');
    expect(JSON.stringify(r.errors)).not.toContain("secretsecret");
  });

  it("the CLI exits 1 naming the field, and writes no values", () => {
    const c = generateServerCert("other.example", { dns: ["other.example"], ips: [] }, 365, ca);
    const f = tmpFile("spec.yaml", yaml.dump({ "harbor-config": spec(c.cert, c.key) }));
    const r = cli(["validate", f]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("harbor-config.auth.certs.crt");
  });
});

describe.each(HELMS)("helm $version serves a given certificate", (helm) => {
  it("harbor-tls carries crt, key and ca as given", () => {
    const c = generateServerCert("spectro.registry.local", { dns: ["spectro.registry.local"], ips: ["10.0.0.5"] }, 365, ca);
    const s = validateSpec(spec(c.cert, c.key, { ca: ca.cert })).spec as any;
    const r = render({ helm, valuesFiles: [valuesFileFor(s)] });
    expect(r.stderr).toBe("");
    const tls = find(r.objects, "Secret", "harbor-tls")!;
    expect(decode(tls.data["tls.crt"])).toBe(c.cert);
    expect(decode(tls.data["tls.key"])).toBe(c.key);
    expect(decode(tls.data["ca.crt"])).toBe(ca.cert);
    expect(tls.metadata.annotations!["harbor-edge.io/certificate-source"]).toBe("given");
    expect(find(r.objects, "Secret", "harbor-edge-ca")).toBeUndefined();
  });

  it("without ca, ca.crt is the last certificate of the chain", () => {
    const interCa = generateCA("intermediate-ca", 365);
    const leaf = generateServerCert("spectro.registry.local", { dns: ["spectro.registry.local"], ips: ["10.0.0.5"] }, 365, interCa);
    const s = validateSpec(spec(leaf.cert + interCa.cert, leaf.key)).spec as any;
    const r = render({ helm, valuesFiles: [valuesFileFor(s)] });
    const caCrt = decode(find(r.objects, "Secret", "harbor-tls")!.data["ca.crt"]);
    expect(new X509Certificate(caCrt).subject).toContain("intermediate-ca");
  });
});
