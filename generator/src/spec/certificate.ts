// Checks of a user-given TLS certificate: it parses, matches its key, is valid now, was issued by the
// given CA, and names cluster.hostname and cluster.vip (the seed requires both).
import { X509Certificate, createPrivateKey, type KeyObject } from "node:crypto";
import net from "node:net";
import type { Problem } from "./problems.js";
import { pemBlocks, subjectAltNames, commonName, normalizeIp, dnsNameCovers } from "../certs/pem.js";

export interface CertInput {
  crt: string;
  key: string;
  ca: string;
  hostname: string;
  vip: string;
}

const DAY = 24 * 3600 * 1000;

export function checkCertificate(input: CertInput, base: string, now: Date = new Date()): Problem[] {
  const problems: Problem[] = [];
  const err = (field: string, expected: string, given: string) =>
    problems.push({ path: `${base}.${field}`, expected, given, severity: "error" });
  const warn = (field: string, expected: string, given: string) =>
    problems.push({ path: `${base}.${field}`, expected, given, severity: "warning" });

  const hasCrt = input.crt.trim() !== "";
  const hasKey = input.key.trim() !== "";
  if (!hasCrt && !hasKey) {
    if (input.ca.trim() !== "") err("ca", "empty when crt and key are empty (a CA is generated with the certificate)", "a certificate");
    return problems;
  }
  if (hasCrt !== hasKey) {
    err(hasCrt ? "key" : "crt", `to be set together with ${hasCrt ? "crt" : "key"}`, "nothing");
    return problems;
  }

  const blocks = pemBlocks(input.crt);
  let cert: X509Certificate | undefined;
  if (blocks.length === 0) err("crt", "a PEM certificate (-----BEGIN CERTIFICATE-----)", "text without a PEM certificate block");
  else {
    try {
      cert = new X509Certificate(blocks[0]);
    } catch (e) {
      err("crt", "a parsable X.509 certificate in PEM", `a certificate block that does not parse (${(e as Error).message})`);
    }
  }

  let key: KeyObject | undefined;
  try {
    key = createPrivateKey(input.key);
  } catch {
    err("key", "a PEM private key (PKCS#1, PKCS#8 or SEC1), unencrypted", "a key that does not parse (value not shown)");
  }

  let ca: X509Certificate | undefined;
  if (input.ca.trim() !== "") {
    const caBlocks = pemBlocks(input.ca);
    try {
      if (caBlocks.length === 0) throw new Error("no PEM block");
      ca = new X509Certificate(caBlocks[0]);
    } catch (e) {
      err("ca", "a parsable X.509 CA certificate in PEM", `text that does not parse (${(e as Error).message})`);
    }
  }

  if (!cert) return problems;

  if (key && !cert.checkPrivateKey(key)) err("key", "the private key of auth.certs.crt", "a key that belongs to another certificate");

  const notBefore = new Date(cert.validFrom);
  const notAfter = new Date(cert.validTo);
  if (notAfter.getTime() <= now.getTime())
    err("crt", "a certificate that has not expired", `one that expired on ${notAfter.toISOString()}`);
  else if (notBefore.getTime() > now.getTime())
    err("crt", "a certificate that is already valid", `one valid only from ${notBefore.toISOString()}`);
  else if (notAfter.getTime() - now.getTime() < 30 * DAY)
    warn("crt", "a certificate valid for more than 30 days", `one that expires on ${notAfter.toISOString()}`);

  if (ca) {
    const issued = cert.checkIssued(ca) && cert.verify(ca.publicKey);
    // the CA may also be the issuer of an intermediate that is part of crt's chain
    const viaChain =
      !issued &&
      blocks.slice(1).some((b) => {
        try {
          const inter = new X509Certificate(b);
          return cert.checkIssued(inter) && cert.verify(inter.publicKey) && inter.checkIssued(ca) && inter.verify(ca.publicKey);
        } catch {
          return false;
        }
      });
    if (!issued && !viaChain)
      err("ca", "the CA that issued auth.certs.crt", `a CA (${ca.subject.replace(/\n/g, ", ")}) that did not sign it`);
    if (new Date(ca.validTo).getTime() <= now.getTime())
      err("ca", "a CA certificate that has not expired", `one that expired on ${new Date(ca.validTo).toISOString()}`);
  }

  const sans = subjectAltNames(cert);
  const cn = commonName(cert);
  const names = `${sans.dns.length || sans.ips.length ? [...sans.dns.map((d) => `DNS:${d}`), ...sans.ips.map((i) => `IP:${i}`)].join(", ") : "no SANs"}${cn ? ` (CN ${cn})` : ""}`;
  if (input.hostname && net.isIPv4(input.hostname)) {
    // a host name of digits and dots is an address: clients dialling it look only at the IP SANs
    if (!sans.ips.includes(normalizeIp(input.hostname)))
      err("crt", `a certificate for cluster.hostname ${input.hostname} as an IP subject alternative name`, `one for ${names}`);
  } else if (input.hostname && !sans.dns.some((d) => dnsNameCovers(d, input.hostname))) {
    // Docker and containerd (Go's crypto/x509) ignore the common name: the name must be a SAN
    const why = cn && dnsNameCovers(cn, input.hostname) ? " (it is only the common name, which Docker and containerd ignore)" : "";
    err("crt", `a certificate for cluster.hostname ${input.hostname} as a DNS subject alternative name`, `one for ${names}${why}`);
  }
  if (input.vip && net.isIP(input.vip)) {
    const vip = normalizeIp(input.vip);
    if (!sans.ips.includes(vip)) {
      const why = cn && cn === input.vip ? " (it is only the common name, which clients ignore)" : "";
      err("crt", `a certificate for cluster.vip ${input.vip} as an IP subject alternative name`, `one for ${names}${why}`);
    }
  }
  return problems;
}
