// The certificate nginx serves is the one in harbor-tls, and the expiry warning reads what is served:
// nginx reads tls.crt only when it starts, so a renewal (or new SANs) leaves it serving the old one. The
// configuration run reads the served certificate by a TLS handshake (a real TLS server here, serving an old
// certificate while the mounted harbor-tls holds a new one), restarts nginx onto harbor-tls's through the
// Kubernetes API (a small fake records the request), and warns on the served expiry; it falls back to
// TLS_NOT_AFTER when it cannot connect.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import tls from "node:tls";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { X509Certificate } from "node:crypto";
import { generateCA, generateServerCert, type KeyAndCert } from "../../generator/src/certs/generate.js";
import { checkServed, tlsVerdict, servedCertificate, SERVED_ANNOTATION, rfc3339 } from "../../generator/src/configure/served.js";
import { checkCertificate } from "../../generator/src/configure/run.js";
import type { Run } from "../../generator/src/configure/context.js";
import { readInput } from "../../generator/src/configure/input.js";
import { HELMS, render, tmpFile } from "../helpers/chart.js";

const DAY = 86_400_000;
let ca: KeyAndCert, oldLeaf: KeyAndCert, newLeaf: KeyAndCert;
let server: tls.Server;
let address: string;
let kube: http.Server;
let kubeUrl: string;
const patches: Array<{ method: string; url: string; type: string; body: any }> = [];

