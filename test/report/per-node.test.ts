// The report with the node check on (report.nodeCheck): the per-node results the node-check DaemonSet wrote (one
// ConfigMap per node, in the writer's own format: nodecheck/in-cluster.ts resultData) are combined with what
// Harbor holds. An image counts on a node only when Harbor holds it AND that node reached it; a node with no
// result, or one older than 3 x the interval, counts its images missing ("no node check result"); missing lines
// name the failure kind; the key `nodes` of harbor-edge-status; `harbor-edge status` shows one line per node.
// Off: the old summary, no key `nodes` (an earlier one removed), and "nodes were not measured" said plainly.
//
// The Kubernetes API is the fake that enforces the rendered report RBAC (test/fakes/kube-api.ts); Harbor
// is a small stub of the three calls the report makes here (health, project, artifact; a /v2 manifest GET
// answers 404: "cannot fetch"), as test/fakes/harbor-api.ts serves no artifacts API and the proxy fake needs
// a registry: what is under test is the combination, not Harbor.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { describe, it, expect, beforeAll, afterEach } from "vitest";
import { HELMS, render, find, type K8sObject } from "../helpers/chart.js";
import { startKubeApi, nodeObject, namespaceObject, podObject, configMapObject, type FakeKubeApi, type Rule } from "../fakes/kube-api.js";
import { readInput } from "../../generator/src/report/input.js";
import { countNodes, nodeResultsFrom, MAX_MISSING_PER_NODE } from "../../generator/src/report/nodes.js";
import { runReport, formatReport, type Report } from "../../generator/src/report/run.js";
import { HarborApi } from "../../generator/src/harbor/api.js";
import { HarborV2 } from "../../generator/src/report/fetch.js";
import { artifactPath } from "../../generator/src/report/held.js";
import { configMapName, resultData, COMPONENT_LABEL, COMPONENT } from "../../generator/src/nodecheck/in-cluster.js";
import { readStatus, formatStatus, nodesFrom, MALFORMED_ENTRY } from "../../generator/src/status/status.js";
import type { NodeCount, NodeResult } from "../../generator/src/nodecheck/types.js";

const NS = "harbor";
const NGINX = "docker.io/library/nginx:1.25";
const REDIS = "docker.io/library/redis:7";
const HOSTILE = "node-\u001b[31mred\u202e";
let objects: K8sObject[];
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

beforeAll(() => {
  const r = render({
    helm: HELMS[0],
    set: [
      "harbor-config.report.nodeCheck.enabled=true",
      "harbor-config.proxyCache.enabled=true",
      "harbor-config.proxyCache.registries={docker.io}",
    ],
    namespace: NS,
  });
  if (r.code !== 0) throw new Error(r.stderr);
  objects = r.objects;
});

/** The report's RBAC as rendered; without the node-check Role when asked. */
function reportRbac(withNodeCheck = true) {
  const namespaced = [{ namespace: NS, rules: find(objects, "Role", "harbor-edge-report")!.rules as Rule[] }];
  if (withNodeCheck) namespaced.push({ namespace: NS, rules: find(objects, "Role", "harbor-edge-report-node-check")!.rules as Rule[] });
  return { cluster: find(objects, "ClusterRole", `harbor-edge-report-${NS}-harbor`)!.rules as Rule[], namespaced };
}

