// harbor-edge node-check as an operator runs it on a node: one line per image and the summary on stdout, the
// result as JSON with --json, exit 0 all ok / 1 some not / 2 bad usage (one line and where help is).
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { BIN } from "../helpers/cli.js";
import { generateCA, generateServerCert } from "../../generator/src/certs/generate.js";
import { startFakeRegistry, contentOf } from "../fakes/harbor-registry.js";
import { NODE_ARCH } from "../helpers/oci-images.js";
import type { NodeResult } from "../../generator/src/nodecheck/types.js";
import { runProcess } from "../helpers/process.js";

const T = fs.mkdtempSync(path.join(os.tmpdir(), "he-nodecheck-cli-"));
const HOSTS = path.join(T, "certs.d");
let harbor: Awaited<ReturnType<typeof startFakeRegistry>>;
let caFile: string;
const A = contentOf("harbor")["proxy/library/a"]["1"];

/** The CLI as a real process, without blocking this process (the test registry answers from here). */
function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return runProcess(process.execPath, [BIN, ...args], { env: { ...process.env, ...env } });
}

beforeAll(async () => {
  const ca = generateCA("cli test CA", 1);
  caFile = path.join(T, "cli-ca.crt");
  fs.writeFileSync(caFile, ca.cert);
  // a host file with no ca line: only the node's store can make its Harbor trusted
  fs.mkdirSync(path.join(HOSTS, "noca.test"), { recursive: true });
  fs.writeFileSync(
    path.join(HOSTS, "noca.test", "hosts.toml"),
    `server = "https://noca.test"\n\n[host."PLACEHOLDER/v2/proxy"]\n  capabilities = ["pull", "resolve"]\n  override_path = true\n`,
  );
  harbor = await startFakeRegistry({
    tls: generateServerCert("h", { dns: [], ips: ["127.0.0.1"] }, 1, ca),
    content: contentOf("harbor"),
    private: ["private"],
  });
  for (const [registry, project] of [
    ["registry.test", "proxy"],
    ["private.test", "private"],
  ]) {
    const d = path.join(HOSTS, registry);
    fs.mkdirSync(d, { recursive: true });
    fs.writeFileSync(path.join(d, "harbor-ca.crt"), ca.cert);
    fs.writeFileSync(
      path.join(d, "hosts.toml"),
      `server = "https://${registry}"\n\n[host."${harbor.url}/v2/${project}"]\n  capabilities = ["pull", "resolve"]\n  override_path = true\n  ca = "harbor-ca.crt"\n`,
    );
  }
  const noca = path.join(HOSTS, "noca.test", "hosts.toml");
  fs.writeFileSync(noca, fs.readFileSync(noca, "utf8").replace("PLACEHOLDER", harbor.url));
}, 60_000);
afterAll(async () => {
  await harbor?.close();
  fs.rmSync(T, { recursive: true, force: true });
});

