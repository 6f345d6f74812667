// harbor-edge status --all-contexts / --kubeconfigs: one line per cluster, read concurrently (a bound, a per-cluster
// timeout), exit 0 all ready / 1 some not ready / 3 some unreachable and none not ready / 2 usage; --json an
// array; context names and everything from a cluster shown printable. Against fake Kubernetes APIs on loopback
// (one over TLS), a closed loopback port and a loopback server that never answers.
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import yaml from "js-yaml";
import { BIN } from "../helpers/cli.js";
import { startFakeKubeApi, type FakeKubeApi } from "../fakes/kube-api.js";
import { generateCA, generateServerCert } from "../../generator/src/certs/generate.js";
import { readStatus, nodesFrom, NoReport, type ReportStatus } from "../../generator/src/status/status.js";
import { loadKubeconfig } from "../../generator/src/kube/client.js";
import {
  runFleet,
  planSites,
  formatSiteLine,
  exitCode,
  fromReport,
  fleetSummary,
  MAX_PARALLEL,
  MAX_SITES,
  FLEET_EXIT,
  type Site,
} from "../../generator/src/status/fleet.js";
import type { NodeCount } from "../../generator/src/nodecheck/types.js";
import { runProcess } from "../helpers/process.js";

const ca = generateCA("fleet test CA", 1);
const server = generateServerCert("127.0.0.1", { dns: ["localhost"], ips: ["127.0.0.1"] }, 1, ca);

// the report's time: recent (a report older than --max-age, default 3h, is stale: not ready)
const recent = (agoMs: number) => new Date(Date.now() - agoMs).toISOString().replace(/\.\d+Z$/, "Z");
const report = (held: number, total: number, extra: Record<string, string> = {}) => ({
  summary:
    held === total
      ? `${held} of ${total} running images are held by Harbor`
      : `${held} of ${total} running images are held by Harbor; missing: quay.io/org/tool:2 (not found)`,
  held: String(held),
  total: String(total),
  allHeld: String(held === total),
  missing: held === total ? "" : "quay.io/org/tool:2 (not found)",
  platforms: "linux/amd64",
  updated: recent(15 * 60_000),
  ...extra,
});
const NODES: NodeCount[] = [
  { name: "node-a", held: 42, total: 42, missing: [], checkedAt: "2026-12-01T09:59:00Z" },
  { name: "node-b", held: 42, total: 42, missing: [], checkedAt: "2026-12-01T09:59:00Z" },
  { name: "node-c", held: 42, total: 42, missing: [], checkedAt: "2026-12-01T09:59:00Z" },
];
const HOSTILE = "\u001b]0;pwned\u0007evil\u202e\nsite";

let k1: FakeKubeApi; // over TLS: harbor ready (42 of 42), edge not ready (40 of 42), nodes: the report's per-node counts
let k2: FakeKubeApi; // http: harbor ready (7 of 7), empty: no report
let closedPort: number;
let hang: net.Server; // accepts connections, never answers
const hung = new Set<net.Socket>();
let dir: string;

beforeAll(async () => {
  k1 = await startFakeKubeApi(
    {
      nodes: [],
      namespaces: [],
      pods: [],
      configMaps: [
        { namespace: "harbor", name: "harbor-edge-status", data: report(42, 42) },
        { namespace: "edge", name: "harbor-edge-status", data: report(40, 42) },
        { namespace: "old", name: "harbor-edge-status", data: report(42, 42, { updated: recent(26 * 3_600_000) }) },
        {
          namespace: "nodes",
          name: "harbor-edge-status",
          data: report(42, 42, {
            nodes: JSON.stringify([...NODES.slice(0, 2), { ...NODES[2], held: 41, missing: ["quay.io/org/tool:2 (tls-san)"] }]),
          }),
        },
      ],
    },
    { tls: { cert: server.cert, key: server.key } },
  );
  k2 = await startFakeKubeApi({
    nodes: [],
    namespaces: [],
    pods: [],
    configMaps: [{ namespace: "harbor", name: "harbor-edge-status", data: report(7, 7) }],
  });
  const probe = net.createServer();
  await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
  closedPort = (probe.address() as net.AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
  hang = net.createServer((s) => {
    hung.add(s);
    s.on("close", () => hung.delete(s));
  });
  await new Promise<void>((r) => hang.listen(0, "127.0.0.1", r));
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "status-fleet-"));
});
afterAll(async () => {
  for (const s of hung) s.destroy();
  await Promise.all([k1?.close(), k2?.close(), new Promise((r) => hang?.close(r))]);
});

