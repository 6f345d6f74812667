// chart/files/node-mirror.sh, the node-mirror DaemonSet's script, run by dash on a temporary root: install,
// rerun with no change, a registry dropped, restore, the containerd check, and the DaemonSet's run loop: the
// host directory removed under it (k3s and RKE2 rewrite their certs.d when they start), readiness that does
// not wait on containerd's configuration, and what SIGTERM does as a fake API server on loopback answers.
// A stand-in for the ConfigMap harbor-edge-node-mirror (keys <H with ':' as '_'>.hosts.toml) and for the CA
// of harbor-tls is written here, in the test, only.
import { describe, it, expect, beforeEach, afterEach, afterAll } from "vitest";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawn, spawnSync } from "node:child_process";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { generateCA, generateServerCert } from "../../generator/src/certs/generate.js";
import yaml from "js-yaml";
import { waitFor } from "../helpers/wait.js";
import { CHART_DIR, ROOT } from "../../generator/src/paths.js";
import { runProcess } from "../helpers/process.js";

const SCRIPT = path.join(CHART_DIR, "files", "node-mirror.sh");
const TOOLS = ["cp", "mv", "ln", "ls", "rm", "mkdir", "rmdir", "chmod", "cmp", "sed", "grep", "cat", "sleep"];
// the harbor-core image carries curl (Harbor 2.15.1's core Dockerfile uses it for its health check)
const CURL = ["/usr/bin/curl", "/bin/curl"].find((p) => fs.existsSync(p));

interface Shell {
  name: string;
  argv: string[];
  PATH: string;
}
/**
 * The shells the script is run by: dash, and the harbor-core image's own pair: bash as /bin/sh (POSIX mode)
 * with nothing on PATH but toybox's applets (the image's base, photon, carries toybox, not coreutils), so a
 * tool the image lacks fails the test.
 */
function shells(): Shell[] {
  const out: Shell[] = [];
  const dash = ["/usr/bin/dash", "/bin/dash"].find((p) => fs.existsSync(p));
  if (dash) out.push({ name: "dash", argv: [dash], PATH: process.env.PATH ?? "/usr/bin:/bin" });
  else process.stderr.write("\n*** NOT RUN: node-mirror script tests under dash: dash is not installed (apt-get install dash) ***\n\n");
  const toybox = ["/usr/bin/toybox", "/bin/toybox"].find((p) => fs.existsSync(p));
  const bash = ["/usr/bin/bash", "/bin/bash"].find((p) => fs.existsSync(p));
  if (toybox && bash) {
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), "node-daemonset-toybox-"));
    afterAll(() => fs.rmSync(bin, { recursive: true, force: true }));
    for (const t of TOOLS) fs.symlinkSync(toybox, path.join(bin, t));
    if (CURL) fs.symlinkSync(CURL, path.join(bin, "curl"));
    out.push({ name: "bash --posix with toybox", argv: [bash, "--posix"], PATH: bin });
  } else
    process.stderr.write(
      "\n*** NOT RUN: node-mirror script tests with the image's tools: toybox or bash is not installed (apt-get install toybox) ***\n\n",
    );
  return out;
}
const SHELLS = shells();
// containerd parses its own configuration offline (containerd config dump): the check must read it the same way
const CONTAINERD = ["/usr/bin/containerd", "/usr/local/bin/containerd"].find((p) => fs.existsSync(p));
if (!CONTAINERD)
  process.stderr.write(
    "\n*** NOT RUN: node-mirror check against containerd's own parser: containerd is not installed (apt-get install containerd) ***\n\n",
  );

const HOSTS_DOCKER =
  '# docker.io through Harbor\nserver = "https://registry-1.docker.io"\n\n[host."https://10.0.0.5:30003/v2/docker.io"]\n  capabilities = ["pull", "resolve"]\n  override_path = true\n';
const HOSTS_LOCAL =
  'server = "https://registry.local:5000"\n\n[host."https://10.0.0.5:30003/v2/registry.local-5000"]\n  capabilities = ["pull", "resolve"]\n  override_path = true\n';
const CA = "-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n";

interface Root {
  shell: Shell;
  dir: string;
  src: string;
  host: string;
  ca: string;
  config: string;
  state: string;
  termination: string;
  env: NodeJS.ProcessEnv;
}

function makeRoot(shell: Shell): Root {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "node-daemonset-root-"));
  const r: Root = {
    shell,
    dir,
    src: path.join(dir, "configmap"),
    host: path.join(dir, "etc/containerd/certs.d"),
    ca: path.join(dir, "secret/ca.crt"),
    config: path.join(dir, "etc/containerd/config.toml"),
    state: path.join(dir, "run"),
    termination: path.join(dir, "termination-log"),
    env: {},
  };
  for (const d of [r.src, r.host, path.dirname(r.ca), r.state]) fs.mkdirSync(d, { recursive: true });
  fs.writeFileSync(r.ca, CA);
  fs.writeFileSync(r.termination, "");
  r.env = {
    PATH: shell.PATH,
    NODE_MIRROR_SOURCE: r.src,
    NODE_MIRROR_CA: r.ca,
    NODE_MIRROR_HOST_DIR: r.host,
    NODE_MIRROR_CONTAINERD_CONFIG: r.config,
    NODE_MIRROR_STATE_DIR: r.state,
    NODE_MIRROR_TERMINATION_LOG: r.termination,
    NODE_NAME: "edge-1",
  };
  return r;
}

