// The harbor-edge CLI on good and bad input: exit codes, messages naming the field, atomic output.
import { describe, it, expect } from "vitest";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import yaml from "js-yaml";
import { cli } from "../helpers/cli.js";
import { EXAMPLES, UPSTREAM, tmpFile } from "../helpers/chart.js";
import { newAjv, loadSecretsSchema } from "../../generator/src/spec/schema.js";
import { chartValuesSchema } from "../../generator/scripts/codegen/values-schema.js";

const tmpdir = () => fs.mkdtempSync(path.join(os.tmpdir(), "harbor-edge-cli-"));
const example = (name: string) => EXAMPLES.find((f) => f.endsWith(name))!;

describe("harbor-edge validate", () => {
  for (const f of EXAMPLES) {
    it(`accepts ${path.basename(f)} (exit 0)`, () => {
      const r = cli(["validate", f]);
      expect(r.stderr.split("\n").filter((l) => l.startsWith("error"))).toEqual([]);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain("valid");
    });
  }

  it("reports every problem, each with the dotted path, expected and given (exit 1)", () => {
    const f = tmpFile(
      "bad.yaml",
      "harbor-config:\n  service:\n    serviceType: Nodeport\n    harbor:\n      https:\n        nodePort: 3003\n  storage:\n    registry: lots\n",
    );
    const r = cli(["validate", f]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'harbor-config.service.serviceType: expected one of "NodePort", "LoadBalancer", "ClusterIP"; given "Nodeport"',
    );
    expect(r.stderr).toContain("harbor-config.service.harbor.https.nodePort: expected an integer from 30000 to 32767; given 3003");
    expect(r.stderr).toContain("harbor-config.storage.registry");
  });

  it("--json prints machine-readable results", () => {
    const f = tmpFile("bad.json", JSON.stringify({ "harbor-config": { trivy: { enabled: "no" } } }));
    const r = cli(["validate", "--json", f]);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report.valid).toBe(false);
    expect(report.errors[0]).toMatchObject({ path: "harbor-config.trivy.enabled", severity: "error" });
    const ok = JSON.parse(cli(["validate", "--json", example("edge-ha-vip.yaml")]).stdout);
    expect(ok).toMatchObject({ valid: true, errors: [] });
  });

  it.each([
    ["a missing file", ["validate", "/nonexistent/spec.yaml"], /cannot read spec .*no such file/],
    ["a directory", ["validate", os.tmpdir()], /cannot read spec .*directory/],
    ["invalid YAML", ["validate", tmpFile("x.yaml", "harbor-config: [\n")], /not valid YAML or JSON at line/],
    ["no harbor-config", ["validate", tmpFile("x.yaml", "auth: {}\n")], /no harbor-config key/],
    ["an empty file", ["validate", tmpFile("x.yaml", "")], /is empty/],
  ])("rejects %s with a clear error (exit 1)", (_n, args, msg) => {
    const r = cli(args);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(msg);
  });

  it.each([[[]], [["validate"]], [["frobnicate"]], [["validate", "--nope", "x.yaml"]]])("usage errors exit 2: %j", (args) => {
    expect(cli(args).code).toBe(2);
  });

  it.each(
    [["--help"], "validate", "values", "secrets", "render", "images", "pack", "terraform"].map((c) => [
      Array.isArray(c) ? c : [c, "--help"],
    ]),
  )("%j prints help (exit 0)", (args) => {
    const r = cli(args);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Usage: harbor-edge");
  });
});

