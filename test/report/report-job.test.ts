// The in-cluster report (harbor-edge report, generator/src/report/) run as the rendered Job runs it: the built
// CLI with the rendered Job's environment (from the Job and its Secrets), independent of the chart's command;
// the Kubernetes API a fake that enforces the rendered ClusterRole and Role; Harbor a test Harbor whose proxy
// projects pull through from real registries (Debian's docker-registry) and cache in the background as Harbor
// 2.15.1 does (test/fakes/harbor-proxy.ts). Also: from an operator's laptop (--kubeconfig, printed,
// nothing written), bad input (exit 2), and the pure parts (src/report/{input,images,held,fetch}.ts).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import https from "node:https";
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { HELMS, render, find, decode, type K8sObject } from "../helpers/chart.js";
import { registryUnavailable, startRegistry, type RunningRegistry } from "../helpers/docker-registry.js";
import { startFakeHarborProxy, type FakeHarborProxy, type FakeHarborProxyOptions } from "../fakes/harbor-proxy.js";
import { startFakeKubeApi, nodeObject, podObject, type KubeObjects, type FakeKubeApi, type Rule } from "../fakes/kube-api.js";
import { testImage, testIndex, pushImage, type TestImage, type TestIndex } from "../helpers/oci-images.js";
import { Registry } from "../../generator/src/registry/distribution.js";
import yaml from "js-yaml";
import { BIN } from "../helpers/cli.js";
import { generateCA, generateServerCert } from "../../generator/src/certs/generate.js";
import { parseProjects } from "../../generator/src/configure/input.js";
import { configureProjects } from "../../generator/src/configure/projects.js";
import { ROOT } from "../../generator/src/paths.js";
import { DEFAULT_CONFIRM_SECONDS, parseProxyRegistries, readInput } from "../../generator/src/report/input.js";
import { classifyImage, classifyImages } from "../../generator/src/report/images.js";
import { artifactPath, heldFrom, refSeg } from "../../generator/src/report/held.js";
import { childrenFor } from "../../generator/src/report/fetch.js";
import { HarborUnreachable, waitHealthy, type HarborApi } from "../../generator/src/harbor/api.js";
import { runProcess } from "../helpers/process.js";

const PASSWORD = "Report-Pass-1";
const NS = "harbor";
const why = registryUnavailable();
if (why) process.stderr.write(`\nNOT RUN: test/report/report-job.test.ts: ${why}\n\n`);

let objects: K8sObject[];
let docker: RunningRegistry; // upstream of docker.io
let quay: RunningRegistry; // upstream of quay.io, cut for good
const cleanups: Array<() => Promise<void>> = [];
const img: Record<string, TestImage | TestIndex> = {};