/** The ConfigMap's keys, as the kubelet mounts them: each key a symlink through ..data. */
function writeSource(r: Root, files: Record<string, string>) {
  const data = path.join(r.src, `..data-${Math.random().toString(36).slice(2)}`);
  fs.mkdirSync(data);
  for (const [k, v] of Object.entries(files)) fs.writeFileSync(path.join(data, k), v);
  for (const e of fs.readdirSync(r.src)) if (!e.startsWith("..data-")) fs.rmSync(path.join(r.src, e), { force: true });
  for (const k of Object.keys(files)) fs.symlinkSync(path.join(path.basename(data), k), path.join(r.src, k));
}

function sh(r: Root, mode: string, env: NodeJS.ProcessEnv = {}) {
  const p = spawnSync(r.shell.argv[0], [...r.shell.argv.slice(1), SCRIPT, mode], {
    env: { ...r.env, ...env },
    encoding: "utf8",
    timeout: 30_000,
  });
  return { code: p.status, stdout: p.stdout, stderr: p.stderr, out: p.stdout + p.stderr };
}

/** sh, without blocking this process's event loop (a fake server in this process must answer). */
async function shAsync(r: Root, mode: string, env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string }> {
  const p = await runProcess(r.shell.argv[0], [...r.shell.argv.slice(1), SCRIPT, mode], { env: { ...r.env, ...env } });
  return { code: p.code, out: p.output };
}

type Entry = { type: "dir" | "file" | "link"; mode: number; ino?: number; mtimeMs?: number; content?: string };
/** Every entry under dir: type, mode, inode, mtime and content (directories: no mtime, it follows entries). */
function snapshot(dir: string): Record<string, Entry> {
  const out: Record<string, Entry> = {};
  const walk = (d: string) => {
    for (const name of fs.readdirSync(d).sort()) {
      const p = path.join(d, name);
      const st = fs.lstatSync(p);
      const rel = path.relative(dir, p);
      if (st.isDirectory()) {
        out[rel] = { type: "dir", mode: st.mode };
        walk(p);
      } else if (st.isSymbolicLink()) out[rel] = { type: "link", mode: st.mode, content: fs.readlinkSync(p) };
      else out[rel] = { type: "file", mode: st.mode, ino: st.ino, mtimeMs: st.mtimeMs, content: fs.readFileSync(p, "utf8") };
    }
  };
  walk(dir);
  return out;
}

const read = (p: string) => fs.readFileSync(p, "utf8");
const exists = (p: string) => fs.existsSync(p);

/** A node's host directory as another tool left it: docker.io configured, quay.io too, a client cert. */
function foreignTree(r: Root) {
  const old = new Date("2024-01-02T03:04:05Z");
  const files: Record<string, string> = {
    "docker.io/hosts.toml": 'server = "https://registry-1.docker.io"\n[host."https://mirror.example:5000"]\n  capabilities = ["pull"]\n',
    "docker.io/harbor-ca.crt": "someone else's file of that name\n",
    "docker.io/client.cert": "client cert\n",
    "quay.io/hosts.toml": 'server = "https://quay.io"\n',
  };
  for (const [rel, content] of Object.entries(files)) {
    const p = path.join(r.host, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, content, { mode: 0o600 });
    fs.utimesSync(p, old, old);
  }
  fs.mkdirSync(path.join(r.host, "empty.example"));
}