type Ctx = { name: string; server: "k1" | "k2" | "closed" | "hang"; namespace?: string };
const CONTEXTS: Record<string, Ctx> = {
  ready: { name: "site-17", server: "k1" },
  notReady: { name: "site-18", server: "k1", namespace: "edge" },
  ready2: { name: "site-19", server: "k2" },
  noReport: { name: "site-20", server: "k2", namespace: "empty" },
  down: { name: "site-down", server: "closed" },
  slow: { name: "site-slow", server: "hang" },
  hostile: { name: HOSTILE, server: "k2" },
};

/** A kubeconfig with these contexts (each its own cluster and user entry), the first current. */
function kubeconfig(contexts: Ctx[], file = path.join(fs.mkdtempSync(path.join(dir, "k-")), "config")): string {
  const url = (c: Ctx) =>
    c.server === "k1"
      ? k1.url
      : c.server === "k2"
        ? k2.url
        : `http://127.0.0.1:${c.server === "closed" ? closedPort : (hang.address() as net.AddressInfo).port}`;
  const token = (c: Ctx) => (c.server === "k1" ? k1.token : c.server === "k2" ? k2.token : "unused-token-0123");
  fs.writeFileSync(
    file,
    yaml.dump({
      apiVersion: "v1",
      kind: "Config",
      "current-context": contexts[0]?.name,
      contexts: contexts.map((c, i) => ({
        name: c.name,
        context: { cluster: `c${i}`, user: `u${i}`, ...(c.namespace ? { namespace: c.namespace } : {}) },
      })),
      clusters: contexts.map((c, i) => ({
        name: `c${i}`,
        cluster: {
          server: url(c),
          ...(c.server === "k1" ? { "certificate-authority-data": Buffer.from(ca.cert).toString("base64") } : {}),
        },
      })),
      users: contexts.map((c, i) => ({ name: `u${i}`, user: { token: token(c) } })),
    }),
  );
  return file;
}

async function status(args: string[], env: NodeJS.ProcessEnv = {}) {
  const started = Date.now();
  const { code, stdout, stderr } = await runProcess(process.execPath, [BIN, "status", ...args], {
    env: { ...process.env, KUBECONFIG: "", KUBERNETES_SERVICE_HOST: "", KUBE_API: "", HOME: dir, ...env },
  });
  return { code, stdout, stderr, lines: stdout.split("\n").filter(Boolean), ms: Date.now() - started };
}

const noSecrets = (r: { stdout: string; stderr: string }) => {
  for (const t of [k1.token, k2.token, k1.adminToken, "unused-token-0123"]) expect(r.stdout + r.stderr).not.toContain(t);
};

