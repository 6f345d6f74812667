// The one template for node files (chart/templates/_node-mirror.tpl, node-mirror-configmap.yaml) and the
// registry mapping helper (_helpers-proxy.tpl), rendered by helm 3.18 and 4.1: the exact hosts.toml text per
// case, when the ConfigMap exists, what the chart refuses, and agreement with the TypeScript side
// (proxyRegistries(), nodeMirrors()) for random specs.
import { describe, it, expect } from "vitest";
import fs from "node:fs";
import path from "node:path";
import fc from "fast-check";
import yaml from "js-yaml";
import { HELMS, render, valuesFileFor, tmpFile, find } from "../helpers/chart.js";
import { schemaErrors } from "../helpers/k8s.js";
import { validateSpec } from "../../generator/src/spec/validate.js";
import { proxyRegistries } from "../../generator/src/spec/registries.js";
import { nodeMirrors, nodeHostDir, mirrorAddresses } from "../../generator/src/spec/mirrors.js";
import { configMapKey } from "../../generator/src/nodeconfig/render.js";
import { prepareChart, helmTemplate } from "../../generator/src/chart/chart.js";
import type { Spec } from "../../generator/src/spec/types.js";

const SEED = process.env.HARBOR_EDGE_FC_SEED === "random" ? undefined : Number(process.env.HARBOR_EDGE_FC_SEED ?? 20261201);

function specWith(raw: Record<string, unknown>): Spec {
  const r = validateSpec(raw);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.spec as Spec;
}

const HEADER = (h: string) =>
  `# Managed by harbor-edge-native-config: pull ${h} images through Harbor, then from ${h} itself.\n` +
  `# Written by \`harbor-edge node-config\` or the node-mirror DaemonSet; local changes are overwritten.\n` +
  `# containerd tries the hosts in order and moves on after a 404 or an error; server is the last resort.\n`;

