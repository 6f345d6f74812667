// harbor-edge node-config and the node-mirror validation rules: the files per format (exact text), the
// containerd files byte-identical to the chart's ConfigMap, the CA from a secrets file, from the cluster
// (a real TLS API server on loopback: client certificate or token) or from auth.certs, and every refusal
// naming the field with nothing written.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import https from "node:https";
import { X509Certificate } from "node:crypto";
import type { AddressInfo } from "node:net";
import yaml from "js-yaml";
import { cli, BIN } from "../helpers/cli.js";
import { HELMS, render, valuesFileFor, find } from "../helpers/chart.js";
import { validateSpec } from "../../generator/src/spec/validate.js";
import { nodeMirrorProblems } from "../../generator/src/spec/rules-node-mirror.js";
import { nodeMirrors } from "../../generator/src/spec/mirrors.js";
import { rancherFiles, talosFiles } from "../../generator/src/nodeconfig/formats.js";
import { generateCA, generateServerCert } from "../../generator/src/certs/generate.js";
import type { Spec } from "../../generator/src/spec/types.js";
import { runProcess } from "../helpers/process.js";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "harbor-edge-node-config-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function specFile(name: string, raw: Record<string, unknown>): string {
  const f = path.join(tmp, name);
  fs.writeFileSync(f, yaml.dump({ "harbor-config": { registryInfo: { enabled: false }, ...raw } }));
  return f;
}
function specWith(raw: Record<string, unknown>): Spec {
  const r = validateSpec(raw);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.spec as Spec;
}
/** every file under dir, relative path -> content */
function tree(dir: string): Record<string, string> {
  if (!fs.existsSync(dir)) return {};
  const out: Record<string, string> = {};
  for (const e of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (e.isFile()) out[path.relative(dir, path.join(e.parentPath, e.name))] = fs.readFileSync(path.join(e.parentPath, e.name), "utf8");
  }
  return out;
}

/** cli(), without blocking the event loop: for tests that serve the Kubernetes API from this process. */
function cliAsync(args: string[], env?: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return runProcess(process.execPath, [BIN, ...args], { env: env && { ...process.env, ...env } });
}

const FAKE_CA = "-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n";
const TWO = {
  cluster: { vip: "10.10.1.5" },
  proxyCache: { enabled: true, registries: ["docker.io", "quay.io"] },
  nodeMirror: { spectroImages: true, addresses: ["10.10.1.5:30003", "harbor.lan"] },
  auth: { certs: { extraSANs: ["harbor.lan"] } },
};

