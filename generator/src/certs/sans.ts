// Subject alternative names of a generated certificate. Mirrors "harbor-edge.sans" in
// chart/templates/_helpers.tpl (a test compares them), so a certificate made by `harbor-edge secrets`
// is accepted by the chart.
import type { Spec } from "../values/derive.js";
import { NAMES } from "../values/names.js";

export interface Sans {
  dns: string[];
  ips: string[];
}

const uniq = (xs: string[]) => [...new Set(xs)];

export function generatedSans(spec: Spec, namespace: string): Sans {
  const dns = [spec.cluster.hostname ?? "spectro.registry.local"];
  const ips: string[] = [];
  if (spec.cluster.vip) ips.push(spec.cluster.vip);
  for (const san of spec.auth.certs?.extraSANs ?? []) {
    if (/^[0-9.]+$|:/.test(san)) ips.push(san);
    else dns.push(san);
  }
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
