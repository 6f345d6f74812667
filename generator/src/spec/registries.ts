// The upstream registries Harbor proxies, and the Harbor project each is pulled through. Pure.
//
// One source for everyone that needs the mapping: the configuration step (which creates the projects),
// node-config and the node-mirror DaemonSet (which point each registry host at its project), and the
// seed/status report (which asks each project for the images the cluster runs).
import type { HarborConfig } from "./harbor-config.js";

/** Harbor 2.15.1's PERMITTED_REGISTRY_TYPES_FOR_PROXY_CACHE (upstream core ConfigMap). */
export const PERMITTED_PROXY_TYPES = [
  "docker-hub",
  "harbor",
  "azure-acr",
  "ali-acr",
  "aws-ecr",
  "google-gcr",
  "docker-registry",
  "github-ghcr",
  "jfrog-artifactory",
] as const;
export type ProxyType = (typeof PERMITTED_PROXY_TYPES)[number];

export interface ProxyRegistry {
  /** the registry host as image references name it: docker.io, registry.example.com:5000 */
  host: string;
  /** the Harbor proxy-cache project nodes pull it through: the host, a port joined with "-" (Harbor names have no ":") */
  project: string;
  /** the endpoint Harbor pulls from */
  url: string;
  type: ProxyType;
  /** Secret with access_key / access_secret, or "" */
  credentialsSecret: string;
}

/** The built-in public registries: endpoints and types that work anonymously and that Harbor permits. npm run
 * generate writes them, with DEFAULT_PROXY_TYPE, into chart/files/proxy-registries.json, which the chart's
 * harbor-edge.proxyRegistries (_helpers-proxy.tpl) reads. */
export const BUILTIN_PROXY: Record<string, { url: string; type: ProxyType }> = {
  "docker.io": { url: "https://hub.docker.com", type: "docker-hub" },
  "gcr.io": { url: "https://gcr.io", type: "docker-registry" },
  "ghcr.io": { url: "https://ghcr.io", type: "github-ghcr" },
  "quay.io": { url: "https://quay.io", type: "docker-registry" },
  "registry.k8s.io": { url: "https://registry.k8s.io", type: "docker-registry" },
};

/** The type of an extra registry that names none. */
export const DEFAULT_PROXY_TYPE: ProxyType = "docker-registry";

/** Every proxied registry of the spec, built-ins first, in spec order; none when proxyCache is off. */
export function proxyRegistries(spec: HarborConfig): ProxyRegistry[] {
  const pc = spec.proxyCache;
  if (!pc?.enabled) return [];
  const builtins = (pc.registries ?? []).map((host) => ({ host, project: host, ...BUILTIN_PROXY[host], credentialsSecret: "" }));
  const extras = (pc.extraRegistries ?? []).map((r) => ({
    host: r.host,
    project: r.host.replace(/:/g, "-"),
    url: r.url,
    type: r.type ?? DEFAULT_PROXY_TYPE,
    credentialsSecret: r.credentialsSecret ?? "",
  }));
  return [...builtins, ...extras];
}
