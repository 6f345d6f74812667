// The node check in a pod (generator/src/nodecheck/in-cluster.ts runInCluster): against a fake Kubernetes API that
// enforces the rendered node-check RBAC (list pods cluster-wide; get, create, patch ConfigMaps in its namespace),
// with a fake checker injected in place of checkNode. It lists only its node's pods (fieldSelector), checks
// their container and init container images, creates its node's ConfigMap and then patches it; node names and
// images are hostile; at most 500 images per node.
import { describe, it, expect, afterEach } from "vitest";
import { HELMS, render, find } from "../helpers/chart.js";
import { startKubeApi, nodeObject, namespaceObject, podObject, type FakeKubeApi, type Rule } from "../fakes/kube-api.js";
import {
  runInCluster,
  configMapName,
  readInClusterEnv,
  resultData,
  boundImages,
  MAX_IMAGES,
  type InClusterCheckOptions,
} from "../../generator/src/nodecheck/in-cluster.js";
import { nodeResultsFrom } from "../../generator/src/report/nodes.js";
import type { NodeResult } from "../../generator/src/nodecheck/types.js";

const RELEASE_NS = "edge-nodes";
/** the results namespace the chart makes for the per-node ConfigMaps */
const NS = `${RELEASE_NS}-node-check`;
let kube: FakeKubeApi | undefined;
afterEach(async () => {
  await kube?.close();
  kube = undefined;
});

/** The node check's RBAC as the chart renders it (nodeMirror.namespace unset: the DaemonSet in RELEASE_NS, its ConfigMap rights in NS). */
function renderedRbac() {
  const r = render({ helm: HELMS[0], set: ["harbor-config.report.nodeCheck.enabled=true"], namespace: RELEASE_NS });
  if (r.code !== 0) throw new Error(r.stderr);
  return {
    cluster: find(r.objects, "ClusterRole", `harbor-edge-node-check-${RELEASE_NS}-harbor`)!.rules as Rule[],
    namespaced: [
      {
        namespace: find(r.objects, "Role", "harbor-edge-node-check")!.metadata.namespace as string,
        rules: find(r.objects, "Role", "harbor-edge-node-check")!.rules as Rule[],
      },
    ],
  };
}

/** A checker that says ok for every image, except those named in fail. */
function fakeChecker(fail: Record<string, string> = {}) {
  const calls: InClusterCheckOptions[] = [];
  let n = 0;
  const check = async (o: InClusterCheckOptions): Promise<NodeResult> => {
    calls.push(o);
    n++;
    return {
      node: o.node,
      platform: "linux/amd64",
      checkedAt: `2026-12-06T10:0${n}:00Z`,
      hostDir: o.hostDirOnNode ?? o.hostDir,
      images: o.images.map((image) =>
        fail[image]
          ? { image, ok: false, failure: { kind: "tls-san" as const, detail: fail[image] } }
          : { image, ok: true, via: "https://192.0.2.10:30003", digest: `sha256:${"a".repeat(64)}` },
      ),
    };
  };
  return { calls, check };
}

const env = (node: string) => ({
  NODE_NAME: node,
  KUBE_NAMESPACE: NS,
  NODE_CHECK_INTERVAL_SECONDS: "30",
  NODE_CHECK_HOST_DIR: "/host/certs.d",
  NODE_CHECK_HOST_DIR_ON_NODE: "/etc/containerd/certs.d",
  NODE_CHECK_CONTAINERD_CONFIG: "/host/containerd/config.toml",
  NODE_CHECK_HOST_ROOT: "/host",
});

async function cluster(
  pods: Array<{ node: string; namespace?: string; name: string; containers: string[]; initContainers?: string[]; phase?: string }>,
  nodes: string[],
) {
  kube = await startKubeApi({
    namespace: NS,
    rbac: renderedRbac(),
    objects: [
      namespaceObject({ name: NS }),
      namespaceObject({ name: "apps" }),
      ...nodes.map((name) => nodeObject({ name })),
      ...pods.map((p) =>
        podObject(
          { namespace: p.namespace ?? "apps", name: p.name, containers: p.containers, initContainers: p.initContainers, phase: p.phase },
          p.node,
        ),
      ),
    ],
  });
  return { server: kube.url, context: "in-cluster", token: kube.token };
}