beforeAll(async () => {
  ca = generateCA("harbor-edge-ca", 3650);
  const names = { dns: ["spectro.registry.local", "harbor-nginx.harbor.svc"], ips: ["127.0.0.1"] };
  oldLeaf = generateServerCert("spectro.registry.local", names, 10, ca); // what nginx read when it started
  newLeaf = generateServerCert("spectro.registry.local", names, 397, ca); // the renewal in harbor-tls
  server = tls.createServer({ cert: oldLeaf.cert, key: oldLeaf.key }, (s) => s.end());
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  kube = http.createServer((req, res) => {
    let text = "";
    req.on("data", (c) => (text += c));
    req.on("end", () => {
      patches.push({ method: req.method!, url: req.url!, type: String(req.headers["content-type"]), body: JSON.parse(text || "null") });
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ kind: "Deployment" }));
    });
  });
  await new Promise<void>((r) => kube.listen(0, "127.0.0.1", r));
  kubeUrl = `http://127.0.0.1:${(kube.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.close();
  kube.close();
});

function runFor(env: Record<string, string>, withKube = true): Run & { said: string[] } {
  const input = readInput({ HARBOR_URL: "http://harbor-core.harbor.svc", HARBOR_ADMIN_PASSWORD: "x", KUBE_NAMESPACE: "harbor", ...env });
  const said: string[] = [];
  return {
    input,
    api: undefined as never,
    ...(withKube ? { kube: { server: kubeUrl, context: "test" } } : {}),
    deadline: Date.now() + 10_000,
    warnings: [],
    failures: [],
    present: new Map(),
    say: (l) => said.push(l),
    sleep: async () => {},
    said,
  };
}

describe("the certificate nginx serves", () => {
  it("a TLS handshake reads the peer certificate (untrusted: only read)", async () => {
    const got = await servedCertificate(address);
    expect(got).toBeInstanceOf(X509Certificate);
    expect((got as X509Certificate).fingerprint256).toBe(new X509Certificate(oldLeaf.cert).fingerprint256);
    expect(await servedCertificate("127.0.0.1:9", { timeoutMs: 2000 })).toHaveProperty("error");
  });

  it("nginx serving an old certificate while harbor-tls holds a new one: nginx is restarted onto harbor-tls's", async () => {
    patches.length = 0;
    const run = runFor({
      TLS_SERVED_ADDRESS: address,
      TLS_CERT_FILE: tmpFile("tls.crt", newLeaf.cert),
      NGINX_DEPLOYMENT: "harbor-nginx",
      TLS_NOT_AFTER: rfc3339(new X509Certificate(newLeaf.cert).validTo),
    });
    const v = await checkServed(run);
    expect(v).toEqual({ notAfter: rfc3339(new X509Certificate(newLeaf.cert).validTo), from: "harbor-tls", stale: true });
    expect(patches).toHaveLength(1);
    expect(patches[0]).toMatchObject({
      method: "PATCH",
      url: "/apis/apps/v1/namespaces/harbor/deployments/harbor-nginx",
      type: "application/strategic-merge-patch+json",
    });
    const fingerprint = new X509Certificate(newLeaf.cert).fingerprint256.replace(/:/g, "").toLowerCase();
    expect(patches[0].body).toEqual({ spec: { template: { metadata: { annotations: { [SERVED_ANNOTATION]: fingerprint } } } } });
    expect(run.said.join("\n")).toContain("restarted deployment/harbor-nginx");
  });

  it("nginx serving harbor-tls's certificate: nothing is restarted", async () => {
    patches.length = 0;
    const run = runFor({ TLS_SERVED_ADDRESS: address, TLS_CERT_FILE: tmpFile("tls.crt", oldLeaf.cert), NGINX_DEPLOYMENT: "harbor-nginx" });
    expect((await checkServed(run)).stale).toBe(false);
    expect(patches).toEqual([]);
  });

  it("the expiry warning reads what is served, not the recorded expiry", async () => {
    // harbor-tls says 397 days (TLS_NOT_AFTER); nginx serves one with 10 days left, and nothing can restart it
    const run = runFor({ TLS_SERVED_ADDRESS: address, TLS_NOT_AFTER: rfc3339(new X509Certificate(newLeaf.cert).validTo) }, false);
    await checkCertificate(run);
    const served = rfc3339(new X509Certificate(oldLeaf.cert).validTo);
    expect(run.warnings).toEqual([expect.stringContaining(`the TLS certificate Harbor serves expires on ${served} (9 days)`)]);
  });

  it("without a restart it warns naming the command; unreachable: falls back to TLS_NOT_AFTER", async () => {
    const stale = runFor(
      { TLS_SERVED_ADDRESS: address, TLS_CERT_FILE: tmpFile("tls.crt", newLeaf.cert), NGINX_DEPLOYMENT: "harbor-nginx" },
      false,
    );
    await checkServed(stale);
    expect(stale.warnings).toEqual([expect.stringContaining("kubectl rollout restart deployment/harbor-nginx --namespace harbor")]);
    const recorded = rfc3339(new Date(Date.now() + 5 * DAY + 3_600_000).toISOString());
    const down = runFor({ TLS_SERVED_ADDRESS: "127.0.0.1:9", TLS_NOT_AFTER: recorded }, false);
    await checkCertificate(down);
    expect(down.warnings).toEqual([expect.stringContaining(`the TLS certificate in harbor-tls expires on ${recorded} (5 days)`)]);
    expect(down.said.join("\n")).toContain("cannot read the certificate served at 127.0.0.1:9");
  });

  it("tlsVerdict: pure", () => {
    const o = new X509Certificate(oldLeaf.cert),
      n = new X509Certificate(newLeaf.cert);
    expect(tlsVerdict(undefined, undefined, "2030-01-01T00:00:00Z")).toEqual({
      notAfter: "2030-01-01T00:00:00Z",
      from: "TLS_NOT_AFTER",
      stale: false,
    });
    expect(tlsVerdict(o, n, "")).toMatchObject({ from: "served", stale: true, notAfter: rfc3339(o.validTo) });
    expect(tlsVerdict(o, undefined, "")).toMatchObject({ from: "served", stale: false });
  });
});

describe.each(HELMS)("helm $version: the configuration Job can read what nginx serves and restart it", (helm) => {
  it("env, harbor-tls's certificate (not its key) mounted, and a Role that patches only harbor-nginx", () => {
    const r = render({ helm });
    expect(r.code, r.stderr).toBe(0);
    const job = r.objects.find((o) => o.kind === "Job" && o.metadata.name.startsWith("harbor-edge-configure-"))!;
    const pod = job.spec.template.spec;
    const env = Object.fromEntries(pod.containers[0].env.map((e: any) => [e.name, e.value]));
    expect(env).toMatchObject({
      TLS_SERVED_ADDRESS: "harbor-nginx.harbor.svc:443",
      TLS_CERT_FILE: "/harbor-tls/tls.crt",
      NGINX_DEPLOYMENT: "harbor-nginx",
    });
    expect(pod.volumes.find((v: any) => v.name === "harbor-tls").secret).toEqual({
      secretName: "harbor-tls",
      optional: true,
      items: [{ key: "tls.crt", path: "tls.crt" }],
    });
    expect(pod.containers[0].volumeMounts).toContainEqual({ name: "harbor-tls", mountPath: "/harbor-tls", readOnly: true });
    const role = r.objects.find((o) => o.kind === "Role" && o.metadata.name.includes("configure"))!;
    expect(role.rules).toContainEqual({
      apiGroups: ["apps"],
      resources: ["deployments"],
      resourceNames: ["harbor-nginx"],
      verbs: ["patch"],
    });
  });
});