describe.each(SHELLS.map((s) => [s.name, s] as const))("%s", (_name, shell) => {
  describe("node-mirror.sh install and restore (dash, temporary root)", () => {
    let r: Root;
    beforeEach(() => {
      r = makeRoot(shell);
      writeSource(r, { "docker.io.hosts.toml": HOSTS_DOCKER, "registry.local_5000.hosts.toml": HOSTS_LOCAL });
    });
    afterEach(() => fs.rmSync(r.dir, { recursive: true, force: true }));

    it("install on an empty host directory writes each hosts.toml byte for byte and the CA next to it", () => {
      const res = sh(r, "install");
      expect(res.code, res.out).toBe(0);
      expect(read(path.join(r.host, "docker.io/hosts.toml"))).toBe(HOSTS_DOCKER);
      expect(read(path.join(r.host, "docker.io/harbor-ca.crt"))).toBe(CA);
      // the key's '_' is the host's ':'
      expect(read(path.join(r.host, "registry.local:5000/hosts.toml"))).toBe(HOSTS_LOCAL);
      expect(read(path.join(r.host, "registry.local:5000/harbor-ca.crt"))).toBe(CA);
      expect(read(path.join(r.host, "docker.io/.harbor-edge-node-mirror"))).toMatch(/^directory=created$/m);
      const snap = snapshot(r.host);
      expect(Object.keys(snap).sort()).toEqual(
        [
          "docker.io",
          "docker.io/.harbor-edge-node-mirror",
          "docker.io/harbor-ca.crt",
          "docker.io/hosts.toml",
          "registry.local:5000",
          "registry.local:5000/.harbor-edge-node-mirror",
          "registry.local:5000/harbor-ca.crt",
          "registry.local:5000/hosts.toml",
        ].sort(),
      );
      expect(snap["docker.io/hosts.toml"].mode & 0o777).toBe(0o644);
      expect(res.stdout).toContain("install: 4 change(s)");
    });

    it("install over another tool's files keeps them once as *.harbor-edge.bak (the very files) and touches nothing else", () => {
      foreignTree(r);
      const before = snapshot(r.host);
      const res = sh(r, "install");
      expect(res.code, res.out).toBe(0);
      const after = snapshot(r.host);
      // the originals, same inode, bytes, mode and time, under the backup name
      for (const f of ["docker.io/hosts.toml", "docker.io/harbor-ca.crt"]) expect(after[`${f}.harbor-edge.bak`]).toEqual(before[f]);
      expect(read(path.join(r.host, "docker.io/hosts.toml"))).toBe(HOSTS_DOCKER);
      expect(read(path.join(r.host, "docker.io/harbor-ca.crt"))).toBe(CA);
      expect(read(path.join(r.host, "docker.io/.harbor-edge-node-mirror"))).toMatch(/^directory=existed$/m);
      // not ours: untouched
      for (const f of ["docker.io/client.cert", "quay.io", "quay.io/hosts.toml", "empty.example"]) expect(after[f], f).toEqual(before[f]);
      expect(Object.keys(after).filter((k) => k.startsWith("quay.io") || k.startsWith("empty.example"))).toEqual([
        "empty.example",
        "quay.io",
        "quay.io/hosts.toml",
      ]);

      // a second install does not back up our own file over the original
      fs.writeFileSync(path.join(r.src, fs.readlinkSync(path.join(r.src, "docker.io.hosts.toml"))), HOSTS_DOCKER + "# changed\n");
      expect(sh(r, "install").code).toBe(0);
      expect(snapshot(r.host)["docker.io/hosts.toml.harbor-edge.bak"]).toEqual(before["docker.io/hosts.toml"]);
    });

    it("a rerun with no change writes nothing (same inodes, times and bytes) and says so", () => {
      foreignTree(r);
      expect(sh(r, "install").code).toBe(0);
      const first = snapshot(r.host);
      const dirTimes = fs.readdirSync(r.host).map((d) => fs.statSync(path.join(r.host, d)).mtimeMs);
      const res = sh(r, "install");
      expect(res.code, res.out).toBe(0);
      expect(res.stdout).toContain("install: nothing to change");
      expect(res.stdout).not.toMatch(/wrote|kept|took over|removed/);
      expect(snapshot(r.host)).toEqual(first);
      expect(fs.readdirSync(r.host).map((d) => fs.statSync(path.join(r.host, d)).mtimeMs)).toEqual(dirTimes);
    });

    it("a changed ConfigMap or CA rewrites only that file, atomically (a new inode, no temporary file left)", () => {
      expect(sh(r, "install").code).toBe(0);
      const first = snapshot(r.host);
      writeSource(r, {
        "docker.io.hosts.toml": HOSTS_DOCKER.replace("10.0.0.5", "10.0.0.6"),
        "registry.local_5000.hosts.toml": HOSTS_LOCAL,
      });
      const res = sh(r, "install");
      expect(res.code, res.out).toBe(0);
      const second = snapshot(r.host);
      expect(second["docker.io/hosts.toml"].content).toBe(HOSTS_DOCKER.replace("10.0.0.5", "10.0.0.6"));
      expect(second["docker.io/hosts.toml"].ino).not.toBe(first["docker.io/hosts.toml"].ino);
      for (const k of Object.keys(first).filter((k) => k !== "docker.io/hosts.toml")) expect(second[k], k).toEqual(first[k]);
      expect(Object.keys(second).filter((k) => k.includes("tmp"))).toEqual([]);

      fs.writeFileSync(r.ca, CA.replace("fake", "rotated"));
      expect(sh(r, "install").code).toBe(0);
      expect(read(path.join(r.host, "docker.io/harbor-ca.crt"))).toBe(CA.replace("fake", "rotated"));
      expect(read(path.join(r.host, "registry.local:5000/harbor-ca.crt"))).toBe(CA.replace("fake", "rotated"));
    });

    it("a registry no longer in the ConfigMap gets its original files back; a directory it created goes", () => {
      foreignTree(r);
      const before = snapshot(r.host);
      expect(sh(r, "install").code).toBe(0);
      writeSource(r, { "quay.io.hosts.toml": 'server = "https://quay.io"\n# via harbor\n' });
      const res = sh(r, "install");
      expect(res.code, res.out).toBe(0);
      const after = snapshot(r.host);
      for (const f of ["docker.io", "docker.io/hosts.toml", "docker.io/harbor-ca.crt", "docker.io/client.cert"])
        expect(after[f], f).toEqual(before[f]);
      expect(Object.keys(after).filter((k) => k.startsWith("docker.io"))).toEqual([
        "docker.io",
        "docker.io/client.cert",
        "docker.io/harbor-ca.crt",
        "docker.io/hosts.toml",
      ]);
      expect(exists(path.join(r.host, "registry.local:5000"))).toBe(false);
      // quay.io is now managed: its original kept
      expect(after["quay.io/hosts.toml.harbor-edge.bak"]).toEqual(before["quay.io/hosts.toml"]);
      expect(read(path.join(r.host, "quay.io/hosts.toml"))).toBe('server = "https://quay.io"\n# via harbor\n');
    });

    it("restore puts the tree back exactly as it was (bytes, modes, inodes, times) and is idempotent", () => {
      foreignTree(r);
      const before = snapshot(r.host);
      expect(sh(r, "install").code).toBe(0);
      expect(snapshot(r.host)).not.toEqual(before);
      const res = sh(r, "restore");
      expect(res.code, res.out).toBe(0);
      expect(snapshot(r.host)).toEqual(before);
      const again = sh(r, "restore");
      expect(again.code).toBe(0);
      expect(again.stdout).toContain("restore: 0 change(s)");
      expect(snapshot(r.host)).toEqual(before);
    });

    it("restore after an install that found the right bytes already there leaves no backup behind", () => {
      fs.mkdirSync(path.join(r.host, "docker.io"));
      fs.writeFileSync(path.join(r.host, "docker.io/hosts.toml"), HOSTS_DOCKER);
      const before = snapshot(r.host);
      expect(sh(r, "install").code).toBe(0);
      expect(sh(r, "restore").code).toBe(0);
      expect(snapshot(r.host)).toEqual(before);
    });

    it("restore leaves a directory it created when someone else put a file there, and says so", () => {
      expect(sh(r, "install").code).toBe(0);
      fs.writeFileSync(path.join(r.host, "docker.io/ca.crt"), "theirs\n");
      const res = sh(r, "restore");
      expect(res.code).toBe(0);
      expect(fs.readdirSync(path.join(r.host, "docker.io"))).toEqual(["ca.crt"]);
      expect(res.stderr).toContain("left " + path.join(r.host, "docker.io"));
    });

    it("restore touches no registry it does not manage", () => {
      foreignTree(r);
      const before = snapshot(r.host);
      const res = sh(r, "restore");
      expect(res.code).toBe(0);
      expect(snapshot(r.host)).toEqual(before);
    });

    it("without a CA writes no harbor-ca.crt and warns; the CA appears once it is there", () => {
      fs.rmSync(r.ca);
      const res = sh(r, "install");
      expect(res.code, res.out).toBe(0);
      expect(res.stderr).toContain("no CA in");
      expect(exists(path.join(r.host, "docker.io/harbor-ca.crt"))).toBe(false);
      expect(read(path.join(r.host, "docker.io/hosts.toml"))).toBe(HOSTS_DOCKER);
      fs.writeFileSync(r.ca, CA);
      expect(sh(r, "install").code).toBe(0);
      expect(read(path.join(r.host, "docker.io/harbor-ca.crt"))).toBe(CA);
    });

    it("a key that is not a registry host is refused by name and nothing is written for it", () => {
      writeSource(r, {
        "docker.io.hosts.toml": HOSTS_DOCKER,
        "bad@host.hosts.toml": "x\n",
        "_default.hosts.toml": "x\n",
        "..evil.hosts.toml": "x\n",
      });
      const res = sh(r, "install");
      expect(res.code).toBe(1);
      expect(res.stderr).toContain("skipped bad@host.hosts.toml: not a registry host");
      expect(res.stderr).toContain("skipped _default.hosts.toml: not a registry host");
      // hidden names (the kubelet's ..data among them) are not keys at all
      expect(res.out).not.toContain("evil");
      expect(fs.readdirSync(r.host)).toEqual(["docker.io"]);
    });

    it("with no ConfigMap mounted, install fails with exit 2 and writes nothing", () => {
      foreignTree(r);
      const before = snapshot(r.host);
      const res = sh(r, "install", { NODE_MIRROR_SOURCE: path.join(r.dir, "absent") });
      expect(res.code).toBe(2);
      expect(res.stderr).toContain("ConfigMap harbor-edge-node-mirror not mounted");
      expect(snapshot(r.host)).toEqual(before);
    });

    it("unknown usage exits 2", () => {
      expect(sh(r, "frobnicate").code).toBe(2);
    });
  });

  describe("node-mirror.sh check: does containerd read the host directory?", () => {
    let r: Root;
    beforeEach(() => (r = makeRoot(shell)));
    afterEach(() => fs.rmSync(r.dir, { recursive: true, force: true }));
    const check = (config: string | null, env: NodeJS.ProcessEnv = {}) => {
      if (config !== null) fs.writeFileSync(r.config, config);
      return sh(r, "check", env);
    };

    it('containerd 1.x: config_path in [plugins."io.containerd.grpc.v1.cri".registry] is the host directory', () => {
      const res = check(
        `version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n  sandbox_image = "registry.k8s.io/pause:3.9"\n  [plugins."io.containerd.grpc.v1.cri".registry]\n    config_path = "${r.host}"   # mirrors\n`,
      );
      expect(res.code, res.out).toBe(0);
      expect(res.stdout.trim()).toBe(
        `node-mirror check on edge-1: containerd reads ${r.host} (config_path in [plugins."io.containerd.grpc.v1.cri".registry] of ${r.config})`,
      );
    });

    it("containerd 2.x: config_path in [plugins.'io.containerd.cri.v1.images'.registry] (single quotes, trailing slash)", () => {
      const res = check(`version = 3\n[plugins.'io.containerd.cri.v1.images'.registry]\n  config_path = '${r.host}/'\n`);
      expect(res.code, res.out).toBe(0);
      expect(res.stdout).toContain(`containerd reads ${r.host} (config_path in [plugins."io.containerd.cri.v1.images".registry]`);
    });

    it("a dotted key at the top level counts too", () => {
      expect(check(`plugins."io.containerd.cri.v1.images".registry.config_path = "${r.host}"\n`).code).toBe(0);
    });

    it("config_path unset (only commented out, or only under mirrors) is reported with the fix", () => {
      for (const cfg of [
        `version = 2\n[plugins."io.containerd.grpc.v1.cri".registry]\n  # config_path = "${r.host}"\n`,
        `version = 2\n[plugins."io.containerd.grpc.v1.cri".registry.mirrors."docker.io"]\n  endpoint = ["https://mirror"]\n[plugins."io.containerd.other"]\n  config_path = "${r.host}"\n`,
      ]) {
        const res = check(cfg);
        expect(res.code, cfg).toBe(1);
        expect(res.stdout).toContain(`containerd does not read ${r.host}: config_path is unset in ${r.config}`);
        expect(res.stdout).toContain(
          `set config_path = "${r.host}" under [plugins."io.containerd.cri.v1.images".registry] (containerd 2.x) or [plugins."io.containerd.grpc.v1.cri".registry] (containerd 1.x)`,
        );
      }
    });

    it("no configuration file at all: config_path unset", () => {
      const res = check(null);
      expect(res.code).toBe(1);
      expect(res.stdout).toContain(`${r.config} does not exist, so config_path is unset`);
    });

    it("containerd 2.2's colon-separated default, which its transfer service ignores, is reported", () => {
      const res = check(`version = 3\n[plugins."io.containerd.cri.v1.images".registry]\n  config_path = "${r.host}:/etc/docker/certs.d"\n`);
      expect(res.code).toBe(1);
      expect(res.stdout).toContain("is colon-separated, which containerd's transfer service (containerd 2.1 and later) ignores");
    });

    it("a colon-separated path is accepted with use_local_image_pull = true when it lists the host directory", () => {
      const cfg = (p: string) =>
        `version = 3\n[plugins."io.containerd.cri.v1.images"]\n  use_local_image_pull = true\n[plugins."io.containerd.cri.v1.images".registry]\n  config_path = "${p}"\n`;
      expect(check(cfg(`/etc/docker/certs.d:${r.host}`)).code).toBe(0);
      const res = check(cfg("/etc/containerd/certs.d:/etc/docker/certs.d"));
      expect(res.code).toBe(1);
      expect(res.stdout).toContain("does not list it");
    });

    it.each(["test/e2e/kind-config.yaml", "test/e2e/kind-config-3nodes.yaml"])(
      "%s: its containerd patch makes containerd read the containerd distribution's host directory",
      (file) => {
        const kind = yaml.load(fs.readFileSync(path.join(ROOT, file), "utf8")) as { containerdConfigPatches: string[] };
        const res = check(kind.containerdConfigPatches.join("\n") + "\n", { NODE_MIRROR_HOST_DIR_ON_NODE: "/etc/containerd/certs.d" });
        expect(res.code, res.out).toBe(0);
      },
    );

    it.skipIf(!CONTAINERD)("agrees with containerd's own reading of the configuration (containerd config dump)", () => {
      const hostDir = "/etc/containerd/certs.d";
      const base = spawnSync(CONTAINERD!, ["config", "default"], { encoding: "utf8" }).stdout;
      expect(base).toMatch(/config_path = ""/);
      const configs = [
        base,
        base.replace('config_path = ""', `config_path = "${hostDir}"`),
        base.replace('config_path = ""', `config_path = "${hostDir}/"`),
        base.replace('config_path = ""', 'config_path = "/var/lib/rancher/k3s/agent/etc/containerd/certs.d"'),
        base.replace('config_path = ""', `config_path = "${hostDir}:/etc/docker/certs.d"`),
        base.replace('config_path = ""', `# config_path = "${hostDir}"`),
        `version = 2\n[plugins.'io.containerd.grpc.v1.cri'.registry]\n  config_path = '${hostDir}' # ours\n`,
        `version = 2\nplugins."io.containerd.grpc.v1.cri".registry.config_path = "${hostDir}"\n`,
        `version = 2\n[plugins]\n  "io.containerd.grpc.v1.cri".registry.config_path = "${hostDir}"\n`,
        `version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n  registry.config_path = "${hostDir}"\n`,
        `version = 2\n[plugins."io.containerd.grpc.v1.cri".registry.mirrors."docker.io"]\n  endpoint = ["${hostDir}"]\n`,
      ];
      for (const cfg of configs) {
        fs.writeFileSync(r.config, cfg);
        const dump = spawnSync(CONTAINERD!, ["--config", r.config, "config", "dump"], { encoding: "utf8" });
        expect(dump.status, dump.stderr).toBe(0);
        const m = /\[plugins\."io\.containerd\.grpc\.v1\.cri"\.registry\]\s*\n\s*config_path = "([^"]*)"/.exec(dump.stdout);
        expect(m, cfg).not.toBeNull();
        const reads = m![1].replace(/\/$/, "") === hostDir;
        const res = sh(r, "check", { NODE_MIRROR_HOST_DIR_ON_NODE: hostDir });
        expect({ cfg, code: res.code }).toEqual({ cfg, code: reads ? 0 : 1 });
      }
    });

    it("another directory: names it and the setting to change", () => {
      const res = check(`[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "/etc/containerd/certs.d"\n`, {
        NODE_MIRROR_HOST_DIR_ON_NODE: "/var/lib/rancher/k3s/agent/etc/containerd/certs.d",
      });
      expect(res.code).toBe(1);
      expect(res.stdout).toContain('is "/etc/containerd/certs.d"; set nodeMirror.hostDir to "/etc/containerd/certs.d"');
    });
  });

  describe("node-mirror.sh run: the DaemonSet's container", () => {
    let r: Root;
    let child: ReturnType<typeof spawn> | undefined;
    let log = "";
    beforeEach(() => {
      r = makeRoot(shell);
      writeSource(r, { "docker.io.hosts.toml": HOSTS_DOCKER });
      log = "";
    });
    afterEach(() => {
      if (child && child.exitCode === null && child.pid) process.kill(child.pid, "SIGKILL");
      child = undefined;
      fs.rmSync(r.dir, { recursive: true, force: true });
    });

    const until = (what: string, cond: () => boolean, ms = 10_000) => waitFor(what, cond, { ms, everyMs: 50, diagnose: () => log });
    const start = (env: NodeJS.ProcessEnv) => {
      child = spawn(r.shell.argv[0], [...r.shell.argv.slice(1), SCRIPT, "run"], {
        env: { ...r.env, ...env },
        stdio: ["ignore", "pipe", "pipe"],
      });
      child.stdout!.on("data", (d) => (log += d));
      child.stderr!.on("data", (d) => (log += d));
      return new Promise<number | null>((res) => child!.on("exit", (c) => res(c)));
    };

    it("installs, repairs removed files, and on SIGTERM with the DaemonSet gone (404) restores the tree exactly", async () => {
      fs.writeFileSync(r.config, `[plugins."io.containerd.cri.v1.images".registry]\n  config_path = "${r.host}"\n`);
      foreignTree(r);
      const before = snapshot(r.host);
      const api = await fakeApi(404);
      try {
        const exited = start({ NODE_MIRROR_INTERVAL: "1", ...api.env(r) });
        await until("the first round", () => exists(path.join(r.state, "check")));
        expect(read(path.join(r.host, "docker.io/hosts.toml"))).toBe(HOSTS_DOCKER);
        const ready = sh(r, "ready");
        expect(ready.code, ready.out).toBe(0);
        expect(ready.stdout).toContain(`containerd reads ${r.host}`);
        expect(read(r.termination)).toContain(`containerd reads ${r.host}`);
        // another tool removes the file: it comes back
        fs.rmSync(path.join(r.host, "docker.io/hosts.toml"));
        await until("the repair", () => exists(path.join(r.host, "docker.io/hosts.toml")));
        expect(read(path.join(r.host, "docker.io/hosts.toml"))).toBe(HOSTS_DOCKER);
        expect(api.requests).toEqual([]);
        child!.kill("SIGTERM");
        expect(await exited).toBe(0);
        expect(snapshot(r.host)).toEqual(before);
        expect(read(r.termination)).toMatch(
          /^node-mirror on edge-1: restored .* \(\d+ change\(s\)\): the DaemonSet harbor-nm\/harbor-edge-node-mirror is gone \(404\)\n$/,
        );
        expect(log).toContain(
          "stopping on edge-1: the DaemonSet harbor-nm/harbor-edge-node-mirror is gone (404): restoring what was there before",
        );
        // one GET of its own DaemonSet, with the ServiceAccount's token; the token is in no output
        expect(api.requests).toEqual([
          { method: "GET", url: "/apis/apps/v1/namespaces/harbor-nm/daemonsets/harbor-edge-node-mirror", auth: `Bearer ${TOKEN}` },
        ]);
        expect(log + read(r.termination)).not.toContain(TOKEN);
      } finally {
        await api.close();
      }
    }, 20000);

    it("the host directory removed under it (k3s/RKE2 restart) comes back within seconds, long before the interval", async () => {
      foreignTree(r);
      const exited = start({ NODE_MIRROR_INTERVAL: "600", NODE_MIRROR_WATCH: "1" });
      await until("the first round", () => exists(path.join(r.state, "check")));
      // removed and not written again: the script creates the directory and its files
      fs.rmSync(r.host, { recursive: true, force: true });
      let t0 = Date.now();
      await until(
        "the files after the directory was removed",
        () => exists(path.join(r.host, "docker.io/hosts.toml")) && exists(path.join(r.host, "docker.io/harbor-ca.crt")),
        4000,
      );
      expect(Date.now() - t0).toBeLessThan(4000);
      expect(read(path.join(r.host, "docker.io/hosts.toml"))).toBe(HOSTS_DOCKER);
      expect(read(path.join(r.host, "docker.io/harbor-ca.crt"))).toBe(CA);
      expect(log).toContain(`created ${r.host} on edge-1`);
      // removed and written again by k3s with its own docker.io/hosts.toml: taken over again, k3s's file kept
      const k3s = '# File generated by k3s. DO NOT EDIT.\nserver = "https://registry-1.docker.io"\n';
      const tmp = `${r.host}.new`;
      fs.mkdirSync(path.join(tmp, "docker.io"), { recursive: true });
      fs.writeFileSync(path.join(tmp, "docker.io/hosts.toml"), k3s);
      fs.rmSync(r.host, { recursive: true, force: true });
      fs.renameSync(tmp, r.host);
      t0 = Date.now();
      await until(
        "the files after k3s rewrote the directory",
        () =>
          exists(path.join(r.host, "docker.io/hosts.toml.harbor-edge.bak")) &&
          read(path.join(r.host, "docker.io/hosts.toml")) === HOSTS_DOCKER,
        4000,
      );
      expect(Date.now() - t0).toBeLessThan(4000);
      expect(read(path.join(r.host, "docker.io/hosts.toml.harbor-edge.bak"))).toBe(k3s);
      // no API server: the files stay on SIGTERM, and it says why in one line
      child!.kill("SIGTERM");
      expect(await exited).toBe(0);
      expect(read(path.join(r.host, "docker.io/hosts.toml"))).toBe(HOSTS_DOCKER);
      expect(read(r.termination)).toBe(
        `node-mirror on edge-1: kept ${r.host}: KUBERNETES_SERVICE_HOST is unset, so the API server cannot be asked\n`,
      );
    }, 20000);

    it("a directory still in place is not touched between two full rounds (the cheap look writes nothing)", async () => {
      const exited = start({ NODE_MIRROR_INTERVAL: "600", NODE_MIRROR_WATCH: "1" });
      await until("the first round", () => exists(path.join(r.state, "check")));
      const before = snapshot(r.host);
      await new Promise((res) => setTimeout(res, 2500));
      expect(snapshot(r.host)).toEqual(before);
      child!.kill("SIGTERM");
      expect(await exited).toBe(0);
    }, 20000);

    it("is ready after the first round even when containerd does not read the directory; the check line says why", async () => {
      fs.writeFileSync(r.config, `version = 3\n`);
      const exited = start({ NODE_MIRROR_INTERVAL: "30" });
      await until("the first round", () => exists(path.join(r.state, "check")));
      const check = sh(r, "check");
      expect(check.code).toBe(1);
      expect(check.stdout).toMatch(/^node-mirror check on edge-1: containerd does not read .*config_path is unset/);
      // the state file keeps the one-line format "ok|problem node-mirror check on NODE: ..."
      expect(read(path.join(r.state, "check"))).toBe(`problem ${check.stdout}`);
      const ready = sh(r, "ready");
      expect(ready.code, ready.out).toBe(0);
      expect(ready.stdout).toContain("config_path is unset");
      expect(read(r.termination)).toContain("config_path is unset");
      // files are written all the same: containerd may be fixed later
      expect(read(path.join(r.host, "docker.io/hosts.toml"))).toBe(HOSTS_DOCKER);
      child!.kill("SIGTERM");
      expect(await exited).toBe(0);
      // no API server to ask: kept
      expect(read(path.join(r.host, "docker.io/hosts.toml"))).toBe(HOSTS_DOCKER);
    }, 20000);

    it("ready fails before the first round", () => {
      const res = sh(r, "ready");
      expect(res.code).toBe(1);
      expect(res.stdout).toContain("no check yet");
    });

    it("refuses a watch period that is not a number of seconds", () => {
      const res = sh(r, "run", { NODE_MIRROR_WATCH: "0" });
      expect(res.code).toBe(2);
      expect(res.stderr).toContain("NODE_MIRROR_WATCH must be a number of seconds, not '0'");
    });

    // SIGTERM: restore only when the DaemonSet is gone; keep on a roll and whenever the answer is unclear
    const CASES: [string, Answer, "restored" | "kept", RegExp][] = [
      ["404: the DaemonSet was deleted (helm uninstall, background propagation)", 404, "restored", /is gone \(404\)/],
      [
        "200 with a deletionTimestamp (foreground deletion)",
        { status: 200, body: { metadata: { name: "harbor-edge-node-mirror", deletionTimestamp: "2026-12-06T21:00:00Z" } } },
        "restored",
        /is being deleted \(deletionTimestamp\)/,
      ],
      ["401: its ServiceAccount is gone with the release", 401, "restored", /ServiceAccount or RoleBinding is gone \(401\)/],
      ["403: its RoleBinding is gone with the release", 403, "restored", /ServiceAccount or RoleBinding is gone \(403\)/],
      [
        "200: the DaemonSet exists (a roll, an eviction, a node shutdown)",
        { status: 200, body: { metadata: { name: "harbor-edge-node-mirror" } } },
        "kept",
        /still exists \(a roll, an eviction or a node shutdown\)/,
      ],
      ["500: any other answer", 500, "kept", /the API server answered 500/],
      ["no server listening", "closed", "kept", /refused the connection or is unreachable/],
      ["a server that never answers: given up after 5 seconds", "hang", "kept", /did not answer within 5 seconds/],
      ["a server whose certificate the ServiceAccount CA did not sign", "wrong-ca", "kept", /TLS with the API server .* failed/],
    ];
    it.skipIf(!CURL).each(CASES)(
      "SIGTERM, %s: %s",
      async (_what, answer, outcome, why) => {
        fs.mkdirSync(path.join(r.host, "docker.io"));
        fs.writeFileSync(path.join(r.host, "docker.io/hosts.toml"), "the node's own\n");
        const api = await fakeApi(answer);
        try {
          const exited = start({ NODE_MIRROR_INTERVAL: "30", ...api.env(r) });
          await until("the first round", () => exists(path.join(r.state, "check")));
          expect(read(path.join(r.host, "docker.io/hosts.toml"))).toBe(HOSTS_DOCKER);
          const t0 = Date.now();
          child!.kill("SIGTERM");
          expect(await exited).toBe(0);
          // bounded: curl gives up after 5 seconds, within the pod's 30 s grace period
          expect(Date.now() - t0).toBeLessThan(8000);
          expect(read(path.join(r.host, "docker.io/hosts.toml"))).toBe(outcome === "restored" ? "the node's own\n" : HOSTS_DOCKER);
          expect(exists(path.join(r.host, "docker.io/.harbor-edge-node-mirror"))).toBe(outcome === "kept");
          const term = read(r.termination);
          expect(term).toMatch(why);
          expect(term.split("\n").filter(Boolean)).toHaveLength(1);
          expect(term.startsWith(outcome === "restored" ? "node-mirror on edge-1: restored " : "node-mirror on edge-1: kept ")).toBe(true);
          if (answer !== "closed") expect(api.requests.length).toBeGreaterThanOrEqual(answer === "wrong-ca" ? 0 : 1);
          expect(log).not.toContain(TOKEN);
        } finally {
          await api.close();
        }
      },
      20000,
    );

    it.skipIf(!CURL || !IPV6)(
      "SIGTERM asks an API server at an IPv6 address (in brackets) and restores on 404",
      async () => {
        const api = await fakeApi(404, "::1");
        try {
          const exited = start({ NODE_MIRROR_INTERVAL: "30", ...api.env(r) });
          await until("the first round", () => exists(path.join(r.state, "check")));
          child!.kill("SIGTERM");
          expect(await exited).toBe(0);
          expect(api.requests).toHaveLength(1);
          expect(exists(path.join(r.host, "docker.io"))).toBe(false);
        } finally {
          await api.close();
        }
      },
      20000,
    );

    it.skipIf(!CURL)(
      "`stop` alone: no token, or a token with characters a token does not have, keeps the files and asks nothing",
      async () => {
        const api = await fakeApi(404);
        try {
          expect(sh(r, "install").code).toBe(0);
          for (const token of ["", 'abc"\nurl = "http://evil"', "a b"]) {
            const env = api.env(r);
            fs.writeFileSync(path.join(env.NODE_MIRROR_SERVICEACCOUNT!, "token"), token);
            const res = sh(r, "stop", env);
            expect(res.code).toBe(0);
            expect(res.stdout).toContain(`no usable ServiceAccount token in ${env.NODE_MIRROR_SERVICEACCOUNT}/token`);
            expect(exists(path.join(r.host, "docker.io/hosts.toml"))).toBe(true);
          }
          expect(api.requests).toEqual([]);
          // with a token: asked, and restored on 404 (spawned, not spawnSync: the fake server answers from this process)
          const res = await shAsync(r, "stop", api.env(r));
          expect(res.code, res.out).toBe(0);
          expect(res.out).toContain(
            "stopping on edge-1: the DaemonSet harbor-nm/harbor-edge-node-mirror is gone (404): restoring what was there before",
          );
          expect(api.requests).toHaveLength(1);
          expect(exists(path.join(r.host, "docker.io"))).toBe(false);
        } finally {
          await api.close();
        }
      },
      20000,
    );
  });
});