// Spegel-style table: spec -> the exact bytes of one registry's hosts.toml.
const TABLE: Array<{ name: string; raw: Record<string, unknown>; key: string; text: string }> = [
  {
    name: "VIP with the default NodePort Service: docker.io falls back to registry-1.docker.io",
    raw: { cluster: { vip: "10.10.1.5" }, proxyCache: { enabled: true } },
    key: "docker.io.hosts.toml",
    text:
      HEADER("docker.io") +
      `server = "https://registry-1.docker.io"

[host."https://10.10.1.5:30003/v2/docker.io"]
  capabilities = ["pull", "resolve"]
  override_path = true
  ca = "/etc/containerd/certs.d/docker.io/harbor-ca.crt"
`,
  },
  {
    name: "spectroImages and two addresses: spectro-images on every address first, then the proxy project",
    raw: {
      cluster: { vip: "10.10.1.5" },
      proxyCache: { enabled: true, registries: ["registry.k8s.io"] },
      nodeMirror: { spectroImages: true, addresses: ["10.10.1.5:30003", "harbor.lan"] },
      auth: { certs: { extraSANs: ["harbor.lan"] } },
    },
    key: "registry.k8s.io.hosts.toml",
    text:
      HEADER("registry.k8s.io") +
      `server = "https://registry.k8s.io"

[host."https://10.10.1.5:30003/v2/spectro-images/registry.k8s.io"]
  capabilities = ["pull", "resolve"]
  override_path = true
  ca = "/etc/containerd/certs.d/registry.k8s.io/harbor-ca.crt"

[host."https://harbor.lan/v2/spectro-images/registry.k8s.io"]
  capabilities = ["pull", "resolve"]
  override_path = true
  ca = "/etc/containerd/certs.d/registry.k8s.io/harbor-ca.crt"

[host."https://10.10.1.5:30003/v2/registry.k8s.io"]
  capabilities = ["pull", "resolve"]
  override_path = true
  ca = "/etc/containerd/certs.d/registry.k8s.io/harbor-ca.crt"

[host."https://harbor.lan/v2/registry.k8s.io"]
  capabilities = ["pull", "resolve"]
  override_path = true
  ca = "/etc/containerd/certs.d/registry.k8s.io/harbor-ca.crt"
`,
  },
  {
    name: "k3s host directory, an IPv6 VIP on a LoadBalancer, node port 31443",
    raw: {
      cluster: { vip: "fd00::5" },
      service: { serviceType: "LoadBalancer", harbor: { https: { nodePort: 31443 } } },
      proxyCache: { enabled: true, registries: ["ghcr.io"] },
      nodeMirror: { distribution: "k3s" },
    },
    key: "ghcr.io.hosts.toml",
    text:
      HEADER("ghcr.io") +
      `server = "https://ghcr.io"

[host."https://[fd00::5]:31443/v2/ghcr.io"]
  capabilities = ["pull", "resolve"]
  override_path = true
  ca = "/var/lib/rancher/k3s/agent/etc/containerd/certs.d/ghcr.io/harbor-ca.crt"
`,
  },
  {
    name: "an extra plain-http registry with a port, ClusterIP with a listed address, rke2 and spectro-images",
    raw: {
      service: { serviceType: "ClusterIP" },
      proxyCache: {
        enabled: true,
        registries: [],
        extraRegistries: [{ host: "registry.example.com:5000", url: "http://registry.example.com:5000" }],
      },
      nodeMirror: { distribution: "rke2", addresses: ["10.0.0.9:443"], spectroImages: true },
      auth: { certs: { extraSANs: ["10.0.0.9"] } },
    },
    key: "registry.example.com_5000.hosts.toml",
    text:
      HEADER("registry.example.com:5000") +
      `server = "http://registry.example.com:5000"

[host."https://10.0.0.9:443/v2/spectro-images/registry.example.com-5000"]
  capabilities = ["pull", "resolve"]
  override_path = true
  ca = "/var/lib/rancher/rke2/agent/etc/containerd/certs.d/registry.example.com:5000/harbor-ca.crt"

[host."https://10.0.0.9:443/v2/registry.example.com-5000"]
  capabilities = ["pull", "resolve"]
  override_path = true
  ca = "/var/lib/rancher/rke2/agent/etc/containerd/certs.d/registry.example.com:5000/harbor-ca.crt"
`,
  },
  {
    name: "an extra https registry whose endpoint is elsewhere; a hostDir with a trailing slash",
    raw: {
      cluster: { vip: "10.10.1.5" },
      proxyCache: { enabled: true, registries: [], extraRegistries: [{ host: "reg.internal", url: "http://mirror.example.com/x" }] },
      nodeMirror: { hostDir: "/etc/containerd/opt/certs.d/" },
    },
    key: "reg.internal.hosts.toml",
    text:
      HEADER("reg.internal") +
      `server = "https://reg.internal"

[host."https://10.10.1.5:30003/v2/reg.internal"]
  capabilities = ["pull", "resolve"]
  override_path = true
  ca = "/etc/containerd/opt/certs.d/reg.internal/harbor-ca.crt"
`,
  },
];

