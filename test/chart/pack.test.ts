// The Palette pack, the Terraform reference and the image list (issue: pack, Terraform, air-gap).
import { describe, it, expect, beforeAll } from "vitest";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execFileSync } from "node:child_process";
import yaml from "js-yaml";
import { Ajv } from "ajv";
import { parse as parseHcl } from "@cdktf/hcl2json";
import { cli } from "../helpers/cli.js";
import { HELMS, UPSTREAM, announceUpstream, EXAMPLES, specOf, tmpFile } from "../helpers/chart.js";
import { runHelm } from "../../generator/src/chart/chart.js";
import { imagesFromManifests } from "../../generator/src/chart/images.js";
import zlib from "node:zlib";
import { terraformFiles, hclUnescape, PROVIDER_VERSION } from "../../generator/src/pack/terraform.js";
import { packValuesYaml, packJson, packReadme, VIP_PATTERN } from "../../generator/src/pack/files.js";
import { logoPng } from "../../generator/src/pack/logo.js";
import { validateSpec } from "../../generator/src/spec/validate.js";
import { ROOT } from "../../generator/src/paths.js";

announceUpstream();
const PACK_SCHEMA = JSON.parse(fs.readFileSync(path.resolve(ROOT, "contracts", "palette-pack", "pack-schema.json"), "utf8"));
const emptyCache = () => fs.mkdtempSync(path.join(os.tmpdir(), "empty-cache-"));