describe("k3s, RKE2 and Talos files, exact text", () => {
  it("k3s registries.yaml: endpoints with the /v2/<project> path in order, a ca_file per mirror host", () => {
    const files = rancherFiles("k3s", nodeMirrors(specWith(TWO)), FAKE_CA);
    expect(files["harbor-ca.crt"]).toBe(FAKE_CA);
    expect(files["registries.yaml"])
      .toBe(`# Managed by harbor-edge-native-config (harbor-edge node-config --format k3s): pull through Harbor.
# Install as /etc/rancher/k3s/registries.yaml, with harbor-ca.crt as /etc/rancher/k3s/harbor-ca.crt, on every node; then restart k3s (k3s-agent on agents).
# Each registry falls back to itself after these endpoints.
mirrors:
  docker.io:
    endpoint:
      - https://10.10.1.5:30003/v2/spectro-images/docker.io
      - https://harbor.lan/v2/spectro-images/docker.io
      - https://10.10.1.5:30003/v2/docker.io
      - https://harbor.lan/v2/docker.io
  quay.io:
    endpoint:
      - https://10.10.1.5:30003/v2/spectro-images/quay.io
      - https://harbor.lan/v2/spectro-images/quay.io
      - https://10.10.1.5:30003/v2/quay.io
      - https://harbor.lan/v2/quay.io
configs:
  10.10.1.5:30003:
    tls:
      ca_file: /etc/rancher/k3s/harbor-ca.crt
  harbor.lan:
    tls:
      ca_file: /etc/rancher/k3s/harbor-ca.crt
`);
  });

  it("RKE2 registries.yaml names RKE2's paths", () => {
    const text = rancherFiles(
      "rke2",
      nodeMirrors(specWith({ cluster: { vip: "10.0.0.1" }, proxyCache: { enabled: true, registries: ["gcr.io"] } })),
      FAKE_CA,
    )["registries.yaml"];
    expect(text).toBe(`# Managed by harbor-edge-native-config (harbor-edge node-config --format rke2): pull through Harbor.
# Install as /etc/rancher/rke2/registries.yaml, with harbor-ca.crt as /etc/rancher/rke2/harbor-ca.crt, on every node; then restart rke2-server / rke2-agent.
# Each registry falls back to itself after these endpoints.
mirrors:
  gcr.io:
    endpoint:
      - https://10.0.0.1:30003/v2/gcr.io
configs:
  10.0.0.1:30003:
    tls:
      ca_file: /etc/rancher/rke2/harbor-ca.crt
`);
  });

  it("Talos: the machine patch (overridePath per mirror, CA base64) and the 1.12 documents (CA as PEM)", () => {
    const files = talosFiles(
      nodeMirrors(specWith({ cluster: { vip: "fd00::5" }, proxyCache: { enabled: true, registries: ["ghcr.io"] } })),
      FAKE_CA,
    );
    const b64 = Buffer.from(FAKE_CA).toString("base64");
    expect(files["talos-machine-patch.yaml"])
      .toBe(`# Managed by harbor-edge-native-config (harbor-edge node-config --format talos): pull through Harbor; each registry falls back to itself.
# Talos 1.x: talosctl patch machineconfig --patch @talos-machine-patch.yaml (or --config-patch at gen config).
machine:
  registries:
    mirrors:
      ghcr.io:
        endpoints:
          - https://[fd00::5]:30003/v2/ghcr.io
        overridePath: true
    config:
      "[fd00::5]:30003":
        tls:
          ca: ${b64}
`);
    expect(files["talos-registry-documents.yaml"])
      .toBe(`# Managed by harbor-edge-native-config (harbor-edge node-config --format talos): pull through Harbor; each registry falls back to itself.
# Talos 1.12 and later: RegistryMirrorConfig and RegistryTLSConfig documents, applied like any patch; use these or the machine patch, not both.
apiVersion: v1alpha1
kind: RegistryMirrorConfig
name: ghcr.io
endpoints:
  - url: https://[fd00::5]:30003/v2/ghcr.io
    overridePath: true
---
apiVersion: v1alpha1
kind: RegistryTLSConfig
name: "[fd00::5]:30003"
ca: |
  -----BEGIN CERTIFICATE-----
  MIIBfake
  -----END CERTIFICATE-----
`);
  });
});