beforeAll(async () => {
  if (why) return;
  const r = render({
    helm: HELMS[0],
    set: [
      `harbor-config.auth.password=${PASSWORD}`,
      "harbor-config.proxyCache.enabled=true",
      "harbor-config.proxyCache.registries={docker.io,quay.io}",
    ],
  });
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
/** The report's robot account, as `harbor-edge configure` writes it into the Secret the chart names (REPORT_ROBOT_SECRET). */
const ROBOT = { username: "robot$harbor-edge-report", password: "Robot-Secret-1'\"$\\" };
async function world(
  pods: KubeObjects["pods"],
  o: {
    harbor?: Partial<FakeHarborProxyOptions>;
    nodes?: KubeObjects["nodes"];
    namespaces?: KubeObjects["namespaces"];
    noConfigMap?: boolean;
    tls?: boolean;
    robotSecret?: Record<string, string> | null;
  } = {},
): Promise<World> {
  kubeCa ??= generateCA("report test cluster CA", 1);
  const tls = o.tls
    ? { ...generateServerCert("kubernetes", { dns: ["kubernetes.default.svc"], ips: ["127.0.0.1"] }, 1, kubeCa) }
    : undefined;
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
    robots: { [ROBOT.username]: ROBOT.password },
    ...o.harbor,
  });
  const clusterRole = find(objects, "ClusterRole", "harbor-edge-report-harbor-harbor")!.metadata.name;
  const kube = await startFakeKubeApi(
    {
      nodes: o.nodes ?? [{ name: "edge-1", os: "linux", architecture: "amd64" }],
      namespaces: o.namespaces ?? [{ name: "default" }, { name: NS }, { name: "kube-system" }],
      pods,
      configMaps: o.noConfigMap ? [] : [{ namespace: NS, name: find(objects, "ConfigMap", "harbor-edge-status")!.metadata.name }],
      // the chart's robot Secret (harbor-edge-report-robot), filled as the configuration run fills it; null: none
      secrets:
        o.robotSecret === null
          ? []
          : [{ namespace: NS, name: find(objects, "Secret", "harbor-edge-report-robot")!.metadata.name, data: o.robotSecret ?? ROBOT }],
    },
    {
      rbac: { cluster: rulesOf("ClusterRole", clusterRole), namespaced: [{ namespace: NS, rules: rulesOf("Role", "harbor-edge-report") }] },
      ...(tls ? { tls } : {}),
    },
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

/** The rendered Job's container environment: values from the Job, the Secrets and the downward API. */
function jobEnv(): Record<string, string> {
  const job = objects.find((x) => x.kind === "Job" && x.metadata.name.startsWith("harbor-edge-report-"))!;
  const c = job.spec.template.spec.containers[0];
  const e: Record<string, string> = {};
  for (const v of c.env) {
    if (v.value !== undefined) e[v.name] = String(v.value);
    else if (v.valueFrom?.secretKeyRef)
      e[v.name] = decode(find(objects, "Secret", v.valueFrom.secretKeyRef.name)!.data[v.valueFrom.secretKeyRef.key]);
    else if (v.valueFrom?.fieldRef?.fieldPath === "metadata.namespace") e[v.name] = job.metadata.namespace!;
    else throw new Error(`env ${v.name}: unsupported source`);
  }
  // the test Harbor is plain http: the rendered CA and certificate name are for the chart's https Service
  delete e.HARBOR_CA_FILE;
  delete e.HARBOR_TLS_SERVER_NAME;
  return e;
}

/** How a run ends early: stopped (SIGTERM) once its stdout satisfies `when`, or after `ms`. */
interface StopWhen {
  when: (stdout: string) => boolean;
  ms: number;
}

/** Runs the CLI with env, args; checks that no secret reached its output. */
async function runCli(args: string[], env: Record<string, string>, secrets: string[], stop?: StopWhen): Promise<Run> {
  const { code, stdout, stderr } = await runProcess(process.execPath, [BIN, ...args], { env, stopWhen: stop?.when, timeoutMs: stop?.ms });
  const out = stdout + stderr;
  for (const s of secrets.filter(Boolean)) expect(out).not.toContain(s);
  expect(out).not.toMatch(/authorization|Basic [A-Za-z0-9+/=]{8,}|Bearer /i);
  return { code, stdout, stderr };
}

/**
 * Runs `harbor-edge report` as the rendered Job's container would: its environment from the Job and Secrets, the
 * ServiceAccount token and CA in files. Only the addresses are the test's (Harbor's and the API server's are
 * cluster-internal names). kubeEnv: how the pod finds the API server (default KUBE_API).
 */
async function runReport(
  w: World,
  env: Record<string, string> = {},
  kubeEnv?: Record<string, string>,
  secrets: string[] = [],
  stop?: StopWhen,
): Promise<Run> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "report-run-"));
  const tokenFile = path.join(dir, "token");
  fs.writeFileSync(tokenFile, `${w.kube.token}\n`);
  const caFile = path.join(dir, "ca.crt");
  fs.writeFileSync(caFile, kubeCa!.cert);
  const e: Record<string, string> = {
    ...jobEnv(),
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HARBOR_URL: w.harbor.url,
    ...(kubeEnv ?? { KUBE_API: w.kube.url }),
    KUBE_TOKEN_FILE: tokenFile,
    KUBE_CA_FILE: caFile,
    TMPDIR: dir,
    REPORT_POLL_SECONDS: "1",
    REPORT_WAIT_SECONDS: "5",
    ...env,
  };
  try {
    return await runCli(["report"], e, [e.HARBOR_ADMIN_PASSWORD, e.HARBOR_PASSWORD, w.kube.token, ROBOT.password, ...secrets], stop);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const status = (w: World) => w.kube.configMap(NS, "harbor-edge-status")!.data!;
const artifactGets = (w: World, repoEnc: string) =>
  w.harbor.requests.filter((r) => r.method === "GET" && r.path.includes(`/repositories/${repoEnc}/artifacts/`));
const v2 = (w: World) => w.harbor.requests.filter((r) => r.path.startsWith("/v2/"));

describe.skipIf(Boolean(why)).concurrent("the report against a Kubernetes API and a Harbor with proxy-cache projects", () => {
  it("one missing image: Harbor is asked for its manifest only, fetches each blob from the upstream once, and it is counted held only once Harbor's background cache has landed", async () => {
    // Harbor waits 10 x intervalMs for blobs nobody else pulls: the looks after the fetch find nothing for a while
    const w = await world([{ namespace: "default", name: "web", containers: ["nginx:1.25"] }], { harbor: { intervalMs: 300 } });
    const run = await runReport(w);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(w.harbor.violations).toEqual([]);
    const s = status(w);
    expect(s.summary).toBe("1 of 1 running images are held by Harbor");
    expect({ held: s.held, total: s.total, allHeld: s.allHeld, missing: s.missing, platforms: s.platforms }).toEqual({
      held: "1",
      total: "1",
      allHeld: "true",
      missing: "",
      platforms: "linux/amd64",
    });
    const looks = artifactGets(w, "library%252Fnginx").map((r) => r.status);
    // before the fetch: 404; after it, 404 while Harbor caches, then 200
    expect(looks[0]).toBe(404);
    expect(looks.at(-1)).toBe(200);
    expect(looks.filter((x) => x === 404).length).toBeGreaterThanOrEqual(2);
    const fetchAt = w.harbor.requests.find((r) => r.path === "/v2/docker.io/library/nginx/manifests/1.25")!.at;
    const heldAt = artifactGets(w, "library%252Fnginx").find((r) => r.status === 200)!.at;
    // Harbor waited its maxManifestWait (10) intervals for the blobs, then fetched them itself
    expect(heldAt - fetchAt).toBeGreaterThanOrEqual(10 * 300);
    // only the manifest went through the proxy project (a blob GET would make Harbor download it twice:
    // ProxyBlob streams it to the caller, putBlobToLocal downloads it again to store it)
    expect(v2(w).map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual(["GET /v2/docker.io/library/nginx/manifests/1.25 200"]);
    // each blob was downloaded from the upstream exactly once
    const blobs = (img.nginx as TestImage).blobs.map((b) => b.digest);
    expect(w.harbor.upstreamRequests.filter((r) => r.includes("/blobs/")).sort()).toEqual(
      blobs.map((d) => `GET /v2/library/nginx/blobs/${d}`).sort(),
    );
    // Harbor holds it for real: its storage has the manifest under the tag
    expect(await new Registry({ url: w.storage.url }).manifestExists("docker.io/library/nginx", "1.25")).toBe(
      (img.nginx as TestImage).digest,
    );
    expect(w.kube.events).toHaveLength(1);
    expect(w.kube.events[0]).toMatchObject({
      type: "Normal",
      reason: "ImagesHeld",
      message: s.summary,
      involvedObject: { kind: "ConfigMap", name: "harbor-edge-status", namespace: NS },
    });
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
    fs.writeFileSync(
      kubeconfig,
      yaml.dump({
        apiVersion: "v1",
        kind: "Config",
        "current-context": "c",
        contexts: [{ name: "c", context: { cluster: "c", user: "u" } }],
        clusters: [{ name: "c", cluster: { server: w.kube.url } }],
        users: [{ name: "u", user: { token: w.kube.adminToken } }],
      }),
    );
    const { code, stdout } = await runProcess(process.execPath, [BIN, "status", "--kubeconfig", kubeconfig, "--json"]);
    expect(code).toBe(1);
    const s = status(w);
    const printed = JSON.parse(stdout);
    expect(printed).toMatchObject({
      summary: s.summary,
      held: 1,
      total: 2,
      allHeld: false,
      missing: s.missing.split("\n"),
      platforms: ["linux/amd64"],
      updated: s.updated,
    });
    expect(printed.lastEvent).toMatchObject({ type: "Warning", reason: "ImagesMissing", message: s.summary });
  });

  it("REPORT_PULL_BLOBS=1 (the script's old default) is ignored, said so: manifests only, every blob from the upstream once", async () => {
    const w = await world(
      [
        { namespace: "default", name: "web", containers: ["nginx:1.25"] },
        { namespace: "default", name: "cache", containers: ["redis:7"] },
      ],
      { harbor: { intervalMs: 200 } },
    );
    const run = await runReport(w, { REPORT_PULL_BLOBS: "1", REPORT_CONFIRM_SECONDS: "20" });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/REPORT_PULL_BLOBS=1 is ignored/);
    expect(status(w).summary).toBe("2 of 2 running images are held by Harbor");
    expect(v2(w).map((r) => r.path)).toEqual(["/v2/docker.io/library/nginx/manifests/1.25", "/v2/docker.io/library/redis/manifests/7"]);
    const upstreamBlobs = w.harbor.upstreamRequests.filter((r) => r.includes("/blobs/"));
    expect(upstreamBlobs).toHaveLength((img.nginx as TestImage).blobs.length + (img.redis as TestImage).blobs.length);
    expect(new Set(upstreamBlobs).size).toBe(upstreamBlobs.length);
    // Harbor waited its 10 intervals for blobs nobody pulled, then fetched them from the upstream
    const fetchAt = v2(w)[0].at;
    const heldAt = artifactGets(w, "library%252Fnginx").find((r) => r.status === 200)!.at;
    expect(heldAt - fetchAt).toBeGreaterThanOrEqual(10 * 200);
  });

  it("Harbor that has not cached within the bound: reported missing, never assumed held", async () => {
    const w = await world([{ namespace: "default", name: "web", containers: ["docker.io/library/nginx:1.25"] }], {
      harbor: { intervalMs: 1000 },
    });
    const run = await runReport(w, { REPORT_CONFIRM_SECONDS: "1" });
    expect(run.code).toBe(0);
    const s = status(w);
    expect(s.summary).toMatch(
      /^0 of 1 running images are held by Harbor; missing: docker\.io\/library\/nginx:1\.25 \(fetched, but Harbor does not hold it after 1s: not in Harbor\)$/,
    );
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
    expect(s.summary).toBe(
      "1 of 2 running images are held by Harbor; missing: quay.io/org/tool:2 (Harbor cannot fetch it: not found upstream, or the upstream is unreachable)",
    );
    expect(s.missing.split("\n")).toEqual([
      "quay.io/org/tool:2 (Harbor cannot fetch it: not found upstream, or the upstream is unreachable)",
    ]);
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
      {
        namespace: "default",
        name: "app",
        containers: ["registry.example.com:5000/team/app:1", "ghcr.io/org/thing@sha256:" + "a".repeat(64)],
      },
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
    const w = await world([
      { namespace: "default", name: "p", containers: [`team/pinned:1@${pinned.digest}`, `team/pinned-index@${pinnedIndex.digest}`] },
    ]);
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
    expect(await storage.manifestExists("docker.io/team/pinned-index", pinnedIndex.children[0].digest)).toBe(
      pinnedIndex.children[0].digest,
    );
    expect(await storage.manifestExists("docker.io/team/pinned-index", pinnedIndex.digest)).toBeUndefined();
  });

  it("a multi-platform index is fetched for the nodes' platforms only, and held once Harbor's index has them", async () => {
    const multi = img.multi as TestIndex;
    const w = await world([{ namespace: "default", name: "m", containers: ["team/multi:1"] }], {
      nodes: [
        { name: "a", architecture: "arm64" },
        { name: "b", architecture: "arm64" },
      ],
    });
    expect((await runReport(w)).code).toBe(0);
    expect(status(w).summary).toBe("1 of 1 running images are held by Harbor");
    expect(status(w).platforms).toBe("linux/arm64");
    const manifests = v2(w)
      .filter((r) => r.path.includes("/manifests/"))
      .map((r) => r.path.split("/manifests/")[1]);
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
    const asked = w.harbor.requests
      .slice(before)
      .filter((r) => r.path.includes("/manifests/"))
      .map((r) => r.path.split("/manifests/")[1]);
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
      // public: what the configuration Job makes it when nodes try it (configureProjects)
      {
        harbor: {
          projects: [
            { name: "docker.io", public: true, upstream: docker.url },
            { name: "spectro-images", public: true },
          ],
        },
      },
    );
    await pushImage(new Registry({ url: w.storage.url }), "spectro-images/registry.lan-5000/team/app", "1", seeded);
    await pushImage(new Registry({ url: w.storage.url }), "spectro-images/docker.io/library/nginx", "1.25", img.nginx);
    const spectroOn = render({
      helm: HELMS[0],
      set: [
        `harbor-config.auth.password=${PASSWORD}`,
        "harbor-config.proxyCache.enabled=true",
        "harbor-config.proxyCache.registries={docker.io,quay.io}",
        "harbor-config.nodeMirror.spectroImages=true",
      ],
    });
    expect(spectroOn.code, spectroOn.stderr).toBe(0);
    const env = (objs: K8sObject[]) =>
      objs
        .find((x) => x.kind === "Job" && x.metadata.name.startsWith("harbor-edge-report-"))!
        .spec.template.spec.containers[0].env.find((e: any) => e.name === "HARBOR_SPECTRO_PROJECT").value;
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

  it("a private spectro-images is not counted: nodes pull anonymously and are refused (401), the report says so, and the chart makes it public", async () => {
    const seeded = testImage("seeded app 2");
    const w = await world([{ namespace: "default", name: "app", containers: ["registry.lan:5000/team/app:2"] }], {
      harbor: {
        projects: [
          { name: "docker.io", public: true, upstream: docker.url },
          { name: "spectro-images", public: false },
        ],
      },
    });
    await pushImage(new Registry({ url: w.storage.url }), "spectro-images/registry.lan-5000/team/app", "2", seeded);
    const run = await runReport(w, { HARBOR_SPECTRO_PROJECT: "spectro-images" });
    expect(run.code).toBe(0);
    expect(status(w).summary).toMatch(
      /^0 of 1 running images are held by Harbor; missing: registry\.lan:5000\/team\/app:2 \(registry registry\.lan:5000 not proxied by Harbor; held in spectro-images, which is private: nodes pull anonymously and are refused \(HTTP 401\)/,
    );
    expect(status(w).allHeld).toBe("false");
    // the projects the chart hands the configuration Job: spectro-images public once nodes try it
    const projectsEnv = (set: string[]) => {
      const r = render({ helm: HELMS[0], set: [`harbor-config.auth.password=${PASSWORD}`, ...set] });
      expect(r.code, r.stderr).toBe(0);
      const job = r.objects.find((x) => x.kind === "Job" && x.metadata.name.startsWith("harbor-edge-configure-"))!;
      return job.spec.template.spec.containers[0].env.find((e: any) => e.name === "HARBOR_PROJECTS").value;
    };
    expect(projectsEnv([])).toBe("library:public spectro-images:private");
    expect(projectsEnv(["harbor-config.proxyCache.enabled=true", "harbor-config.nodeMirror.spectroImages=true"])).toBe(
      "library:public spectro-images:public",
    );
    expect(
      projectsEnv([
        "harbor-config.proxyCache.enabled=true",
        "harbor-config.nodeMirror.spectroImages=true",
        "harbor-config.projects[0].name=library",
        "harbor-config.projects[0].public=true",
      ]),
    ).toBe("library:public spectro-images:public");
    expect(parseProjects(projectsEnv(["harbor-config.proxyCache.enabled=true", "harbor-config.nodeMirror.spectroImages=true"]))).toEqual(
      configureProjects({
        projects: [
          { name: "library", public: true },
          { name: "spectro-images", public: false },
        ],
        nodeMirror: { spectroImages: true },
      }),
    );
    // public, the same layout is held: the test above
  });

  it("Harbor that never answers: after the bounded wait, no report, said so where people look, exit 1", async () => {
    const w = await world([{ namespace: "default", name: "web", containers: ["nginx:1.25"] }]);
    const run = await runReport(w, { HARBOR_URL: "http://127.0.0.1:9", REPORT_WAIT_SECONDS: "2" });
    expect(run.code).toBe(1);
    expect(status(w).summary).toMatch(/^no report: Harbor at http:\/\/127\.0\.0\.1:9 is not healthy after 2s \(no connection: .+\)$/);
    expect(status(w).allHeld).toBe("false");
    expect(w.kube.events[0]).toMatchObject({ type: "Warning", reason: "ReportFailed", message: status(w).summary });
  });

  it("Harbor whose certificate does not name the host dialled: the report says so while it waits (in the Job's log), not only when the wait is over", async () => {
    // as a report pod meets a Harbor that serves another name's certificate from the same CA (the local-cluster
    // drill's defective node): every handshake fails, no request arrives, and the wait (REPORT_WAIT_SECONDS) is long
    const ca = generateCA("report test Harbor CA", 1);
    const leaf = generateServerCert("harbor", { dns: ["harbor"], ips: [] }, 1, ca);
    const handshakes: string[] = [];
    const requests: string[] = [];
    const server = https.createServer({ cert: leaf.cert, key: leaf.key }, (req, res) => {
      requests.push(req.url ?? "");
      res.writeHead(200, { "content-type": "application/json" }).end('{"status":"healthy","components":[]}');
    });
    server.on("tlsClientError", (e) => handshakes.push(String((e as NodeJS.ErrnoException).code ?? e.message)));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "report-tls-"));
    try {
      fs.writeFileSync(path.join(dir, "ca.crt"), ca.cert);
      const w = await world([{ namespace: "default", name: "web", containers: ["nginx:1.25"] }]);
      const url = `https://127.0.0.1:${(server.address() as { port: number }).port}`;
      const waiting =
        /^harbor-edge report: waiting for Harbor at https:\/\/127\.0\.0\.1:\d+ to be healthy \(until \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\): no connection \(GET \/api\/v2\.0\/health: Hostname\/IP does not match certificate's altnames: .*\)$/m;
      const t0 = Date.now();
      const run = await runReport(
        w,
        { HARBOR_URL: url, HARBOR_CA_FILE: path.join(dir, "ca.crt"), REPORT_WAIT_SECONDS: "600" },
        undefined,
        [],
        { when: (out) => waiting.test(out), ms: 20_000 },
      );
      // said within seconds of the first failed handshake, 600 s before the wait would end
      expect(run.stdout, run.stderr).toMatch(waiting);
      expect(Date.now() - t0).toBeLessThan(20_000);
      // once: the same reason is not repeated at every retry
      expect(run.stdout.match(/waiting for Harbor/g)).toHaveLength(1);
      expect(requests).toEqual([]);
      expect(handshakes.length).toBeGreaterThan(0);
      // no status written yet: the run was stopped while it waited
      expect(status(w).summary).toBeUndefined();
    } finally {
      server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the rendered RBAC is enough and no more: every Kubernetes request was allowed (in-cluster config: KUBERNETES_SERVICE_HOST/PORT, TLS, the ServiceAccount's CA)", async () => {
    const w = await world([{ namespace: "default", name: "web", containers: ["nginx:1.25"] }], { tls: true });
    expect(w.kube.url).toMatch(/^https:/);
    const api = new URL(w.kube.url);
    expect((await runReport(w, {}, { KUBERNETES_SERVICE_HOST: api.hostname, KUBERNETES_SERVICE_PORT: api.port })).code).toBe(0);
    expect(w.kube.requests.filter((r) => r.status === 403)).toEqual([]);
    expect(w.kube.requests.map((r) => `${r.method} ${r.path.split("?")[0]}`)).toEqual([
      "GET /api/v1/nodes",
      "GET /api/v1/namespaces",
      "GET /api/v1/pods",
      "GET /api/v1/namespaces/harbor/secrets/harbor-edge-report-robot",
      "PATCH /api/v1/namespaces/harbor/configmaps/harbor-edge-status",
      "POST /api/v1/namespaces/harbor/events",
    ]);
    const role = rulesOf("Role", "harbor-edge-report");
    expect(role).toEqual([
      { apiGroups: [""], resources: ["configmaps"], resourceNames: ["harbor-edge-status"], verbs: ["get", "patch"] },
      { apiGroups: [""], resources: ["events"], verbs: ["create"] },
      { apiGroups: [""], resources: ["secrets"], resourceNames: ["harbor-edge-report-robot"], verbs: ["get"] },
    ]);
  });

  it("Harbor refusing the robot account on a private proxy project: no report, said so in the ConfigMap and an Event, exit 1", async () => {
    // (on a public project Harbor takes a wrong password for anonymous, and anonymous may read and pull)
    const w = await world([{ namespace: "default", name: "web", containers: ["nginx:1.25"] }], {
      harbor: { robots: { [ROBOT.username]: "Another-Secret-2" }, projects: [{ name: "docker.io", public: false, upstream: docker.url }] },
    });
    const run = await runReport(w);
    expect(run.code).toBe(1);
    expect(status(w).summary).toBe(
      `no report: Harbor refuses the credential of the robot account ${ROBOT.username} (Secret harbor-edge-report-robot) (HTTP 401)`,
    );
    expect(w.kube.events[0]).toMatchObject({ type: "Warning", reason: "ReportFailed" });
  });

  it("least privilege: the chart's report never gets the admin password; it reads the robot from its Secret and pulls as the robot", async () => {
    const pod = objects.find((x) => x.kind === "Job" && x.metadata.labels?.["app.kubernetes.io/component"] === "report")!.spec.template
      .spec;
    expect(pod.containers[0].env.map((e: any) => e.name)).not.toContain("HARBOR_ADMIN_PASSWORD");
    expect(pod.containers[0].env.find((e: any) => e.name === "REPORT_ROBOT_SECRET").value).toBe("harbor-edge-report-robot");
    const w = await world([{ namespace: "default", name: "web", containers: ["nginx:1.25"] }], {
      harbor: { projects: [{ name: "docker.io", public: false, upstream: docker.url }] },
    });
    const run = await runReport(w);
    expect(run.code, run.stderr).toBe(0);
    expect(status(w).summary).toBe("1 of 1 running images are held by Harbor");
    const asked = w.harbor.requests.filter((r) => r.path !== "/api/v2.0/health");
    expect(asked.length).toBeGreaterThan(0);
    expect(asked.every((r) => r.user === "robot")).toBe(true);
  });

  it("the robot's Secret still empty (the configuration run has not made it): waits, bounded, then no report naming the Secret and the Job to look at", async () => {
    const w = await world([{ namespace: "default", name: "web", containers: ["nginx:1.25"] }], { robotSecret: {} });
    const started = Date.now();
    const run = await runReport(w, { REPORT_WAIT_SECONDS: "2" });
    expect(run.code).toBe(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
    expect(status(w).summary).toMatch(
      /^no report: no Harbor account for the report: the Secret harbor\/harbor-edge-report-robot: it holds no username and password yet \(the configuration Job creates/,
    );
    // polled, not asked once
    expect(w.kube.requests.filter((r) => r.path.endsWith("/secrets/harbor-edge-report-robot")).length).toBeGreaterThan(1);
    // and filled while it waits: the run goes on as the robot
    const later = await world([{ namespace: "default", name: "web", containers: ["nginx:1.25"] }], { robotSecret: {} });
    setTimeout(
      () =>
        later.kube.put({
          kind: "Secret",
          apiVersion: "v1",
          metadata: { name: "harbor-edge-report-robot", namespace: NS },
          data: { username: Buffer.from(ROBOT.username).toString("base64"), password: Buffer.from(ROBOT.password).toString("base64") },
        }),
      1500,
    );
    const filled = await runReport(later, { REPORT_WAIT_SECONDS: "10" });
    expect(filled.code, filled.stderr).toBe(0);
    expect(later.harbor.requests.some((r) => r.user === "robot")).toBe(true);
  });
  it("a pod image that is not a valid reference is reported invalid and never sent to Harbor", async () => {
    const evil = "docker.io/library/nginx@/../../../../api/v2.0/users?";
    const w = await world([{ namespace: "default", name: "evil", containers: [evil, "nginx:1.25", "quay.io/org/tool:2?x=1"] }]);
    const run = await runReport(w);
    expect(run.code).toBe(0);
    const s = status(w);
    expect(s.missing.split("\n")).toEqual([
      `${evil} (not a valid image reference: "/../../../../api/v2.0/users?" is not a digest; not looked up)`,
      `quay.io/org/tool:2?x=1 (not a valid image reference: "2?x=1" is not a tag; not looked up)`,
    ]);
    expect(s.summary).toMatch(/^1 of 3 running images are held by Harbor; missing: /);
    expect(w.harbor.requests.some((r) => /users|tool|\.\./.test(r.path))).toBe(false);
    expect(w.harbor.violations).toEqual([]);
  });

  it("any password works: quotes, a newline, $, backslashes, a colon, 128 characters (on a private project, where a wrong one is refused)", async () => {
    const password = `q"u'o\`t$HOME e\\s\\n\nnew:line%s;${"x".repeat(128)}`.slice(0, 128);
    expect(password).toHaveLength(128);
    const w = await world([{ namespace: "default", name: "web", containers: ["nginx:1.25"] }], {
      harbor: { robots: { [ROBOT.username]: password }, projects: [{ name: "docker.io", public: false, upstream: docker.url }] },
      robotSecret: { username: ROBOT.username, password },
    });
    const run = await runReport(w, {}, undefined, [password]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(status(w).summary).toBe("1 of 1 running images are held by Harbor");
    expect(w.harbor.requests.filter((r) => r.path !== "/api/v2.0/health").every((r) => r.user === "robot")).toBe(true);
    // and as admin (a release without the configuration runs)
    const a = await world([{ namespace: "default", name: "web", containers: ["nginx:1.25"] }], {
      harbor: { adminPassword: password, projects: [{ name: "docker.io", public: false, upstream: docker.url }] },
      robotSecret: null,
    });
    const admin = await runReport(a, { REPORT_ROBOT_SECRET: "", HARBOR_ADMIN_PASSWORD: password }, undefined, [password]);
    expect(admin.code, admin.stderr).toBe(0);
    expect(a.harbor.requests.filter((r) => r.path !== "/api/v2.0/health").every((r) => r.user === "admin")).toBe(true);
  });

  it("HARBOR_USERNAME and HARBOR_PASSWORD (a robot account) are used instead of the admin password", async () => {
    const w = await world([{ namespace: "default", name: "web", containers: ["nginx:1.25"] }], {
      harbor: { projects: [{ name: "docker.io", public: false, upstream: docker.url }] },
    });
    // the fake Harbor knows only admin: a robot name it does not know is refused, and the report says whose credential
    const run = await runReport(w, { HARBOR_USERNAME: "robot$harbor-edge-report", HARBOR_PASSWORD: "Robot-Secret-9" });
    expect(run.code).toBe(1);
    expect(status(w).summary).toBe("no report: Harbor refuses the credential of robot$harbor-edge-report (HTTP 401)");
    const ok = await runReport(w, { HARBOR_USERNAME: "admin", HARBOR_PASSWORD: PASSWORD, HARBOR_ADMIN_PASSWORD: "not-this-one" });
    expect(ok.code).toBe(0);
    expect(status(w).summary).toBe("1 of 1 running images are held by Harbor");
  });

  it('images pulled through Harbor\'s own address are looked up in that Harbor project, not counted "not proxied"', async () => {
    const app = testImage("own app 1");
    const w = await world([
      { namespace: "default", name: "own", containers: ["harbor.edge.lan:30003/library/app:1", "harbor.edge.lan:30003/library/absent:1"] },
      { namespace: "default", name: "via", containers: ["harbor.edge.lan:30003/docker.io/library/redis:7"] },
    ]);
    const harborHost = new URL(w.harbor.url).host;
    w.kube.put(podObject({ namespace: "default", name: "direct", containers: [`${harborHost}/library/app:1`] }, "edge-1"));
    await pushImage(new Registry({ url: w.storage.url }), "library/app", "1", app);
    const run = await runReport(w, { HARBOR_ADDRESSES: "harbor.edge.lan:30003 10.0.0.5:30003", REPORT_CONFIRM_SECONDS: "20" });
    expect(run.code).toBe(0);
    const s = status(w);
    expect(s.missing).toBe(
      "harbor.edge.lan:30003/library/absent:1 (not in Harbor (project library is not a proxy cache: push the image there))",
    );
    expect(s.summary).toMatch(/^3 of 4 running images are held by Harbor; missing: /);
    // both spellings of library/app:1 looked up in the project library, once each; nothing fetched for them
    expect(artifactGets(w, "app").map((r) => `${r.path} ${r.status}`)).toEqual([
      "/api/v2.0/projects/library/repositories/app/artifacts/1?with_tag=false 200",
      "/api/v2.0/projects/library/repositories/app/artifacts/1?with_tag=false 200",
    ]);
    // the proxy project through Harbor's address: fetched like docker.io/library/redis:7
    expect(v2(w).map((r) => r.path)).toEqual(["/v2/docker.io/library/redis/manifests/7"]);
  });

  it("from an operator's laptop: --kubeconfig and --harbor, the report printed, nothing written to the cluster; --write-status writes", async () => {
    const w = await world([
      { namespace: "default", name: "tool", containers: ["quay.io/org/tool:2"] },
      { namespace: "default", name: "web", containers: ["nginx:1.25"] },
    ]);
    // the operator's kubeconfig (a cluster admin's), and the chart's CronJob, which says which registries Harbor proxies
    w.kube.put(find(objects, "CronJob", "harbor-edge-report"));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "report-laptop-"));
    const kubeconfig = path.join(dir, "config");
    fs.writeFileSync(
      kubeconfig,
      yaml.dump({
        apiVersion: "v1",
        kind: "Config",
        "current-context": "c",
        contexts: [{ name: "c", context: { cluster: "c", user: "u" } }],
        clusters: [{ name: "c", cluster: { server: w.kube.url } }],
        users: [{ name: "u", user: { token: w.kube.adminToken } }],
      }),
    );
    const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir, HARBOR_ADMIN_PASSWORD: PASSWORD, REPORT_POLL_SECONDS: "1" };
    const json = await runCli(["report", "--kubeconfig", kubeconfig, "--harbor", w.harbor.url, "--json"], env, [
      PASSWORD,
      w.kube.adminToken,
    ]);
    expect(json.code, json.stderr).toBe(0);
    const r = JSON.parse(json.stdout);
    expect(r).toMatchObject({
      held: 1,
      total: 2,
      allHeld: false,
      platforms: ["linux/amd64"],
      missing: ["quay.io/org/tool:2 (Harbor cannot fetch it: not found upstream, or the upstream is unreachable)"],
    });
    expect(r.summary).toBe(
      "1 of 2 running images are held by Harbor; missing: quay.io/org/tool:2 (Harbor cannot fetch it: not found upstream, or the upstream is unreachable)",
    );
    expect(w.kube.writes).toEqual([]);
    expect(w.kube.events).toEqual([]);
    expect(w.kube.configMap(NS, "harbor-edge-status")!.data?.summary).toBeUndefined();
    expect(w.kube.requests.map((r) => `${r.method} ${r.path.split("?")[0]}`)).toEqual([
      "GET /apis/batch/v1/namespaces/harbor/cronjobs/harbor-edge-report",
      "GET /api/v1/nodes",
      "GET /api/v1/namespaces",
      "GET /api/v1/pods",
    ]);
    const text = await runCli(["report", "--kubeconfig", kubeconfig, "--harbor", w.harbor.url], env, [PASSWORD, w.kube.adminToken]);
    expect(text.code).toBe(0);
    expect(text.stdout.split("\n")[0]).toBe(r.summary);
    expect(text.stdout).toContain("    quay.io/org/tool:2 (");
    expect(w.kube.writes).toEqual([]);
    // --write-status without a namespace: bad input; with -n: written as the Job would
    const noNs = await runCli(["report", "--kubeconfig", kubeconfig, "--harbor", w.harbor.url, "--write-status"], env, [PASSWORD]);
    expect(noNs.code).toBe(2);
    expect(noNs.stderr).toMatch(/-n NS/);
    const written = await runCli(["report", "--kubeconfig", kubeconfig, "--harbor", w.harbor.url, "--write-status", "-n", NS], env, [
      PASSWORD,
    ]);
    expect(written.code, written.stderr).toBe(0);
    expect(status(w).summary).toBe(r.summary);
    expect(w.kube.events.map((e) => e.reason)).toEqual(["ImagesMissing"]);
  });
});

describe("harbor-edge report: bad input exits 2 naming the variable; nothing is read", () => {
  const base = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HARBOR_URL: "http://127.0.0.1:9",
    HARBOR_ADMIN_PASSWORD: "Bad-Input-Secret-7",
    POD_NAMESPACE: NS,
    KUBE_API: "http://127.0.0.1:9",
    KUBE_TOKEN_FILE: "/nonexistent",
  };
  it.each([
    [{ HARBOR_URL: "" }, /HARBOR_URL is not set/],
    [{ HARBOR_ADMIN_PASSWORD: "" }, /HARBOR_ADMIN_PASSWORD is not set/],
    [{ HARBOR_USERNAME: "robot$r" }, /HARBOR_USERNAME is set but HARBOR_PASSWORD is not/],
    [{ REPORT_CONFIRM_SECONDS: "10m" }, /REPORT_CONFIRM_SECONDS: expected whole seconds/],
    [{ REPORT_PULL_BLOBS: "yes" }, /REPORT_PULL_BLOBS: expected 0 or 1/],
    [{ HARBOR_ADDRESSES: "harbor.lan/x" }, /HARBOR_ADDRESSES: expected host\[:port\]/],
    [{}, /cannot read the ServiceAccount token \/nonexistent \(KUBE_TOKEN_FILE\)/],
  ])("%o", async (env, message) => {
    const r = await runCli(["report"], { ...base, HOME: os.tmpdir(), ...env }, ["Bad-Input-Secret-7"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });
});

describe("the report's pure parts", () => {
  const ctx = {
    registries: parseProxyRegistries(
      "docker.io docker.io https://hub.docker.com docker-hub\nregistry.lan:5000 registry.lan-5000 https://registry.lan:5000 docker-registry creds\n",
    ),
    harborAddresses: new Set(["harbor.lan:30003", "10.0.0.5"]),
  };
  it("classifies references: proxied, Harbor's own address (first segment = project), not proxied, invalid", () => {
    expect(classifyImage("nginx", ctx)).toMatchObject({
      kind: "harbor",
      via: "proxy",
      project: "docker.io",
      repository: "library/nginx",
      reference: "latest",
    });
    expect(classifyImage("registry.lan:5000/team/app@sha256:" + "b".repeat(64), ctx)).toMatchObject({
      kind: "harbor",
      project: "registry.lan-5000",
      repository: "team/app",
      reference: "sha256:" + "b".repeat(64),
    });
    expect(classifyImage("HARBOR.lan:30003/library/app:1", ctx)).toMatchObject({ kind: "harbor", via: "address", project: "library" }); // host names are case-insensitive
    expect(classifyImage("harbor.lan:30003/proj/team/app:1", ctx)).toMatchObject({
      kind: "harbor",
      via: "address",
      project: "proj",
      repository: "team/app",
      reference: "1",
    });
    expect(classifyImage("10.0.0.5:443/library/app:1", ctx)).toMatchObject({
      kind: "harbor",
      via: "address",
      project: "library",
      repository: "app",
    });
    expect(classifyImage("harbor.lan:30003/app:1", ctx)).toMatchObject({ kind: "invalid" });
    expect(classifyImage("ghcr.io/o/t:1", ctx)).toMatchObject({ kind: "unproxied" });
    expect(classifyImage("nginx@sha256:../../x", ctx)).toMatchObject({ kind: "invalid" });
    expect(classifyImages(["nginx:1.25", "docker.io/library/nginx:1.25", "index.docker.io/library/nginx:1.25"], ctx)).toHaveLength(1);
  });
  it("encodes every path segment, the repository name twice", () => {
    expect(artifactPath("docker.io", "library/nginx", "1.25")).toBe(
      "/projects/docker.io/repositories/library%252Fnginx/artifacts/1.25?with_tag=false",
    );
    expect(artifactPath("a/b?c", "x/../y", "sha256:" + "c".repeat(64))).toBe(
      `/projects/a%2Fb%3Fc/repositories/x%252F..%252Fy/artifacts/sha256:${"c".repeat(64)}?with_tag=false`,
    );
    expect(refSeg("1.25/../x?y#z")).toBe("1.25%2F..%2Fx%3Fy%23z");
  });
  it("waiting for Harbor: why, at the first failure, at each new reason and every minute of the same one, on the clock it is given", async () => {
    // Harbor's answers to GET /health, one per try: no connection three times, 503 twice, then no connection for a while
    const answers = [...Array(3).fill("down"), 503, 503, ...Array(14).fill("down"), 200];
    const api = {
      call: async () => {
        const a = answers.shift();
        if (a === "down") throw new HarborUnreachable("GET /api/v2.0/health: connect ECONNREFUSED");
        return { status: a, headers: {}, body: Buffer.from(""), json: a === 200 ? { status: "healthy", components: [] } : undefined };
      },
    } as unknown as HarborApi;
    let clock = 1_000_000;
    const said: Array<[number, string]> = [];
    const r = await waitHealthy(api, clock + 3_600_000, 10_000, async (ms) => void (clock += ms), {
      now: () => clock,
      onWait: (why) => said.push([clock - 1_000_000, why]),
    });
    expect(r).toBeUndefined();
    const down = "no connection (GET /api/v2.0/health: connect ECONNREFUSED)";
    // tries at 0, 1, 3, 7 (503), 15 (503), 25, 35, ... 155 s (no connection), 165 s healthy
    expect(said).toEqual([
      [0, down],
      [7_000, "HTTP 503"],
      [25_000, down],
      [85_000, down],
      [145_000, down],
    ]);
    // the deadline is read on that clock too: a Harbor that never answers ends the wait when it says
    const never = {
      call: async () => {
        throw new HarborUnreachable("x");
      },
    } as unknown as HarborApi;
    clock = 0;
    expect(await waitHealthy(never, 30_000, 10_000, async (ms) => void (clock += ms), { now: () => clock })).toBe("no connection (x)");
    expect(clock).toBeGreaterThanOrEqual(30_000);
    expect(clock).toBeLessThan(30_000 + 10_000);
  });

  it("held: an index needs a child for every wanted platform", () => {
    const art = { references: [{ child_digest: "sha256:1", platform: { os: "linux", architecture: "amd64" } }] };
    expect(heldFrom(art, ["linux/amd64"])).toEqual({ held: true });
    expect(heldFrom(art, ["linux/amd64", "linux/arm64"])).toEqual({ held: false, why: "held without linux/arm64" });
    expect(heldFrom({ references: null }, ["linux/arm64"])).toEqual({ held: true });
    const index = {
      manifests: [
        { digest: "sha256:" + "1".repeat(64), platform: { os: "linux", architecture: "amd64" } },
        { digest: "sha256:" + "2".repeat(64), platform: { os: "linux", architecture: "arm", variant: "v7" } },
        { digest: "sha256:" + "3".repeat(64), platform: { os: "unknown", architecture: "unknown" } },
      ],
    };
    expect(childrenFor(index, ["linux/arm"]).map((c) => c.digest)).toEqual(["sha256:" + "2".repeat(64)]);
  });
  it("reads the environment contract; the default confirm window outlasts Harbor's longest wait for an index (20 x 20 s)", () => {
    const i = readInput({ HARBOR_URL: "http://harbor-core.harbor.svc/api/v2.0/", HARBOR_ADMIN_PASSWORD: "p", POD_NAMESPACE: "harbor" });
    expect(i).toMatchObject({
      harborUrl: "http://harbor-core.harbor.svc",
      username: "admin",
      confirmSeconds: DEFAULT_CONFIRM_SECONDS,
      pollSeconds: 10,
      waitSeconds: 900,
      statusConfigMap: "harbor-edge-status",
      skipLabel: "stylus.io/imageswap=disable",
      pullBlobsIgnored: false,
    });
    expect([...i.harborAddresses]).toEqual(["harbor-core.harbor.svc"]);
    expect(DEFAULT_CONFIRM_SECONDS).toBeGreaterThan(20 * 20 + 10);
    const schema = JSON.parse(fs.readFileSync(path.join(ROOT, "schemas", "harbor-config.schema.json"), "utf8"));
    expect(schema.properties.report.properties.confirmSeconds.default).toBe(DEFAULT_CONFIRM_SECONDS);
    expect(() => readInput({ HARBOR_URL: "ftp://x", HARBOR_ADMIN_PASSWORD: "p" })).toThrow(
      /HARBOR_URL: expected an http:\/\/ or https:\/\/ URL, e\.g\. HARBOR_URL=https:/,
    );
  });
});
