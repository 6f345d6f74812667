// The Palette pack, the Terraform reference and the image list (issue: pack, Terraform, air-gap).
import { describe, it, expect, beforeAll } from "vitest";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execFileSync } from "node:child_process";
import yaml from "js-yaml";
import { Ajv } from "ajv";
import { parse as parseHcl } from "@cdktf/hcl2json";
import { cli } from "./helpers/cli.js";
import { HELMS, UPSTREAM, announceUpstream, EXAMPLES, specOf, tmpFile } from "./helpers/chart.js";
import { runHelm } from "../generator/src/helm/chart.js";
import { imagesFromManifests } from "../generator/src/images/list.js";
import { terraformFiles } from "../generator/src/terraform/build.js";
import { validateSpec } from "../generator/src/spec/validate.js";
import { ROOT } from "../generator/src/paths.js";

announceUpstream();
const PACK_SCHEMA = JSON.parse(fs.readFileSync(path.resolve(ROOT, "contracts", "palette-pack", "pack-schema.json"), "utf8"));
const emptyCache = () => fs.mkdtempSync(path.join(os.tmpdir(), "empty-cache-"));

it("images and pack refuse, with the fix, when the upstream chart is not in the cache", () => {
  for (const cmd of [["images", EXAMPLES[0]], ["pack", EXAMPLES[0], "-o", path.join(emptyCache(), "out")]]) {
    const r = cli(cmd, { env: { HARBOR_EDGE_CHART_CACHE: emptyCache() } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/needs the upstream harbor chart 1\.19\.1: put harbor-1\.19\.1\.tgz into the chart cache/);
  }
});

it("the image list is read from the manifests: containers and init containers of every pod template", () => {
  const m = yaml.dump({ kind: "Deployment", spec: { template: { spec: { initContainers: [{ image: "b:1" }], containers: [{ image: "a:1" }, { image: "b:1" }] } } } }) + "---\n" + yaml.dump({ kind: "Service", spec: {} });
  expect(imagesFromManifests(m)).toEqual(["a:1", "b:1"]);
});

describe.skipIf(!UPSTREAM).each(EXAMPLES.map((f) => [path.basename(f), f]))("pack of %s", (_name, file) => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "pack-"));
  let dir: string;
  let pack: any;
  let values: any;
  beforeAll(() => {
    const r = cli(["pack", file, "-o", out, "--json"]);
    if (r.code !== 0) throw new Error(r.stderr);
    const summary = JSON.parse(r.stdout);
    dir = summary.dir;
    pack = JSON.parse(fs.readFileSync(path.join(dir, "pack.json"), "utf8"));
    values = yaml.load(fs.readFileSync(path.join(dir, "values.yaml"), "utf8"));
  });

  it("pack.json passes the community pack schema and rules", () => {
    const validate = new Ajv({ strict: false }).compile(PACK_SCHEMA);
    expect(validate(pack), JSON.stringify(validate.errors)).toBe(true);
    expect(pack).toMatchObject({ name: "harbor-edge-native-config", displayName: "Harbor Edge Native Config", layer: "addon", version: "1.0.0" });
    expect(pack.version).not.toMatch(/^v/);
    expect(pack.addonType).toBeTruthy();
    expect(pack.cloudTypes).toContain("edge-native");
    for (const c of pack.charts) expect(fs.existsSync(path.join(dir, c)), c).toBe(true);
    expect(fs.readFileSync(path.join(dir, "logo.png")).subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(fs.readFileSync(path.join(dir, "README.md"), "utf8")).toMatch(/## Prerequisites[\s\S]*## Parameters[\s\S]*## Upgrade/);
    expect(values.pack.content.images.length).toBeGreaterThan(0);
  });

  it("values.yaml: namespace harbor, the spec's harbor-config, and the .tar.gz holds the directory", () => {
    expect(values.pack.namespace).toBe("harbor");
    expect(values.charts["harbor-edge-native-config"]["harbor-config"]).toEqual(specOf(file));
    const listing = execFileSync("tar", ["-tzf", `${dir}.tar.gz`], { encoding: "utf8" });
    expect(listing).toContain("harbor-edge-native-config-1.0.0/pack.json");
    expect(listing).toContain("harbor-edge-native-config-1.0.0/charts/harbor-edge-native-config-1.0.0.tgz");
  });

  it.each(HELMS.map((h) => [h.version, h]))("its chart archive renders with no network and no cache (helm %s), pulling exactly the listed images", (_v, helm) => {
    const chartValues = tmpFile("values.yaml", yaml.dump(values.charts["harbor-edge-native-config"]));
    const archive = path.join(dir, pack.charts[0]);
    const r = runHelm(helm, ["template", "harbor", archive, "--namespace", "harbor", "-f", chartValues]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(imagesFromManifests(r.stdout)).toEqual(values.pack.content.images.map((i: any) => i.image).sort());
    // the harbor subchart travels inside the archive
    const listing = execFileSync("tar", ["-tzf", archive], { encoding: "utf8" });
    expect(listing).toContain("harbor-edge-native-config/charts/harbor/Chart.yaml");
    expect(listing).toContain("harbor-edge-native-config/charts/harbor/templates/core/core-dpl.yaml");
  });
});

it.skipIf(!UPSTREAM)("Palette macros pass through the pack untouched", () => {
  const spec = tmpFile("macro.yaml", 'harbor-config:\n  auth:\n    password: "{{.spectro.macro.harbor_password}}"\n  registryInfo:\n    enabled: false\n');
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "pack-"));
  const r = cli(["pack", spec, "-o", out, "--quiet"]);
  expect(r.code).toBe(0);
  expect(r.stdout).toBe("");
  const v = yaml.load(fs.readFileSync(path.join(out, "harbor-edge-native-config-1.0.0", "values.yaml"), "utf8")) as any;
  expect(v.charts["harbor-edge-native-config"]["harbor-config"].auth.password).toBe("{{.spectro.macro.harbor_password}}");
});

