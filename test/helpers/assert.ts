// Assertions shared by the chart tests.
import { expect } from "vitest";
import { X509Certificate, createPrivateKey } from "node:crypto";
import { find, decode, type K8sObject, type Rendered } from "./chart.js";
import { NAMES } from "../../generator/src/common/names.js";
import { subjectAltNames, normalizeIp } from "../../generator/src/certs/pem.js";
import type { Spec } from "../../generator/src/spec/types.js";

export const INSECURE = ["Harbor12345", "not-a-secure-key", "changeit", "harbor_registry_password"];
export function secretData(objs: K8sObject[]): Array<[string, string, string]> {
  return objs
    .filter((o) => o.kind === "Secret")
    .flatMap((o) =>
      Object.entries(o.data ?? {}).map(([k, v]) => [`${o.metadata.name}.${k}`, k, decode(v as string)] as [string, string, string]),
    );
}

export function insecureDefaults(r: Rendered): string[] {
  const hits: string[] = [];
  for (const bad of INSECURE) {
    if (r.text.includes(bad)) hits.push(`${bad} in the manifests`);
    for (const [where, , value] of secretData(r.objects)) if (value.includes(bad)) hits.push(`${bad} in Secret ${where}`);
  }
  return hits;
}

export function checkTls(objs: K8sObject[], spec: Spec) {
  const tls = find(objs, "Secret", NAMES.tlsSecret)!;
  expect(tls.type).toBe("kubernetes.io/tls");
  const cert = new X509Certificate(decode(tls.data["tls.crt"]));
  const key = createPrivateKey(decode(tls.data["tls.key"]));
  expect(cert.checkPrivateKey(key)).toBe(true);
  const ca = new X509Certificate(decode(tls.data["ca.crt"]));
  expect(cert.checkIssued(ca) && cert.verify(ca.publicKey)).toBe(true);
  const sans = subjectAltNames(cert);
  expect(sans.dns).toContain(spec.cluster.hostname);
  if (spec.cluster.vip) expect(sans.ips).toContain(normalizeIp(spec.cluster.vip));
  for (const extra of spec.auth.certs?.extraSANs ?? []) expect([...sans.dns, ...sans.ips]).toContain(extra);
  expect(sans.dns).toContain(`${NAMES.service}.harbor.svc`);
  const days = (new Date(cert.validTo).getTime() - Date.now()) / 86400000;
  expect(Math.abs(days - (spec.auth.certs?.validityDays ?? 397))).toBeLessThan(2);
  // the expiry harbor-tls records, RFC 3339 UTC in whole seconds (the chart computes it next to Helm's signing call)
  const recorded = tls.metadata.annotations?.["harbor-edge.io/not-after"] ?? "";
  expect(recorded).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  expect(Math.abs(new Date(recorded).getTime() - new Date(cert.validTo).getTime())).toBeLessThanOrEqual(2000);
}

/** Places outside Secrets where a secret value must never appear: ConfigMap data and any annotation. */
export function leakedSecrets(objs: K8sObject[]): string[] {
  const values = secretData(objs)
    .map(([, , v]) => v)
    .filter((v) => v.length >= 8);
  const leaks: string[] = [];
  for (const o of objs) {
    const places: Array<[string, string]> = Object.entries(o.metadata.annotations ?? {}).map(([k, v]) => [
      `${o.kind}/${o.metadata.name} annotation ${k}`,
      String(v),
    ]);
    if (o.kind === "ConfigMap")
      places.push(...Object.entries(o.data ?? {}).map(([k, v]): [string, string] => [`ConfigMap/${o.metadata.name} ${k}`, String(v)]));
    for (const [where, text] of places) for (const v of values) if (text.includes(v)) leaks.push(where);
  }
  return leaks;
}
