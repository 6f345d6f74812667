// NOTES.txt leads past the login: how nodes are pointed at Harbor (the DaemonSet, or the exact node-config
// command for this release), how to check readiness (status and report with the release's namespace), one
// address throughout, a pull example through a registry that is proxied, and Palette's sentences only in Palette.
import { describe, it, expect } from "vitest";
import { HELMS, renderNotes, valuesFileForRaw } from "../helpers/chart.js";
import { cli } from "../helpers/cli.js";

const helm = HELMS[0];
const notesOf = (raw: Record<string, unknown>, o: { namespace?: string; release?: string } = {}) => {
  const r = renderNotes({ helm, valuesFiles: [valuesFileForRaw(raw)], namespace: o.namespace ?? "registry", release: o.release ?? "edge" });
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  return r.notes;
};
/** Every host[:port] the notes give for Harbor: after https://, docker login/pull/push, --harbor. */
const harborAddresses = (notes: string) =>
  new Set(
    [...notes.matchAll(/(?:https:\/\/|docker (?:login|pull|push|tag \S+) |Harbor's address: )([A-Za-z0-9.:[\]-]+?)(?=[/\s)]|$)/gm)].map(
      (m) => m[1],
    ),
  );
/** The command lines the notes show (indented lines starting with a command). */
const commandLines = (notes: string, command: string) =>
  notes
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l.startsWith(`${command} `) || l.includes(`" ${command} `));

describe("NOTES.txt after login", () => {
  it("one address: the VIP at the node port, where nodes pull through it, used by every command", () => {
    const n = notesOf({ cluster: { vip: "10.1.2.3" }, proxyCache: { enabled: true } });
    expect([...harborAddresses(n)]).toEqual(["10.1.2.3:30003"]);
    expect(n).not.toContain("HARBOR/");
  });

  it.each([
    ["NodePort, no VIP", { cluster: { hostname: "registry.site.lan" } }, "registry.site.lan:30003"],
    [
      "LoadBalancer without a VIP on 8443",
      { service: { serviceType: "LoadBalancer", harbor: { https: { port: 8443 } } } },
      "spectro.registry.local:8443",
    ],
    ["ClusterIP", { service: { serviceType: "ClusterIP" } }, "localhost:8443"],
  ])("%s: one address throughout", (_n, raw, address) => {
    expect([...harborAddresses(notesOf(raw))]).toEqual([address]);
  });

  it("the pull example uses a registry that is proxied (not docker.io when only quay.io is)", () => {
    const n = notesOf({ cluster: { vip: "10.1.2.3" }, proxyCache: { enabled: true, registries: ["quay.io"] } });
    expect(n).toContain("docker pull 10.1.2.3:30003/quay.io/prometheus/busybox:latest");
    expect(n).not.toMatch(/docker\.io\/library/);
    const off = notesOf({ cluster: { vip: "10.1.2.3" }, proxyCache: { enabled: false } });
    expect(off).not.toMatch(/10\.1\.2\.3:30003\/(docker\.io|quay\.io)\//);
    expect(off).toContain("harbor-config.proxyCache.enabled is false: nodes pull from the registries themselves");
  });

  it("nodeMirror.enabled: the DaemonSet, its addresses and registries, and how to see it is ready", () => {
    const n = notesOf({
      cluster: { vip: "10.1.2.3" },
      proxyCache: { enabled: true, registries: ["docker.io", "ghcr.io"] },
      nodeMirror: { enabled: true },
    });
    expect(n).toContain(
      "The DaemonSet harbor-edge-node-mirror points every node's containerd at Harbor (10.1.2.3:30003) for\n  docker.io, ghcr.io,",
    );
    expect(n).toContain("kubectl rollout status daemonset/harbor-edge-node-mirror --namespace registry");
    // its readiness is not the node's: that is status's (helm --wait must not wait on node configuration)
    expect(n).toContain("not a readiness gate, so helm --wait never waits on\n  node configuration");
    expect(n).not.toContain("harbor-edge node-config");
    // in a namespace of its own, the command names that one
    const apart = notesOf({
      cluster: { vip: "10.1.2.3" },
      proxyCache: { enabled: true },
      nodeMirror: { enabled: true, namespace: "edge-nodes" },
    });
    expect(commandLines(apart, "kubectl rollout status")).toEqual([
      "kubectl rollout status daemonset/harbor-edge-node-mirror --namespace edge-nodes",
    ]);
  });

  it("readiness per node: with report.nodeCheck the status line counts what every node can pull; without it NOTES says nodes are not measured and how to", () => {
    const on = notesOf({ cluster: { vip: "10.1.2.3" }, proxyCache: { enabled: true }, report: { nodeCheck: { enabled: true } } });
    expect(on).toContain("reachable from every node that runs them");
    expect(on).not.toContain("Nodes are not measured");
    const off = notesOf({ cluster: { vip: "10.1.2.3" }, proxyCache: { enabled: true } });
    expect(off).toContain("Nodes are not measured: turn on\n  harbor-config.report.nodeCheck.enabled");
    expect(off).toContain("harbor-edge node-check IMAGE... on a node");
  });

  it("nodeMirror off: the exact node-config commands for this release and namespace, which the CLI accepts", () => {
    const n = notesOf({ cluster: { vip: "10.1.2.3" }, proxyCache: { enabled: true } }, { namespace: "registry", release: "edge" });
    expect(n).toContain("helm get values edge --namespace registry --all --output yaml > edge-values.yaml");
    const [nc] = commandLines(n, "harbor-edge node-config");
    expect(nc).toBe("harbor-edge node-config edge-values.yaml --format containerd --namespace registry --output node-config");
    expect(n).toContain("copy node-config/* into /etc/containerd/certs.d/ on every node");
    // the CLI parses it (a usage error would exit 2; here the values file does not exist: exit 1)
    const r = cli([...nc.split(" ").slice(1), "--help"]);
    expect(r.code).toBe(0);
  });

  it("readiness: harbor-edge status and report with the release's namespace and the one address", () => {
    const n = notesOf({ cluster: { vip: "10.1.2.3" }, proxyCache: { enabled: true } }, { namespace: "edge-ns" });
    expect(commandLines(n, "harbor-edge status")).toEqual(["harbor-edge status --namespace edge-ns"]);
    const [report] = commandLines(n, "harbor-edge report");
    expect(report).toMatch(
      /^HARBOR_ADMIN_PASSWORD="\$\(kubectl get secret harbor-edge-admin --namespace edge-ns --output jsonpath="\{\.data\.HARBOR_ADMIN_PASSWORD\}" \| base64 --decode\)" harbor-edge report --harbor https:\/\/10\.1\.2\.3:30003 --ca harbor-ca\.crt --namespace edge-ns$/,
    );
    const off = notesOf({ report: { enabled: false } });
    expect(off).toContain("harbor-config.report.enabled is false, so harbor-edge status has nothing to read");
    expect(commandLines(off, "harbor-edge status")).toEqual([]);
  });

  it("names the project's image the configuration and report run, and how an air-gapped site mirrors it", () => {
    const n = notesOf({ cluster: { vip: "10.1.2.3" }, image: { repository: "registry.lan:5000/tools/harbor-edge", tag: "9.9.9" } });
    expect(n).toMatch(/harbor-edge configure from the project's image registry\.lan:5000\/tools\/harbor-edge:9\.9\.9/);
    expect(n).toMatch(/mirror it with Harbor's images \(harbor-edge images SPEC lists them\) and set harbor-config\.image/);
  });

  it("the Palette agent's sentences only in Palette (cluster.uid with registryInfo)", () => {
    expect(notesOf({ cluster: { uid: "abc123" } })).toContain("The Palette agent pulls every image of the cluster through Harbor");
    expect(notesOf({})).not.toContain("Palette agent");
    expect(notesOf({ cluster: { uid: "abc123" }, registryInfo: { enabled: false } })).not.toContain("Palette agent");
  });
});