it("images and pack refuse, with the fix, when the upstream chart is not in the cache", () => {
  for (const cmd of [
    ["images", EXAMPLES[0]],
    ["pack", EXAMPLES[0], "-o", path.join(emptyCache(), "out")],
  ]) {
    const r = cli(cmd, { env: { HARBOR_EDGE_CHART_CACHE: emptyCache() } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/needs the upstream harbor chart 1\.19\.1: put harbor-1\.19\.1\.tgz into the chart cache/);
  }
});

it("the image list is read from the manifests: containers and init containers of every pod template", () => {
  const m =
    yaml.dump({
      kind: "Deployment",
      spec: { template: { spec: { initContainers: [{ image: "b:1" }], containers: [{ image: "a:1" }, { image: "b:1" }] } } },
    }) +
    "---\n" +
    yaml.dump({ kind: "Service", spec: {} });
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

  it("harbor-edge terraform puts exactly this values.yaml into the profile (byte-equal)", async () => {
    const tf = fs.mkdtempSync(path.join(os.tmpdir(), "tf-"));
    const r = cli(["terraform", file, "-o", tf]);
    expect(r.code, r.stderr).toBe(0);
    const main = await parseHcl("main.tf", fs.readFileSync(path.join(tf, "main.tf"), "utf8"));
    const profileValues = hclUnescape(main.resource.spectrocloud_cluster_profile.harbor[0].pack[0].values);
    expect(
      profileValues === fs.readFileSync(path.join(dir, "values.yaml"), "utf8"),
      "profile values differ from the pack's values.yaml",
    ).toBe(true);
  });

  it("content.charts does not list the harbor chart the archive already carries", () => {
    expect(values.pack.content.charts).toBeUndefined();
  });

  it("pack.json passes the community pack schema and rules", () => {
    const validate = new Ajv({ strict: false }).compile(PACK_SCHEMA);
    expect(validate(pack), JSON.stringify(validate.errors)).toBe(true);
    expect(pack).toMatchObject({
      name: "harbor-edge-native-config",
      displayName: "Harbor Edge Native Config",
      layer: "addon",
      version: "1.0.0",
    });
    expect(pack.version).not.toMatch(/^v/);
    expect(pack.addonType).toBeTruthy();
    expect(pack.cloudTypes).toContain("edge-native");
    for (const c of pack.charts) expect(fs.existsSync(path.join(dir, c)), c).toBe(true);
    expect(fs.readFileSync(path.join(dir, "logo.png")).subarray(0, 8)).toEqual(
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    );
    expect(fs.readFileSync(path.join(dir, "README.md"), "utf8")).toMatch(/## Prerequisites[\s\S]*## Parameters[\s\S]*## Upgrade/);
    expect(values.pack.content.images.length).toBeGreaterThan(0);
  });

  it("lists the project's harbor-edge image with Harbor's, and its README says what it is and how to mirror it", () => {
    const images = values.pack.content.images.map((i: any) => i.image as string);
    expect(images).toContain(`ghcr.io/harbor-edge-native-config/harbor-edge:${pack.version}`);
    expect(images.filter((i: string) => i.includes("goharbor/")).length).toBeGreaterThan(5);
    const readme = fs.readFileSync(path.join(dir, "README.md"), "utf8");
    expect(readme).toMatch(/## Images[\s\S]*`harbor-edge`[\s\S]*harbor-edge configure[\s\S]*harbor-edge report[\s\S]*`image\.repository`/);
  });

  it("values.yaml: namespace harbor, the spec's harbor-config, and the .tar.gz holds the directory", () => {
    expect(values.pack.namespace).toBe("harbor");
    const spec = specOf(file);
    expect(values.charts["harbor-edge-native-config"]["harbor-config"]).toEqual({
      ...spec,
      auth: { ...spec.auth, password: "" },
      nodeMirror: { ...spec.nodeMirror, enabled: false },
    });
    const listing = execFileSync("tar", ["-tzf", `${dir}.tar.gz`], { encoding: "utf8" });
    expect(listing).toContain("harbor-edge-native-config-1.0.0/pack.json");
    expect(listing).toContain("harbor-edge-native-config-1.0.0/charts/harbor-edge-native-config-1.0.0.tgz");
  });

  it.each(HELMS.map((h) => [h.version, h]))(
    "its chart archive renders with no network and no cache (helm %s), pulling exactly the listed images",
    (_v, helm) => {
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
    },
  );
});

it.skipIf(!UPSTREAM)("Palette macros pass through the pack untouched", () => {
  const spec = tmpFile(
    "macro.yaml",
    'harbor-config:\n  auth:\n    password: "{{.spectro.macro.harbor_password}}"\n  registryInfo:\n    enabled: false\n',
  );
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "pack-"));
  const r = cli(["pack", spec, "-o", out, "--quiet"]);
  expect(r.code).toBe(0);
  expect(r.stdout).toBe("");
  const v = yaml.load(fs.readFileSync(path.join(out, "harbor-edge-native-config-1.0.0", "values.yaml"), "utf8")) as any;
  expect(v.charts["harbor-edge-native-config"]["harbor-config"].auth.password).toBe("{{.spectro.macro.harbor_password}}");
});

const IMAGES = ["registry.example/a:1", "registry.example/b:2"];
const profilePack = (main: any) => main.resource.spectrocloud_cluster_profile.harbor[0].pack[0];

describe.each(EXAMPLES.map((f) => [path.basename(f), f]))("terraform for %s", (_name, file) => {
  const spec = specOf(file);
  const files = terraformFiles(spec, { version: "1.0.0", images: IMAGES });
  let main: any;
  let vars: any;
  beforeAll(async () => {
    main = await parseHcl("main.tf", files["main.tf"]);
    vars = await parseHcl("variables.tf", files["variables.tf"]);
  });

  it("the profile's values are the pack's values.yaml: byte-equal, and key by key", () => {
    const text = hclUnescape(profilePack(main).values);
    const pack = packValuesYaml(spec, IMAGES);
    expect(text === pack, "profile values differ from the pack's values.yaml").toBe(true);
    const v = yaml.load(text) as any;
    const p = yaml.load(pack) as any;
    for (const key of ["pack", "charts"]) expect(v[key], key).toEqual(p[key]);
    for (const key of Object.keys(p.charts["harbor-edge-native-config"]))
      expect(v.charts["harbor-edge-native-config"][key], key).toEqual(p.charts["harbor-edge-native-config"][key]);
    // Palette's pack layout, not bare chart values: the spec under charts.<chart>, the namespace in pack:
    expect(v["harbor-config"]).toBeUndefined();
    expect(v.harbor).toBeUndefined();
    expect(v.pack.namespace).toBe("harbor");
    expect(v.pack.content.images).toEqual(IMAGES.map((image) => ({ image })));
    expect(v.charts["harbor-edge-native-config"].harbor.externalURL).toMatch(/^https:\/\//);
  });

  it("an oci pack, by name and tag, from an OCI registry looked up by its name", () => {
    expect(main.data.spectrocloud_registry.registry[0]).toEqual({ name: "${var.registry_name}", type: "oci" });
    expect(main.data.spectrocloud_pack_simple).toBeUndefined();
    const profile = main.resource.spectrocloud_cluster_profile.harbor[0];
    expect(profile).toMatchObject({ cloud: "edge-native", type: "add-on" });
    expect(profilePack(main)).toMatchObject({
      name: "harbor-edge-native-config",
      tag: "1.0.0",
      type: "oci",
      registry_uid: "${data.spectrocloud_registry.registry.id}",
    });
  });

  it("the registry name is required and not empty; the provider version is constrained", () => {
    const reg = vars.variable.registry_name[0];
    expect(reg.default).toBeUndefined();
    expect(reg.validation[0].condition).toBe("${length(trimspace(var.registry_name)) > 0}");
    expect(reg.validation[0].error_message).toMatch(/^registry_name: /);
    const provider = main.terraform[0].required_providers[0].spectrocloud;
    expect(provider).toEqual({ source: "spectrocloud/spectrocloud", version: PROVIDER_VERSION });
    expect(PROVIDER_VERSION).toMatch(/>= 0\.28\.0/);
  });

  it("no literal password anywhere; no password variable unless a profile variable asks for it", () => {
    expect(yaml.load(hclUnescape(profilePack(main).values)) as any).toMatchObject({
      charts: { "harbor-edge-native-config": { "harbor-config": { auth: { password: "" } } } },
    });
    expect(vars.variable.harbor_admin_password).toBeUndefined();
    expect(main.resource.spectrocloud_cluster_profile.harbor[0].profile_variables).toBeUndefined();
  });
});

it("the pack's rules reach the profile: nodeMirror.enabled off, a literal password left out, in both", () => {
  const base = specOf(EXAMPLES.find((f) => f.endsWith("edge-ha-vip.yaml"))!);
  const spec = { ...base, auth: { ...base.auth, password: "Never-In-Tf-9" }, nodeMirror: { ...base.nodeMirror, enabled: true } };
  const files = terraformFiles(spec, { version: "1.0.0", images: IMAGES });
  const text = Object.values(files).join("\n");
  expect(text).not.toContain("Never-In-Tf-9");
  expect(packValuesYaml(spec, IMAGES)).not.toContain("Never-In-Tf-9");
  const v = yaml.load(packValuesYaml(spec, IMAGES)) as any;
  expect(v.charts["harbor-edge-native-config"]["harbor-config"].nodeMirror.enabled).toBe(false);
  expect(v.charts["harbor-edge-native-config"]["harbor-config"].auth.password).toBe("");
  expect(packValuesYaml(spec, IMAGES)).toMatch(/^# auth\.password never carries a literal password/m);
});

it("a profile-variable password: the macro in the values, the profile variable fed by a sensitive Terraform variable", async () => {
  const spec = validateSpec({ auth: { password: "{{.spectro.var.harbor_admin_password}}" } }).spec as any;
  const files = terraformFiles(spec, { version: "1.0.0", images: IMAGES });
  const main = await parseHcl("main.tf", files["main.tf"]);
  const vars = await parseHcl("variables.tf", files["variables.tf"]);
  const v = yaml.load(hclUnescape(profilePack(main).values)) as any;
  expect(v.charts["harbor-edge-native-config"]["harbor-config"].auth.password).toBe("{{.spectro.var.harbor_admin_password}}");
  const variable = main.resource.spectrocloud_cluster_profile.harbor[0].profile_variables[0].variable[0];
  expect(variable).toMatchObject({
    name: "harbor_admin_password",
    is_sensitive: true,
    required: false,
    format: "string",
    default_value: "${var.harbor_admin_password}",
  });
  expect(vars.variable.harbor_admin_password[0].sensitive).toBe(true);
});

it.skipIf(!UPSTREAM)("terraform writes main.tf and variables.tf, and refuses without the upstream chart", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tf-"));
  const r = cli(["terraform", EXAMPLES[0], "-o", dir]);
  expect(r.code, r.stderr).toBe(0);
  expect(fs.readdirSync(dir).sort()).toEqual(["main.tf", "variables.tf"]);
  const none = cli(["terraform", EXAMPLES[0], "-o", path.join(emptyCache(), "tf")], { env: { HARBOR_EDGE_CHART_CACHE: emptyCache() } });
  expect(none.code).toBe(1);
  expect(none.stderr).toMatch(/needs the upstream harbor chart/);
});

describe("pack.json, the README and the logo", () => {
  it("pack.json: the documented minimum of 4 CPUs and 8 GB as constraints (millicores, MiB), valid for the community schema", () => {
    const pack = packJson({ version: "1.0.0", chartArchive: "charts/x.tgz" }) as any;
    expect(pack.constraints.resources).toEqual([
      { type: "cpu", minLimit: 4000 },
      { type: "memory", minLimit: 8192 },
    ]);
    const validate = new Ajv({ strict: false }).compile(PACK_SCHEMA);
    expect(validate(pack), JSON.stringify(validate.errors)).toBe(true);
  });

  it("README: one table header, no stray rows, macros with their braces", () => {
    const readme = packReadme({ version: "1.0.0", chartArchive: "charts/x.tgz" });
    expect(readme.match(/^\| Parameter \| Type \| Default \| Description \|$/gm)).toHaveLength(1);
    expect(readme.match(/^\|---\|/gm)).toHaveLength(1);
    const table = readme
      .split("\n")
      .filter((l) => l.startsWith("|"))
      .slice(2);
    for (const row of table) expect(row, row).toMatch(/^\| `harbor-config\.[^`]+` \| /);
    expect(readme).toContain("{{.spectro.var.harbor_admin_password}}");
    expect(readme).toContain("{{.spectro.system.cluster.kubevip}}");
    expect(readme).not.toMatch(/[^{]\.spectro\.(var|macro|system)/);
    expect(readme).toContain("at least 4 CPUs and 8 GB");
  });

  it("logo.png: a 256x256 RGBA PNG that decodes, with a transparent background and a drawn icon", () => {
    const png = logoPng();
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(png.toString("ascii", 12, 16)).toBe("IHDR");
    expect([png.readUInt32BE(16), png.readUInt32BE(20), png[24], png[25]]).toEqual([256, 256, 8, 6]);
    // walk the chunks, check every CRC-bearing length, inflate the image data
    let at = 8;
    const idat: Buffer[] = [];
    const types: string[] = [];
    while (at < png.length) {
      const len = png.readUInt32BE(at);
      const type = png.toString("ascii", at + 4, at + 8);
      types.push(type);
      if (type === "IDAT") idat.push(png.subarray(at + 8, at + 8 + len));
      at += 12 + len;
    }
    expect(at).toBe(png.length);
    expect(types[types.length - 1]).toBe("IEND");
    const raw = zlib.inflateSync(Buffer.concat(idat));
    expect(raw.length).toBe(256 * (1 + 256 * 4));
    const px = (x: number, y: number) => raw.subarray(y * 1025 + 1 + x * 4, y * 1025 + 1 + x * 4 + 4);
    expect(px(0, 0)[3]).toBe(0); // transparent corner
    expect(px(128, 20)[3]).toBe(255); // the disc
    const colours = new Set<string>();
    for (let y = 0; y < 256; y += 2) for (let x = 0; x < 256; x += 2) colours.add(px(x, y).toString("hex"));
    expect(colours.size).toBeGreaterThan(20); // anti-aliased drawing, not a flat placeholder
  });
});

describe("Palette's schema.yaml and presets.yaml", () => {
  it("masks the password, offers the service type as a list, checks the VIP as IPv4, for keys that exist in the values", async () => {
    const { schemaYaml, presetsYaml, packValues } = await import("../../generator/src/pack/files.js");
    const schema = yaml.load(schemaYaml()) as Record<string, { schema: string }>;
    const P = "charts.harbor-edge-native-config.harbor-config";
    expect(schema[`${P}.auth.password`].schema).toContain('format "${password}"');
    expect(schema[`${P}.service.serviceType`].schema).toContain('format "${list:[NodePort,LoadBalancer,ClusterIP]}"');
    expect(schema[`${P}.cluster.vip`].schema).toContain(`format "\${string:/${VIP_PATTERN}/}"`);
    const vip = new RegExp(VIP_PATTERN);
    for (const ok of [
      "",
      "10.10.137.220",
      "0.0.0.0",
      "255.255.255.255",
      "{{.spectro.system.cluster.kubevip}}",
      "{{ .spectro.system.cluster.kubevip }}",
    ])
      expect(vip.test(ok), ok).toBe(true);
    for (const bad of ["256.1.1.1", "10.0.0", "10.0.0.1.2", "abc", " ", "{{.spectro.system.cluster.name}}", "fe80::1"])
      expect(vip.test(bad), bad).toBe(false);
    // no backslash and no doubled brace inside the template's action
    expect(VIP_PATTERN).not.toMatch(/\\|\{\{|\}\}/);
    // every constrained key is a real path of the pack's values
    const values = packValues(specOf(EXAMPLES[0]), ["a:1"]);
    for (const key of Object.keys(schema)) {
      const found = key.split(".").reduce<any>((node, k) => (node && typeof node === "object" ? node[k] : undefined), values);
      expect(found, key).not.toBeUndefined();
    }
    const presets = (yaml.load(presetsYaml()) as any).presets;
    expect(presets.map((p: any) => p.name)).toEqual(["nodePort", "loadBalancer"]);
    for (const p of presets)
      expect((yaml.load(p.add) as any).charts["harbor-edge-native-config"]["harbor-config"].service.serviceType).toMatch(
        /NodePort|LoadBalancer/,
      );
  });
});