describe("node check in a pod", () => {
  it("lists its node's pods only, checks container and init images, creates its ConfigMap then patches it; within its RBAC", async () => {
    const access = await cluster(
      [
        { node: "node-a", name: "web", containers: ["nginx:1.25", "docker.io/library/redis:7"], initContainers: ["busybox:1.36"] },
        { node: "node-a", name: "done", containers: ["old:1"], phase: "Succeeded" },
        { node: "node-b", name: "other", containers: ["quay.io/org/tool:2"] },
      ],
      ["node-a", "node-b"],
    );
    const fake = fakeChecker({ "docker.io/library/redis:7": "x509: certificate is valid for harbor.local, not 192.0.2.10" });
    const sleeps: number[] = [];
    const lines: string[] = [];
    expect(
      await runInCluster(env("node-a"), {
        check: fake.check,
        access,
        rounds: 2,
        sleep: async (ms) => void sleeps.push(ms),
        log: (l) => lines.push(l),
      }),
    ).toBe(0);
    expect(kube!.violations).toEqual([]);
    expect(sleeps).toEqual([30_000]);
    // what the checker was asked: this node's running pods' images, as the pods name them, and the host paths
    expect(fake.calls).toHaveLength(2);
    expect(fake.calls[0]).toEqual({
      node: "node-a",
      hostDir: "/host/certs.d",
      hostDirOnNode: "/etc/containerd/certs.d",
      containerdConfig: "/host/containerd/config.toml",
      hostRoot: "/host",
      images: ["busybox:1.36", "docker.io/library/redis:7", "nginx:1.25"],
      timeoutMs: 20_000,
    });
    // the pod list is filtered by the API server on this node (and its phase)
    const lists = kube!.requests.filter((r) => r.method === "GET" && r.path.startsWith("/api/v1/pods"));
    expect(lists.map((r) => decodeURIComponent(r.path))).toEqual(
      Array(2).fill("/api/v1/pods?fieldSelector=spec.nodeName=node-a,status.phase!=Succeeded,status.phase!=Failed"),
    );
    // created, then patched: one ConfigMap, labelled, the node's name and the latest result inside
    expect(kube!.writes.filter((w) => w.includes("configmaps"))).toEqual([
      `POST configmaps`,
      `PATCH configmaps/${configMapName("node-a")}`,
    ]);
    const cms = kube!.list("configmaps", NS);
    expect(cms).toHaveLength(1);
    expect(cms[0].metadata.labels).toMatchObject({ "app.kubernetes.io/component": "node-check" });
    expect(cms[0].data.node).toBe("node-a");
    expect(cms[0].data.left).toBe("0");
    const result = JSON.parse(cms[0].data.result) as NodeResult;
    expect(result).toMatchObject({ node: "node-a", checkedAt: "2026-12-06T10:02:00Z", hostDir: "/etc/containerd/certs.d" });
    expect(result.images.find((i) => i.image === "docker.io/library/redis:7")).toEqual({
      image: "docker.io/library/redis:7",
      ok: false,
      failure: { kind: "tls-san", detail: "x509: certificate is valid for harbor.local, not 192.0.2.10" },
    });
    // the report reads it back as this node's
    expect(nodeResultsFrom({ items: cms }).results.get("node-a")?.images).toHaveLength(3);
    expect(
      lines.some((l) =>
        /node-a: 2 of 3 images reachable; created edge-nodes-node-check\/harbor-edge-node-check-node-a-[0-9a-f]{10}$/.test(l),
      ),
      lines.join("\n"),
    ).toBe(true);
  });

  it("the RBAC is what it needs: a Role without patch leaves the round failed and logged, and the loop goes on", async () => {
    const access = await cluster([{ node: "node-a", name: "web", containers: ["nginx:1.25"] }], ["node-a"]);
    await kube!.close();
    const rbac = renderedRbac();
    kube = await startKubeApi({
      namespace: NS,
      rbac: {
        cluster: rbac.cluster,
        namespaced: [{ namespace: NS, rules: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get"] }] }],
      },
      objects: [namespaceObject({ name: NS }), nodeObject({ name: "node-a" })],
    });
    const lines: string[] = [];
    const fake = fakeChecker();
    expect(
      await runInCluster(env("node-a"), {
        check: fake.check,
        access: { ...access, server: kube.url, token: kube.token },
        rounds: 2,
        sleep: async () => {},
        log: (l) => lines.push(l),
      }),
    ).toBe(0);
    expect(fake.calls).toHaveLength(2);
    expect(kube.list("configmaps", NS)).toEqual([]);
    expect(lines.filter((l) => l.startsWith("warning: this round failed")).length).toBe(2);
    expect(lines.join("\n")).toMatch(/HTTP 403/);
  });

  it("hostile node names: distinct bounded DNS-safe ConfigMap names, the name itself in the data; a bad NODE_NAME refused", async () => {
    const names = ["node-a", "NODE-A", "a".repeat(253), "n.example.com", "n-example-com", "-x-"];
    const cms = names.map(configMapName);
    expect(new Set(cms).size).toBe(names.length);
    for (const c of cms) expect(c).toMatch(/^harbor-edge-node-check-([a-z0-9]([-a-z0-9]*[a-z0-9])?-)?[0-9a-f]{10}$/);
    for (const c of cms) expect(c.length).toBeLessThanOrEqual(63);
    expect(configMapName("n.example.com")).not.toBe(configMapName("n-example-com"));

    for (const bad of ["", "Node_A", "a\u001b[31m", "a".repeat(254), "../x"]) {
      const lines: string[] = [];
      const fake = fakeChecker();
      expect(
        await runInCluster(
          { ...env(bad), ...(bad === "" ? { NODE_NAME: "" } : {}) },
          { check: fake.check, access: { server: "http://127.0.0.1:9", context: "in-cluster" }, rounds: 1, log: (l) => lines.push(l) },
        ),
      ).toBe(2);
      expect(fake.calls).toEqual([]);
      expect(lines.join("\n")).toMatch(/NODE_NAME/);
      expect(lines.join("\n")).not.toMatch(/\u001b/);
    }
    expect(() => readInClusterEnv({ ...env("node-a"), NODE_CHECK_INTERVAL_SECONDS: "5" })).toThrow(
      /NODE_CHECK_INTERVAL_SECONDS: expected whole seconds from 30 to 3600, given "5"/,
    );
    expect(() => readInClusterEnv({ ...env("node-a"), KUBE_NAMESPACE: "" })).toThrow(/KUBE_NAMESPACE is not set/);
    expect(() => readInClusterEnv({ ...env("node-a"), NODE_CHECK_HOST_DIR: "relative" })).toThrow(
      /NODE_CHECK_HOST_DIR: expected an absolute path/,
    );
    // where the node's CA store is read: the chart's /host, or the pod's own / when not set
    expect(readInClusterEnv(env("node-a")).hostRoot).toBe("/host");
    const { NODE_CHECK_HOST_ROOT: _unset, ...noRoot } = env("node-a");
    expect(readInClusterEnv(noRoot).hostRoot).toBe("/");
    expect(() => readInClusterEnv({ ...env("node-a"), NODE_CHECK_HOST_ROOT: "host" })).toThrow(
      /NODE_CHECK_HOST_ROOT: expected an absolute path, given "host"/,
    );

    // a node whose name is long and dotted writes and is read back by that name
    const long = `${"edge-".repeat(40)}x.example.com`;
    const access = await cluster([{ node: long, name: "web", containers: ["nginx:1.25"] }], [long]);
    expect(await runInCluster(env(long), { check: fakeChecker().check, access, rounds: 1, log: () => {} })).toBe(0);
    expect(kube!.violations).toEqual([]);
    const cm = kube!.configMap(NS, configMapName(long))!;
    expect(cm.data!.node).toBe(long);
    expect(nodeResultsFrom({ items: [cm] }).results.has(long)).toBe(true);
    // a ConfigMap that names another node than its name derives from does not count
    expect(nodeResultsFrom({ items: [{ ...cm, data: { ...cm.data, node: "node-b" } }] }).ignored).toBe(1);
  });

  it("bounds: at most 500 images per node (said in the data), over-long names left out, details cut, the data under 900 kB", async () => {
    const images = Array.from({ length: 520 }, (_, i) => `registry.example/app-${String(i).padStart(3, "0")}:1`);
    const long = `registry.example/${"x".repeat(1200)}:1`;
    const b = boundImages([...images, long, images[0]]);
    expect(b.images).toHaveLength(MAX_IMAGES);
    expect(b.images).not.toContain(long);
    expect(b.left).toBe(21);

    const access = await cluster(
      [{ node: "node-a", name: "big", containers: [...images.slice(0, 300), long], initContainers: images.slice(300) }],
      ["node-a"],
    );
    const fake = fakeChecker(Object.fromEntries(images.map((i) => [i, "d".repeat(5000)])));
    expect(await runInCluster(env("node-a"), { check: fake.check, access, rounds: 1, log: () => {} })).toBe(0);
    expect(fake.calls[0].images).toHaveLength(500);
    const cm = kube!.configMap(NS, configMapName("node-a"))!;
    expect(cm.data!.left).toBe("21");
    const r = JSON.parse(cm.data!.result) as NodeResult;
    expect(r.images).toHaveLength(500);
    expect(r.images[0].failure!.detail.length).toBeLessThanOrEqual(300 + 5);
    expect(Buffer.byteLength(cm.data!.result)).toBeLessThan(900_000);

    // a checker answering more than asked, with huge details, is cut to fit
    const huge: NodeResult = {
      node: "n",
      platform: "linux/amd64",
      checkedAt: "2026-12-06T10:00:00Z",
      hostDir: "/h",
      images: Array.from({ length: 2000 }, (_, i) => ({
        image: `r.example/${"y".repeat(990)}-${i}:1`,
        ok: false,
        via: "v".repeat(5000),
        digest: "d".repeat(5000),
        failure: { kind: "nonsense" as any, detail: "z".repeat(5000) },
      })),
    };
    const d = resultData("n", huge, 0);
    expect(Buffer.byteLength(d.result)).toBeLessThanOrEqual(900_000);
    const kept = (JSON.parse(d.result) as NodeResult).images.length;
    expect(kept).toBeLessThanOrEqual(MAX_IMAGES);
    expect(Number(d.left)).toBe(2000 - kept);
    // an unknown failure kind is written as "error"
    expect((JSON.parse(d.result) as NodeResult).images[0].failure!.kind).toBe("error");
  });

  it("stops when aborted (SIGTERM) during the wait between rounds, without waiting out the interval", async () => {
    const access = await cluster([{ node: "node-a", name: "web", containers: ["nginx:1.25"] }], ["node-a"]);
    const ac = new AbortController();
    const fake = fakeChecker();
    const check = async (o: InClusterCheckOptions) => {
      const r = await fake.check(o);
      setTimeout(() => ac.abort(), 50);
      return r;
    };
    const t0 = Date.now();
    // the interval is 30 s (the default sleep): aborted 50 ms into it, the loop ends
    expect(await runInCluster(env("node-a"), { check, access, signal: ac.signal, log: () => {} })).toBe(0);
    expect(fake.calls.length).toBe(1);
    expect(Date.now() - t0).toBeLessThan(5_000);
  });
});

describe("harbor-edge node-check --in-cluster (the DaemonSet's command)", () => {
  it("runs the real check on its node's pods' images, writes the node's ConfigMap, and stops on SIGTERM with exit 0", async () => {
    const { spawn } = await import("node:child_process");
    const fs = await import("node:fs");
    const os = await import("node:os");
    const path = await import("node:path");
    const { BIN } = await import("../helpers/cli.js");
    const { waitFor } = await import("../helpers/wait.js");
    await cluster(
      [
        { node: "node-a", name: "web", containers: ["nginx:1.25"] },
        { node: "node-b", name: "other", containers: ["quay.io/org/tool:2"] },
      ],
      ["node-a", "node-b"],
    );
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "he-nc-cli-"));
    try {
      fs.writeFileSync(path.join(dir, "token"), kube!.token, { mode: 0o600 });
      fs.mkdirSync(path.join(dir, "certs.d"));
      const child = spawn(process.execPath, [BIN, "node-check", "--in-cluster"], {
        env: {
          PATH: process.env.PATH,
          HOME: dir,
          KUBE_API: kube!.url,
          KUBE_TOKEN_FILE: path.join(dir, "token"),
          NODE_NAME: "node-a",
          KUBE_NAMESPACE: NS,
          NODE_CHECK_INTERVAL_SECONDS: "30",
          NODE_CHECK_HOST_DIR: path.join(dir, "certs.d"),
          NODE_CHECK_HOST_DIR_ON_NODE: "/etc/containerd/certs.d",
        },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let output = "";
      child.stdout.on("data", (d) => (output += d));
      child.stderr.on("data", (d) => (output += d));
      const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
      const cm = await waitFor("the node's ConfigMap", () => kube!.configMap(NS, configMapName("node-a")), { ms: 30_000 }).catch((e) => {
        child.kill("SIGKILL");
        throw new Error(`${(e as Error).message}\n${output}`);
      });
      // the real checkNode ran: no hosts.toml for docker.io in the (empty) host directory, so the node pulls from the upstream
      const result = JSON.parse(cm.data!.result) as NodeResult;
      expect(result.node).toBe("node-a");
      expect(result.images.map((i) => [i.image, i.ok, i.failure?.kind])).toEqual([["docker.io/library/nginx:1.25", false, "no-mirror"]]);
      expect(kube!.violations).toEqual([]);
      child.kill("SIGTERM");
      expect(await exited, output).toBe(0);
      expect(output).not.toContain(kube!.token);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses image arguments with --in-cluster (usage, exit 2)", async () => {
    const { cli } = await import("../helpers/cli.js");
    const r = cli(["node-check", "--in-cluster", "nginx:1.25"]);
    expect(r.code).toBe(2);
    expect(`${r.stderr}`).toMatch(/--in-cluster takes no image/);
  });
});
