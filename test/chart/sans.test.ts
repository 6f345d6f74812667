// Every address nodes reach Harbor at is a subject alternative name of the certificate the chart generates,
// whatever the spec: containerd checks the host it dials against the SANs and, on a mismatch, quietly tries
// the next host (the upstream), so a node address left out is a silent fallback. generatedSans() (what
// `harbor-edge secrets` and validate use) and the chart's harbor-edge.sans must name the same SANs: random
// specs render both.
import { describe, it, expect } from "vitest";
import fc from "fast-check";
import net from "node:net";
import { X509Certificate } from "node:crypto";
import { HELMS, render, find, decode, valuesFileFor, valuesFileForRaw } from "../helpers/chart.js";
import { validateSpec } from "../../generator/src/spec/validate.js";
import { generatedSans, sansText } from "../../generator/src/spec/sans.js";
import { mirrorAddresses, addressHost } from "../../generator/src/spec/mirrors.js";
import { subjectAltNames, normalizeIp, dnsNameCovers } from "../../generator/src/certs/pem.js";
import { NAMES } from "../../generator/src/common/names.js";
import type { Spec } from "../../generator/src/spec/types.js";

const SEED = process.env.HARBOR_EDGE_FC_SEED === "random" ? undefined : Number(process.env.HARBOR_EDGE_FC_SEED ?? 20261122);

const ipv4 = fc.tuple(fc.integer({ min: 1, max: 223 }), fc.nat(255), fc.nat(255), fc.integer({ min: 1, max: 254 })).map((p) => p.join("."));
const ipv6 = fc.tuple(fc.integer({ min: 0xfd00, max: 0xfdff }), fc.nat(0xffff)).map(([a, b]) => `${a.toString(16)}::${b.toString(16)}`);
const name = fc
  .tuple(fc.constantFrom("harbor", "registry", "node-1"), fc.constantFrom("lan", "edge.local", "site.example"))
  .map(([a, b]) => `${a}.${b}`);
const port = fc.constantFrom("", ":30003", ":443", ":8443");
const address = fc.oneof(
  fc.tuple(ipv4, port).map(([h, p]) => h + p),
  fc.tuple(ipv6, fc.constantFrom(":30003", ":443")).map(([h, p]) => `[${h}]${p}`),
  fc.tuple(name, port).map(([h, p]) => h + p),
);
const rawSpec = fc.record({
  cluster: fc.record({
    vip: fc.oneof(fc.constant(""), ipv4, ipv6),
    hostname: fc.constantFrom("spectro.registry.local", "registry.site.lan", "10.20.0.5"),
  }),
  service: fc.record({ serviceType: fc.constantFrom("NodePort", "LoadBalancer", "ClusterIP") }),
  auth: fc.record({ certs: fc.record({ extraSANs: fc.uniqueArray(fc.oneof(ipv4, name), { maxLength: 2 }) }) }),
  nodeMirror: fc.record({ addresses: fc.uniqueArray(address, { maxLength: 3 }) }),
});

function covered(host: string, sans: { dns: string[]; ips: string[] }): boolean {
  if (net.isIP(host)) return sans.ips.includes(normalizeIp(host));
  return sans.dns.some((d) => dnsNameCovers(d, host));
}