/** Harbor holding `held` (names in the docker.io proxy project, single-platform); anything else 404, and a fetch 404. */
async function harborStub(held: string[]) {
  const paths = new Set(
    held.map((h) => `/api/v2.0${artifactPath("docker.io", h.replace(/^docker\.io\//, "").split(":")[0], h.split(":").at(-1)!)}`),
  );
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    const json = (status: number, body: unknown) => (
      res.writeHead(status, { "content-type": "application/json" }),
      res.end(JSON.stringify(body))
    );
    if (req.url === "/api/v2.0/health") return json(200, { status: "healthy", components: [] });
    if (req.url === "/api/v2.0/projects/docker.io")
      return json(200, { project_id: 2, name: "docker.io", registry_id: 1, metadata: { public: "true" } });
    if (paths.has(req.url ?? "")) return json(200, { digest: `sha256:${"1".repeat(64)}`, references: [] });
    return json(404, { errors: [{ code: "NOT_FOUND", message: "not found" }] });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  closers.push(() => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");
/** The ConfigMap the node check writes for a node (its own format), with the results given. */
function nodeCheckConfigMap(
  node: string,
  images: NodeResult["images"],
  o: { agoSeconds?: number; nodeFailure?: NodeResult["nodeFailure"] } = {},
) {
  const r: NodeResult = {
    node,
    platform: "linux/amd64",
    checkedAt: iso(Date.now() - (o.agoSeconds ?? 60) * 1000),
    hostDir: "/etc/containerd/certs.d",
    ...(o.nodeFailure ? { nodeFailure: o.nodeFailure } : {}),
    images,
  };
  return {
    ...configMapObject({ namespace: NS, name: configMapName(node), data: resultData(node, r, 0) }),
    metadata: { name: configMapName(node), namespace: NS, labels: { [COMPONENT_LABEL]: COMPONENT } },
  };
}

interface World {
  kube: FakeKubeApi;
  harbor: { url: string; requests: string[] };
  report: Report;
  log: string[];
}

async function run(o: {
  pods: Array<{ node: string; name: string; images: string[] }>;
  nodes: string[];
  held: string[];
  results: any[];
  nodeCheck?: boolean;
  rbacNodeCheck?: boolean;
  statusData?: Record<string, string>;
}): Promise<World> {
  const harbor = await harborStub(o.held);
  const kube = await startKubeApi({
    namespace: NS,
    rbac: reportRbac(o.rbacNodeCheck ?? true),
    objects: [
      namespaceObject({ name: NS }),
      namespaceObject({ name: "apps" }),
      ...o.nodes.map((name) => nodeObject({ name })),
      ...o.pods.map((p) => podObject({ namespace: "apps", name: p.name, containers: p.images }, p.node)),
      configMapObject({ namespace: NS, name: "harbor-edge-status", data: o.statusData }),
      ...o.results,
    ],
  });
  closers.push(kube.close);
  const env = {
    HARBOR_URL: harbor.url,
    HARBOR_USERNAME: "reader",
    HARBOR_PASSWORD: "Reader-Pass-1",
    HARBOR_PROXY_REGISTRIES: "docker.io docker.io https://registry-1.docker.io docker-hub",
    POD_NAMESPACE: NS,
    REPORT_CONFIRM_SECONDS: "0",
    REPORT_WAIT_SECONDS: "0",
    ...(o.nodeCheck === false ? {} : { NODE_CHECK_NAMESPACE: NS, NODE_CHECK_INTERVAL_SECONDS: "300" }),
  };
  const input = readInput(env);
  const api = new HarborApi({ url: input.harborUrl, username: input.username, password: input.password, timeoutMs: 5000 });
  const v2 = new HarborV2({ url: input.harborUrl, username: input.username, password: input.password, timeoutMs: 5000 });
  const log: string[] = [];
  const report = await runReport(input, {
    access: { server: kube.url, context: "in-cluster", token: kube.token },
    api,
    v2,
    write: true,
    log: (l) => log.push(l),
    sleep: async () => {},
  });
  return { kube, harbor, report, log };
}

const statusNodes = (w: World) => JSON.parse(w.kube.configMap(NS, "harbor-edge-status")!.data!.nodes) as NodeCount[];

describe("the report with the node check", () => {
  it("per node: held only when Harbor holds it and the node reached it; failure kinds, no result, stale result; the cluster line; the key nodes; within its RBAC", async () => {
    const w = await run({
      nodes: ["node-a", "node-b", "node-c", "node-d", HOSTILE],
      pods: [
        { node: "node-a", name: "web-a", images: ["nginx:1.25", "redis:7"] },
        { node: "node-b", name: "web-b", images: ["nginx:1.25"] },
        { node: "node-c", name: "web-c", images: ["nginx:1.25"] },
        { node: "node-d", name: "web-d", images: ["nginx:1.25"] },
        { node: HOSTILE, name: "web-e", images: ["docker.io/library/nginx:1.25"] },
      ],
      held: [NGINX],
      results: [
        // the node names the images as the pods do (short) or normalised: both match
        nodeCheckConfigMap("node-a", [
          { image: "nginx:1.25", ok: true },
          { image: REDIS, ok: true },
        ]),
        nodeCheckConfigMap("node-b", [
          { image: NGINX, ok: false, failure: { kind: "tls-san", detail: "x509: certificate is valid for harbor.local, not 192.0.2.10" } },
        ]),
        // node-c: no result at all; node-d: 3 x 300 s and one more second old
        nodeCheckConfigMap("node-d", [{ image: NGINX, ok: true }], { agoSeconds: 901 }),
        nodeCheckConfigMap(HOSTILE, [{ image: NGINX, ok: true }]),
      ],
    });
    expect(w.kube.violations).toEqual([]);
    const byName = Object.fromEntries(w.report.nodes!.map((n) => [n.name, n]));
    expect(Object.keys(byName).sort()).toEqual(["node-a", "node-b", "node-c", "node-d", HOSTILE].sort());
    expect(byName["node-a"]).toMatchObject({ held: 1, total: 2, missing: [`${REDIS} (not held by Harbor)`] });
    expect(byName["node-b"]).toMatchObject({
      held: 0,
      total: 1,
      missing: [`${NGINX} (tls-san: x509: certificate is valid for harbor.local, not 192.0.2.10)`],
    });
    expect(byName["node-c"]).toEqual({ name: "node-c", held: 0, total: 1, missing: [`${NGINX} (no node check result)`], checkedAt: "" });
    expect(byName["node-d"].held).toBe(0);
    expect(byName["node-d"].missing[0]).toMatch(
      /^docker\.io\/library\/nginx:1\.25 \(no node check result: the last is of \d{4}-\d\d-\d\dT/,
    );
    expect(byName[HOSTILE]).toMatchObject({ held: 1, total: 1, missing: [] });

    // the cluster line: nginx is held but three nodes do not reach it; redis is not held
    expect(w.report.held).toBe(0);
    expect(w.report.total).toBe(2);
    expect(w.report.summary).toMatch(/^0 of 2 running images are held by Harbor and reachable from every node that runs them; missing: /);
    const nginxLine = w.report.missing.find((m) => m.startsWith(NGINX))!;
    expect(nginxLine).toMatch(/node-b: tls-san: .*; node-c: no node check result; node-d: no node check result: the last is of /);
    expect(w.report.missing.find((m) => m.startsWith(REDIS))).toMatch(/Harbor cannot fetch it/);

    // the status ConfigMap: key nodes, the same counts
    expect(statusNodes(w)).toEqual(w.report.nodes);
    // the log: one line per node, hostile names escaped
    expect(w.log).toContain("node node-a: 1 of 2 held");
    expect(w.log.join("\n")).not.toMatch(/[\u001b\u202e]/);
    expect(w.log.some((l) => l.includes("node-\\x1b[31mred\\u{202e}: 1 of 1 held"))).toBe(true);
    expect(w.report.requests.kube).toBe(3 + 1 + 2);

    // harbor-edge status: the cluster line, one line per node and its missing, the names printable; --json has nodes
    const s = await readStatus({ server: w.kube.url, context: "admin", token: w.kube.adminToken }, NS);
    expect(s.nodes).toEqual(w.report.nodes!.map((n) => ({ ...n, name: n.name.replace("\u001b", "\\x1b").replace("\u202e", "\\u{202e}") })));
    const text = formatStatus(s);
    expect(text.split("\n")[0]).toBe(w.report.summary);
    expect(text).toMatch(/\n {2}node-a: 1 of 2 held; checked \S+\n {4}docker\.io\/library\/redis:7 \(not held by Harbor\)\n/);
    expect(text).toMatch(
      /\n {2}node-c: 0 of 1 held; no node check result\n {4}docker\.io\/library\/nginx:1\.25 \(no node check result\)\n/,
    );
    expect(text).not.toMatch(/[\u001b\u202e]/);
    expect(text).not.toMatch(/nodes were not measured/);
    expect(JSON.parse(JSON.stringify(s)).nodes).toHaveLength(5);
    expect(formatReport(w.report, "https://harbor")).toMatch(/\n {2}node-b: 0 of 1 held\n {4}docker\.io\/library\/nginx:1\.25 \(tls-san: /);
  });

  it("a node-level failure (containerd does not read the host directory) names its kind on every image; an image the node did not check yet is missing; a forged ConfigMap does not count", async () => {
    const forged = nodeCheckConfigMap("node-b", [{ image: NGINX, ok: true }]);
    forged.metadata.name = configMapName("node-x"); // names node-b, but is node-x's
    const w = await run({
      nodes: ["node-a", "node-b"],
      pods: [
        { node: "node-a", name: "web-a", images: ["nginx:1.25"] },
        { node: "node-b", name: "web-b", images: ["nginx:1.25", "docker.io/library/nginx:1.26"] },
      ],
      held: [NGINX, "docker.io/library/nginx:1.26"],
      results: [
        nodeCheckConfigMap(
          "node-a",
          [{ image: NGINX, ok: false, failure: { kind: "containerd-config", detail: "config_path is not set" } }],
          { nodeFailure: { kind: "containerd-config", detail: "config_path is not set" } },
        ),
        forged,
      ],
    });
    const byName = Object.fromEntries(w.report.nodes!.map((n) => [n.name, n]));
    expect(byName["node-a"].missing).toEqual([`${NGINX} (containerd-config: config_path is not set)`]);
    expect(byName["node-b"].missing).toEqual([`${NGINX} (no node check result)`, `docker.io/library/nginx:1.26 (no node check result)`]);
    expect(
      w.log.some((l) => /1 ConfigMaps labelled app\.kubernetes\.io\/component=node-check in harbor are not node check results/.test(l)),
    ).toBe(true);

    // one node's result, partial: the image it has not checked yet is missing, named so
    const w2 = await run({
      nodes: ["node-a"],
      pods: [{ node: "node-a", name: "web", images: ["nginx:1.25", "docker.io/library/nginx:1.26"] }],
      held: [NGINX, "docker.io/library/nginx:1.26"],
      results: [nodeCheckConfigMap("node-a", [{ image: NGINX, ok: true }])],
    });
    expect(w2.report.nodes![0]).toMatchObject({ held: 1, total: 2 });
    expect(w2.report.nodes![0].missing[0]).toMatch(/^docker\.io\/library\/nginx:1\.26 \(not in the node's check of /);
    expect(w2.report.summary).toMatch(
      /^1 of 2 running images are held by Harbor and reachable from every node that runs them; missing: docker\.io\/library\/nginx:1\.26 \(node-a: not in the node's check/,
    );
  });

  it("every node reached every image: all held, an ImagesHeld event", async () => {
    const w = await run({
      nodes: ["node-a", "node-b"],
      pods: [
        { node: "node-a", name: "a", images: ["nginx:1.25"] },
        { node: "node-b", name: "b", images: ["nginx:1.25"] },
      ],
      held: [NGINX],
      results: ["node-a", "node-b"].map((n) => nodeCheckConfigMap(n, [{ image: NGINX, ok: true }])),
    });
    expect(w.report.summary).toBe("1 of 1 running images are held by Harbor and reachable from every node that runs them");
    expect(w.report.allHeld).toBe(true);
    expect(w.report.nodes!.map((n) => `${n.name} ${n.held}/${n.total}`)).toEqual(["node-a 1/1", "node-b 1/1"]);
    expect(w.kube.events.at(-1)).toMatchObject({ reason: "ImagesHeld" });
  });

  it("the results cannot be read (no Role for them): said in the log, and every node counts its images missing", async () => {
    const w = await run({
      nodes: ["node-a"],
      pods: [{ node: "node-a", name: "a", images: ["nginx:1.25"] }],
      held: [NGINX],
      results: [nodeCheckConfigMap("node-a", [{ image: NGINX, ok: true }])],
      rbacNodeCheck: false,
    });
    expect(w.log.some((l) => /^warning: cannot read the node check's results in namespace harbor: .*HTTP 403/.test(l))).toBe(true);
    expect(w.report.nodes![0].missing).toEqual([`${NGINX} (no node check result)`]);
    expect(w.report.allHeld).toBe(false);
  });

  it("off: the old summary shape, no key nodes (an earlier one removed), and nodes said not measured in the log, the report and status", async () => {
    const w = await run({
      nodes: ["node-a"],
      pods: [{ node: "node-a", name: "a", images: ["nginx:1.25", "redis:7"] }],
      held: [NGINX],
      results: [
        nodeCheckConfigMap("node-a", [{ image: NGINX, ok: false, failure: { kind: "unreachable", detail: "connect ECONNREFUSED" } }]),
      ],
      nodeCheck: false,
      statusData: { nodes: "[]" },
    });
    expect(w.report.summary).toMatch(
      /^1 of 2 running images are held by Harbor; missing: docker\.io\/library\/redis:7 \(Harbor cannot fetch it/,
    );
    expect(w.report.nodes).toBeUndefined();
    expect(w.kube.configMap(NS, "harbor-edge-status")!.data!.nodes).toBeUndefined();
    expect(w.kube.requests.some((r) => r.path.includes("/configmaps?"))).toBe(false);
    expect(w.log).toContain(
      "nodes were not measured (report.nodeCheck is off): Harbor holds these images; whether each node can pull them was not checked",
    );
    expect(formatReport(w.report, "https://harbor")).toMatch(/\n {2}nodes were not measured/);
    const s = await readStatus({ server: w.kube.url, context: "admin", token: w.kube.adminToken }, NS);
    expect(s.nodes).toBeUndefined();
    expect(formatStatus(s)).toMatch(/\n {2}nodes were not measured \(report\.nodeCheck is off\)/);
  });

  it("status reads the key nodes as hostile: malformed JSON or entries left out, counts whole numbers, text printable and bounded", () => {
    // not an array: not measured, as without the key
    expect(nodesFrom("not json")).toBeUndefined();
    expect(nodesFrom('{"name":"x"}')).toBeUndefined();
    const n = nodesFrom(
      JSON.stringify([
        null,
        7,
        { name: "a\u001b]0;x\u0007", held: -1, total: 2.5, missing: ["m\u202e", 3], checkedAt: "t" },
        { name: "b".repeat(5000), held: 1, total: 1, missing: "x" },
      ]),
    );
    expect(n).toHaveLength(2);
    if (!n) return;
    // counts that are not whole numbers: never ready (0 of 0 with a missing line saying why)
    expect(n[0]).toEqual({ name: "a\\x1b]0;x\\x07", held: 0, total: 0, missing: ["m\\u{202e}", "3", MALFORMED_ENTRY], checkedAt: "t" });
    expect(n[1].name.length).toBe(1300);
    expect(n[1].missing).toEqual([]);
    const text = formatStatus({
      namespace: "harbor",
      summary: "s",
      held: 0,
      total: 0,
      allHeld: false,
      missing: [],
      platforms: [],
      updated: "u",
      nodes: n,
    });
    expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u202e]/);
  });
});

describe("nodeResultsFrom: the node check's ConfigMaps read as hostile (pure)", () => {
  it("a result written by another hand is cut to the bounds the check writes: known fields, a kind outside the list read as error, short strings", () => {
    const text = JSON.stringify({
      node: "node-a",
      platform: "linux/amd64",
      checkedAt: "2026-12-07T00:00:00Z",
      hostDir: "/etc/containerd/certs.d",
      extra: "dropped",
      nodeFailure: { kind: "made-up", detail: "d".repeat(5000) },
      images: [
        { image: "docker.io/library/a:1", ok: true, via: "https://h/v2", token: "never kept" },
        { image: 7 },
        { image: "b", ok: "yes", failure: { kind: "tls-san", detail: "x" } },
      ],
    });
    const { results, ignored } = nodeResultsFrom({
      items: [{ metadata: { name: configMapName("node-a") }, data: { node: "node-a", result: text } }],
    });
    expect(ignored).toBe(0);
    const r = results.get("node-a")!;
    expect(Object.keys(r).sort()).toEqual(["checkedAt", "hostDir", "images", "node", "nodeFailure", "platform"]);
    expect(r.nodeFailure?.kind).toBe("error");
    expect(r.nodeFailure?.detail.length).toBeLessThan(320);
    expect(r.images).toEqual([
      { image: "docker.io/library/a:1", ok: true, via: "https://h/v2" },
      { image: "b", ok: false, failure: { kind: "tls-san", detail: "x" } },
    ]);
  });
});

describe("countNodes: what counts on a node (pure)", () => {
  const NOW = Date.UTC(2026, 11, 6, 12, 0, 0);
  const settings = { namespace: NS, intervalSeconds: 300 };
  const result = (images: NodeResult["images"], checkedAt = iso(NOW - 60_000)): NodeResult => ({
    node: "node-a",
    platform: "linux/amd64",
    checkedAt,
    hostDir: "/etc/containerd/certs.d",
    images,
  });
  const IMG = "docker.io/library/nginx:1.25";
  const count = (r: NodeResult, addresses?: ReadonlySet<string>, images = [IMG]) =>
    countNodes(new Map([["node-a", images]]), new Set(images), new Map([["node-a", r]]), settings, NOW, addresses).nodes[0];

  it("an image reached through a host that is not one of Harbor's addresses does not count (another mirror in the node's hosts.toml)", () => {
    const harbor = new Set(["10.0.0.5:30003"]);
    expect(count(result([{ image: IMG, ok: true, via: "https://10.0.0.5:30003/v2/docker.io" }]), harbor)).toMatchObject({
      held: 1,
      missing: [],
    });
    const other = count(result([{ image: IMG, ok: true, via: "https://mirror.corp.example/v2" }]), harbor);
    expect(other.held).toBe(0);
    expect(other.missing).toEqual([
      expect.stringMatching(
        /^docker\.io\/library\/nginx:1\.25 \(error: reached through https:\/\/mirror\.corp\.example\/v2, which is not one of Harbor's addresses \(10\.0\.0\.5:30003\)\)$/,
      ),
    ]);
    // the default https port is the address without it, as Harbor's addresses are normalised
    expect(count(result([{ image: IMG, ok: true, via: "https://harbor.lan:443/v2/docker.io" }]), new Set(["harbor.lan"])).held).toBe(1);
  });

  it("a result stamped in the future (clock skew, a forged ConfigMap) is not fresh; one within the interval is", () => {
    expect(count(result([{ image: IMG, ok: true }], iso(NOW + 60 * 60_000))).missing).toEqual([
      expect.stringContaining("no node check result"),
    ]);
    expect(count(result([{ image: IMG, ok: true }], iso(NOW + 60_000))).held).toBe(1);
  });

  it("at most MAX_MISSING_PER_NODE missing lines per node, then how many more (the status ConfigMap stays small)", () => {
    const images = Array.from({ length: MAX_MISSING_PER_NODE + 7 }, (_, i) => `docker.io/library/app${String(i).padStart(3, "0")}:1`);
    const c = count(result([]), undefined, images);
    expect(c.total).toBe(images.length);
    expect(c.held).toBe(0);
    expect(c.missing).toHaveLength(MAX_MISSING_PER_NODE + 1);
    expect(c.missing.at(-1)).toBe("... and 7 more");
  });
});