describe.concurrent("harbor-edge status --all-contexts (fake APIs on loopback)", () => {
  it("all ready: one line per context in file order, exit 0; nodes not measured when the report has no per-node counts", async () => {
    const r = await status(["--all-contexts", "--kubeconfig", kubeconfig([CONTEXTS.ready, CONTEXTS.ready2])]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.lines).toEqual(["site-17: 42 of 42 held; nodes not measured", "site-19: 7 of 7 held; nodes not measured"]);
    noSecrets(r);
  });

  it("without --all-contexts, --kubeconfig reads only its current context, as status does (the usual output)", async () => {
    const r = await status(["--kubeconfig", kubeconfig([CONTEXTS.ready, CONTEXTS.down])]);
    expect(r.code).toBe(0);
    expect(r.lines[0]).toBe("42 of 42 running images are held by Harbor");
  });

  it.each([
    [
      "ready + not ready",
      ["ready", "notReady"],
      1,
      ["site-17: 42 of 42 held; nodes not measured", "site-18: not ready: 40 of 42 held; nodes not measured"],
      "1 of 2 clusters ready; 1 not ready",
    ],
    [
      "ready + no report",
      ["ready2", "noReport"],
      1,
      [
        "site-19: 7 of 7 held; nodes not measured",
        /^site-20: not ready: no report \(no ConfigMap harbor-edge-status in namespace empty: is the chart installed there/,
      ],
      "1 of 2 clusters ready; 1 not ready",
    ],
    [
      "ready + unreachable",
      ["ready", "down"],
      3,
      [
        "site-17: 42 of 42 held; nodes not measured",
        new RegExp(`^site-down: unreachable: cannot reach the Kubernetes API at http://127\\.0\\.0\\.1:\\d+: .*ECONNREFUSED`),
      ],
      "1 of 2 clusters ready; 1 unreachable",
    ],
    [
      "unreachable first + not ready (not ready wins: exit 1)",
      ["down", "notReady", "ready2"],
      1,
      [/^site-down: unreachable: /, "site-18: not ready: 40 of 42 held; nodes not measured", "site-19: 7 of 7 held; nodes not measured"],
      "1 of 3 clusters ready; 1 not ready, 1 unreachable",
    ],
    ["only unreachable", ["down"], 3, [/^site-down: unreachable: /], "0 of 1 cluster ready; 1 unreachable"],
  ])("%s: exit %s", async (_, names, code, lines, summary) => {
    const r = await status(["--all-contexts", "--kubeconfig", kubeconfig(names.map((n) => CONTEXTS[n]))]);
    expect(r.code).toBe(code);
    expect(r.lines).toHaveLength((lines as unknown[]).length);
    lines.forEach((l, i) => (typeof l === "string" ? expect(r.lines[i]).toBe(l) : expect(r.lines[i]).toMatch(l)));
    expect(r.stderr).toBe(`error: ${summary}\n`);
    noSecrets(r);
  });

  it("--json: an array in context order, one object per cluster with its state", async () => {
    const r = await status(["--all-contexts", "--json", "--kubeconfig", kubeconfig([CONTEXTS.ready, CONTEXTS.noReport, CONTEXTS.down])]);
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j.map((x: any) => [x.site, x.context, x.state])).toEqual([
      ["site-17", "site-17", "ready"],
      ["site-20", "site-20", "not-ready"],
      ["site-down", "site-down", "unreachable"],
    ]);
    expect(j[0]).toMatchObject({ namespace: "harbor", report: { held: 42, total: 42, allHeld: true, namespace: "harbor" } });
    expect(j[0].nodesNotReady).toBeUndefined();
    expect(j[1]).toMatchObject({ noReport: true, error: expect.stringMatching(/^no ConfigMap harbor-edge-status in namespace empty/) });
    expect(j[1].report).toBeUndefined();
    expect(j[2].error).toMatch(/ECONNREFUSED/);
    noSecrets(r);
  });

  it("-n applies to every cluster (over each context's namespace)", async () => {
    const r = await status(["--all-contexts", "-n", "edge", "--kubeconfig", kubeconfig([CONTEXTS.ready, CONTEXTS.ready2])]);
    expect(r.code).toBe(1);
    expect(r.lines).toEqual([
      "site-17: not ready: 40 of 42 held; nodes not measured",
      expect.stringMatching(/^site-19: not ready: no report \(no ConfigMap harbor-edge-status in namespace edge/),
    ]);
  });

  it("a hostile context name is shown printable on its one line, bounded; it is still read with its own name", async () => {
    const long = { name: `x${"\u001b[31m".repeat(500)}`, server: "k2" as const };
    const r = await status(["--all-contexts", "--kubeconfig", kubeconfig([CONTEXTS.hostile, long, CONTEXTS.ready])]);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/);
    expect(r.lines).toHaveLength(3);
    expect(r.lines[0]).toBe("\\x1b]0;pwned\\x07evil\\u{202e}\\x0asite: 7 of 7 held; nodes not measured");
    expect(r.lines[1]).toMatch(/^x(\\x1b\[31m)+[^:]*…: 7 of 7 held; nodes not measured$/);
    expect(r.lines[1].length).toBeLessThan(300);
    expect(r.lines[2]).toBe("site-17: 42 of 42 held; nodes not measured");
    const j = JSON.parse((await status(["--all-contexts", "--json", "--kubeconfig", kubeconfig([CONTEXTS.hostile])])).stdout);
    expect(j[0].context).toBe("\\x1b]0;pwned\\x07evil\\u{202e}\\x0asite");
  });

  it("a cluster that never answers is unreachable after --timeout, and delays neither the others nor the exit (its connection is cut)", async () => {
    const file = kubeconfig([CONTEXTS.slow, CONTEXTS.ready, CONTEXTS.ready2, CONTEXTS.notReady]);
    const r = await status(["--all-contexts", "--timeout", "1", "--kubeconfig", file]);
    expect(r.code).toBe(1);
    expect(r.lines).toEqual([
      "site-slow: unreachable: no answer within 1s",
      "site-17: 42 of 42 held; nodes not measured",
      "site-19: 7 of 7 held; nodes not measured",
      "site-18: not ready: 40 of 42 held; nodes not measured",
    ]);
    // the request's own timeout is 30 s: without cutting it the process would wait that long to exit
    expect(r.ms).toBeLessThan(8_000);
    const only = await status(["--all-contexts", "--timeout", "1", "--kubeconfig", kubeconfig([CONTEXTS.slow, CONTEXTS.ready])]);
    expect(only.code).toBe(3);
  });

  it("$KUBECONFIG (its first file) when no --kubeconfig, as status reads it; with no kubeconfig at all a usage error (2)", async () => {
    const file = kubeconfig([CONTEXTS.ready2, CONTEXTS.ready]);
    const r = await status(["--all-contexts"], { KUBECONFIG: `${file}${path.delimiter}/nonexistent` });
    expect(r.code).toBe(0);
    expect(r.lines).toEqual(["site-19: 7 of 7 held; nodes not measured", "site-17: 42 of 42 held; nodes not measured"]);
    const none = await status(["--all-contexts"]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^error: no kubeconfig: pass --kubeconfig FILE or --kubeconfigs A,B/);
  });
});

describe.concurrent("harbor-edge status --kubeconfigs", () => {
  it("each file's current context, comma-separated and repeated; a file that cannot be read is one unreachable line, the others still read", async () => {
    const a = kubeconfig([CONTEXTS.ready, CONTEXTS.notReady]);
    const b = kubeconfig([CONTEXTS.ready2]);
    const missing = path.join(dir, "missing.yaml");
    const r = await status(["--kubeconfigs", `${a},${missing}`, "--kubeconfigs", b]);
    expect(r.code).toBe(3);
    expect(r.lines).toEqual([
      "site-17: 42 of 42 held; nodes not measured",
      `${missing}: unreachable: kubeconfig ${missing}: cannot read it (ENOENT)`,
      "site-19: 7 of 7 held; nodes not measured",
    ]);
    const all = await status(["--kubeconfigs", `${a},${b}`, "--all-contexts"]);
    expect(all.code).toBe(1);
    expect(all.lines.map((l) => l.split(":")[0])).toEqual(["site-17", "site-18", "site-19"]);
  });

  it("the same context name in two files (k3s names every context default) is labelled FILE:CONTEXT", async () => {
    const a = kubeconfig([{ ...CONTEXTS.ready, name: "default" }]);
    const b = kubeconfig([{ ...CONTEXTS.notReady, name: "default" }]);
    const r = await status(["--kubeconfigs", `${a},${b}`, "--json"]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).map((x: any) => [x.site, x.context, x.kubeconfig, x.state])).toEqual([
      [`${a}:default`, "default", a, "ready"],
      [`${b}:default`, "default", b, "not-ready"],
    ]);
  });

  it("usage errors exit 2 with one line and where help is: conflicting options, --timeout without a fleet, a bad timeout", async () => {
    const file = kubeconfig([CONTEXTS.ready]);
    for (const [args, line] of [
      [
        ["--all-contexts", "--context", "site-17", "--kubeconfig", file],
        "error: option '--context <name>' cannot be used with option '--all-contexts'",
      ],
      [
        ["--kubeconfigs", file, "--kubeconfig", file],
        "error: option '--kubeconfigs <files>' cannot be used with option '--kubeconfig <file>'",
      ],
      [["--kubeconfigs", file, "--context", "x"], "error: option '--context <name>' cannot be used with option '--kubeconfigs <files>'"],
      [["--kubeconfig", file, "--timeout", "5"], "error: option '--timeout <seconds>' is for --all-contexts or --kubeconfigs"],
      [
        ["--all-contexts", "--kubeconfig", file, "--timeout", "0"],
        "error: option '--timeout <seconds>' argument '0' is invalid. expected seconds, more than 0 and at most 600, e.g. 15",
      ],
      [["--kubeconfigs", ","], "error: option '--kubeconfigs <files>' names no file"],
    ] as Array<[string[], string]>) {
      const r = await status(args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr.trimEnd().split("\n")).toEqual([line, "see 'harbor-edge status --help'"]);
      expect(r.stdout).toBe("");
    }
  });

  it(`more than ${MAX_SITES} clusters in one run are refused (exit 2) before any is read`, async () => {
    const file = path.join(fs.mkdtempSync(path.join(dir, "many-")), "config");
    fs.writeFileSync(
      file,
      yaml.dump({
        contexts: Array.from({ length: MAX_SITES + 1 }, (_, i) => ({ name: `s${i}`, context: { cluster: "c" } })),
        clusters: [{ name: "c", cluster: { server: `http://127.0.0.1:${closedPort}` } }],
      }),
    );
    const r = await status(["--all-contexts", "--kubeconfig", file]);
    expect(r.code).toBe(2);
    expect(r.stderr.split("\n")[0]).toBe(
      `error: ${MAX_SITES + 1} clusters named; at most ${MAX_SITES} are read in one run: split the kubeconfigs`,
    );
    expect(r.stdout).toBe("");
  });

  it("--help names the options and the exit codes", async () => {
    const r = await status(["--help"]);
    expect(r.code).toBe(0);
    const help = r.stdout.replace(/\s+/g, " ");
    expect(help).toMatch(/--all-contexts/);
    expect(help).toMatch(/--kubeconfigs <files>/);
    expect(help).toMatch(/--timeout <seconds> .*\(default 15\)/);
    expect(help).toMatch(/--max-age <duration> .*\(default: "3h"\)/);
    expect(help).toContain(
      "exit 0 every cluster ready, 1 at least one not ready (a cluster without a report, or with a stale one, is not ready), 3 none not ready but at least one unreachable, 2 usage error",
    );
  });

  it("the report's per-node counts (ConfigMap key nodes) reach the line: on N nodes, the nodes not ready named", async () => {
    const probe = await readStatus(loadKubeconfig(kubeconfig([{ ...CONTEXTS.ready, namespace: "nodes" }])), "nodes");
    expect(probe.nodes?.map((n) => n.name)).toEqual(["node-a", "node-b", "node-c"]);
    const r = await status(["--all-contexts", "--kubeconfig", kubeconfig([{ ...CONTEXTS.ready, namespace: "nodes" }])]);
    expect(r.code).toBe(1);
    expect(r.lines).toEqual(["site-17: not ready: 42 of 42 held on 3 nodes; nodes not ready: node-c (41 of 42)"]);
  });

  it("a report older than --max-age (default 3h) is stale: its site is not ready (exit 1), saying how old; a longer --max-age takes it", async () => {
    const file = kubeconfig([{ ...CONTEXTS.ready, namespace: "old" }, CONTEXTS.ready2]);
    const r = await status(["--all-contexts", "--kubeconfig", file]);
    expect(r.code).toBe(1);
    expect(r.lines[0]).toBe(
      "site-17: not ready: 42 of 42 held; nodes not measured; the report is 1d 2h old (more than --max-age 3h): is the report CronJob running?",
    );
    const json = await status(["--all-contexts", "--kubeconfig", file, "--json"]);
    expect(JSON.parse(json.stdout).map((x: any) => [x.state, x.stale])).toEqual([
      ["not-ready", "the report is 1d 2h old (more than --max-age 3h): is the report CronJob running?"],
      ["ready", undefined],
    ]);
    const longer = await status([
      "--all-contexts",
      "--kubeconfig",
      kubeconfig([{ ...CONTEXTS.ready, namespace: "old" }]),
      "--max-age",
      "2d",
    ]);
    expect(longer.code).toBe(0);
    expect(longer.lines).toEqual(["site-17: 42 of 42 held; nodes not measured"]);
  });
});