// --- a fake API server on loopback for the SIGTERM path ------------------------------------------------------

const TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJub2RlLW1pcnJvciJ9.c2lnbmF0dXJl";
const IPV6 = (() => {
  try {
    return os.networkInterfaces().lo?.some((a) => a.family === "IPv6" && a.address === "::1") ?? false;
  } catch {
    return false;
  }
})();
type Answer = number | { status: number; body: unknown } | "closed" | "hang" | "wrong-ca";
interface FakeApi {
  requests: { method?: string; url?: string; auth?: string }[];
  env: (r: Root) => NodeJS.ProcessEnv;
  close: () => Promise<void>;
}
let PKI: { ca: string; key: string; cert: string; otherCa: string } | undefined;
function pki() {
  if (!PKI) {
    const ca = generateCA("fake-kube-ca", 1);
    const other = generateCA("someone-else", 1);
    const server = generateServerCert("kubernetes", { dns: ["localhost"], ips: ["127.0.0.1", "::1"] }, 1, ca);
    PKI = { ca: ca.cert, key: server.key, cert: server.cert, otherCa: other.cert };
  }
  return PKI;
}

async function fakeApi(answer: Answer, host = "127.0.0.1"): Promise<FakeApi> {
  const p = pki();
  const requests: FakeApi["requests"] = [];
  const sockets = new Set<import("node:stream").Duplex>();
  const server = https.createServer({ key: p.key, cert: p.cert }, (req, res) => {
    requests.push({ method: req.method, url: req.url, auth: req.headers.authorization });
    if (answer === "hang") return;
    const a =
      typeof answer === "number"
        ? { status: answer, body: { kind: "Status", code: answer } }
        : (answer as { status: number; body: unknown });
    res.writeHead(a.status, { "content-type": "application/json" });
    res.end(JSON.stringify(a.body));
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((res) => server.listen(0, host, () => res()));
  const port = (server.address() as AddressInfo).port;
  if (answer === "closed") await new Promise<void>((res) => server.close(() => res()));
  const dirs: string[] = [];
  return {
    requests,
    env: (r) => {
      const sa = path.join(r.dir, "serviceaccount");
      fs.mkdirSync(sa, { recursive: true });
      fs.writeFileSync(path.join(sa, "token"), TOKEN);
      fs.writeFileSync(path.join(sa, "ca.crt"), answer === "wrong-ca" ? p.otherCa : p.ca);
      fs.writeFileSync(path.join(sa, "namespace"), "harbor-nm");
      dirs.push(sa);
      return { KUBERNETES_SERVICE_HOST: host, KUBERNETES_SERVICE_PORT: String(port), NODE_MIRROR_SERVICEACCOUNT: sa };
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      if (answer !== "closed") await new Promise<void>((res) => server.close(() => res()));
    },
  };
}