describe.each(EXAMPLES.map((f) => [path.basename(f), f]))("terraform for %s", (_name, file) => {
  const spec = specOf(file);
  const files = terraformFiles(spec, { version: "1.0.0" });
  let main: any;
  let vars: any;
  beforeAll(async () => {
    main = await parseHcl("main.tf", files["main.tf"]);
    vars = await parseHcl("variables.tf", files["variables.tf"]);
  });

  it("references the pack with spectrocloud_pack_simple from a spectrocloud_registry", () => {
    expect(main.data.spectrocloud_registry.registry[0].name).toBe("${var.registry_name}");
    expect(main.data.spectrocloud_pack_simple["harbor-edge-native-config"][0]).toEqual({ name: "harbor-edge-native-config", version: "1.0.0", type: "helm", registry_uid: "${data.spectrocloud_registry.registry.id}" });
  });

  it("puts it into an edge-native add-on cluster profile whose pack carries the spec's values", () => {
    const profile = main.resource.spectrocloud_cluster_profile.harbor[0];
    expect(profile).toMatchObject({ cloud: "edge-native", type: "add-on" });
    const p = profile.pack[0];
    expect(p.uid).toBe('${data.spectrocloud_pack_simple.harbor-edge-native-config.id}');
    const text = p.values.replace(/\$\$\{/g, "${").replace("${jsonencode(var.harbor_admin_password)}", '"Tf-Pass-123"');
    const v = yaml.load(text) as any;
    const expectedPw = spec.auth.existingSecret ? "" : "Tf-Pass-123";
    expect(v["harbor-config"]).toEqual({ ...spec, auth: { ...spec.auth, password: expectedPw } });
    expect(v.harbor.externalURL).toMatch(/^https:\/\//);
  });

  it("takes the password from a sensitive variable; none is written into the files", () => {
    expect(vars.variable.harbor_admin_password[0].sensitive).toBe(true);
    expect(vars.variable.registry_name[0].default).toBe("Public Repo");
  });
});

it("a password in the spec never reaches the Terraform files", async () => {
  const spec = validateSpec({ auth: { password: "Never-In-Tf-9" } }).spec as any;
  const files = terraformFiles(spec, { version: "1.0.0" });
  expect(Object.values(files).join("\n")).not.toContain("Never-In-Tf-9");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tf-"));
  const r = cli(["terraform", EXAMPLES[0], "-o", dir]);
  expect(r.code).toBe(0);
  expect(fs.readdirSync(dir).sort()).toEqual(["main.tf", "variables.tf"]);
});

describe("Palette's schema.yaml and presets.yaml", () => {
  it("masks the password, offers the service type as a list, checks the VIP as IPv4, for keys that exist in the values", async () => {
    const { schemaYaml, presetsYaml, packValues } = await import("../generator/src/pack/files.js");
    const schema = yaml.load(schemaYaml()) as Record<string, { schema: string }>;
    const P = "charts.harbor-edge-native-config.harbor-config";
    expect(schema[`${P}.auth.password`].schema).toContain('format "${password}"');
    expect(schema[`${P}.service.serviceType`].schema).toContain('format "${list:[NodePort,LoadBalancer,ClusterIP]}"');
    expect(schema[`${P}.cluster.vip`].schema).toContain('format "${ipv4}"');
    // every constrained key is a real path of the pack's values
    const values = packValues(specOf(EXAMPLES[0]), ["a:1"]);
    for (const key of Object.keys(schema)) {
      const found = key.split(".").reduce<any>((node, k) => (node && typeof node === "object" ? node[k] : undefined), values);
      expect(found, key).not.toBeUndefined();
    }
    const presets = (yaml.load(presetsYaml()) as any).presets;
    expect(presets.map((p: any) => p.name)).toEqual(["nodePort", "loadBalancer"]);
    for (const p of presets) expect((yaml.load(p.add) as any).charts["harbor-edge-native-config"]["harbor-config"].service.serviceType).toMatch(/NodePort|LoadBalancer/);
  });
});
