// Subject alternative names of a generated certificate. Mirrors "harbor-edge.sans" in
// chart/templates/_helpers.tpl (test/chart/sans.test.ts compares them for random specs), so a certificate made by
// `harbor-edge secrets` is accepted by the chart.
import type { Spec } from "./types.js";
import { NAMES } from "../common/names.js";
import { mirrorAddresses, addressHost } from "./mirrors.js";
import type { Sans } from "../certs/generate.js";

const uniq = (xs: string[]) => [...new Set(xs)];

/** An IP address goes into the IP SANs: digits and dots (IPv4), or anything with a ':' (IPv6). */
const looksLikeIp = (s: string) => /^[0-9.]+$|:/.test(s);

/**
 * The names: cluster.hostname (an IP SAN when it is an IPv4 address), cluster.vip, the extra SANs, the host of every address nodes reach Harbor at
 * (nodeMirror.addresses, else the VIP address mirrorAddresses derives: containerd checks the host it dials
 * against the SANs, and on a mismatch quietly tries the next host, the upstream), the in-cluster names of our
 * Service and of upstream's nginx Service, and localhost / 127.0.0.1.
 */
export function generatedSans(spec: Spec, namespace: string): Sans {
  const dns: string[] = [];
  const ips: string[] = [];
  const add = (name: string) => (looksLikeIp(name) ? ips : dns).push(name);
  // a host name of digits and dots is an IPv4 address (clients then dial the IP): it goes into the IP SANs, where
  // TLS clients look for an IP host, not into the DNS names, where none would match it
  add(spec.cluster.hostname ?? "spectro.registry.local");
  if (spec.cluster.vip) ips.push(spec.cluster.vip);
  for (const san of spec.auth.certs?.extraSANs ?? []) add(san);
  for (const address of mirrorAddresses(spec)) add(addressHost(address));
  for (const svc of [NAMES.service, NAMES.upstreamNginxService]) {
    dns.push(svc, `${svc}.${namespace}`, `${svc}.${namespace}.svc`, `${svc}.${namespace}.svc.cluster.local`);
  }
  dns.push("localhost");
  ips.push("127.0.0.1");
  return { dns: uniq(dns), ips: uniq(ips) };
}

export function sansText(s: Sans): string {
  return [...s.dns, ...s.ips].join(",");
}