describe("generatedSans()", () => {
  it("names every node address: the given ones, IPv6 without brackets or port", () => {
    const spec = validateSpec({
      cluster: { vip: "10.0.0.5" },
      nodeMirror: { addresses: ["10.0.0.6:30003", "[fd00::7]:30003", "harbor.lan:30003", "10.0.0.8"] },
    }).spec as Spec;
    const s = generatedSans(spec, "harbor");
    expect(s.ips).toEqual(["10.0.0.5", "10.0.0.6", "fd00::7", "10.0.0.8", "127.0.0.1"]);
    expect(s.dns).toContain("harbor.lan");
  });

  it("names the VIP address nodes use when no address is given", () => {
    const spec = validateSpec({ cluster: { vip: "fd00::5" } }).spec as Spec;
    expect(mirrorAddresses(spec)).toEqual(["[fd00::5]:30003"]);
    expect(generatedSans(spec, "harbor").ips).toEqual(["fd00::5", "127.0.0.1"]);
  });

  it("cluster.hostname given as an IPv4 address is an IP SAN, not a DNS name (a TLS client dialling an IP looks only at IP SANs)", () => {
    const spec = validateSpec({ cluster: { hostname: "10.20.0.5", vip: "10.0.0.5" } }).spec as Spec;
    const s = generatedSans(spec, "harbor");
    expect(s.ips).toEqual(["10.20.0.5", "10.0.0.5", "127.0.0.1"]);
    expect(s.dns).not.toContain("10.20.0.5");
  });

  it("validate no longer refuses a node address for a generated certificate: the certificate will name it", () => {
    const r = validateSpec({ proxyCache: { enabled: true }, nodeMirror: { enabled: true, addresses: ["10.9.9.9:30003"] } });
    expect(r.errors.filter((e) => e.path.startsWith("harbor-config.nodeMirror.addresses"))).toEqual([]);
  });
});

describe.each(HELMS)("helm $version: the chart's certificate names every node address", (helm) => {
  it("random specs: the chart's SANs are generatedSans(), and the served certificate covers every node address", () => {
    fc.assert(
      fc.property(rawSpec, (raw) => {
        const v = validateSpec(raw);
        if (!v.ok) return; // e.g. an address without a port warns but is valid; only invalid specs are skipped
        const spec = v.spec as Spec;
        const r = render({ helm, valuesFiles: [valuesFileFor(spec)] });
        expect(r.code, r.stderr).toBe(0);
        const tls = find(r.objects, "Secret", NAMES.tlsSecret)!;
        expect(tls.metadata.annotations!["harbor-edge.io/sans"]).toBe(sansText(generatedSans(spec, "harbor")));
        const served = subjectAltNames(new X509Certificate(decode(tls.data["tls.crt"])));
        for (const a of mirrorAddresses(spec)) expect(covered(addressHost(a), served), `${a} not in ${JSON.stringify(served)}`).toBe(true);
      }),
      { numRuns: 12, seed: SEED },
    );
  });

  it("cluster.hostname as an IPv4 address: the certificate the chart serves has it as an IP SAN, and a TLS client dialling that IP accepts it", () => {
    const spec = validateSpec({ cluster: { hostname: "10.20.0.5" } }).spec as Spec;
    const r = render({ helm, valuesFiles: [valuesFileFor(spec)] });
    expect(r.code, r.stderr).toBe(0);
    const cert = new X509Certificate(decode(find(r.objects, "Secret", NAMES.tlsSecret)!.data["tls.crt"]));
    expect(subjectAltNames(cert).ips).toContain("10.20.0.5");
    expect(subjectAltNames(cert).dns).not.toContain("10.20.0.5");
    expect(cert.checkIP("10.20.0.5")).toBe("10.20.0.5");
  });

  it("a node address added by --set (no validate, no new values file) is in the certificate; the guard does not refuse it", () => {
    const values = valuesFileForRaw({ cluster: { vip: "10.0.0.5" } });
    const base = render({ helm, valuesFiles: [values] });
    const withAddress = render({ helm, valuesFiles: [values], set: ["harbor-config.nodeMirror.addresses={10.0.0.77:30003}"] });
    expect(withAddress.code, withAddress.stderr).toBe(0);
    const ips = (r: typeof base) =>
      subjectAltNames(new X509Certificate(decode(find(r.objects, "Secret", NAMES.tlsSecret)!.data["tls.crt"]))).ips;
    expect(ips(base)).not.toContain("10.0.0.77");
    expect(ips(withAddress)).toContain("10.0.0.77");
  });
});
