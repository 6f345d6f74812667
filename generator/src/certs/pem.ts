// PEM helpers and SAN parsing on top of node:crypto's X509Certificate.
import { X509Certificate } from "node:crypto";
import net from "node:net";

export function pemBlocks(text: string, label = "CERTIFICATE"): string[] {
  const re = new RegExp(`-----BEGIN ${label}-----[\\s\\S]*?-----END ${label}-----`, "g");
  return text.match(re) ?? [];
}

export interface SubjectAltNames {
  dns: string[];
  ips: string[];
}

/** Parses X509Certificate.subjectAltName ("DNS:a, IP Address:10.0.0.1") into lists. */
export function subjectAltNames(cert: X509Certificate): SubjectAltNames {
  const out: SubjectAltNames = { dns: [], ips: [] };
  for (const part of (cert.subjectAltName ?? "").split(/,\s*/)) {
    const m = /^(DNS|IP Address):(.*)$/.exec(part.trim());
    if (!m) continue;
    if (m[1] === "DNS") out.dns.push(m[2].toLowerCase());
    else out.ips.push(normalizeIp(m[2]));
  }
  return out;
}

export function commonName(cert: X509Certificate): string | undefined {
  const m = /(?:^|\n)CN=([^\n]*)/.exec(cert.subject);
  return m?.[1];
}

/** Canonical text of an IP address, so 10.0.0.1 and fd00::1 compare with what OpenSSL prints. */
export function normalizeIp(ip: string): string {
  const s = ip.trim();
  if (net.isIPv4(s)) return s;
  if (!net.isIPv6(s)) return s.toLowerCase();
  // expand to 8 groups, then compress nothing: compare as full lower-case groups
  const [head, tail = ""] = s.toLowerCase().split("::");
  const h = head ? head.split(":") : [];
  const t = tail ? tail.split(":") : [];
  const missing = s.includes("::") ? 8 - h.length - t.length : 0;
  return [...h, ...Array(missing).fill("0"), ...t].map((g) => parseInt(g, 16).toString(16)).join(":");
}

/** Does a certificate name (possibly *.wildcard) cover the host? */
export function dnsNameCovers(pattern: string, host: string): boolean {
  const p = pattern.toLowerCase();
  const h = host.toLowerCase();
  if (p === h) return true;
  if (p.startsWith("*.")) {
    const rest = p.slice(2);
    const dot = h.indexOf(".");
    return dot > 0 && h.slice(dot + 1) === rest;
  }
  return false;
}
