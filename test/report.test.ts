// The in-cluster report (chart/files/report-harbor.sh) run by dash as the rendered Job runs it: its script from
// the rendered ConfigMap, its environment from the rendered Job and Secrets, the Kubernetes API a fake that
// enforces the rendered ClusterRole and Role, and Harbor a test Harbor whose proxy projects pull through from
// real registries (Debian's docker-registry) and cache in the background as Harbor 2.15.1 does.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawn } from "node:child_process";
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { HELMS, render, find, decode, type K8sObject } from "./helpers/chart.js";
import { registryUnavailable, startRegistry, type RunningRegistry } from "./helpers/docker-registry.js";
import { startFakeHarborProxy, type FakeHarborProxy, type FakeHarborProxyOptions } from "./helpers/fake-harbor-proxy.js";
import { startFakeKubeApi, nodeObject, type KubeObjects, type FakeKubeApi, type Rule } from "./helpers/fake-kube-api.js";
import { testImage, testIndex, pushImage, type TestImage, type TestIndex } from "./helpers/oci-images.js";
import { Registry } from "../generator/src/seed/distribution.js";
import yaml from "js-yaml";
import { BIN } from "./helpers/cli.js";
import { generateCA, generateServerCert } from "../generator/src/certs/generate.js";

const PASSWORD = "Report-Pass-1";
const NS = "harbor";
const why = registryUnavailable();
if (why) process.stderr.write(`\nNOT RUN: test/report.test.ts: ${why}\n\n`);

let objects: K8sObject[];
let docker: RunningRegistry; // upstream of docker.io
let quay: RunningRegistry; // upstream of quay.io, cut for good
const cleanups: Array<() => Promise<void>> = [];
const img: Record<string, TestImage | TestIndex> = {};

beforeAll(async () => {
  if (why) return;
  const r = render({ helm: HELMS[0], set: [`harbor-config.auth.password=${PASSWORD}`, "harbor-config.proxyCache.enabled=true", "harbor-config.proxyCache.registries={docker.io,quay.io}"] });
  if (r.code !== 0) throw new Error(r.stderr);
  objects = r.objects;
  docker = await startRegistry("report-up");
  quay = await startRegistry("report-quay");
  cleanups.push(docker.close, quay.close);
  const up = new Registry({ url: docker.url });
  img.nginx = testImage("nginx 1.25");
  img.redis = testImage("redis 7", { docker: true });
  img.multi = testIndex("multi 1", ["linux/amd64", "linux/arm64"]);
  img.pinned = testImage("pinned 1");
  img.pinnedIndex = testIndex("pinned-index 1", ["linux/amd64", "linux/arm64"]);
  img.agent = testImage("agent 1");
  await pushImage(up, "library/nginx", "1.25", img.nginx);
  await pushImage(up, "library/redis", "7", img.redis);
  await pushImage(up, "team/multi", "1", img.multi);
  await pushImage(up, "team/pinned", "1", img.pinned);
  await pushImage(up, "team/pinned-index", "1", img.pinnedIndex);
  await pushImage(up, "edge/agent", "1", img.agent);
  await pushImage(new Registry({ url: quay.url }), "org/tool", "2", testImage("tool 2"));
  await quay.stop(); // the upstream is cut: nothing from it can be cached
}, 120_000);
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

interface World {
  harbor: FakeHarborProxy;
  kube: FakeKubeApi;
  storage: RunningRegistry;
}

function rulesOf(kind: string, name: string): Rule[] {
  return find(objects, kind, name)!.rules as Rule[];
}

