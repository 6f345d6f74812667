// The node configuration per distribution, as files relative to the output directory. Pure.
//
// - containerd (kubeadm and any containerd with config_path): <H>/hosts.toml exactly as the chart's template
//   renders it (the DaemonSet writes the same bytes) and <H>/harbor-ca.crt next to it.
// - k3s / RKE2: registries.yaml. k3s and RKE2 generate containerd's hosts.toml from it: an endpoint whose
//   path is not "", "/" or "/v2" becomes a [host] with that path and override_path = true (k3s
//   pkg/agent/containerd/config.go, normalizeEndpointAddress), so https://<addr>/v2/<project> is the API root
//   as in our hosts.toml; releases that still wrote containerd's inline mirror config used a non-empty
//   endpoint path as the API root too. The registry itself stays the last resort (the "default endpoint",
//   unless --disable-default-registry-endpoint). TLS is per mirror host: configs.<addr>.tls.ca_file.
// - Talos: a machine-config patch (machine.registries, every Talos 1.x; overridePath is per mirror there,
//   which suits us as every endpoint carries its /v2/<project> path; the CA inline, base64) and the same as
//   the RegistryMirrorConfig / RegistryTLSConfig documents of Talos 1.12+ (overridePath per endpoint, CA as PEM).
import yaml from "js-yaml";
import type { NodeMirror } from "../spec/mirrors.js";
import { configMapKey } from "./render.js";

export const FORMATS = ["containerd", "k3s", "rke2", "talos"] as const;
export type Format = (typeof FORMATS)[number];

export type Files = Record<string, string>;

const dump = (v: unknown) => yaml.dump(v, { lineWidth: -1, noRefs: true, quotingType: '"' });

/** The host[:port] of an endpoint URL, the key TLS settings are looked up by (k3s configs, Talos config). */
export function endpointHost(endpoint: string): string {
  return new URL(endpoint).host;
}

function mirrorHosts(mirrors: NodeMirror[]): string[] {
  return [...new Set(mirrors.flatMap((m) => m.endpoints.map(endpointHost)))];
}

/** containerd: the rendered ConfigMap's data, one directory per registry host. */
export function containerdFiles(data: Record<string, string>, mirrors: NodeMirror[], ca: string): Files {
  const files: Files = {};
  for (const m of mirrors) {
    const text = data[configMapKey(m.host)];
    if (text === undefined) throw new Error(`the chart rendered no ${configMapKey(m.host)} for ${m.host}`);
    files[`${m.host}/hosts.toml`] = text;
    files[`${m.host}/harbor-ca.crt`] = ca;
  }
  return files;
}

/** Where registries.yaml and the CA go on a k3s or RKE2 node. */
export function rancherPaths(dist: "k3s" | "rke2") {
  return { registries: `/etc/rancher/${dist}/registries.yaml`, ca: `/etc/rancher/${dist}/harbor-ca.crt` };
}

/** k3s / RKE2: registries.yaml and the CA file it names. */
export function rancherFiles(dist: "k3s" | "rke2", mirrors: NodeMirror[], ca: string): Files {
  const p = rancherPaths(dist);
  const doc = {
    mirrors: Object.fromEntries(mirrors.map((m) => [m.host, { endpoint: m.endpoints }])),
    configs: Object.fromEntries(mirrorHosts(mirrors).map((h) => [h, { tls: { ca_file: p.ca } }])),
  };
  const header =
    `# Managed by harbor-edge-native-config (harbor-edge node-config --format ${dist}): pull through Harbor.\n` +
    `# Install as ${p.registries}, with harbor-ca.crt as ${p.ca}, on every node; then restart ${dist === "k3s" ? "k3s (k3s-agent on agents)" : "rke2-server / rke2-agent"}.\n` +
    `# Each registry falls back to itself after these endpoints.\n`;
  return { "registries.yaml": header + dump(doc), "harbor-ca.crt": ca };
}

/** Talos: a machine-config patch for Talos 1.x, and the Talos 1.12+ registry documents. */
export function talosFiles(mirrors: NodeMirror[], ca: string): Files {
  const patch = {
    machine: {
      registries: {
        mirrors: Object.fromEntries(mirrors.map((m) => [m.host, { endpoints: m.endpoints, overridePath: true }])),
        config: Object.fromEntries(mirrorHosts(mirrors).map((h) => [h, { tls: { ca: Buffer.from(ca).toString("base64") } }])),
      },
    },
  };
  const docs = [
    ...mirrors.map((m) => ({
      apiVersion: "v1alpha1",
      kind: "RegistryMirrorConfig",
      name: m.host,
      endpoints: m.endpoints.map((url) => ({ url, overridePath: true })),
    })),
    ...mirrorHosts(mirrors).map((h) => ({ apiVersion: "v1alpha1", kind: "RegistryTLSConfig", name: h, ca })),
  ];
  const note =
    "# Managed by harbor-edge-native-config (harbor-edge node-config --format talos): pull through Harbor; each registry falls back to itself.\n";
  return {
    "talos-machine-patch.yaml": `${note}# Talos 1.x: talosctl patch machineconfig --patch @talos-machine-patch.yaml (or --config-patch at gen config).\n${dump(patch)}`,
    "talos-registry-documents.yaml": `${note}# Talos 1.12 and later: RegistryMirrorConfig and RegistryTLSConfig documents, applied like any patch; use these or the machine patch, not both.\n${docs.map(dump).join("---\n")}`,
  };
}
