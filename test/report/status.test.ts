// harbor-edge status: reads the report's ConfigMap and latest Event through the Kubernetes API with what a
// kubeconfig gives (TLS with a CA, a client certificate or a token), prints them, and exits 0 only when every
// running image is held.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, it, expect, afterAll } from "vitest";
import yaml from "js-yaml";
import { BIN, COMMAND } from "../helpers/cli.js";
import { startFakeKubeApi, type FakeKubeApi } from "../fakes/kube-api.js";
import { generateCA, generateServerCert } from "../../generator/src/certs/generate.js";
import { runProcess } from "../helpers/process.js";

const ca = generateCA("status test CA", 1);
const server = generateServerCert("127.0.0.1", { dns: ["localhost"], ips: ["127.0.0.1"] }, 1, ca);
const client = generateServerCert("admin", { dns: [], ips: [] }, 1, ca);
const otherCa = generateCA("another CA", 1);
const open: FakeKubeApi[] = [];
afterAll(() => Promise.all(open.map((k) => k.close())));

// the report's time: recent (status calls a report older than --max-age, default 3h, stale)
const recent = (agoMs: number) => new Date(Date.now() - agoMs).toISOString().replace(/\.\d+Z$/, "Z");
const HELD = {
  summary: "2 of 2 running images are held by Harbor",
  held: "2",
  total: "2",
  allHeld: "true",
  missing: "",
  platforms: "linux/amd64 linux/arm64",
  updated: recent(20 * 60_000),
};
const MISSING = {
  summary:
    "1 of 2 running images are held by Harbor; missing: quay.io/org/tool:2 (Harbor cannot fetch it: not found upstream, or the upstream is unreachable)",
  held: "1",
  total: "2",
  allHeld: "false",
  missing: "quay.io/org/tool:2 (Harbor cannot fetch it: not found upstream, or the upstream is unreachable)",
  platforms: "linux/amd64",
  updated: recent(10 * 60_000),
};

async function kube(data: Record<string, string> | undefined, o: { tls?: boolean; namespace?: string } = {}) {
  const ns = o.namespace ?? "harbor";
  const k = await startFakeKubeApi(
    { nodes: [], namespaces: [], pods: [], configMaps: data === undefined ? [] : [{ namespace: ns, name: "harbor-edge-status", data }] },
    o.tls ? { tls: { cert: server.cert, key: server.key, clientCa: ca.cert } } : {},
  );
  open.push(k);
  return k;
}

function kubeconfig(k: FakeKubeApi, user: Record<string, unknown>, cluster: Record<string, unknown> = {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "status-kubeconfig-"));
  const file = path.join(dir, "config");
  fs.writeFileSync(
    file,
    yaml.dump({
      apiVersion: "v1",
      kind: "Config",
      "current-context": "edge",
      contexts: [{ name: "edge", context: { cluster: "edge", user: "me" } }],
      clusters: [{ name: "edge", cluster: { server: k.url, ...cluster } }],
      users: [{ name: "me", user }],
    }),
  );
  return file;
}

async function status(args: string[], o: { command?: boolean; env?: NodeJS.ProcessEnv } = {}) {
  // the JS entry with node, or the command users run (generator/bin/harbor-edge, a sh wrapper)
  const { code, stdout, stderr } = o.command
    ? await runProcess(COMMAND, ["status", ...args], { env: o.env })
    : await runProcess(process.execPath, [BIN, "status", ...args], { env: o.env });
  return { code, stdout, stderr };
}

function postEvent(k: FakeKubeApi, type: string, reason: string, message: string, time: string) {
  k.put({
    apiVersion: "v1",
    kind: "Event",
    metadata: { name: `harbor-edge-status.${k.events.length}`, namespace: "harbor", creationTimestamp: time },
    involvedObject: { kind: "ConfigMap", name: "harbor-edge-status", namespace: "harbor" },
    type,
    reason,
    message,
    lastTimestamp: time,
  });
}

