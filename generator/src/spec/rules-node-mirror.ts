// Rules for nodes pulling through Harbor (nodeMirror, harbor-edge node-config): there is something to
// mirror, an address nodes reach Harbor at without cluster DNS, and the certificate covers every address
// (containerd checks the name or IP it dials against the certificate's SANs; the common name does not count).
import { X509Certificate } from "node:crypto";
import net from "node:net";
import { isMacro } from "./macros.js";
import { describeValue, type Problem } from "./problems.js";
import type { HarborConfig } from "./harbor-config.js";
import type { Spec } from "./types.js";
import { generatedSans } from "./sans.js";
import { pemBlocks, subjectAltNames, normalizeIp, dnsNameCovers, type SubjectAltNames } from "../certs/pem.js";
import { mirrorAddresses, addressHost, SPECTRO_PROJECT } from "./mirrors.js";

const str = (v: unknown): string => (typeof v === "string" ? v : "");

/** The names the certificate Harbor serves will carry, or undefined when they cannot be known (a macro, a broken given certificate: reported elsewhere). */
function certificateNames(spec: HarborConfig): SubjectAltNames | undefined {
  const certs = spec.auth?.certs ?? {};
  const given = str(certs.crt);
  if ([given, certs.key, spec.cluster?.hostname, spec.cluster?.vip, ...(certs.extraSANs ?? [])].some(isMacro)) return undefined;
  if (!given) {
    // the in-cluster service names depend on the namespace; nodes never dial them (no cluster DNS)
    const s = generatedSans(spec as Spec, "harbor");
    return { dns: s.dns.map((d) => d.toLowerCase()), ips: s.ips.map(normalizeIp) };
  }
  try {
    return subjectAltNames(new X509Certificate(pemBlocks(given)[0]));
  } catch {
    return undefined;
  }
}

export function coveredBy(names: SubjectAltNames, host: string): boolean {
  if (net.isIP(host)) return names.ips.includes(normalizeIp(host));
  return names.dns.some((d) => dnsNameCovers(d, host));
}

/** What the certificate names, for a message. */
function namesText(n: SubjectAltNames): string {
  return [...n.dns, ...n.ips].join(", ") || "no names";
}

/**
 * Problems of the node mirror: always the addresses outside the certificate; with nodeMirror.enabled (or
 * for `harbor-edge node-config`, forNodeConfig) also nothing to mirror and no usable address.
 */
export function nodeMirrorProblems(spec: HarborConfig, root: string, o: { forNodeConfig?: boolean } = {}): Problem[] {
  const out: Problem[] = [];
  const err = (path: string, expected: string, given: string) => out.push({ path: `${root}.${path}`, expected, given, severity: "error" });
  const nm = spec.nodeMirror ?? {};
  const given = Array.isArray(nm.addresses) ? nm.addresses.filter((a) => typeof a === "string") : [];
  const needed = o.forNodeConfig || nm.enabled === true;
  const why = o.forNodeConfig ? "harbor-edge node-config" : "nodeMirror.enabled";

  if (needed && spec.proxyCache?.enabled !== true) {
    err(
      o.forNodeConfig ? "proxyCache.enabled" : "nodeMirror.enabled",
      `proxyCache.enabled true: ${why} points nodes at the proxy-cache projects`,
      "proxyCache.enabled false",
    );
  }
  const addresses = given.length > 0 ? given : mirrorAddresses({ ...spec, nodeMirror: { ...nm, addresses: [] } });
  if (needed && addresses.length === 0) {
    const vip = str(spec.cluster?.vip);
    const situation = !vip ? "no cluster.vip" : `service.serviceType ClusterIP, which is not served on cluster.vip ${vip}`;
    err(
      "nodeMirror.addresses",
      `an address nodes reach Harbor at without cluster DNS (${why}), or cluster.vip with service.serviceType NodePort or LoadBalancer`,
      `none (${situation})`,
    );
  }

  // containerd dials 443 for an address without a port; a NodePort Service serves https on its node port only
  if (spec.service?.serviceType === "NodePort" || spec.service?.serviceType === undefined) {
    const nodePort = spec.service?.harbor?.https?.nodePort ?? 30003;
    given.forEach((a, i) => {
      if (!isMacro(a) && !/:\d+$/.test(a.replace(/^\[[^\]]*\]/, "")) && !net.isIPv6(a)) {
        out.push({
          path: `${root}.nodeMirror.addresses[${i}]`,
          expected: `host:port; containerd dials 443 for ${a}, but the NodePort Service serves https on ${nodePort} (${a}:${nodePort}), unless something else listens on 443 there`,
          given: describeValue(a),
          severity: "warning",
        });
      }
    });
  }

  // nodes pull anonymously: with spectroImages, configure makes spectro-images public (configureProjects)
  if (nm.spectroImages === true) {
    const projects = Array.isArray(spec.projects) ? spec.projects : [];
    const i = projects.findIndex((p) => p && typeof p === "object" && p.name === SPECTRO_PROJECT);
    if (i < 0 || projects[i].public !== true) {
      out.push({
        path: i < 0 ? `${root}.nodeMirror.spectroImages` : `${root}.projects[${i}].public`,
        expected: `${SPECTRO_PROJECT} public: nodeMirror.spectroImages has nodes try it first, and nodes pull anonymously (a private project answers them 401 and they quietly move on to the next host), so the configuration Job makes it public; anyone who reaches Harbor can then pull what it holds, as from the proxy-cache projects. Set projects[].public true for ${SPECTRO_PROJECT} to say so, or nodeMirror.spectroImages false to keep it private`,
        given: i < 0 ? `no ${SPECTRO_PROJECT} in projects (it is created public)` : describeValue(projects[i].public),
        severity: "warning",
      });
    }
  }

  // the token realm: Harbor 2.15.1 sends an anonymous node to https://<the address it dialed>/service/token
  // (harbor/realm.ts), so an address given as a name must resolve with the node's own resolver (/etc/hosts,
  // resolv.conf; nodes have no cluster DNS), for the pull and again for the token
  if (needed) {
    given.forEach((a, i) => {
      if (isMacro(a) || net.isIP(addressHost(a))) return;
      out.push({
        path: `${root}.nodeMirror.addresses[${i}]`,
        expected: `an address every node resolves with its own resolver (its /etc/hosts or DNS server, not cluster DNS, and during an outage too): nodes dial ${a} and Harbor sends them to its token realm https://${a}/service/token; an IP address needs no resolver. harbor-edge node-check on a node (or report.nodeCheck) shows whether it resolves`,
        given: describeValue(a),
        severity: "warning",
      });
    });
  }

  const names = certificateNames(spec);
  if (names) {
    given.forEach((a, i) => {
      if (isMacro(a)) return;
      const host = addressHost(a);
      if (!coveredBy(names, host)) {
        // a generated certificate names every node address (spec/sans.ts), so this is a given certificate
        const fix = str(spec.auth?.certs?.crt) ? "a certificate in auth.certs that names it" : "add it to auth.certs.extraSANs";
        err(`nodeMirror.addresses[${i}]`, `an address Harbor's certificate covers (${namesText(names)}); ${fix}`, describeValue(a));
      }
    });
  }
  return out;
}
