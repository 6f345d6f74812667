// NOTES.txt and the docs name only addresses the certificate covers: Docker and containerd refuse a
// registry whose address is not among the certificate's subject alternative names (they ignore the CN),
// so every host:port users are told to log in to, push to, pull from or trust must be a SAN of harbor-tls.
import { describe, it, expect } from "vitest";
import fs from "node:fs";
import path from "node:path";
import net from "node:net";
import { X509Certificate } from "node:crypto";
import { HELMS, render, renderNotes, find, decode, valuesFileForRaw } from "../helpers/chart.js";
import { NAMES } from "../../generator/src/common/names.js";
import { subjectAltNames, normalizeIp, dnsNameCovers, type SubjectAltNames } from "../../generator/src/certs/pem.js";
import { ROOT } from "../../generator/src/paths.js";

const HOST = String.raw`(?:\d{1,3}(?:\.\d{1,3}){3}|[A-Za-z_][A-Za-z0-9_.-]*)`;

/** The registry and web addresses a text points clients at: https:// URLs, docker commands, certs.d paths. */
export function addresses(text: string): string[] {
  const out: string[] = [];
  const patterns = [
    new RegExp(String.raw`https://(${HOST})(?::\d+)?`, "g"),
    new RegExp(String.raw`docker (?:login|tag \S+|push|pull) (${HOST})(?::\d+)?`, "g"),
    new RegExp(String.raw`/etc/docker/certs\.d/(${HOST})(?::\d+)?/`, "g"),
    new RegExp(String.raw`/etc/containerd/certs\.d/(${HOST})(?::\d+)?/`, "g"),
  ];
  for (const re of patterns) for (const m of text.matchAll(re)) out.push(m[1]);
  return [...new Set(out)];
}

function covered(host: string, sans: SubjectAltNames): boolean {
  if (net.isIP(host)) return sans.ips.includes(normalizeIp(host));
  return sans.dns.some((p) => dnsNameCovers(p, host));
}

function sansOf(raw: Record<string, unknown>, helm = HELMS[0]): SubjectAltNames {
  const r = render({ helm, valuesFiles: [valuesFileForRaw(raw)] });
  if (r.code !== 0) throw new Error(r.stderr);
  return subjectAltNames(new X509Certificate(decode(find(r.objects, "Secret", NAMES.tlsSecret)!.data["tls.crt"])));
}

it("the address parser finds what it must (so the checks below can fail)", () => {
  expect(
    addresses(
      "open https://NODE_IP:30003\ndocker login 10.0.0.1:30003 --username admin\ndocker tag alpine:latest h.lan:30003/library/alpine\n/etc/docker/certs.d/x.lan:30003/ca.crt",
    ),
  ).toEqual(["NODE_IP", "10.0.0.1", "h.lan", "x.lan"]);
  expect(covered("NODE_IP", { dns: ["spectro.registry.local"], ips: ["127.0.0.1"] })).toBe(false);
  expect(covered("a.edge.local", { dns: ["*.edge.local"], ips: [] })).toBe(true);
});

describe.each(HELMS)("helm $version: NOTES.txt", (helm) => {
  it.each([
    ["NodePort, defaults", { cluster: { uid: "abc123" } }],
    ["NodePort with a VIP and extra SANs", { cluster: { vip: "10.1.2.3" }, auth: { certs: { extraSANs: ["harbor.lan", "192.168.7.7"] } } }],
    ["LoadBalancer on the VIP", { service: { serviceType: "LoadBalancer" }, cluster: { vip: "10.1.2.3" } }],
    ["LoadBalancer without a VIP, on port 8443", { service: { serviceType: "LoadBalancer", harbor: { https: { port: 8443 } } } }],
    ["ClusterIP", { service: { serviceType: "ClusterIP" } }],
    ["another host name", { cluster: { hostname: "registry.site.lan" } }],
  ])("%s: every address it names is a SAN of the certificate", (_name, raw) => {
    const n = renderNotes({ helm, valuesFiles: [valuesFileForRaw(raw)] });
    expect(n.stderr).toBe("");
    const found = addresses(n.notes);
    expect(found.length).toBeGreaterThan(0);
    const sans = sansOf(raw, helm);
    for (const host of found) expect(covered(host, sans), `${host} not in ${JSON.stringify(sans)}`).toBe(true);
    expect(n.notes).toContain("auth.certs.extraSANs");
  });

  it("a node IP given as an extra SAN is covered, and the note names it", () => {
    const raw = { auth: { certs: { extraSANs: ["192.168.7.7"] } } };
    expect(sansOf(raw, helm).ips).toContain("192.168.7.7");
    expect(renderNotes({ helm, valuesFiles: [valuesFileForRaw(raw)] }).notes).toContain("192.168.7.7");
  });
});

describe("README and docs/", () => {
  // the log-in section lives in docs/operations.md; docker commands and trust paths are looked for in every doc
  const ops = fs.readFileSync(path.join(ROOT, "docs", "operations.md"), "utf8");
  const docs = ["README.md", "chart/README.md", ...fs.readdirSync(path.join(ROOT, "docs")).map((f) => `docs/${f}`)];
  const readme = docs.map((f) => fs.readFileSync(path.join(ROOT, f), "utf8")).join("\n");
  const section = (heading: string) => {
    const start = ops.indexOf(`\n## ${heading}`);
    expect(start, heading).toBeGreaterThan(0);
    const end = ops.indexOf("\n## ", start + 4);
    return ops.slice(start, end < 0 ? undefined : end);
  };
  const tasks = section("Log in, retrieve credentials, push and pull");
  // docker commands and trust paths anywhere in the docs (log in, push, pull, rotate, troubleshooting)
  const everywhere = [...readme.matchAll(/^.*(?:docker (?:login|tag|push|pull)|certs\.d\/).*$/gm)].map((m) => m[0]).join("\n");

  it("its log-in, push, pull and trust tasks name only addresses the default certificate covers", () => {
    const found = addresses(tasks + "\n" + everywhere);
    expect(found.length).toBeGreaterThan(0);
    const sans = sansOf({});
    for (const host of found) expect(covered(host, sans), `${host} not in ${JSON.stringify(sans)}`).toBe(true);
  });

  it("says how to add node IPs", () => {
    expect(tasks).toContain("auth.certs.extraSANs");
  });
});