describe.concurrent("harbor-edge status", () => {
  it("TLS with the cluster's CA and a client certificate from files next to the kubeconfig: all held, exit 0", async () => {
    const k = await kube(HELD, { tls: true });
    postEvent(k, "Warning", "ImagesMissing", "1 of 2 running images are held by Harbor; missing: x", "2026-12-01T09:00:00Z");
    postEvent(k, "Normal", "ImagesHeld", HELD.summary, "2026-12-01T10:00:00Z");
    const file = kubeconfig(k, { "client-certificate": "me.crt", "client-key": "me.key" }, { "certificate-authority": "ca.crt" });
    fs.writeFileSync(path.join(path.dirname(file), "ca.crt"), ca.cert);
    fs.writeFileSync(path.join(path.dirname(file), "me.crt"), client.cert);
    fs.writeFileSync(path.join(path.dirname(file), "me.key"), client.key);
    const r = await status(["--kubeconfig", file]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const lines = r.stdout.split("\n");
    expect(lines[0]).toBe(HELD.summary);
    expect(r.stdout).toContain("node platforms: linux/amd64 linux/arm64");
    // the latest Event, not the first
    expect(r.stdout).toContain(`last event: 2026-12-01T10:00:00Z Normal ImagesHeld: ${HELD.summary}`);
  });

  it("images missing: prints them one a line and exits 1; a token and inline CA data", async () => {
    const k = await kube(MISSING, { tls: true });
    const file = kubeconfig(k, { token: k.token }, { "certificate-authority-data": Buffer.from(ca.cert).toString("base64") });
    const r = await status(["--kubeconfig", file]);
    expect(r.code).toBe(1);
    expect(r.stdout.split("\n")[0]).toBe(MISSING.summary);
    expect(r.stdout).toContain(`  missing:\n    ${MISSING.missing}\n`);
    expect(r.stderr).toBe("error: 1 of 2 running images are not held by Harbor\n");
  });

  it("a report older than --max-age (default 3h) is stale: all held, yet exit 1 saying how old it is; --max-age 0 turns it off", async () => {
    const old = { ...HELD, updated: recent(5 * 3_600_000 + 10 * 60_000) };
    const k = await kube(old);
    const file = kubeconfig(k, { token: k.token });
    const r = await status(["--kubeconfig", file]);
    expect(r.code).toBe(1);
    expect(r.stdout.split("\n").slice(0, 3)).toEqual([
      HELD.summary,
      expect.stringContaining(`report of ${old.updated}`),
      "  stale: the report is 5h 10m old (more than --max-age 3h): is the report CronJob running?",
    ]);
    expect(r.stderr).toBe(
      "error: the last report is stale: the report is 5h 10m old (more than --max-age 3h): is the report CronJob running?\n",
    );
    const json = await status(["--kubeconfig", file, "--json", "--max-age", "90m"]);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout).stale).toBe("the report is 5h 10m old (more than --max-age 90m): is the report CronJob running?");
    // young enough for a longer limit, and no limit at all
    for (const maxAge of ["6h", "1d", "0"]) {
      const ok = await status(["--kubeconfig", file, "--max-age", maxAge, "--json"]);
      expect({ maxAge, code: ok.code, stderr: ok.stderr }).toEqual({ maxAge, code: 0, stderr: "" });
      expect(JSON.parse(ok.stdout)).not.toHaveProperty("stale");
    }
    // a fresh report under the default: no stale line
    const fresh = await status(["--kubeconfig", kubeconfig(await kube(HELD), { token: k.token })]);
    expect(fresh.stdout).not.toContain("stale");
  });

  it("--max-age refuses what is not a duration, naming the option", async () => {
    for (const bad of ["3", "-1h", "3 hours", "1.5h", "400d", "h"]) {
      const r = await status(["--kubeconfig", "/nonexistent", "--max-age", bad]);
      expect(r.code, bad).toBe(2);
      expect(r.stderr, bad).toContain("option '--max-age <duration>' argument");
      expect(r.stderr, bad).toContain("expected a duration such as 90m, 3h or 2d");
    }
  });

  it("--json and --namespace", async () => {
    const k = await kube(MISSING, { namespace: "registry" });
    const r = await status(["--kubeconfig", kubeconfig(k, { token: k.token }), "--namespace", "registry", "--json"]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual({
      namespace: "registry",
      summary: MISSING.summary,
      held: 1,
      total: 2,
      allHeld: false,
      missing: [MISSING.missing],
      platforms: ["linux/amd64"],
      updated: MISSING.updated,
    });
  });

  it("no report yet, or no chart: exit 1 with what to check", async () => {
    const none = await kube(undefined);
    const r1 = await status(["--kubeconfig", kubeconfig(none, { token: none.token })]);
    expect(r1.code).toBe(1);
    expect(r1.stderr).toBe(
      "error: no ConfigMap harbor-edge-status in namespace harbor: is the chart installed there, with harbor-config.report.enabled?\n",
    );
    const empty = await kube({});
    const r2 = await status(["--kubeconfig", kubeconfig(empty, { token: empty.token })]);
    expect(r2.code).toBe(1);
    expect(r2.stderr).toMatch(/harbor\/harbor-edge-status holds no report yet/);
  });

  it("a server certificate from another CA is refused; a wrong token is named as the API's answer", async () => {
    const k = await kube(HELD, { tls: true });
    const r1 = await status([
      "--kubeconfig",
      kubeconfig(k, { token: k.token }, { "certificate-authority-data": Buffer.from(otherCa.cert).toString("base64") }),
    ]);
    expect(r1.code).toBe(1);
    expect(r1.stderr).toMatch(/^error: cannot reach the Kubernetes API at https:\/\/127\.0\.0\.1:\d+: .*certificate/);
    const r2 = await status([
      "--kubeconfig",
      kubeconfig(k, { token: "wrong" }, { "certificate-authority-data": Buffer.from(ca.cert).toString("base64") }),
    ]);
    expect(r2.code).toBe(1);
    expect(r2.stderr).toMatch(/HTTP 401/);
    expect(r2.stderr).not.toContain("wrong");
  });

  it("the harbor-edge command hands NODE_EXTRA_CA_CERTS over (Node reads it at start-up) and still trusts its CAs: a kubeconfig with no CA, the cluster's CA only there", async () => {
    const k = await kube(HELD, { tls: true });
    const file = kubeconfig(k, { token: k.token });
    const caFile = path.join(path.dirname(file), "extra-ca.pem");
    fs.writeFileSync(caFile, `${otherCa.cert}${ca.cert}`);
    const env = (extra: NodeJS.ProcessEnv) => {
      const e: NodeJS.ProcessEnv = { ...process.env, ...extra };
      for (const key of Object.keys(e)) if (e[key] === undefined) delete e[key];
      return e;
    };
    const trusted = await status(["--kubeconfig", file], {
      command: true,
      env: env({ NODE_EXTRA_CA_CERTS: caFile, HARBOR_EDGE_EXTRA_CA_CERTS: undefined }),
    });
    expect(trusted.stderr).toBe("");
    expect(trusted.code).toBe(0);
    expect(trusted.stdout.split("\n")[0]).toBe(HELD.summary);
    // the same with node and the variable as Node reads it: the same answer
    const direct = await status(["--kubeconfig", file], {
      env: env({ NODE_EXTRA_CA_CERTS: caFile, HARBOR_EDGE_EXTRA_CA_CERTS: undefined }),
    });
    expect(direct.code).toBe(0);
    // without it the certificate is not trusted, through either
    for (const command of [true, false]) {
      const r = await status(["--kubeconfig", file], {
        command,
        env: env({ NODE_EXTRA_CA_CERTS: undefined, HARBOR_EDGE_EXTRA_CA_CERTS: undefined }),
      });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^error: cannot reach the Kubernetes API at https:\/\/127\.0\.0\.1:\d+: .*certificate/);
    }
  });

  it("a credential plugin is not run: a clear error", async () => {
    const k = await kube(HELD);
    const r = await status(["--kubeconfig", kubeconfig(k, { exec: { command: "aws", args: ["eks", "get-token"] } })]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/user "me" gets its credentials from an exec plugin, which harbor-edge does not run/);
    const h = await status(["--help"]);
    expect(h.code).toBe(0);
    expect(h.stdout).toMatch(/--kubeconfig <file>/);
  });

  it("without --kubeconfig: $KUBECONFIG, else ~/.kube/config (kubectl's order), and the context's namespace; with neither, says how to give one", async () => {
    const k = await kube(HELD, { namespace: "edge" });
    const file = kubeconfig(k, { token: k.token });
    const doc = yaml.load(fs.readFileSync(file, "utf8")) as any;
    doc.contexts[0].context.namespace = "edge";
    fs.writeFileSync(file, yaml.dump(doc));
    const base = { ...process.env, KUBERNETES_SERVICE_HOST: "", KUBE_API: "" };
    const fromEnv = await status([], { env: { ...base, KUBECONFIG: file, HOME: fs.mkdtempSync(path.join(os.tmpdir(), "status-home-")) } });
    expect(fromEnv.stderr).toBe("");
    expect(fromEnv.code).toBe(0);
    expect(fromEnv.stdout.split("\n")[0]).toBe(HELD.summary);
    const home = fs.mkdtempSync(path.join(os.tmpdir(), "status-home-"));
    fs.mkdirSync(path.join(home, ".kube"));
    fs.copyFileSync(file, path.join(home, ".kube", "config"));
    const fromHome = await status(["--json"], { env: { ...base, KUBECONFIG: "", HOME: home } });
    expect(fromHome.code).toBe(0);
    expect(JSON.parse(fromHome.stdout)).toMatchObject({ namespace: "edge", allHeld: true });
    const none = await status([], { env: { ...base, KUBECONFIG: "", HOME: fs.mkdtempSync(path.join(os.tmpdir(), "status-home-")) } });
    expect(none.code).toBe(1);
    expect(none.stderr).toBe("error: no kubeconfig: pass --kubeconfig FILE, set KUBECONFIG, or write ~/.kube/config (as for kubectl)\n");
  });
});
