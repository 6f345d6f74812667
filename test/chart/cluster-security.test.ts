// In the cluster: configure and report reach Harbor over TLS with the chart's CA by a name in its certificate (a
// TLS front of the fake Harbor, serving the certificate the spec gives); the opt-in NetworkPolicy lets into Harbor's
// internals only Harbor's own pods; the node-mirror DaemonSet in a namespace of its own leaves the release namespace
// with no pod Pod Security "baseline" refuses (and "restricted" only the data-ownership init containers).
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import yaml from "js-yaml";
import { HELMS, UPSTREAM, render, tmpFile, find, podSpecs, valuesFileForRaw, type K8sObject, type Rendered } from "../helpers/chart.js";
import { startFakeHarbor, type FakeHarbor } from "../fakes/harbor-api.js";
import { runJob, configureJob } from "../helpers/job.js";
import { baselineViolations, restrictedViolations } from "../helpers/k8s.js";
import { generateCA, generateServerCert } from "../../generator/src/certs/generate.js";
import { readInput as readConfigureInput } from "../../generator/src/configure/input.js";
import { readInput as readReportInput } from "../../generator/src/report/input.js";
import { deriveHarborValues } from "../../generator/src/values/derive.js";
import type { Spec } from "../../generator/src/spec/types.js";
import { validateSpec } from "../../generator/src/spec/validate.js";

const helm = HELMS[0];
const PASSWORD = "Desired-Pass-1";
const HOST = "spectro.registry.local";

