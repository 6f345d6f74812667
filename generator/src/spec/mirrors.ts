// Where nodes pull each proxied registry from: the mirror addresses, the host directory, and per registry
// host the Harbor endpoints in the order containerd tries them. Pure. The same rules as
// chart/templates/_node-mirror.tpl (harbor-edge.nodeMirror.addresses / .hostDir / .hostsToml); the
// containerd files themselves are rendered from that template, and test/chart/node-mirror-template.test.ts checks
// that the endpoints here are the [host] tables there, in order, for random specs.
import net from "node:net";
import type { HarborConfig } from "./harbor-config.js";
import { proxyRegistries } from "./registries.js";

/** The project Palette's agent and `harbor-edge seed` fill: spectro-images/<registry>/<path>. */
export const SPECTRO_PROJECT = "spectro-images";

export const DEFAULT_HOST_DIR = {
  containerd: "/etc/containerd/certs.d",
  k3s: "/var/lib/rancher/k3s/agent/etc/containerd/certs.d",
  rke2: "/var/lib/rancher/rke2/agent/etc/containerd/certs.d",
} as const;

/** The node's containerd host directory (config_path): nodeMirror.hostDir, else the distribution's default. */
export function nodeHostDir(spec: HarborConfig): string {
  const nm = spec.nodeMirror ?? {};
  return (nm.hostDir || DEFAULT_HOST_DIR[nm.distribution ?? "containerd"]).replace(/\/+$/, "");
}

/**
 * The addresses (host[:port]) nodes reach Harbor at without cluster DNS: nodeMirror.addresses, else
 * cluster.vip at the https port of externalURL() (the node port for NodePort and LoadBalancer; an IPv6 VIP
 * in brackets). A ClusterIP Service is not served on the VIP: no address then.
 */
export function mirrorAddresses(spec: HarborConfig): string[] {
  const given = spec.nodeMirror?.addresses ?? [];
  if (given.length > 0) return [...given];
  const vip = spec.cluster?.vip ?? "";
  if (!vip || spec.service?.serviceType === "ClusterIP") return [];
  const port = spec.service?.harbor?.https?.nodePort ?? 30003;
  const host = vip.includes(":") ? `[${vip}]` : vip;
  return [`${host}:${port}`];
}

/** The host part of an address: 10.0.0.5:30003 -> 10.0.0.5, [fd00::5]:30003 -> fd00::5, harbor.lan -> harbor.lan. */
export function addressHost(address: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(address);
  if (bracketed) return bracketed[1];
  if (net.isIPv6(address)) return address;
  return address.replace(/:\d+$/, "");
}

/** containerd's fallback `server` for a registry: the registry itself (see harbor-edge.nodeMirror.upstream). */
export function upstreamServer(host: string, url: string): string {
  if (host === "docker.io") return "https://registry-1.docker.io";
  const m = /^http:\/\/([^/]+)/.exec(url);
  return m && m[1] === host ? `http://${host}` : `https://${host}`;
}

export interface NodeMirror {
  /** the registry host as image references name it */
  host: string;
  /** Harbor's proxy-cache project for it */
  project: string;
  /** the registry itself, tried last */
  upstream: string;
  /** Harbor endpoints in order, each the API root (override_path): https://<address>/v2/<project path> */
  endpoints: string[];
}

/**
 * Per proxied registry, the Harbor endpoints in the order containerd should try them: with
 * nodeMirror.spectroImages first spectro-images/<project> on every address, then the proxy-cache project on
 * every address. (A registry with a port is spectro-images/<project>, host:port with '-', because ':' is not
 * allowed in a repository path.)
 */
export function nodeMirrors(spec: HarborConfig): NodeMirror[] {
  const addresses = mirrorAddresses(spec);
  return proxyRegistries(spec).map((r) => {
    const paths = [...(spec.nodeMirror?.spectroImages ? [`${SPECTRO_PROJECT}/${r.project}`] : []), r.project];
    return {
      host: r.host,
      project: r.project,
      upstream: upstreamServer(r.host, r.url),
      endpoints: paths.flatMap((p) => addresses.map((a) => `https://${a}/v2/${p}`)),
    };
  });
}