describe("harbor-edge values", () => {
  it("writes harbor-config and the derived harbor: block, valid against chart/values.schema.json", () => {
    const out = path.join(tmpdir(), "values.yaml");
    const r = cli(["values", example("homelab-s3.yaml"), "-o", out]);
    expect(r.code).toBe(0);
    const v = yaml.load(fs.readFileSync(out, "utf8")) as any;
    expect(v["harbor-config"].storage.backend.type).toBe("s3");
    expect(v.harbor.persistence.imageChartStorage).toMatchObject({
      type: "s3",
      disableredirect: true,
      s3: { bucket: "harbor", existingSecret: "harbor-s3-creds" },
    });
    expect(v.harbor.existingSecretAdminPassword).toBe("harbor-admin-secret");
    expect(v.harbor.database).toMatchObject({
      type: "external",
      external: { host: "harbor-postgres-rw.registries.svc.cluster.local", existingSecret: "harbor-postgres-app" },
    });
    expect(v.harbor.trivy.enabled).toBe(false);
    expect(v.harbor.jobservice.replicas).toBe(1);
    const validate = newAjv().compile(chartValuesSchema());
    expect(validate(v), JSON.stringify(validate.errors)).toBe(true);
  });

  it("prints to stdout without -o", () => {
    const r = cli(["values", example("edge-single-node.yaml")]);
    expect(r.code).toBe(0);
    expect((yaml.load(r.stdout) as any).harbor.externalURL).toBe("https://spectro.registry.local:30003");
  });

  it("a failed run neither creates nor truncates the output file", () => {
    const dir = tmpdir();
    const bad = tmpFile("bad.yaml", "harbor-config:\n  bogus: 1\n");
    const fresh = path.join(dir, "new.yaml");
    expect(cli(["values", bad, "-o", fresh]).code).toBe(1);
    expect(fs.existsSync(fresh)).toBe(false);
    const existing = path.join(dir, "old.yaml");
    fs.writeFileSync(existing, "keep me\n");
    const r = cli(["values", bad, "-o", existing]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("harbor-config.bogus");
    expect(fs.readFileSync(existing, "utf8")).toBe("keep me\n");
    expect(fs.readdirSync(dir).sort()).toEqual(["old.yaml"]);
  });
});

describe("unwritable outputs", () => {
  it.each([
    ["a file where a directory should be", () => path.join(tmpFile("plain.txt", "x"), "values.yaml"), /is not a directory/],
    ["a directory that cannot be created", () => "/proc/harbor-edge-nope/values.yaml", /cannot create directory \/proc\/harbor-edge-nope/],
  ])("-o into %s: exit 1 with the reason, promptly", (_n, target, msg) => {
    const started = Date.now();
    const r = cli(["values", example("edge-single-node.yaml"), "-o", target()]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(msg);
    expect(Date.now() - started).toBeLessThan(15_000);
  });
});

describe("harbor-edge secrets", () => {
  it("writes every credential once, mode 0600, valid against the secrets schema; refuses to overwrite", () => {
    const out = path.join(tmpdir(), "secrets.yaml");
    const r = cli(["secrets", example("edge-single-node.yaml"), "-o", out]);
    expect(r.code).toBe(0);
    expect(fs.statSync(out).mode & 0o777).toBe(0o600);
    const { secrets } = yaml.load(fs.readFileSync(out, "utf8")) as any;
    const validate = newAjv().compile(loadSecretsSchema());
    expect(validate(secrets), JSON.stringify(validate.errors)).toBe(true);
    for (const k of [
      "adminPassword",
      "coreSecret",
      "csrfKey",
      "secretKey",
      "jobserviceSecret",
      "registryHttpSecret",
      "registryPassword",
      "registryHtpasswd",
      "databasePassword",
      "tokenCert",
      "tokenKey",
    ])
      expect(secrets[k], k).toBeTruthy();
    expect(secrets.tls.sans).toContain("spectro.registry.local");
    expect(r.stdout + r.stderr).not.toContain(secrets.adminPassword);
    const again = cli(["secrets", example("edge-single-node.yaml"), "-o", out]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("--force");
  });

  it("needs -o (usage error)", () => {
    expect(cli(["secrets", example("edge-single-node.yaml")]).code).toBe(2);
  });
});

describe("harbor-edge render (the main job)", () => {
  it("validates the default spec, writes its values and the rendered chart", () => {
    const dir = tmpdir();
    // without the upstream chart render refuses: then the chart's own templates (--own-only)
    const r = cli(["render", "-o", dir, ...(UPSTREAM ? [] : ["--own-only"])]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/edge-single-node.yaml: valid; wrote/);
    const objs = yaml.loadAll(fs.readFileSync(path.join(dir, "manifests.yaml"), "utf8")).filter(Boolean) as any[];
    expect(objs.find((o) => o.kind === "Service" && o.metadata.name === "harbor").spec.type).toBe("NodePort");
    const admin = objs.find((o) => o.kind === "Secret" && o.metadata.name === "harbor-edge-admin");
    const pw = Buffer.from(admin.data.HARBOR_ADMIN_PASSWORD, "base64").toString();
    expect(r.stdout + r.stderr).not.toContain(pw);
  });

  it("says in one line when the upstream chart is not cached and exits 1; --own-only renders our templates", () => {
    const dir = tmpdir();
    const r = cli(["render", example("edge-ha-vip.yaml"), "-o", dir], { env: { HARBOR_EDGE_CHART_CACHE: tmpdir() } });
    expect(r.code).toBe(1);
    expect(r.stderr.trimEnd().split("\n")).toEqual([
      expect.stringMatching(
        /^error: harbor-edge render needs the upstream harbor chart 1\.19\.1: put harbor-1\.19\.1\.tgz into the chart cache .*--own-only/,
      ),
    ]);
    const own = cli(["render", example("edge-ha-vip.yaml"), "-o", dir, "--own-only"], { env: { HARBOR_EDGE_CHART_CACHE: tmpdir() } });
    expect(own.code).toBe(0);
    expect(own.stderr).toContain("harbor-edge templates only");
  });

  it("an invalid spec writes nothing", () => {
    const dir = path.join(tmpdir(), "out");
    const r = cli(["render", tmpFile("bad.yaml", "harbor-config:\n  trivy: {enabled: 2}\n"), "-o", dir]);
    expect(r.code).toBe(1);
    expect(fs.existsSync(dir)).toBe(false);
  });
});