/** An https server with cert/key that forwards everything to target (the fake Harbor, plain http). */
async function tlsFront(cert: string, key: string, target: string) {
  const t = new URL(target);
  let connections = 0;
  const s = https.createServer({ cert, key }, (req, res) => {
    const p = http.request({ host: t.hostname, port: t.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    req.pipe(p);
  });
  s.on("secureConnection", () => connections++);
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  return {
    url: `https://127.0.0.1:${(s.address() as AddressInfo).port}`,
    connections: () => connections,
    close: () => new Promise<void>((r) => s.close(() => r())),
  };
}

describe.skipIf(HELMS.length === 0)("configure reaches Harbor over TLS with the chart's CA", () => {
  const ca = generateCA("given-ca", 30);
  const server = generateServerCert(HOST, { dns: [HOST], ips: [] }, 30, ca);
  let given: Rendered;
  let generated: Rendered;
  let h: FakeHarbor;
  const closers: Array<() => Promise<void>> = [];
  beforeAll(async () => {
    given = render({
      helm,
      valuesFiles: [
        valuesFileForRaw({
          auth: { password: PASSWORD, certs: { crt: server.cert, key: server.key, ca: ca.cert } },
          proxyCache: { enabled: false },
        }),
      ],
    });
    generated = render({ helm, set: [`harbor-config.auth.password=${PASSWORD}`, "harbor-config.proxyCache.enabled=false"] });
    h = await startFakeHarbor({ adminPassword: PASSWORD });
    closers.push(() => h.close());
  });
  afterAll(() => Promise.all(closers.map((c) => c())));

  const env = (r: Rendered) =>
    Object.fromEntries(
      configureJob(r.objects)!
        .spec.template.spec.containers[0].env.filter((e: any) => e.value !== undefined)
        .map((e: any) => [e.name, e.value]),
    );

  it("renders an https URL of the Service harbor, the CA file, and for a given certificate the name it carries", () => {
    expect(env(generated)).toMatchObject({ HARBOR_URL: "https://harbor.harbor.svc", HARBOR_CA_FILE: "/etc/harbor-edge/harbor-ca/ca.crt" });
    expect(env(generated).HARBOR_TLS_SERVER_NAME).toBeUndefined();
    expect(env(given)).toMatchObject({ HARBOR_URL: "https://harbor.harbor.svc", HARBOR_TLS_SERVER_NAME: HOST });
    expect(JSON.stringify(configureJob(given.objects))).not.toContain("harbor-core");
  });

  it("a run through a TLS front serving the given certificate: the CA mounted from harbor-tls, the name checked", async () => {
    const front = await tlsFront(server.cert, server.key, h.url);
    closers.push(front.close);
    const run = await runJob(given.objects, front.url);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(front.connections()).toBeGreaterThan(0);
    expect(h.state.projects.get("library")!.public).toBe(true);
  });

  it("a front whose certificate another CA signed gets no request: the run fails on the certificate, the password never sent", async () => {
    const other = generateCA("other-ca", 30);
    const impostor = generateServerCert(HOST, { dns: [HOST], ips: [] }, 30, other);
    const front = await tlsFront(impostor.cert, impostor.key, h.url);
    closers.push(front.close);
    const before = h.requests.length;
    const run = await runJob(given.objects, front.url, { env: { HARBOR_WAIT_SECONDS: "1" } });
    expect(run.code).not.toBe(0);
    expect(`${run.stdout}${run.stderr}`).toMatch(/certificate|self.signed|unable to verify/i);
    expect(h.requests.length).toBe(before);
  });

  it("a CA (or a certificate name) with an http URL is refused before any request", () => {
    expect(() =>
      readConfigureInput({ HARBOR_URL: "http://harbor-core.harbor.svc", HARBOR_CA_FILE: "/ca.crt", HARBOR_ADMIN_PASSWORD: "p" }),
    ).toThrow(/HARBOR_CA_FILE is set but HARBOR_URL is not https:\/\/: the password would cross the network in clear/);
    expect(() => readConfigureInput({ HARBOR_URL: "http://h", HARBOR_TLS_SERVER_NAME: HOST, HARBOR_ADMIN_PASSWORD: "p" })).toThrow(
      /HARBOR_TLS_SERVER_NAME is set but/,
    );
    expect(() => readReportInput({ HARBOR_URL: "http://h", HARBOR_CA_FILE: "/ca.crt", HARBOR_ADMIN_PASSWORD: "p" })).toThrow(
      /HARBOR_CA_FILE is set but HARBOR_URL is not https:\/\//,
    );
    expect(
      readReportInput({
        HARBOR_URL: "https://harbor.harbor.svc",
        HARBOR_CA_FILE: "/ca.crt",
        HARBOR_TLS_SERVER_NAME: HOST,
        HARBOR_ADMIN_PASSWORD: "p",
      }),
    ).toMatchObject({ caFile: "/ca.crt", tlsServerName: HOST });
    expect(readReportInput({ HARBOR_URL: "https://h", HARBOR_CA_FILE: "/a", HARBOR_ADMIN_PASSWORD: "p" }, { ca: "/b" }).caFile).toBe("/b");
  });
});

const labels = (o: K8sObject) => o.spec?.template?.metadata?.labels ?? {};
const selects = (sel: any, l: Record<string, string>) =>
  Object.entries(sel.matchLabels ?? {}).every(([k, v]) => l[k] === v) &&
  (sel.matchExpressions ?? []).every((e: any) =>
    e.operator === "NotIn" ? !e.values.includes(l[e.key]) : e.operator === "In" ? e.values.includes(l[e.key]) : true,
  );

describe.skipIf(!UPSTREAM || HELMS.length === 0)("networkPolicy.enabled", () => {
  let on: Rendered;
  beforeAll(() => {
    on = render({ helm, full: true, release: "edge", namespace: "registry", set: ["harbor-config.networkPolicy.enabled=true"] });
  });
  it("is off by default", () => {
    const off = render({ helm, full: true });
    expect(off.objects.filter((o) => o.kind === "NetworkPolicy")).toEqual([]);
  });
  it("selects every Harbor pod but nginx, and lets in Harbor's own pods only", () => {
    expect(on.stderr).toBe("");
    const np = find(on.objects, "NetworkPolicy", "harbor-edge-internal")!;
    expect(np.metadata.namespace).toBe("registry");
    expect(np.spec.policyTypes).toEqual(["Ingress"]);
    const workloads = on.objects.filter((o) => ["Deployment", "StatefulSet"].includes(o.kind));
    const selected = workloads
      .filter((o) => selects(np.spec.podSelector, labels(o)))
      .map((o) => o.metadata.name)
      .sort();
    expect(selected).toEqual([
      "harbor-core",
      "harbor-database",
      "harbor-jobservice",
      "harbor-portal",
      "harbor-redis",
      "harbor-registry",
      "harbor-trivy",
    ]);
    // every Harbor component may reach the others (nginx -> core/portal/registry; core, jobservice, registry, trivy -> db, redis, core)
    const from = np.spec.ingress[0].from.map((f: any) => f.podSelector);
    expect(np.spec.ingress).toHaveLength(1);
    for (const w of workloads)
      expect(
        from.some((s: any) => selects(s, labels(w))),
        w.metadata.name,
      ).toBe(true);
    // the chart's own pods are not let in: they go through nginx over TLS
    for (const o of on.objects.filter((x) => ["Job", "CronJob", "DaemonSet"].includes(x.kind))) {
      const l = o.kind === "CronJob" ? o.spec.jobTemplate.spec.template.metadata.labels : labels(o);
      expect(
        from.some((s: any) => selects(s, l)),
        o.metadata.name,
      ).toBe(false);
    }
    // the Service harbor selects nginx, which the policy leaves open
    const svc = find(on.objects, "Service", "harbor")!;
    expect(selects(np.spec.podSelector, svc.spec.selector)).toBe(false);
  });
});

describe.skipIf(HELMS.length === 0)("nodeMirror.namespace: the DaemonSet in a namespace of its own", () => {
  const spec = {
    cluster: { vip: "10.0.0.5" },
    proxyCache: { enabled: true },
    nodeMirror: { enabled: true, namespace: "harbor-node-mirror" },
  };
  let r: Rendered;
  beforeAll(() => {
    r = render({ helm, full: Boolean(UPSTREAM), namespace: "harbor", valuesFiles: [valuesFileForRaw(spec)] });
  });

  it("the DaemonSet and everything it reads are there; no copy of a key", () => {
    expect(r.stderr).toBe("");
    const ds = find(r.objects, "DaemonSet", "harbor-edge-node-mirror")!;
    expect(ds.metadata.namespace).toBe("harbor-node-mirror");
    for (const v of ds.spec.template.spec.volumes) {
      const ref = v.configMap ? ["ConfigMap", v.configMap.name] : v.secret ? ["Secret", v.secret.secretName] : undefined;
      if (!ref) continue;
      const obj = r.objects.find((o) => o.kind === ref[0] && o.metadata.name === ref[1] && o.metadata.namespace === "harbor-node-mirror");
      expect(obj, `${v.name}: ${ref.join(" ")} in harbor-node-mirror`).toBeDefined();
    }
    const caCopy = find(r.objects, "ConfigMap", "harbor-edge-node-mirror-ca")!;
    const tls = find(r.objects, "Secret", "harbor-tls")!;
    expect(caCopy.data["ca.crt"]).toBe(Buffer.from(tls.data["ca.crt"], "base64").toString("utf8"));
    expect(JSON.stringify(caCopy)).not.toMatch(/PRIVATE KEY/);
    expect(
      r.objects
        .filter((o) => o.metadata.namespace === "harbor-node-mirror")
        .map((o) => `${o.kind}/${o.metadata.name}`)
        .sort(),
    ).toEqual([
      "ConfigMap/harbor-edge-node-mirror",
      "ConfigMap/harbor-edge-node-mirror-ca",
      "ConfigMap/harbor-edge-node-mirror-script",
      "DaemonSet/harbor-edge-node-mirror",
      "Role/harbor-edge-node-mirror",
      "RoleBinding/harbor-edge-node-mirror",
      "Secret/harbor-edge-node-mirror-token",
      "ServiceAccount/harbor-edge-node-mirror",
    ]);
  });

  it("every pod of the release namespace passes Pod Security baseline; restricted refuses only the data-ownership init containers", () => {
    const inRelease = r.objects.filter((o) => (o.metadata.namespace ?? "harbor") === "harbor");
    const pods = [
      ...podSpecs(inRelease),
      ...inRelease
        .filter((o) => o.kind === "CronJob")
        .map((o) => [`CronJob/${o.metadata.name}`, o.spec.jobTemplate.spec.template.spec] as [string, any]),
    ];
    expect(pods.length).toBeGreaterThan(UPSTREAM ? 8 : 3);
    for (const [owner, pod] of pods) expect(baselineViolations(pod), owner).toEqual([]);
    for (const [owner, pod] of pods) {
      // the data-ownership init containers run as root with CHOWN to fix volumes whose CSI driver ignores fsGroup
      const rest = restrictedViolations(pod).filter((v) => !v.startsWith("data-ownership: "));
      expect(rest, owner).toEqual([]);
    }
  });

  it("storage.fixOwnership: false (storage that honours fsGroup): no data-ownership container, and every pod of the release namespace passes restricted", () => {
    const strict = render({
      helm,
      full: Boolean(UPSTREAM),
      namespace: "harbor",
      valuesFiles: [
        valuesFileForRaw({ ...spec, storage: { fixOwnership: false }, nodeMirror: { enabled: true, namespace: "harbor-node-mirror" } }),
      ],
    });
    expect(strict.code, strict.stderr).toBe(0);
    const inRelease = strict.objects.filter((o) => (o.metadata.namespace ?? "harbor") === "harbor");
    const pods = [
      ...podSpecs(inRelease),
      ...inRelease
        .filter((o) => o.kind === "CronJob")
        .map((o) => [`CronJob/${o.metadata.name}`, o.spec.jobTemplate.spec.template.spec] as [string, any]),
    ];
    expect(pods.length).toBeGreaterThan(UPSTREAM ? 8 : 3);
    for (const [owner, pod] of pods) {
      expect(
        [...(pod.initContainers ?? []), ...pod.containers].map((c: any) => c.name),
        owner,
      ).not.toContain("data-ownership");
      expect(restrictedViolations(pod), owner).toEqual([]);
    }
    // the derived harbor: block carries the five of them by default (the seeds' database permissions fix), none with false
    const ownership = (raw: Record<string, unknown>) =>
      (JSON.stringify(deriveHarborValues(validateSpec(raw).spec as Spec)).match(/"name":"data-ownership"/g) ?? []).length;
    expect(ownership(spec)).toBe(5);
    expect(ownership({ ...spec, storage: { fixOwnership: false } })).toBe(0);
  });

  it("in the release namespace (the default), the DaemonSet needs it privileged: the reason for the field", () => {
    const same = render({ helm, valuesFiles: [valuesFileForRaw({ ...spec, nodeMirror: { enabled: true } })] });
    const ds = find(same.objects, "DaemonSet", "harbor-edge-node-mirror")!;
    expect(ds.metadata.namespace).toBe("harbor");
    expect(baselineViolations(ds.spec.template.spec).some((v) => v.startsWith("hostPath"))).toBe(true);
    expect(same.objects.find((o) => o.metadata.name === "harbor-edge-node-mirror-ca")).toBeUndefined();
  });

  it("a namespace name that is not one is refused", () => {
    const bad = render({
      helm,
      valuesFiles: [
        valuesFileForRaw(spec),
        tmpFile("nm-bad.yaml", yaml.dump({ "harbor-config": { nodeMirror: { namespace: "../kube-system" } } })),
      ],
    });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/nodeMirror\/namespace|nodeMirror.namespace/);
  });
});