describe.each(HELMS)("helm $version", (helm) => {
  describe.each(TABLE)("$name", ({ raw, key, text }) => {
    it("renders exactly this hosts.toml, and one key per proxied registry", () => {
      const spec = specWith(raw);
      const r = render({ helm, valuesFiles: [valuesFileFor(spec)] });
      expect(r.stderr).toBe("");
      const cm = find(r.objects, "ConfigMap", "harbor-edge-node-mirror");
      expect(cm?.data?.[key]).toBe(text);
      expect(Object.keys(cm!.data).sort()).toEqual(
        proxyRegistries(spec)
          .map((p) => configMapKey(p.host))
          .sort(),
      );
      // no secret and no certificate in the ConfigMap (the CA comes from harbor-tls)
      expect(JSON.stringify(cm)).not.toMatch(/BEGIN|PRIVATE|password/i);
      expect(cm!.metadata.annotations!["harbor-edge.io/host-dir"]).toBe(nodeHostDir(spec));
      return schemaErrors([cm!]).then((e) => expect(e).toEqual([]));
    });
  });

  it("no ConfigMap without the proxy cache, nor without an address nodes reach Harbor at", () => {
    for (const raw of [
      { cluster: { vip: "10.1.1.1" }, proxyCache: { enabled: false } },
      { proxyCache: { enabled: true } },
      { cluster: { vip: "10.1.1.1" }, service: { serviceType: "ClusterIP" }, proxyCache: { enabled: true } },
    ]) {
      const r = render({ helm, valuesFiles: [valuesFileFor(specWith(raw))] });
      expect(r.code).toBe(0);
      expect(find(r.objects, "ConfigMap", "harbor-edge-node-mirror")).toBeUndefined();
    }
    // and with one, it is there (the cases above fail for the reason given, not for another)
    const ok = render({ helm, valuesFiles: [valuesFileFor(specWith({ cluster: { vip: "10.1.1.1" }, proxyCache: { enabled: true } }))] });
    expect(find(ok.objects, "ConfigMap", "harbor-edge-node-mirror")).toBeDefined();
  });

  it("nodeMirror.enabled without an address or without the proxy cache fails the render, naming the field", () => {
    // --set bypasses validate: the chart must refuse on its own
    const base = valuesFileFor(specWith({ proxyCache: { enabled: true } }));
    const noAddress = render({ helm, valuesFiles: [base], set: ["harbor-config.nodeMirror.enabled=true"] });
    expect(noAddress.code).not.toBe(0);
    expect(noAddress.stderr).toMatch(/harbor-config\.nodeMirror\.addresses: expected an address/);
    // the VIP goes through the values (it is guarded: the certificate's checksum), the rest through --set
    const withVip = valuesFileFor(specWith({ proxyCache: { enabled: true }, cluster: { vip: "10.1.1.1" } }));
    const noProxy = render({
      helm,
      valuesFiles: [withVip],
      set: ["harbor-config.nodeMirror.enabled=true", "harbor-config.proxyCache.enabled=false"],
    });
    expect(noProxy.code).not.toBe(0);
    expect(noProxy.stderr).toMatch(/harbor-config\.nodeMirror\.enabled: expected harbor-config\.proxyCache\.enabled true/);
    const fine = render({ helm, valuesFiles: [withVip], set: ["harbor-config.nodeMirror.enabled=true"] });
    expect(fine.code).toBe(0);
  });
});

// ---- agreement with the TypeScript side, for random specs, in one helm run per helm ----

const host = fc
  .tuple(
    fc.stringMatching(/^[a-z0-9]{1,6}$/),
    fc.constantFrom(".io", ".example.com", ".lan"),
    fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }),
  )
  .map(([a, b, p]) => `${a}${b}${p ? `:${p}` : ""}`);
const rawSpec = fc.record({
  // the certificate covers every address the addresses below may name (validate refuses others)
  auth: fc.constant({ certs: { extraSANs: ["harbor.lan", "10.0.0.1", "fd00::1", "10.9.9.9"] } }),
  cluster: fc.record({ vip: fc.constantFrom("", "10.0.0.1", "192.168.7.20", "fd00::1") }),
  service: fc.record({
    serviceType: fc.constantFrom("NodePort", "LoadBalancer", "ClusterIP"),
    harbor: fc.record({ https: fc.record({ nodePort: fc.constantFrom(30003, 31443), port: fc.constantFrom(443, 8443) }) }),
  }),
  proxyCache: fc.record({
    enabled: fc.boolean(),
    registries: fc.uniqueArray(fc.constantFrom("docker.io", "gcr.io", "quay.io", "ghcr.io", "registry.k8s.io"), { maxLength: 5 }),
    extraRegistries: fc.uniqueArray(
      fc.record({
        host,
        url: fc.constantFrom("https://up.example.com", "http://up.example.com:5000/p"),
        type: fc.constantFrom("docker-registry", "harbor", "jfrog-artifactory"),
        credentialsSecret: fc.constantFrom("", "creds"),
      }),
      { maxLength: 3, selector: (r) => r.host },
    ),
  }),
  nodeMirror: fc.record({
    spectroImages: fc.boolean(),
    addresses: fc.uniqueArray(fc.constantFrom("10.0.0.1:30003", "harbor.lan", "[fd00::1]:8443", "10.9.9.9"), { maxLength: 3 }),
    distribution: fc.constantFrom("containerd", "k3s", "rke2"),
    hostDir: fc.constantFrom("", "/etc/containerd/certs.d", "/etc/containerd/x/certs.d/"),
  }),
});