describe("harbor-edge node-config --format containerd", () => {
  let spec: string, secrets: string;
  beforeAll(() => {
    spec = specFile("two.yaml", TWO);
    secrets = path.join(tmp, "secrets.yaml");
    expect(cli(["secrets", spec, "-o", secrets]).code).toBe(0);
  });

  it("writes <H>/hosts.toml byte-identical to the chart's ConfigMap (what the DaemonSet writes) and <H>/harbor-ca.crt from the secrets file", () => {
    const out = path.join(tmp, "containerd");
    const r = cli(["node-config", spec, "--format", "containerd", "--secrets", secrets, "-o", out]);
    expect(r.stderr).toMatch(/wrote 4 files/);
    expect(r.code).toBe(0);
    // the spec's warning (harbor.lan without a port) is said once and does not stop node-config
    expect(r.stderr.match(/warning: harbor-config\.nodeMirror\.addresses\[1\]/g)).toHaveLength(1);
    const files = tree(out);
    expect(Object.keys(files).sort()).toEqual([
      "docker.io/harbor-ca.crt",
      "docker.io/hosts.toml",
      "quay.io/harbor-ca.crt",
      "quay.io/hosts.toml",
    ]);
    // the CA is the one that signed the certificate in the secrets file
    const tls = (yaml.load(fs.readFileSync(secrets, "utf8")) as any).secrets.tls;
    const ca = new X509Certificate(files["docker.io/harbor-ca.crt"]);
    expect(new X509Certificate(tls.crt).verify(ca.publicKey)).toBe(true);
    expect(files["quay.io/harbor-ca.crt"]).toBe(files["docker.io/harbor-ca.crt"]);
    // the same bytes as the chart renders into harbor-edge-node-mirror, with either helm
    for (const helm of HELMS) {
      const cm = find(
        render({ helm, valuesFiles: [valuesFileFor(specWith({ ...TWO, registryInfo: { enabled: false } }))] }).objects,
        "ConfigMap",
        "harbor-edge-node-mirror",
      )!;
      expect(files["docker.io/hosts.toml"]).toBe(cm.data["docker.io.hosts.toml"]);
      expect(files["quay.io/hosts.toml"]).toBe(cm.data["quay.io.hosts.toml"]);
    }
  });

  it("without -o prints every file, headed by its path", () => {
    const r = cli(["node-config", spec, "--format", "containerd", "--secrets", secrets]);
    expect(r.code).toBe(0);
    expect(r.stdout.match(/^# ==> (.*) <==$/gm)).toEqual([
      "# ==> docker.io/hosts.toml <==",
      "# ==> docker.io/harbor-ca.crt <==",
      "# ==> quay.io/hosts.toml <==",
      "# ==> quay.io/harbor-ca.crt <==",
    ]);
  });

  it("a given certificate's CA is used when there is no secrets file", () => {
    const ca = generateCA("given-ca", 30);
    const server = generateServerCert("spectro.registry.local", { dns: ["spectro.registry.local"], ips: ["10.10.1.5"] }, 30, ca);
    const f = specFile("given.yaml", {
      cluster: { vip: "10.10.1.5" },
      proxyCache: { enabled: true, registries: ["docker.io"] },
      auth: { certs: { crt: server.cert, key: server.key, ca: ca.cert } },
    });
    const r = cli(["node-config", f, "--format", "k3s"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(ca.cert.replace(/\r\n/g, "\n").trim());
  });

  it("refuses, naming the field, with nothing written: no proxy cache, no address, no CA, a secrets file without one", () => {
    const cases: Array<[string, Record<string, unknown>, string[], RegExp]> = [
      [
        "no-proxy.yaml",
        { cluster: { vip: "10.0.0.1" }, proxyCache: { enabled: false } },
        ["--secrets", secrets],
        /harbor-config\.proxyCache\.enabled: expected proxyCache\.enabled true/,
      ],
      [
        "no-vip.yaml",
        { proxyCache: { enabled: true } },
        ["--secrets", secrets],
        /harbor-config\.nodeMirror\.addresses: expected an address nodes reach Harbor at .*given none \(no cluster\.vip\)/,
      ],
      [
        "clusterip.yaml",
        { cluster: { vip: "10.0.0.1" }, service: { serviceType: "ClusterIP" }, proxyCache: { enabled: true } },
        ["--secrets", secrets],
        /harbor-config\.nodeMirror\.addresses: .*service\.serviceType ClusterIP/,
      ],
      [
        "no-ca.yaml",
        { cluster: { vip: "10.0.0.1" }, proxyCache: { enabled: true } },
        [],
        /no kubeconfig \(no --kubeconfig, KUBECONFIG unset, no ~\/\.kube\/config\): pass --kubeconfig FILE, or --secrets FILE/,
      ],
    ];
    const noTls = path.join(tmp, "no-tls.yaml");
    fs.writeFileSync(noTls, yaml.dump({ secrets: { coreSecret: "x" } }));
    cases.push([
      "ok-spec.yaml",
      { cluster: { vip: "10.0.0.1" }, proxyCache: { enabled: true } },
      ["--secrets", noTls],
      /secrets\.tls\.caCrt: expected the CA/,
    ]);
    for (const [name, raw, extra, message] of cases) {
      const out = path.join(tmp, `refused-${name}`);
      // no kubeconfig anywhere (kubectl's defaults are tried when nothing else gives the CA)
      const r = cli(["node-config", specFile(name, raw), "--format", "containerd", "-o", out, ...extra], {
        env: { KUBECONFIG: "", KUBE_API: "", KUBERNETES_SERVICE_HOST: "", HOME: fs.mkdtempSync(path.join(os.tmpdir(), "nc-home-")) },
      });
      expect(r.stderr, name).toMatch(message);
      expect(r.code, name).toBe(1);
      expect(fs.existsSync(out), name).toBe(false);
    }
  });

  it("usage errors exit 2: an unknown format, --kubeconfig with --secrets", () => {
    expect(cli(["node-config", spec, "--format", "docker"]).code).toBe(2);
    expect(cli(["node-config", spec, "--format", "k3s", "--secrets", secrets, "--kubeconfig", secrets]).code).toBe(2);
  });
});

describe("the CA from the cluster (--kubeconfig): a minimal Kubernetes API GET over TLS", () => {
  const apiCa = generateCA("test-apiserver-ca", 2);
  const apiCert = generateServerCert("localhost", { dns: ["localhost"], ips: ["127.0.0.1"] }, 2, apiCa);
  const clientCa = generateCA("test-client-ca", 2);
  const client = generateServerCert("harbor-edge-test-user", { dns: [], ips: [] }, 2, clientCa);
  const harborCa = generateCA("harbor-edge-ca", 2);
  const seen: Array<{ path: string; auth?: string; clientCert: boolean }> = [];
  let server: https.Server;
  let url = "";
  beforeAll(async () => {
    server = https.createServer(
      { cert: apiCert.cert, key: apiCert.key, ca: clientCa.cert, requestCert: true, rejectUnauthorized: false },
      (req, res) => {
        const sock = req.socket as import("node:tls").TLSSocket;
        const clientCert = sock.authorized;
        seen.push({ path: req.url!, auth: req.headers.authorization, clientCert });
        const ok = clientCert || req.headers.authorization === "Bearer test-token";
        res.setHeader("content-type", "application/json");
        if (!ok) return res.writeHead(401).end(JSON.stringify({ kind: "Status", message: "Unauthorized", code: 401 }));
        if (req.url === "/api/v1/namespaces/edge/secrets/harbor-tls") {
          return res.end(
            JSON.stringify({ kind: "Secret", data: { "ca.crt": Buffer.from(harborCa.cert).toString("base64"), "tls.key": "c2VjcmV0" } }),
          );
        }
        res.writeHead(404).end(JSON.stringify({ kind: "Status", message: `secrets "harbor-tls" not found`, code: 404 }));
      },
    );
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  function kubeconfig(name: string, user: Record<string, unknown>, namespace?: string) {
    const f = path.join(tmp, name);
    fs.writeFileSync(
      f,
      yaml.dump({
        apiVersion: "v1",
        kind: "Config",
        "current-context": "edge",
        clusters: [{ name: "c", cluster: { server: url, "certificate-authority-data": Buffer.from(apiCa.cert).toString("base64") } }],
        users: [{ name: "u", user }],
        contexts: [{ name: "edge", context: { cluster: "c", user: "u", ...(namespace ? { namespace } : {}) } }],
      }),
    );
    return f;
  }
  const spec = () => specFile("kube.yaml", { cluster: { vip: "10.0.0.1" }, proxyCache: { enabled: true, registries: ["docker.io"] } });

  it("with a client certificate from files, in the namespace given by -n: writes the Secret's ca.crt and nothing else of it", async () => {
    fs.writeFileSync(path.join(tmp, "client.crt"), client.cert);
    fs.writeFileSync(path.join(tmp, "client.key"), client.key);
    const kc = kubeconfig("kc-cert.yaml", { "client-certificate": "client.crt", "client-key": "client.key" });
    const out = path.join(tmp, "from-cluster");
    const r = await cliAsync(["node-config", spec(), "--format", "containerd", "--kubeconfig", kc, "-n", "edge", "-o", out]);
    expect(r.stderr).toMatch(/wrote 2 files/);
    expect(tree(out)["docker.io/harbor-ca.crt"]).toBe(harborCa.cert.replace(/\r\n/g, "\n"));
    expect(seen.at(-1)).toEqual({ path: "/api/v1/namespaces/edge/secrets/harbor-tls", auth: undefined, clientCert: true });
    expect(JSON.stringify(tree(out))).not.toContain("c2VjcmV0");
  });

  it("without --kubeconfig or --secrets, and no CA in the spec: $KUBECONFIG, as kubectl", async () => {
    const kc = kubeconfig("kc-env.yaml", { token: "test-token" }, "edge");
    const r = await cliAsync(["node-config", spec(), "--format", "talos"], { KUBECONFIG: kc, KUBE_API: "", KUBERNETES_SERVICE_HOST: "" });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(seen.at(-1)).toEqual({ path: "/api/v1/namespaces/edge/secrets/harbor-tls", auth: "Bearer test-token", clientCert: false });
  });

  it("with a bearer token and the context's namespace", async () => {
    const r = await cliAsync([
      "node-config",
      spec(),
      "--format",
      "talos",
      "--kubeconfig",
      kubeconfig("kc-token.yaml", { token: "test-token" }, "edge"),
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(Buffer.from(harborCa.cert.replace(/\r\n/g, "\n")).toString("base64"));
    expect(seen.at(-1)).toEqual({ path: "/api/v1/namespaces/edge/secrets/harbor-tls", auth: "Bearer test-token", clientCert: false });
  });

  it("says what the API said (the default namespace harbor has no Secret here; a wrong token), and that exec plugins are not run", async () => {
    const notFound = await cliAsync([
      "node-config",
      spec(),
      "--format",
      "k3s",
      "--kubeconfig",
      kubeconfig("kc-ns.yaml", { token: "test-token" }),
    ]);
    expect(notFound.code).toBe(1);
    expect(notFound.stderr).toMatch(/GET \/api\/v1\/namespaces\/harbor\/secrets\/harbor-tls with HTTP 404: secrets "harbor-tls" not found/);
    const denied = await cliAsync([
      "node-config",
      spec(),
      "--format",
      "k3s",
      "--kubeconfig",
      kubeconfig("kc-bad.yaml", { token: "wrong" }),
      "-n",
      "edge",
    ]);
    expect(denied.stderr).toMatch(/HTTP 401: Unauthorized/);
    expect(denied.stderr).not.toContain("wrong");
    const exec = await cliAsync([
      "node-config",
      spec(),
      "--format",
      "k3s",
      "--kubeconfig",
      kubeconfig("kc-exec.yaml", { exec: { command: "aws" } }),
    ]);
    expect(exec.stderr).toMatch(/exec plugin, which harbor-edge does not run/);
    expect(exec.code).toBe(1);
  });

  it("refuses an API server whose certificate the kubeconfig's CA did not sign", async () => {
    const kc = kubeconfig("kc-otherca.yaml", { token: "test-token" }, "edge");
    const doc = yaml.load(fs.readFileSync(kc, "utf8")) as any;
    doc.clusters[0].cluster["certificate-authority-data"] = Buffer.from(generateCA("other", 2).cert).toString("base64");
    fs.writeFileSync(kc, yaml.dump(doc));
    const r = await cliAsync(["node-config", spec(), "--format", "k3s", "--kubeconfig", kc]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/self.signed|unable to verify|certificate/i);
  });
});

describe("validate: the node mirror's addresses and prerequisites", () => {
  const errorsAt = (raw: Record<string, unknown>) => validateSpec(raw).errors.map((e) => `${e.path}: ${e.expected} | ${e.given}`);

  it("warns that spectro-images is made public when nodes try it first (nodes pull anonymously), naming the field", () => {
    const warningsAt = (raw: Record<string, unknown>) =>
      validateSpec(raw)
        .warnings.filter((w) => /spectro-images public/.test(w.expected))
        .map((w) => w.path);
    const on = { proxyCache: { enabled: true }, nodeMirror: { spectroImages: true } };
    expect(warningsAt(on)).toEqual(["harbor-config.projects[1].public"]);
    expect(warningsAt({ ...on, projects: [{ name: "library", public: true }] })).toEqual(["harbor-config.nodeMirror.spectroImages"]);
    expect(warningsAt({ ...on, projects: [{ name: "spectro-images", public: true }] })).toEqual([]);
    expect(warningsAt({ proxyCache: { enabled: true } })).toEqual([]);
  });

  it("warns that an address given as a name must resolve on the nodes (the pull and Harbor's token realm https://<address>/service/token), not for IPs", () => {
    const realmWarnings = (raw: Record<string, unknown>) =>
      validateSpec(raw)
        .warnings.filter((w) => /token realm/.test(w.expected))
        .map((w) => `${w.path} ${w.expected.match(/https:\/\/\S+/)![0]}`);
    const addresses = ["10.0.0.1:30003", "[fd00::1]:30003", "harbor.lan:30003", "spectro.registry.local:30003"];
    expect(
      realmWarnings({ cluster: { vip: "10.0.0.1" }, proxyCache: { enabled: true }, nodeMirror: { enabled: true, addresses } }),
    ).toEqual([
      "harbor-config.nodeMirror.addresses[2] https://harbor.lan:30003/service/token;",
      "harbor-config.nodeMirror.addresses[3] https://spectro.registry.local:30003/service/token;",
    ]);
    // nodes that do not use the mirror are not told
    expect(
      realmWarnings({ cluster: { vip: "10.0.0.1" }, proxyCache: { enabled: true }, nodeMirror: { enabled: false, addresses } }),
    ).toEqual([]);
  });

  it("accepts every address for a generated certificate: the chart and `harbor-edge secrets` put each one in its SANs", () => {
    const raw = {
      cluster: { vip: "10.0.0.1" },
      proxyCache: { enabled: true },
      nodeMirror: { addresses: ["10.0.0.1:30003", "10.0.0.2:30003", "harbor.lan"] },
    };
    expect(errorsAt(raw)).toEqual([]);
  });

  it("refuses an address outside a given certificate's SANs (a wildcard covers one label)", () => {
    const ca = generateCA("given-ca", 30);
    const server = generateServerCert(
      "spectro.registry.local",
      { dns: ["spectro.registry.local", "*.edge.lan"], ips: ["10.0.0.1"] },
      30,
      ca,
    );
    const base = {
      cluster: { vip: "10.0.0.1" },
      proxyCache: { enabled: true },
      auth: { certs: { crt: server.cert, key: server.key, ca: ca.cert } },
    };
    expect(errorsAt({ ...base, nodeMirror: { addresses: ["harbor.edge.lan:30003", "10.0.0.1"] } })).toEqual([]);
    const errs = errorsAt({ ...base, nodeMirror: { addresses: ["a.b.edge.lan", "[fd00::1]:30003"] } });
    expect(errs.map((e) => e.split(":")[0])).toEqual(["harbor-config.nodeMirror.addresses[0]", "harbor-config.nodeMirror.addresses[1]"]);
    expect(errs[0]).toContain("a certificate in auth.certs that names it");
  });

  it("nodeMirror.enabled needs the proxy cache and an address; node-config too, even with nodeMirror off", () => {
    expect(errorsAt({ cluster: { vip: "10.0.0.1" }, proxyCache: { enabled: false }, nodeMirror: { enabled: true } })).toEqual([
      expect.stringMatching(/^harbor-config\.nodeMirror\.enabled: proxyCache\.enabled true/),
    ]);
    expect(errorsAt({ proxyCache: { enabled: true }, nodeMirror: { enabled: true } })).toEqual([
      expect.stringMatching(/^harbor-config\.nodeMirror\.addresses: .*\| none \(no cluster\.vip\)$/),
    ]);
    expect(
      errorsAt({
        cluster: { vip: "10.0.0.1" },
        service: { serviceType: "ClusterIP" },
        proxyCache: { enabled: true },
        nodeMirror: { enabled: true },
      }),
    ).toEqual([
      expect.stringMatching(/^harbor-config\.nodeMirror\.addresses: .*ClusterIP, which is not served on cluster\.vip 10\.0\.0\.1\)$/),
    ]);
    // the same spec with nodeMirror off is valid: only node-config (forNodeConfig) asks for an address
    const off = validateSpec({ proxyCache: { enabled: true } });
    expect(off.errors).toEqual([]);
    expect(nodeMirrorProblems(off.spec, "harbor-config", { forNodeConfig: true }).map((p) => p.path)).toEqual([
      "harbor-config.nodeMirror.addresses",
    ]);
    expect(validateSpec({ cluster: { vip: "10.0.0.1" }, proxyCache: { enabled: true }, nodeMirror: { enabled: true } }).errors).toEqual([]);
  });

  it("warns about an address without a port in front of a NodePort Service (containerd would dial 443)", () => {
    const r = validateSpec({
      proxyCache: { enabled: true },
      nodeMirror: { addresses: ["127.0.0.1", "127.0.0.1:30003", "localhost:31000"] },
    });
    expect(r.errors).toEqual([]);
    expect(r.warnings.filter((w) => w.path.includes("nodeMirror")).map((w) => w.path)).toEqual(["harbor-config.nodeMirror.addresses[0]"]);
    expect(r.warnings.find((w) => w.path.includes("nodeMirror"))!.expected).toContain("127.0.0.1:30003");
    const lb = validateSpec({
      cluster: { vip: "10.0.0.1" },
      service: { serviceType: "LoadBalancer" },
      proxyCache: { enabled: true },
      nodeMirror: { addresses: ["10.0.0.1"] },
    });
    expect(lb.warnings.filter((w) => w.path.includes("nodeMirror"))).toEqual([]);
  });

  it("leaves Palette macros to Palette", () => {
    expect(
      errorsAt({
        cluster: { vip: "{{.spectro.system.cluster.kubevip}}" },
        proxyCache: { enabled: true },
        nodeMirror: { addresses: ["10.9.9.9"] },
      }),
    ).toEqual([]);
  });
});