let kubeCa: { cert: string; key: string } | undefined;
async function world(pods: KubeObjects["pods"], o: { harbor?: Partial<FakeHarborProxyOptions>; nodes?: KubeObjects["nodes"]; namespaces?: KubeObjects["namespaces"]; noConfigMap?: boolean; tls?: boolean } = {}): Promise<World> {
  kubeCa ??= generateCA("report test cluster CA", 1);
  const tls = o.tls ? { ...generateServerCert("kubernetes", { dns: ["kubernetes.default.svc"], ips: ["127.0.0.1"] }, 1, kubeCa) } : undefined;
  const storage = await startRegistry("report-storage");
  const harbor = await startFakeHarborProxy({
    adminPassword: PASSWORD,
    storage: storage.url,
    projects: [
      { name: "docker.io", public: true, upstream: docker.url },
      { name: "quay.io", public: true, upstream: quay.url },
      { name: "library", public: true },
    ],
    intervalMs: 100,
    ...o.harbor,
  });
  const clusterRole = find(objects, "ClusterRole", "harbor-edge-report-harbor-harbor")!.metadata.name;
  const kube = await startFakeKubeApi(
    {
      nodes: o.nodes ?? [{ name: "edge-1", os: "linux", architecture: "amd64" }],
      namespaces: o.namespaces ?? [{ name: "default" }, { name: NS }, { name: "kube-system" }],
      pods,
      configMaps: o.noConfigMap ? [] : [{ namespace: NS, name: find(objects, "ConfigMap", "harbor-edge-status")!.metadata.name }],
    },
    { rbac: { cluster: rulesOf("ClusterRole", clusterRole), namespaced: [{ namespace: NS, rules: rulesOf("Role", "harbor-edge-report") }] }, ...(tls ? { tls } : {}) },
  );
  cleanups.push(async () => {
    await harbor.settled();
    await harbor.close();
    await kube.close();
    await storage.close();
  });
  return { harbor, kube, storage };
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the rendered Job's container: script from the rendered ConfigMap, environment from the Job and Secrets. */
async function runReport(w: World, env: Record<string, string> = {}): Promise<Run> {
  const job = objects.find((x) => x.kind === "Job" && x.metadata.name.startsWith("harbor-edge-report-"))!;
  const pod = job.spec.template.spec;
  const c = pod.containers[0];
  const cm = find(objects, "ConfigMap", pod.volumes.find((v: any) => v.name === "script").configMap.name)!;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "report-run-"));
  const script = path.join(dir, "report-harbor.sh");
  fs.writeFileSync(script, cm.data["report-harbor.sh"], { mode: 0o555 });
  expect(c.command).toEqual(["/bin/sh", `${c.volumeMounts.find((v: any) => v.name === "script").mountPath}/report-harbor.sh`]);
  const tokenFile = path.join(dir, "token");
  fs.writeFileSync(tokenFile, `${w.kube.token}\n`);
  const caFile = path.join(dir, "ca.crt");
  fs.writeFileSync(caFile, kubeCa!.cert);
  const e: Record<string, string> = {};
  for (const v of c.env) {
    if (v.value !== undefined) e[v.name] = String(v.value);
    else if (v.valueFrom?.secretKeyRef) e[v.name] = decode(find(objects, "Secret", v.valueFrom.secretKeyRef.name)!.data[v.valueFrom.secretKeyRef.key]);
    else if (v.valueFrom?.fieldRef?.fieldPath === "metadata.namespace") e[v.name] = job.metadata.namespace!;
    else throw new Error(`env ${v.name}: unsupported source`);
  }
  // only the addresses are the test's: Harbor's and the API server's are cluster-internal names
  Object.assign(e, { PATH: process.env.PATH ?? "/usr/bin:/bin", HARBOR_URL: w.harbor.url, KUBE_API: w.kube.url, KUBE_TOKEN_FILE: tokenFile, KUBE_CA_FILE: caFile, TMPDIR: dir, REPORT_POLL_SECONDS: "1", REPORT_WAIT_SECONDS: "5" }, env);
  const child = spawn("dash", [script], { env: e, cwd: dir });
  let stdout = "", stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  const code: number = await new Promise((resolve) => child.on("close", (x) => resolve(x ?? 1)));
  fs.rmSync(dir, { recursive: true, force: true });
  const out = stdout + stderr;
  expect(out).not.toContain(PASSWORD);
  expect(out).not.toContain(w.kube.token);
  return { code, stdout, stderr };
}