describe("harbor-edge node-check", () => {
  it("all ok: 'ok IMAGE via URL' and the summary, exit 0", async () => {
    const r = await run([
      "node-check",
      "--host-dir",
      HOSTS,
      "--node",
      "n1",
      "--platform",
      `linux/${NODE_ARCH}`,
      "registry.test/library/a:1",
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(
      `ok registry.test/library/a:1 via ${harbor.url}/v2/proxy\n1 of 1 images can be pulled from Harbor on n1 (linux/${NODE_ARCH})\n`,
    );
    expect(r.stderr).toBe("");
  });

  it("some not: 'FAIL IMAGE: kind: detail' lines, exit 1; --json gives the NodeResult", async () => {
    const images = ["registry.test/library/a:1", "private.test/library/a:1", "registry.test/library/missing:1", "nginx:1.25"];
    const r = await run(["node-check", "--host-dir", HOSTS, "--node", "n1", ...images]);
    expect(r.code).toBe(1);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines).toEqual([
      `ok registry.test/library/a:1 via ${harbor.url}/v2/proxy`,
      expect.stringMatching(
        /^FAIL private\.test\/library\/a:1: unauthorized: HEAD https:\/\/127\.0\.0\.1:\d+\/v2\/private\/library\/a\/manifests\/1: 401 with an anonymous token/,
      ),
      expect.stringMatching(/^FAIL registry\.test\/library\/missing:1: not-found: HEAD .*\/v2\/proxy\/library\/missing\/manifests\/1: 404/),
      expect.stringMatching(
        /^FAIL docker\.io\/library\/nginx:1\.25: no-mirror: no host directory for docker\.io in .*: the node pulls docker\.io images from https:\/\/registry-1\.docker\.io itself$/,
      ),
      expect.stringMatching(/^1 of 4 images can be pulled from Harbor on n1 \(linux\/[a-z0-9]+(\/v\d)?\)$/),
    ]);
    const j = await run(["node-check", "--json", "--host-dir", HOSTS, "--node", "n1", "--platform", `linux/${NODE_ARCH}`, ...images]);
    expect(j.code).toBe(1);
    const res = JSON.parse(j.stdout) as NodeResult;
    expect(res).toMatchObject({ node: "n1", platform: `linux/${NODE_ARCH}`, hostDir: HOSTS });
    expect(res.images.map((i) => [i.image, i.ok, i.failure?.kind ?? i.digest])).toEqual([
      ["registry.test/library/a:1", true, A.digest],
      ["private.test/library/a:1", false, "unauthorized"],
      ["registry.test/library/missing:1", false, "not-found"],
      ["docker.io/library/nginx:1.25", false, "no-mirror"],
    ]);
  });

  it("--containerd-config: config_path elsewhere fails the node and every image", async () => {
    const cfg = path.join(T, "config.toml");
    fs.writeFileSync(cfg, `version = 2\n[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "/etc/docker/certs.d"\n`);
    const r = await run(["node-check", "--host-dir", HOSTS, "--containerd-config", cfg, "--node", "n1", "registry.test/library/a:1"]);
    expect(r.code).toBe(1);
    expect(r.stdout.split("\n")[0]).toMatch(
      /^FAIL node n1: containerd-config: containerd does not read .*certs\.d: config_path in .* is "\/etc\/docker\/certs\.d"$/,
    );
    expect(r.stdout.split("\n")[1]).toMatch(/^FAIL registry\.test\/library\/a:1: containerd-config: /);
    fs.writeFileSync(cfg, `version = 2\n[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "${HOSTS}"\n`);
    const ok = await run(["node-check", "--host-dir", HOSTS, "--containerd-config", cfg, "--node", "n1", "registry.test/library/a:1"]);
    expect(ok.code, ok.stdout).toBe(0);
    expect(ok.stderr).toContain(`containerd reads ${HOSTS}`);
  });

  it("--host-root: the node's CA store is trusted, Node's own roots are not (NODE_EXTRA_CA_CERTS holding the CA does not make it trusted)", async () => {
    const store = path.join(T, "node-root");
    fs.mkdirSync(path.join(store, "etc/ssl/certs"), { recursive: true });
    fs.copyFileSync(caFile, path.join(store, "etc/ssl/certs/ca-certificates.crt"));
    const ok = await run(["node-check", "--host-root", store, "--host-dir", HOSTS, "--node", "n1", "noca.test/library/a:1"]);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(ok.stdout.split("\n")[0]).toBe(`ok noca.test/library/a:1 via ${harbor.url}/v2/proxy`);
    // Node's roots extended with the CA, the node's store without it: containerd would not trust it
    const empty = path.join(T, "empty-root");
    fs.mkdirSync(empty, { recursive: true });
    const r = await run(["node-check", "--host-root", empty, "--host-dir", HOSTS, "--node", "n1", "noca.test/library/a:1"], {
      NODE_EXTRA_CA_CERTS: caFile,
    });
    expect(r.code).toBe(1);
    expect(r.stdout.split("\n")[0]).toMatch(
      /^FAIL noca\.test\/library\/a:1: tls-ca: HEAD https:\/\/127\.0\.0\.1:\d+\/v2\/proxy\/library\/a\/manifests\/1: the certificate is not signed by a CA the node trusts for this host \(\w+\); trusted: 0 CA certificates in the node's store \(no bundle file\), no ca file$/,
    );
  });

  it.each([
    [["--host-root", "/nonexistent-root", "nginx"], 'error: --host-root: "/nonexistent-root" is not a directory'],
    [[], "error: name at least one image (or --containerd-config to check config_path only)"],
    [["--platform", "linux", "nginx"], 'error: --platform: expected os/architecture[/variant] (e.g. linux/amd64), given "linux"'],
    [["--timeout", "0", "nginx"], 'error: --timeout: expected seconds between 0 and 600, given "0"'],
    [["NGINX"], 'error: image reference NGINX: "library/NGINX" is not a repository path (lower-case letters, digits, separators)'],
  ])("usage %j: one line and where help is, exit 2", async (args, line) => {
    const r = await run(["node-check", ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr.trimEnd().split("\n")).toEqual([line, "see 'harbor-edge node-check --help'"]);
    expect(r.stdout).toBe("");
  });
});