/** A chart copy with one extra template that evaluates the helpers for every spec in .Values.specsUnderTest. */
function evaluateHelpers(helm: (typeof HELMS)[number], specs: Spec[]) {
  const chart = prepareChart({ ownOnly: true });
  try {
    // the specs go in under a key of their own, which the chart's values schema does not allow
    fs.rmSync(path.join(chart.dir, "values.schema.json"));
    fs.writeFileSync(
      path.join(chart.dir, "templates", "zz-helpers-under-test.yaml"),
      `results:
{{- range $s := .Values.specsUnderTest }}
{{- $ctx := dict "Values" (dict "harbor-config" $s) "Files" $.Files }}
{{- $files := dict }}
{{- range $line := include "harbor-edge.proxyRegistries" $ctx | splitList "\\n" | compact }}
{{- $f := splitList " " $line }}
{{- $_ := set $files (index $f 0) (include "harbor-edge.nodeMirror.hostsToml" (dict "ctx" $ctx "host" (index $f 0) "project" (index $f 1) "url" (index $f 2))) }}
{{- end }}
  - registries: {{ include "harbor-edge.proxyRegistries" $ctx | toJson }}
    addresses: {{ include "harbor-edge.nodeMirror.addresses" $ctx }}
    hostDir: {{ include "harbor-edge.nodeMirror.hostDir" $ctx | toJson }}
    files: {{ toJson $files }}
{{- end }}
`,
    );
    const values = tmpFile("specs.yaml", yaml.dump({ specsUnderTest: specs }, { lineWidth: -1 }));
    const r = helmTemplate(helm, chart.dir, { valuesFiles: [values], extraArgs: ["--show-only", "templates/zz-helpers-under-test.yaml"] });
    if (r.code !== 0) throw new Error(r.stderr);
    return (
      yaml.load(r.stdout) as { results: Array<{ registries: string; addresses: string[]; hostDir: string; files: Record<string, string> }> }
    ).results;
  } finally {
    chart.cleanup();
  }
}

/** The [host."..."] URLs of a hosts.toml in file order, its server, and every ca path. */
function parseHosts(text: string) {
  return {
    server: /^server = "([^"]*)"$/m.exec(text)?.[1],
    hosts: [...text.matchAll(/^\[host\."([^"]*)"\]$/gm)].map((m) => m[1]),
    cas: [...text.matchAll(/^ {2}ca = "([^"]*)"$/gm)].map((m) => m[1]),
    overrides: [...text.matchAll(/^ {2}override_path = true$/gm)].length,
  };
}

describe.each(HELMS)("helm $version: the chart's helpers agree with generator/src for random specs", (helm) => {
  const specs = fc
    .sample(rawSpec, { numRuns: 60, seed: SEED })
    .map((raw) => validateSpec(raw))
    .filter((r) => r.ok)
    .map((r) => r.spec as Spec);
  const results = evaluateHelpers(helm, specs);

  it("enough random specs were valid to mean something", () => {
    expect(specs.length).toBeGreaterThan(40);
    expect(specs.filter((s) => proxyRegistries(s).length > 0 && mirrorAddresses(s).length > 0).length).toBeGreaterThan(10);
  });

  it("harbor-edge.proxyRegistries == proxyRegistries()", () => {
    specs.forEach((spec, i) => {
      const lines = results[i].registries
        .split("\n")
        .filter(Boolean)
        .map((l) => l.split(" "));
      expect(lines, JSON.stringify(spec.proxyCache)).toEqual(
        proxyRegistries(spec).map((p) => [p.host, p.project, p.url, p.type, p.credentialsSecret]),
      );
    });
  });

  it("addresses and hostDir == mirrorAddresses() and nodeHostDir(); every hosts.toml == nodeMirrors()", () => {
    specs.forEach((spec, i) => {
      const r = results[i];
      expect(r.addresses).toEqual(mirrorAddresses(spec));
      expect(r.hostDir).toBe(nodeHostDir(spec));
      const mirrors = nodeMirrors(spec);
      expect(Object.keys(r.files).sort()).toEqual(mirrors.map((m) => m.host).sort());
      for (const m of mirrors) {
        const p = parseHosts(r.files[m.host]);
        expect(p.server).toBe(m.upstream);
        expect(p.hosts).toEqual(m.endpoints);
        expect(p.overrides).toBe(m.endpoints.length);
        expect(new Set(p.cas)).toEqual(new Set(m.endpoints.length ? [`${nodeHostDir(spec)}/${m.host}/harbor-ca.crt`] : []));
      }
    });
  });
});
