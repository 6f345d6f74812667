// The CLI's conventions, after kubectl and helm: -o - is stdout, data on stdout and messages on stderr, a usage
// error is one line and where help is, a version command, render refuses to leave Harbor out silently, secrets
// files are checked, seed's credentials, URL options, and validate's capacity rules.
import { describe, it, expect } from "vitest";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import yaml from "js-yaml";
import { cli } from "../helpers/cli.js";
import { EXAMPLES, UPSTREAM, tmpFile } from "../helpers/chart.js";
import { validateSpec } from "../../generator/src/spec/validate.js";
import { parseSecretsDoc, namespaceOfSans, checkNamespace } from "../../generator/src/secrets/read.js";
import { seedCredentials } from "../../generator/src/seed/options.js";
import { urlOptionProblem } from "../../generator/src/io/url-option.js";
import { HARBOR_VERSION, UPSTREAM_CHART_VERSION } from "../../generator/src/common/upstream.js";
import { packageVersion, chartVersion } from "../../generator/src/common/version.js";

const tmpdir = () => fs.mkdtempSync(path.join(os.tmpdir(), "harbor-edge-conv-"));
const example = (name: string) => EXAMPLES.find((f) => f.endsWith(name))!;
const SPEC = example("edge-single-node.yaml");

describe("harbor-edge version", () => {
  it("prints the version; --json the chart's, Harbor's and the upstream chart's", () => {
    const r = cli(["version"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${packageVersion()}\n`);
    const j = cli(["version", "--json"]);
    expect(JSON.parse(j.stdout)).toEqual({
      version: packageVersion(),
      chart: chartVersion(),
      harbor: HARBOR_VERSION,
      upstreamChart: UPSTREAM_CHART_VERSION,
    });
  });
});

describe("usage errors: one line, then where help is (exit 2)", () => {
  it.each([
    [["validate"], "error: missing required argument 'spec'", "see 'harbor-edge validate --help'"],
    [["validate", "--nope", "x.yaml"], "error: unknown option '--nope'", "see 'harbor-edge validate --help'"],
    [["frobnicate"], "error: unknown command 'frobnicate'", "see 'harbor-edge --help'"],
    [["secrets", SPEC], "error: required option '-o, --output <file>' not specified", "see 'harbor-edge secrets --help'"],
  ])("%j", (args, line, hint) => {
    const r = cli(args);
    expect(r.code).toBe(2);
    expect(r.stderr.trimEnd().split("\n")).toEqual([line, hint]);
    expect(r.stdout).toBe("");
  });
});

describe("-o - is stdout; data on stdout, messages on stderr", () => {
  it("values -o - prints the values and writes no file named -", () => {
    const dir = tmpdir();
    const r = cli(["values", SPEC, "-o", "-"], { cwd: dir });
    expect(r.code).toBe(0);
    expect((yaml.load(r.stdout) as any).harbor.externalURL).toBe("https://spectro.registry.local:30003");
    expect(fs.readdirSync(dir)).toEqual([]);
    const f = cli(["values", SPEC, "-o", path.join(dir, "v.yaml")]);
    expect(f.stdout).toBe("");
    expect(f.stderr).toContain(`wrote ${path.join(dir, "v.yaml")}`);
  });

  it("secrets -o - prints the credentials (a secrets document)", () => {
    const dir = tmpdir();
    const r = cli(["secrets", SPEC, "-o", "-"], { cwd: dir });
    expect(r.code).toBe(0);
    expect(parseSecretsDoc(yaml.load(r.stdout), "stdout").namespace).toBe("harbor");
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it("render -o DIR writes there and says so on stderr; -o - prints the manifests; the old -d still works, unlisted", () => {
    const dir = tmpdir();
    const r = cli(["render", SPEC, "-o", dir, "--own-only"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/edge-single-node\.yaml: valid; wrote .*manifests\.yaml/);
    expect(fs.readdirSync(dir).sort()).toEqual(["manifests.yaml", "values.yaml"]);
    const printed = cli(["render", SPEC, "-o", "-", "--own-only"], { cwd: tmpdir() });
    expect(printed.code).toBe(0);
    const objs = yaml.loadAll(printed.stdout).filter(Boolean) as any[];
    expect(objs.some((o) => o.kind === "Service" && o.metadata.name === "harbor")).toBe(true);
    const old = path.join(tmpdir(), "old");
    expect(cli(["render", SPEC, "-d", old, "--own-only"]).code).toBe(0);
    expect(fs.existsSync(path.join(old, "manifests.yaml"))).toBe(true);
    const help = cli(["render", "--help"]).stdout;
    expect(help).toMatch(/-o, --output <dir>/);
    expect(help).not.toMatch(/--out-dir/);
  });
});

describe("render without the upstream chart", () => {
  it("exits 1, naming the archive and --own-only, and writes nothing; --own-only renders this chart alone", () => {
    const empty = tmpdir();
    const dir = path.join(tmpdir(), "out");
    const r = cli(["render", SPEC, "-o", dir], { env: { HARBOR_EDGE_CHART_CACHE: empty } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^error: harbor-edge render needs the upstream harbor chart 1\.19\.1: put harbor-1\.19\.1\.tgz into the chart cache .*; or pass --own-only/m,
    );
    expect(fs.existsSync(dir)).toBe(false);
    const own = cli(["render", SPEC, "-o", dir, "--own-only"], { env: { HARBOR_EDGE_CHART_CACHE: empty } });
    expect(own.code).toBe(0);
    expect(own.stderr).toContain("harbor-edge templates only");
  });

  it.skipIf(!UPSTREAM)("with the chart cached, renders Harbor (exit 0)", () => {
    const r = cli(["render", SPEC, "-o", tmpdir()]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("with upstream harbor chart");
  });
});

describe("secrets files are checked", () => {
  it("render -s SPEC (a spec, not a secrets file) is refused, naming the file (exit 1)", () => {
    const r = cli(["render", SPEC, "-s", SPEC, "-o", tmpdir(), "--own-only"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `error: -s ${SPEC}: expected a file harbor-edge secrets wrote (harbor-edge secrets SPEC -o FILE); given a spec (it has the key harbor-config)`,
    );
  });

  it("a secrets file made for another namespace is refused, naming both; for its own namespace it renders", () => {
    const dir = tmpdir();
    const secrets = path.join(dir, "s.yaml");
    expect(cli(["secrets", SPEC, "-n", "edge", "-o", secrets]).code).toBe(0);
    const r = cli(["render", SPEC, "-s", secrets, "-n", "harbor", "-o", path.join(dir, "a"), "--own-only"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${secrets}: made for namespace edge (secrets.tls.sans names harbor.edge.svc), given namespace harbor`);
    expect(cli(["render", SPEC, "-s", secrets, "-n", "edge", "-o", path.join(dir, "b"), "--own-only"]).code).toBe(0);
    const nc = cli(["node-config", example("edge-ha-vip.yaml"), "--format", "k3s", "--secrets", secrets, "-n", "harbor"]);
    expect(nc.code).toBe(1);
    expect(nc.stderr).toContain("made for namespace edge");
  });

  it("parseSecretsDoc: unknown keys name the field; namespaceOfSans reads harbor.NS.svc", () => {
    expect(() => parseSecretsDoc({ secrets: { adminPasword: "x" } }, "f.yaml")).toThrow(
      /f\.yaml: secrets\.adminPasword: expected one of the keys adminPassword/,
    );
    expect(() => parseSecretsDoc({ harbor: {} }, "f.yaml")).toThrow(/whose only key is secrets; given the key harbor/);
    expect(() => parseSecretsDoc(null, "f.yaml")).toThrow(/given an empty file/);
    expect(namespaceOfSans("a.example,harbor,harbor.reg,harbor.reg.svc,harbor.reg.svc.cluster.local")).toBe("reg");
    expect(() => checkNamespace({ secrets: {}, namespace: "a" }, "f", "b")).toThrow(/made for namespace a .* given namespace b/);
    expect(() => checkNamespace({ secrets: {} }, "f", "b")).not.toThrow();
  });
});

describe("seed's credentials", () => {
  const file = (secrets: Record<string, unknown>) => tmpFile("seed-secrets.yaml", yaml.dump({ secrets }));
  const read = (f: string) => fs.readFileSync(f, "utf8");
  it("the CA comes from the secrets file whatever the spec says; the password from --password-env when the file has none", async () => {
    const noPassword = file({ tls: { caCrt: "CA-PEM" } });
    expect(await seedCredentials({ secrets: noPassword, passwordEnv: "PW" }, { PW: "Env-Pass-1" }, read)).toEqual({
      password: "Env-Pass-1",
      ca: "CA-PEM",
    });
    await expect(seedCredentials({ secrets: noPassword }, {}, read)).rejects.toThrow(
      /no secrets\.adminPassword .*add --password-env VAR, the CA still comes from the file/,
    );
    expect(await seedCredentials({ secrets: file({ adminPassword: "File-Pass-1", tls: { caCrt: "CA-PEM" } }) }, {}, read)).toEqual({
      password: "File-Pass-1",
      ca: "CA-PEM",
    });
    await expect(seedCredentials({}, {}, read)).rejects.toThrow(/no password: pass --password-env VAR .* or --secrets FILE .*, or both/);
  });
});

describe("URL options name the option and show an example", () => {
  it.each([
    [
      "127.0.0.1:1",
      /^--harbor: expected an http:\/\/ or https:\/\/ URL, e.g. --harbor https:\/\/10\.10\.1\.5:30003; given "127\.0\.0\.1:1" \(no scheme: add https:\/\/\)$/,
    ],
    ["harbor.local:30003", /given "harbor\.local:30003" \(no scheme: add https:\/\/\)$/],
    ["ftp://x", /given "ftp:\/\/x"$/],
  ])("%s", (value, message) => {
    expect(urlOptionProblem("--harbor", value)).toMatch(message);
  });
  it("accepts http and https URLs; HARBOR_URL is shown as a variable", () => {
    expect(urlOptionProblem("--harbor", "https://10.0.0.1:30003")).toBeUndefined();
    expect(urlOptionProblem("HARBOR_URL", "x")).toMatch(/e\.g\. HARBOR_URL=https:/);
  });
  it("seed, report and configure say so (exit 1 or 2, never 'Invalid URL' alone)", () => {
    const seed = cli(["seed", "--bundle", tmpdir(), "--harbor", "127.0.0.1:1", "--password-env", "HOME"]);
    expect(seed.code).toBe(1);
    expect(seed.stderr).toMatch(/^error: --harbor: expected an http:\/\/ or https:\/\/ URL, e\.g\. --harbor https:/);
    const report = cli(["report", "--harbor", "127.0.0.1:1"], { env: { HARBOR_ADMIN_PASSWORD: "x" } });
    expect(report.code).toBe(2);
    expect(report.stderr).toContain("--harbor: expected an http:// or https:// URL, e.g. --harbor https://");
  });
});

describe("validate: capacity and misplaced keys", () => {
  const problems = (raw: Record<string, unknown>) => validateSpec(raw).errors.map((e) => [e.path, e.expected]);
  it("more than one registry replica on the ReadWriteOnce image volume is refused; with s3 it is fine", () => {
    expect(problems({ replicas: { registry: 3 } })).toEqual([
      ["harbor-config.replicas.registry", expect.stringMatching(/^1 while storage\.backend\.type is pvc/)],
    ]);
    const s3 = validateSpec({
      replicas: { registry: 3 },
      storage: { backend: { type: "s3", s3: { bucket: "harbor", existingSecret: "s3" } } },
    });
    expect(s3.errors).toEqual([]);
  });
  it("each port clash is reported on the field that moved onto the other's port", () => {
    expect(problems({ service: { harbor: { https: { nodePort: 30002 } } } })).toEqual([
      ["harbor-config.service.harbor.https.nodePort", "a node port other than service.harbor.http.nodePort (30002)"],
    ]);
    expect(problems({ service: { harbor: { http: { nodePort: 30003 } } } })).toEqual([
      ["harbor-config.service.harbor.http.nodePort", "a node port other than service.harbor.https.nodePort (30003)"],
    ]);
    expect(problems({ service: { harbor: { https: { port: 80 } } } })).toEqual([
      ["harbor-config.service.harbor.https.port", "a port other than service.harbor.http.port (80)"],
    ]);
    expect(problems({ service: { harbor: { https: { nodePort: 31000 }, http: { nodePort: 31000 } } } }).map((p) => p[0])).toEqual([
      "harbor-config.service.harbor.https.nodePort",
      "harbor-config.service.harbor.http.nodePort",
    ]);
  });
  it("a top-level metrics: true is pointed at service.metrics.enabled", () => {
    const [p] = validateSpec({ metrics: true }).errors;
    expect(p.path).toBe("harbor-config.metrics");
    expect(p.expected).toMatch(/^this setting at harbor-config\.service\.metrics\.enabled \(did you mean that\?\)/);
    expect(validateSpec({ bogus: 1 }).errors[0].expected).not.toMatch(/did you mean/);
  });
});