// --- the pure parts and the runner, with a reader given ---------------------------------------------------------

const site = (label: string): Site => ({ label, kubeconfig: "k.yaml", context: label });
const status0 = (o: Omit<Partial<ReportStatus>, "nodes"> & { nodes?: unknown } = {}): ReportStatus =>
  ({
    namespace: "harbor",
    summary: "42 of 42 running images are held by Harbor",
    held: 42,
    total: 42,
    allHeld: true,
    missing: [],
    platforms: ["linux/amd64"],
    updated: "t",
    ...o,
  }) as ReportStatus;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("fleet: lines from the report", () => {
  it("on N nodes; a node not ready is named (counts or no check) and makes the site not ready even when allHeld", () => {
    expect(formatSiteLine(fromReport(site("s"), status0({ nodes: NODES })))).toBe("s: 42 of 42 held on 3 nodes");
    expect(formatSiteLine(fromReport(site("s"), status0({ nodes: [NODES[0]] })))).toBe("s: 42 of 42 held on 1 node");
    const r = fromReport(site("s"), status0({ nodes: [NODES[0], { ...NODES[1], held: 40 }, { ...NODES[2], checkedAt: "" }] }));
    expect(r.state).toBe("not-ready");
    expect(r.nodesNotReady).toEqual(["node-b (40 of 42)", "node-c (no check)"]);
    expect(formatSiteLine(r)).toBe("s: not ready: 42 of 42 held on 3 nodes; nodes not ready: node-b (40 of 42), node-c (no check)");
    expect(formatSiteLine(fromReport(site("s"), status0({ held: 40, allHeld: false, nodes: [] })))).toBe(
      "s: not ready: 40 of 42 held on 0 nodes",
    );
    // a node that counts everything held but lists a missing image is not ready either
    expect(fromReport(site("s"), status0({ nodes: [{ ...NODES[0], missing: ["x (tls-ca)"] }] })).nodesNotReady).toEqual([
      "node-a (42 of 42)",
    ]);
  });

  it("no nodes field: nodes not measured; a malformed one (as readStatus reads it) too; a failed report says so", () => {
    expect(formatSiteLine(fromReport(site("s"), status0()))).toBe("s: 42 of 42 held; nodes not measured");
    const bad = fromReport(site("s"), status0({ nodes: nodesFrom("3") }));
    expect(formatSiteLine(bad)).toBe("s: 42 of 42 held; nodes not measured");
    expect(bad.report?.nodes).toBeUndefined();
    expect(
      formatSiteLine(
        fromReport(
          site("s"),
          status0({ summary: "no report: Harbor at https://h:30003 did not answer", allHeld: false, held: 0, total: 0 }),
        ),
      ),
    ).toBe("s: not ready: no report: Harbor at https://h:30003 did not answer");
  });

  it("hostile node entries from the cluster (as readStatus reads them): printable, bounded, at most 5 named then a count; bad counts never ready", () => {
    const nodes = nodesFrom(
      JSON.stringify(
        Array.from({ length: 8 }, (_, i) => ({
          name: `n${i}\u001b[2J${"y".repeat(400)}`,
          held: i ? 2 : "1",
          total: 2,
          missing: [],
          checkedAt: "t",
        })),
      ),
    );
    const r = fromReport(site("s"), status0({ nodes }));
    expect(r.state).toBe("not-ready");
    const line = formatSiteLine(r);
    expect(line).not.toMatch(/[\u0000-\u001f]/);
    expect(line).toMatch(/^s: not ready: 42 of 42 held on 8 nodes; nodes not ready: n0\\x1b\[2Jy+… \(0 of 0\)$/);
    expect(line.length).toBeLessThan(1000);
    const many = fromReport(
      site("s"),
      status0({
        nodes: nodesFrom(
          JSON.stringify(Array.from({ length: 8 }, (_, i) => ({ name: `n${i}`, held: 1, total: 2, missing: [], checkedAt: "t" }))),
        ),
      }),
    );
    expect(formatSiteLine(many)).toBe(
      "s: not ready: 42 of 42 held on 8 nodes; nodes not ready: n0 (1 of 2), n1 (1 of 2), n2 (1 of 2), n3 (1 of 2), n4 (1 of 2), and 3 more",
    );
  });

  it("a stale report (older than --max-age, given to runFleet as stale) makes its site not ready, saying why", async () => {
    const fresh = fromReport(site("a"), status0(), undefined);
    const stale = fromReport(site("b"), status0(), "the report is 5h old (more than --max-age 3h): is the report CronJob running?");
    expect(fresh.state).toBe("ready");
    expect(stale.state).toBe("not-ready");
    expect(formatSiteLine(stale)).toBe(
      "b: not ready: 42 of 42 held; nodes not measured; the report is 5h old (more than --max-age 3h): is the report CronJob running?",
    );
    expect(exitCode([fresh, stale])).toBe(FLEET_EXIT.notReady);
    const results = await runFleet([site("a"), site("b")], {
      read: async (s) => status0({ updated: s.label }),
      timeoutMs: 1000,
      stale: (s) => (s.updated === "b" ? "old" : undefined),
    });
    expect(results.map((r) => [r.site, r.state, r.stale])).toEqual([
      ["a", "ready", undefined],
      ["b", "not-ready", "old"],
    ]);
  });

  it("exit codes: 0 all ready, 1 any not ready (also with unreachable), 3 unreachable and none not ready", () => {
    const ready = fromReport(site("a"), status0());
    const notReady = fromReport(site("b"), status0({ allHeld: false, held: 1 }));
    const unreachable = { ...ready, state: "unreachable" as const, error: "x" };
    expect(exitCode([ready])).toBe(FLEET_EXIT.ready);
    expect(exitCode([ready, notReady])).toBe(FLEET_EXIT.notReady);
    expect(exitCode([unreachable, notReady])).toBe(1);
    expect(exitCode([ready, unreachable])).toBe(3);
    expect(FLEET_EXIT).toEqual({ ready: 0, notReady: 1, usage: 2, unreachable: 3 });
    expect(fleetSummary([ready, notReady, unreachable])).toBe("1 of 3 clusters ready; 1 not ready, 1 unreachable");
  });

  it("planSites: current or every context, files that cannot be read as one site each, duplicate names labelled by file", () => {
    const files: Record<string, string> = {
      "a.yaml": yaml.dump({ "current-context": "one", contexts: [{ name: "one" }, { name: "two" }, { name: 3 }, { name: "one" }, {}] }),
      "b.yaml": yaml.dump({ contexts: [{ name: "one" }] }),
      "c.yaml": "contexts: [",
    };
    const read = (f: string) => {
      if (!(f in files)) throw Object.assign(new Error("no"), { code: "ENOENT" });
      return files[f];
    };
    expect(planSites(["a.yaml"], true, read)).toEqual([site("one"), site("two")].map((s) => ({ ...s, kubeconfig: "a.yaml" })));
    const all = planSites(["a.yaml", "b.yaml", "c.yaml", "d.yaml"], true, read);
    expect(all.map((s) => s.label)).toEqual(["a.yaml:one", "two", "b.yaml:one", "c.yaml", "d.yaml"]);
    expect(all[3].problem).toMatch(/^kubeconfig c\.yaml is not valid YAML or JSON at line \d+, column \d+: \(its content is not shown/);
    expect(all[4].problem).toBe("kubeconfig d.yaml: cannot read it (ENOENT)");
    const current = planSites(["a.yaml", "b.yaml"], false, read);
    expect(current.map((s) => [s.label, s.problem])).toEqual([
      ["one", undefined],
      ["b.yaml", "kubeconfig b.yaml: current-context: expected the name of a context; given nothing (or pass --all-contexts)"],
    ]);
  });
});

describe("fleet: the runner", () => {
  it(`reads at most ${MAX_PARALLEL} clusters at a time, and all of them; results in the sites' order`, async () => {
    let inFlight = 0;
    let most = 0;
    const sites = Array.from({ length: 20 }, (_, i) => site(`s${i}`));
    const emitted: number[] = [];
    const results = await runFleet(sites, {
      timeoutMs: 5_000,
      onResult: (_, i) => emitted.push(i),
      read: async (s) => {
        inFlight++;
        most = Math.max(most, inFlight);
        await sleep(30 - Number(s.label.slice(1))); // later sites answer sooner
        inFlight--;
        return status0({ namespace: s.label });
      },
    });
    expect(most).toBe(MAX_PARALLEL);
    expect(results.map((r) => r.namespace)).toEqual(sites.map((s) => s.label));
    expect(emitted).toEqual(sites.map((_, i) => i));
    const two = { max: 0, now: 0 };
    await runFleet(sites.slice(0, 6), {
      timeoutMs: 5_000,
      concurrency: 2,
      read: async () => ((two.max = Math.max(two.max, ++two.now)), await sleep(5), two.now--, status0()),
    });
    expect(two.max).toBe(2);
  });

  it("a cluster that never answers is cut off at the timeout (its signal aborts); the others are not held up; no report is not ready; a throw is unreachable", async () => {
    let aborted = false;
    const started = Date.now();
    const done: Record<string, number> = {};
    const results = await runFleet([site("slow"), site("a"), site("none"), site("bad"), site("b")], {
      timeoutMs: 300,
      concurrency: 2,
      read: (s, signal) => {
        if (s.label === "slow") {
          signal.addEventListener("abort", () => (aborted = true));
          return new Promise(() => {});
        }
        if (s.label === "none") return Promise.reject(new NoReport("no ConfigMap harbor-edge-status in namespace harbor"));
        if (s.label === "bad") throw new Error("kubeconfig k.yaml: user gets its credentials from an exec plugin");
        done[s.label] = Date.now() - started;
        return sleep(20).then(() => status0());
      },
    });
    expect(aborted).toBe(true);
    expect(results.map((r) => [r.site, r.state])).toEqual([
      ["slow", "unreachable"],
      ["a", "ready"],
      ["none", "not-ready"],
      ["bad", "unreachable"],
      ["b", "ready"],
    ]);
    expect(results[0].error).toBe("no answer within 0.3s");
    expect(formatSiteLine(results[2])).toBe("none: not ready: no report (no ConfigMap harbor-edge-status in namespace harbor)");
    expect(formatSiteLine(results[3])).toBe("bad: unreachable: kubeconfig k.yaml: user gets its credentials from an exec plugin");
    // with two at a time and one of them stuck, the rest went through the other: all before the timeout
    expect(Math.max(...Object.values(done))).toBeLessThan(250);
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