const status = (w: World) => w.kube.configMap(NS, "harbor-edge-status")!.data!;
const artifactGets = (w: World, repoEnc: string) => w.harbor.requests.filter((r) => r.method === "GET" && r.path.includes(`/repositories/${repoEnc}/artifacts/`));
const v2 = (w: World) => w.harbor.requests.filter((r) => r.path.startsWith("/v2/"));

describe.skipIf(Boolean(why)).concurrent("the report against a Kubernetes API and a Harbor with proxy-cache projects", () => {
  it("one missing image: Harbor is asked to fetch it, and it is counted held only once Harbor's background cache has landed", async () => {
    // Harbor waits intervalMs before it looks for the blobs: the first looks after the fetch find nothing
    const w = await world([{ namespace: "default", name: "web", containers: ["nginx:1.25"] }], { harbor: { intervalMs: 1500 } });
    const run = await runReport(w);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(w.harbor.violations).toEqual([]);
    const s = status(w);
    expect(s.summary).toBe("1 of 1 running images are held by Harbor");
    expect({ held: s.held, total: s.total, allHeld: s.allHeld, missing: s.missing, platforms: s.platforms }).toEqual({ held: "1", total: "1", allHeld: "true", missing: "", platforms: "linux/amd64" });
    const looks = artifactGets(w, "library%252Fnginx").map((r) => r.status);
    // before the fetch: 404; after it, 404 while Harbor caches, then 200
    expect(looks[0]).toBe(404);
    expect(looks.at(-1)).toBe(200);
    expect(looks.filter((x) => x === 404).length).toBeGreaterThanOrEqual(2);
    const fetchAt = w.harbor.requests.find((r) => r.path === "/v2/docker.io/library/nginx/manifests/1.25")!.at;
    const heldAt = artifactGets(w, "library%252Fnginx").find((r) => r.status === 200)!.at;
    expect(heldAt - fetchAt).toBeGreaterThanOrEqual(1500);
    // the manifest and both blobs went through the proxy project
    expect(v2(w).map((r) => r.path).sort()).toEqual(["/v2/docker.io/library/nginx/manifests/1.25", ...(img.nginx as TestImage).blobs.map((b) => `/v2/docker.io/library/nginx/blobs/${b.digest}`)].sort());
    // Harbor holds it for real: its storage has the manifest under the tag
    expect(await new Registry({ url: w.storage.url }).manifestExists("docker.io/library/nginx", "1.25")).toBe((img.nginx as TestImage).digest);
    expect(w.kube.events).toHaveLength(1);
    expect(w.kube.events[0]).toMatchObject({ type: "Normal", reason: "ImagesHeld", message: s.summary, involvedObject: { kind: "ConfigMap", name: "harbor-edge-status", namespace: NS } });
    // no secret where people look
    expect(JSON.stringify([s, w.kube.events])).not.toContain(PASSWORD);
  });

  it("harbor-edge status prints, from outside, what the report wrote, and exits 1 while images are missing", async () => {
    const w = await world([
      { namespace: "default", name: "tool", containers: ["quay.io/org/tool:2"] },
      { namespace: "default", name: "web", containers: ["nginx:1.25"] },
    ]);
    expect((await runReport(w)).code).toBe(0);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "report-kubeconfig-"));
    const kubeconfig = path.join(dir, "config");
    fs.writeFileSync(kubeconfig, yaml.dump({ apiVersion: "v1", kind: "Config", "current-context": "c", contexts: [{ name: "c", context: { cluster: "c", user: "u" } }], clusters: [{ name: "c", cluster: { server: w.kube.url } }], users: [{ name: "u", user: { token: w.kube.adminToken } }] }));
    const child = spawn(process.execPath, [BIN, "status", "--kubeconfig", kubeconfig, "--json"]);
    let stdout = "";
    child.stdout.on("data", (d) => (stdout += d));
    const code = await new Promise((resolve) => child.on("close", resolve));
    expect(code).toBe(1);
    const s = status(w);
    const printed = JSON.parse(stdout);
    expect(printed).toMatchObject({ summary: s.summary, held: 1, total: 2, allHeld: false, missing: s.missing.split("\n"), platforms: ["linux/amd64"], updated: s.updated });
    expect(printed.lastEvent).toMatchObject({ type: "Warning", reason: "ImagesMissing", message: s.summary });
  });

  it("REPORT_PULL_BLOBS=0: manifests only; Harbor fetches the blobs itself after its wait, and the image is confirmed then", async () => {
    const w = await world([{ namespace: "default", name: "web", containers: ["nginx:1.25"] }], { harbor: { intervalMs: 200 } });
    const run = await runReport(w, { REPORT_PULL_BLOBS: "0", REPORT_CONFIRM_SECONDS: "20" });
    expect(run.code).toBe(0);
    expect(status(w).summary).toBe("1 of 1 running images are held by Harbor");
    expect(v2(w).map((r) => r.path)).toEqual(["/v2/docker.io/library/nginx/manifests/1.25"]);
    // Harbor waited its 10 intervals for blobs nobody pulled, then fetched them from the upstream
    const fetchAt = v2(w)[0].at;
    const heldAt = artifactGets(w, "library%252Fnginx").find((r) => r.status === 200)!.at;
    expect(heldAt - fetchAt).toBeGreaterThanOrEqual(10 * 200);
  });

  it("Harbor that has not cached within the bound: reported missing, never assumed held", async () => {
    const w = await world([{ namespace: "default", name: "web", containers: ["docker.io/library/nginx:1.25"] }], { harbor: { intervalMs: 4000 } });
    const run = await runReport(w, { REPORT_CONFIRM_SECONDS: "1" });
    expect(run.code).toBe(0);
    const s = status(w);
    expect(s.summary).toMatch(/^0 of 1 running images are held by Harbor; missing: docker\.io\/library\/nginx:1\.25 \(fetched, but Harbor does not hold it after 1s: not in Harbor\)$/);
    expect(s.allHeld).toBe("false");
    expect(w.kube.events[0]).toMatchObject({ type: "Warning", reason: "ImagesMissing" });
  });

  it("all held, then a rerun: one Harbor API look per image, nothing fetched, nothing asked of the upstream", async () => {
    const w = await world([
      { namespace: "default", name: "web", containers: ["nginx:1.25"], initContainers: ["docker.io/library/redis:7"] },
      { namespace: NS, name: "web2", containers: ["index.docker.io/library/nginx:1.25"] },
    ]);
    expect((await runReport(w)).code).toBe(0);
    expect(status(w).summary).toBe("2 of 2 running images are held by Harbor");
    await w.harbor.settled();
    const before = w.harbor.requests.length;
    const upstreamBefore = w.harbor.upstreamRequests.length;
    const again = await runReport(w);
    expect(again.code).toBe(0);
    const rerun = w.harbor.requests.slice(before);
    expect(rerun.filter((r) => r.path.startsWith("/v2/"))).toEqual([]);
    expect(rerun.filter((r) => r.path.includes("/artifacts/"))).toHaveLength(2);
    expect(rerun.length).toBe(2 + 1 + 1); // the artifacts, the docker.io project, /health
    expect(w.harbor.upstreamRequests.length).toBe(upstreamBefore);
    expect(status(w).summary).toBe("2 of 2 running images are held by Harbor");
    expect(w.kube.events.map((e) => e.reason)).toEqual(["ImagesHeld", "ImagesHeld"]);
  });

  it("an upstream that is cut: the image is reported missing with the reason, the others still held", async () => {
    const w = await world([
      { namespace: "default", name: "tool", containers: ["quay.io/org/tool:2"] },
      { namespace: "default", name: "web", containers: ["nginx:1.25"] },
    ]);
    const run = await runReport(w);
    expect(run.code).toBe(0);
    const s = status(w);
    expect(s.summary).toBe("1 of 2 running images are held by Harbor; missing: quay.io/org/tool:2 (Harbor cannot fetch it: not found upstream, or the upstream is unreachable)");
    expect(s.missing.split("\n")).toEqual(["quay.io/org/tool:2 (Harbor cannot fetch it: not found upstream, or the upstream is unreachable)"]);
    expect(w.harbor.upstreamRequests).toContain("HEAD /v2/org/tool/manifests/2");
    expect(w.kube.events[0]).toMatchObject({ type: "Warning", reason: "ImagesMissing", message: s.summary });
  });

  it("namespaces labelled stylus.io/imageswap=disable are skipped; finished pods too", async () => {
    const w = await world(
      [
        { namespace: "edge-agent", name: "agent", containers: ["edge/agent:1"] },
        { namespace: "default", name: "web", containers: ["nginx:1.25"] },
        { namespace: "default", name: "done", phase: "Succeeded", containers: ["quay.io/org/tool:2"] },
      ],
      { namespaces: [{ name: "default" }, { name: NS }, { name: "edge-agent", labels: { "stylus.io/imageswap": "disable" } }] },
    );
    expect((await runReport(w)).code).toBe(0);
    expect(status(w).summary).toBe("1 of 1 running images are held by Harbor");
    expect(w.harbor.requests.some((r) => r.path.includes("agent") || r.path.includes("tool"))).toBe(false);
    const podList = w.kube.requests.find((r) => r.path.startsWith("/api/v1/pods"))!;
    expect(decodeURIComponent(podList.path)).toContain("metadata.namespace!=edge-agent");
  });

  it("registries Harbor does not proxy are reported as such, with no request to Harbor for them", async () => {
    const w = await world([
      { namespace: "default", name: "app", containers: ["registry.example.com:5000/team/app:1", "ghcr.io/org/thing@sha256:" + "a".repeat(64)] },
      { namespace: "default", name: "web", containers: ["nginx:1.25"] },
    ]);
    expect((await runReport(w)).code).toBe(0);
    const s = status(w);
    expect(s.missing.split("\n")).toEqual([
      `ghcr.io/org/thing@sha256:${"a".repeat(64)} (registry ghcr.io not proxied by Harbor)`,
      "registry.example.com:5000/team/app:1 (registry registry.example.com:5000 not proxied by Harbor)",
    ]);
    expect(s.summary).toMatch(/^1 of 3 running images are held by Harbor; missing: /);
    expect(w.harbor.requests.some((r) => /example|ghcr|thing/.test(r.path))).toBe(false);
  });

  it("digest references: an image manifest is held by its digest; an index pulled by digest never is (Harbor stores it re-written)", async () => {
    const pinned = img.pinned as TestImage;
    const pinnedIndex = img.pinnedIndex as TestIndex;
    const w = await world([{ namespace: "default", name: "p", containers: [`team/pinned:1@${pinned.digest}`, `team/pinned-index@${pinnedIndex.digest}`] }]);
    const run = await runReport(w, { REPORT_CONFIRM_SECONDS: "4" });
    expect(run.code).toBe(0);
    const s = status(w);
    expect(s.held).toBe("1");
    expect(s.missing).toBe(
      `docker.io/team/pinned-index@${pinnedIndex.digest} (fetched, but Harbor does not hold it after 4s: not in Harbor; Harbor 2.15.1 stores an index pulled by digest under another digest: refer to it by tag)`,
    );
    // it asked by digest, not by tag
    expect(artifactGets(w, "team%252Fpinned").every((r) => r.path.includes(pinned.digest))).toBe(true);
    // and Harbor does hold the amd64 child and a re-written index, just not under the digest asked for
    const storage = new Registry({ url: w.storage.url });
    await w.harbor.settled();
    expect(await storage.manifestExists("docker.io/team/pinned-index", pinnedIndex.children[0].digest)).toBe(pinnedIndex.children[0].digest);
    expect(await storage.manifestExists("docker.io/team/pinned-index", pinnedIndex.digest)).toBeUndefined();
  });

  it("a multi-platform index is fetched for the nodes' platforms only, and held once Harbor's index has them", async () => {
    const multi = img.multi as TestIndex;
    const w = await world([{ namespace: "default", name: "m", containers: ["team/multi:1"] }], { nodes: [{ name: "a", architecture: "arm64" }, { name: "b", architecture: "arm64" }] });
    expect((await runReport(w)).code).toBe(0);
    expect(status(w).summary).toBe("1 of 1 running images are held by Harbor");
    expect(status(w).platforms).toBe("linux/arm64");
    const manifests = v2(w).filter((r) => r.path.includes("/manifests/")).map((r) => r.path.split("/manifests/")[1]);
    expect(manifests).toEqual(["1", multi.children[1].digest]);
    // Harbor's index under the tag lists the arm64 child only
    const stored = await new Registry({ url: w.storage.url }).getManifest("docker.io/team/multi", "1");
    expect(JSON.parse(stored!.body.toString()).manifests.map((m: any) => m.platform.architecture)).toEqual(["arm64"]);
  });

  it("a mixed cluster: an index held for amd64 only is fetched again for arm64", async () => {
    const multi = img.multi as TestIndex;
    const w = await world([{ namespace: "default", name: "m", containers: ["team/multi:1"] }]);
    expect((await runReport(w)).code).toBe(0);
    expect(status(w).summary).toBe("1 of 1 running images are held by Harbor");
    await w.harbor.settled();
    w.kube.put(nodeObject({ name: "pi", os: "linux", architecture: "arm64" }));
    const before = w.harbor.requests.length;
    expect((await runReport(w)).code).toBe(0);
    expect(status(w).summary).toBe("1 of 1 running images are held by Harbor");
    expect(status(w).platforms).toBe("linux/amd64 linux/arm64");
    const asked = w.harbor.requests.slice(before).filter((r) => r.path.includes("/manifests/")).map((r) => r.path.split("/manifests/")[1]);
    expect(asked).toContain(multi.children[1].digest);
  });

  it("no ConfigMap to write: exits 1 naming it, and writes nothing else", async () => {
    const w = await world([{ namespace: "default", name: "web", containers: ["nginx:1.25"] }], { noConfigMap: true });
    const run = await runReport(w);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/the ConfigMap harbor\/harbor-edge-status does not exist/);
    expect(w.kube.events).toEqual([]);
  });

  it("nodes that try spectro-images first: an image seeded there in Palette's layout is held, with no fetch", async () => {
    const seeded = testImage("seeded app 1");
    const w = await world(
      [
        { namespace: "default", name: "app", containers: ["registry.lan:5000/team/app:1"] },
        { namespace: "default", name: "web", containers: ["nginx:1.25"] },
      ],
      { harbor: { projects: [{ name: "docker.io", public: true, upstream: docker.url }, { name: "spectro-images", public: false }] } },
    );
    await pushImage(new Registry({ url: w.storage.url }), "spectro-images/registry.lan-5000/team/app", "1", seeded);
    await pushImage(new Registry({ url: w.storage.url }), "spectro-images/docker.io/library/nginx", "1.25", img.nginx);
    const spectroOn = render({ helm: HELMS[0], set: [`harbor-config.auth.password=${PASSWORD}`, "harbor-config.proxyCache.enabled=true", "harbor-config.proxyCache.registries={docker.io,quay.io}", "harbor-config.nodeMirror.spectroImages=true"] });
    expect(spectroOn.code, spectroOn.stderr).toBe(0);
    const env = (objs: K8sObject[]) => objs.find((x) => x.kind === "Job" && x.metadata.name.startsWith("harbor-edge-report-"))!.spec.template.spec.containers[0].env.find((e: any) => e.name === "HARBOR_SPECTRO_PROJECT").value;
    expect(env(objects)).toBe("");
    expect(env(spectroOn.objects)).toBe("spectro-images");
    const run = await runReport(w, { HARBOR_SPECTRO_PROJECT: env(spectroOn.objects) });
    expect(run.code).toBe(0);
    expect(status(w).summary).toBe("2 of 2 running images are held by Harbor");
    expect(v2(w)).toEqual([]);
    expect(artifactGets(w, "registry.lan-5000%252Fteam%252Fapp").map((r) => r.status)).toEqual([200]);
    // without it, the same cluster: the port registry is not proxied, nginx is fetched into docker.io
    const off = await runReport(w);
    expect(status(w).missing).toBe("registry.lan:5000/team/app:1 (registry registry.lan:5000 not proxied by Harbor)");
    expect(off.code).toBe(0);
  });

  it("Harbor that never answers: after the bounded wait, no report, said so where people look, exit 1", async () => {
    const w = await world([{ namespace: "default", name: "web", containers: ["nginx:1.25"] }]);
    const run = await runReport(w, { HARBOR_URL: "http://127.0.0.1:9", REPORT_WAIT_SECONDS: "2" });
    expect(run.code).toBe(1);
    expect(status(w).summary).toMatch(/^no report: Harbor at http:\/\/127\.0\.0\.1:9 is not healthy after 2s \(no connection: .+\)$/);
    expect(status(w).allHeld).toBe("false");
    expect(w.kube.events[0]).toMatchObject({ type: "Warning", reason: "ReportFailed", message: status(w).summary });
  });

  it("the rendered RBAC is enough and no more: every Kubernetes request was allowed (over TLS, the ServiceAccount's CA)", async () => {
    const w = await world([{ namespace: "default", name: "web", containers: ["nginx:1.25"] }], { tls: true });
    expect(w.kube.url).toMatch(/^https:/);
    expect((await runReport(w)).code).toBe(0);
    expect(w.kube.requests.filter((r) => r.status === 403)).toEqual([]);
    expect(w.kube.requests.map((r) => `${r.method} ${r.path.split("?")[0]}`)).toEqual([
      "GET /api/v1/nodes",
      "GET /api/v1/namespaces",
      "GET /api/v1/pods",
      "PATCH /api/v1/namespaces/harbor/configmaps/harbor-edge-status",
      "POST /api/v1/namespaces/harbor/events",
    ]);
    const role = rulesOf("Role", "harbor-edge-report");
    expect(role).toEqual([
      { apiGroups: [""], resources: ["configmaps"], resourceNames: ["harbor-edge-status"], verbs: ["get", "patch"] },
      { apiGroups: [""], resources: ["events"], verbs: ["create"] },
    ]);
  });

  it("Harbor refusing the password on a private proxy project: no report, said so in the ConfigMap and an Event, exit 1", async () => {
    // (on a public project Harbor takes a wrong password for anonymous, and anonymous may read and pull)
    const w = await world([{ namespace: "default", name: "web", containers: ["nginx:1.25"] }], {
      harbor: { adminPassword: "Another-Pass-2", projects: [{ name: "docker.io", public: false, upstream: docker.url }] },
    });
    const run = await runReport(w);
    expect(run.code).toBe(1);
    expect(status(w).summary).toBe("no report: Harbor refuses the admin credential (HTTP 401)");
    expect(w.kube.events[0]).toMatchObject({ type: "Warning", reason: "ReportFailed" });
  });
});
