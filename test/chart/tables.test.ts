// The tables the chart shares with TypeScript (chart/files/*.json, written by npm run generate from generator/src):
// the templates read them and write none of their entries again; an edited table changes the render (so the
// render comes from the table, not from a copy); the packaged chart carries them; and TypeScript reads the same
// names.
import { describe, it, expect } from "vitest";
import fs from "node:fs";
import path from "node:path";
import { execFileSync } from "node:child_process";
import yaml from "js-yaml";
import { HELMS, find, specOf, valuesFileFor, valuesFileForRaw, tmpFile, EXAMPLES, type K8sObject } from "../helpers/chart.js";
import { validateSpec } from "../../generator/src/spec/validate.js";
import { buildValues } from "../../generator/src/values/build.js";
import type { Spec } from "../../generator/src/spec/types.js";
import { prepareChart, helmTemplate, runHelm } from "../../generator/src/chart/chart.js";
import { CHART_DIR, EXAMPLES_DIR } from "../../generator/src/paths.js";
import { NAMES } from "../../generator/src/common/names.js";
import { BUILTIN_PROXY } from "../../generator/src/spec/registries.js";
import { GUARD_PAIRS, S3_ENV } from "../../generator/src/values/derive.js";
import { CHART_TABLES } from "../../generator/scripts/codegen/chart-tables.js";
import { STATUS_CONFIGMAP } from "../../generator/src/status/status.js";
import { REPORT_CRONJOB } from "../../generator/src/report/contract.js";
import { NODE_MIRROR_CONFIGMAP } from "../../generator/src/nodeconfig/render.js";
import { configMapName } from "../../generator/src/nodecheck/in-cluster.js";
import { CHART_NAME } from "../../generator/src/chart/package.js";
import { PACK_NAME } from "../../generator/src/pack/files.js";

const TEMPLATES = path.join(CHART_DIR, "templates");
const templateFiles = () => fs.readdirSync(TEMPLATES).map((f) => [f, fs.readFileSync(path.join(TEMPLATES, f), "utf8")] as const);

/**
 * A template's text without its comments ({{/* *\/}} blocks, YAML comment lines) and without the names of list
 * items (`- name: x`: a pod's volumes, containers, env), which are not objects.
 */
const code = (text: string) =>
  text
    .replace(/\{\{-?\s*\/\*[\s\S]*?\*\/\s*-?\}\}/g, "")
    .split("\n")
    .filter((l) => !/^\s*#/.test(l) && !/^\s*- name: [\w-]+$/.test(l))
    .join("\n");

/** Every string in a nested object. */
const strings = (v: unknown): string[] =>
  typeof v === "string" ? [v] : v && typeof v === "object" ? Object.values(v).flatMap(strings) : [];

const ALL_ON = {
  cluster: { uid: "6650f2a8c1e34b0f9d7a5e21" },
  networkPolicy: { enabled: true },
  nodeMirror: { enabled: true, namespace: "node-mirror", addresses: ["10.1.2.3:30003"] },
  registryInfo: { createNamespace: true },
  report: { nodeCheck: { enabled: true } },
  configJob: { schedule: "7 3 * * *" },
};

function specWith(raw: Record<string, unknown>): Spec {
  const r = validateSpec(raw);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.spec as Spec;
}

/** A copy of the chart (our templates only) with one table edited; rendered with the values files. */
function renderEdited(
  helm: (typeof HELMS)[number],
  table: string,
  edit: (t: any) => void,
  valuesFiles: string[],
  extraArgs: string[] = [],
) {
  const chart = prepareChart({ ownOnly: true });
  try {
    const file = path.join(chart.dir, "files", table);
    const t = JSON.parse(fs.readFileSync(file, "utf8"));
    edit(t);
    fs.writeFileSync(file, JSON.stringify(t));
    const r = helmTemplate(helm, chart.dir, { valuesFiles, extraArgs });
    return { ...r, objects: r.code === 0 ? (yaml.loadAll(r.stdout) as K8sObject[]).filter((d) => d && typeof d === "object") : [] };
  } finally {
    chart.cleanup();
  }
}

describe("no template writes a table's entries again", () => {
  it("the generated tables are the JSON files the templates read", () => {
    expect(CHART_TABLES.map((t) => t.file).sort()).toEqual([
      "chart/files/guard-pairs.json",
      "chart/files/names.json",
      "chart/files/proxy-registries.json",
      "chart/files/s3-env.json",
    ]);
    const all = templateFiles()
      .map(([, t]) => t)
      .join("\n");
    for (const t of CHART_TABLES) expect(all).toContain(`.Files.Get "${t.file.replace(/^chart\//, "")}"`);
    expect(fs.existsSync(path.join(TEMPLATES, "_generated.tpl"))).toBe(false);
  });

  it("no object name of NAMES outside comments (harbor-edge.name reads files/names.json)", () => {
    // "harbor" alone is upstream's fullname and every other word of the chart: the names with a "-" are ours
    const names = [...new Set(strings(NAMES))].filter((n) => n.includes("-"));
    expect(names.length).toBeGreaterThan(20);
    const found: string[] = [];
    for (const [f, text] of templateFiles()) {
      for (const n of names)
        if (new RegExp(`(?<![-\\w./])${n.replace(/[.-]/g, "\\$&")}(?![\\w])`).test(code(text))) found.push(`${f}: ${n}`);
      for (const m of code(text).matchAll(/define "harbor-edge\.name\.[^"]+" -?\}\}([^{]*)\{\{/g))
        if (m[1].trim()) found.push(`${f}: a name helper returns ${m[1].trim()}`);
    }
    expect(found).toEqual([]);
  });

  it("no built-in registry's endpoint, guarded harbor: key or S3 variable outside the tables", () => {
    const found: string[] = [];
    for (const [f, text] of templateFiles()) {
      for (const b of Object.values(BUILTIN_PROXY)) if (text.includes(b.url)) found.push(`${f}: ${b.url}`);
      for (const p of GUARD_PAIRS) if (text.includes(`"${p.harbor}"`)) found.push(`${f}: "${p.harbor}"`);
      for (const v of S3_ENV) if (text.includes(v.name)) found.push(`${f}: ${v.name}`);
    }
    expect(found).toEqual([]);
  });
});

describe("TypeScript uses the same names", () => {
  it("the report, status, node-config, node check, chart and pack read NAMES", () => {
    expect(STATUS_CONFIGMAP).toBe(NAMES.statusConfigMap);
    expect(REPORT_CRONJOB).toBe(NAMES.report);
    expect(NODE_MIRROR_CONFIGMAP).toBe(NAMES.nodeMirror);
    expect(configMapName("node-1").startsWith(`${NAMES.nodeCheck}-node-1-`)).toBe(true);
    expect([CHART_NAME, PACK_NAME]).toEqual([NAMES.chart, NAMES.chart]);
    expect((yaml.load(fs.readFileSync(path.join(CHART_DIR, "Chart.yaml"), "utf8")) as { name: string }).name).toBe(NAMES.chart);
  });
});

describe.each(HELMS)("helm $version: the render comes from the tables", (helm) => {
  it("renamed in files/names.json, every object of that name is renamed, and nothing else", () => {
    const values = [valuesFileForRaw(ALL_ON)];
    const base = renderEdited(helm, "names.json", () => {}, values);
    expect(base.code, base.stderr).toBe(0);
    const keys = [
      "configure",
      "configurePeriodic",
      "configureState",
      "report",
      "statusConfigMap",
      "reportRobotSecret",
      "nodeCheck",
      "reportNodeCheck",
      "nodeMirror",
      "nodeMirrorScript",
      "nodeMirrorCa",
      "networkPolicy",
      "adminSecret",
      "tlsSecret",
      "caSecret",
      "registryInfoSecret",
    ] as const;
    for (const k of keys)
      expect(
        base.objects.some((o) => o.metadata.name === NAMES[k]),
        `an object named ${NAMES[k]}`,
      ).toBe(true);
    const renamed = renderEdited(
      helm,
      "names.json",
      (t) => {
        for (const k of keys) t[k] = `x-${t[k]}`;
        t.pvc.jobservice = "x-claim";
        t.chart = "x-chart";
      },
      values,
    );
    expect(renamed.code, renamed.stderr).toBe(0);
    const names = (objs: K8sObject[]) => objs.map((o) => `${o.kind}/${o.metadata.name}`).sort();
    // an object of a renamed name, or named after one (NAME-token, NAME-<revision>-<hash>), is renamed
    const ours = (name: string) => keys.some((k) => name === NAMES[k] || name.startsWith(`${NAMES[k]}-`));
    const want = names(base.objects).map((n) => {
      const [kind, name] = n.split("/");
      if (kind === "PersistentVolumeClaim") return name === NAMES.pvc.jobservice ? `${kind}/x-claim` : n;
      return ours(name) ? `${kind}/x-${name}` : n;
    });
    // a Job's name ends in a hash of its pod, which holds the renamed names
    const unhashed = (list: string[]) => list.map((n) => n.replace(/^(Job\/.*-\d+)-[0-9a-f]{6}$/, "$1")).sort();
    expect(unhashed(names(renamed.objects))).toEqual(unhashed(want));
    // references follow: the node-mirror DaemonSet (in its own namespace) mounts its renamed ConfigMaps, the label names the chart
    const ds = find(renamed.objects, "DaemonSet", `x-${NAMES.nodeMirror}`)!;
    const cms = ds.spec.template.spec.volumes.filter((v: any) => v.configMap).map((v: any) => v.configMap.name);
    expect(cms.sort()).toEqual([`x-${NAMES.nodeMirror}`, `x-${NAMES.nodeMirrorScript}`, `x-${NAMES.nodeMirrorCa}`].sort());
    expect(ds.metadata.labels?.["app.kubernetes.io/name"]).toBe("x-chart");
    expect(renamed.stdout).not.toContain(`name: ${NAMES.nodeCheck}\n`);
  });

  it("an unknown name fails the render, naming it", () => {
    const chart = prepareChart({ ownOnly: true });
    try {
      fs.writeFileSync(path.join(chart.dir, "templates", "zz-name.yaml"), 'v: {{ include "harbor-edge.name" (list . "nope") }}\n');
      const r = helmTemplate(helm, chart.dir, { extraArgs: ["--show-only", "templates/zz-name.yaml"] });
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain('no object name "nope" in files/names.json');
      fs.writeFileSync(path.join(chart.dir, "templates", "zz-name.yaml"), 'v: {{ include "harbor-edge.name" (list . "pvc.trivy") }}\n');
      const ok = helmTemplate(helm, chart.dir, { extraArgs: ["--show-only", "templates/zz-name.yaml"] });
      expect(ok.stderr).toBe("");
      expect(yaml.load(ok.stdout)).toEqual({ v: NAMES.pvc.trivy });
    } finally {
      chart.cleanup();
    }
  });

  it("a built-in registry's endpoint and type, and an extra registry's default type, come from files/proxy-registries.json", () => {
    // validation fills in an extra registry's type: the chart's default is for values written by hand
    const raw = buildValues(
      specWith({ proxyCache: { registries: ["quay.io"], extraRegistries: [{ host: "r.example:5000", url: "https://r.example:5000" }] } }),
    ) as any;
    delete raw["harbor-config"].proxyCache.extraRegistries[0].type;
    const values = [tmpFile("values.yaml", yaml.dump(raw, { lineWidth: -1 }))];
    const env = (objs: K8sObject[]) => {
      const job = objs.find((o) => o.kind === "Job" && o.metadata.name.startsWith(NAMES.configure))!;
      return job.spec.template.spec.containers[0].env.find((e: any) => e.name === "HARBOR_PROXY_CACHE")?.value as string;
    };
    const base = renderEdited(helm, "proxy-registries.json", () => {}, values);
    expect(base.code, base.stderr).toBe(0);
    expect(env(base.objects).split("\n").filter(Boolean)).toEqual([
      "quay.io docker-registry https://quay.io",
      "r.example-5000 docker-registry https://r.example:5000",
    ]);
    const edited = renderEdited(
      helm,
      "proxy-registries.json",
      (t) => {
        t.builtin["quay.io"] = { url: "https://mirror.example/quay", type: "harbor" };
        t.defaultType = "jfrog-artifactory";
      },
      values,
    );
    expect(edited.code, edited.stderr).toBe(0);
    expect(env(edited.objects).split("\n").filter(Boolean)).toEqual([
      "quay.io harbor https://mirror.example/quay",
      "r.example-5000 jfrog-artifactory https://r.example:5000",
    ]);
    const gone = renderEdited(helm, "proxy-registries.json", (t) => delete t.builtin["quay.io"], values);
    expect(gone.code).not.toBe(0);
    expect(gone.stderr).toContain('"quay.io" is not a built-in registry');
  });

  it("the guard compares the pairs of files/guard-pairs.json: one left out is no longer checked, an unknown computation fails", () => {
    const spec = specOf(path.join(EXAMPLES_DIR, "edge-single-node.yaml"));
    const flipped = tmpFile("flip.yaml", yaml.dump({ harbor: { trivy: { offlineScan: !spec.trivy.offlineScan } } }));
    const values = [valuesFileFor(spec), flipped];
    const guarded = renderEdited(helm, "guard-pairs.json", () => {}, values);
    expect(guarded.code).not.toBe(0);
    expect(guarded.stderr).toContain("harbor-config.trivy.offlineScan implies harbor.trivy.offlineScan=");
    const without = renderEdited(
      helm,
      "guard-pairs.json",
      (t) => (t.pairs = t.pairs.filter((p: any) => p.harbor !== "trivy.offlineScan")),
      values,
    );
    expect(without.stderr).toBe("");
    expect(without.code).toBe(0);
    const unknown = renderEdited(helm, "guard-pairs.json", (t) => (t.pairs[0].compute = "nope"), [valuesFileFor(spec)]);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain("harbor-edge.guardValue.nope");
  });

  it("the S3 overrides are the variables of files/s3-env.json: renamed there, the derived values no longer pass the guard", () => {
    const spec = specOf(path.join(EXAMPLES_DIR, "homelab-s3.yaml"));
    const values = [valuesFileFor(spec)];
    expect(renderEdited(helm, "s3-env.json", () => {}, values).code).toBe(0);
    const renamed = renderEdited(helm, "s3-env.json", (t) => (t.variables[1].name = "REGISTRY_STORAGE_S3_X"), values);
    expect(renamed.code).not.toBe(0);
    expect(renamed.stderr).toContain(
      'implies harbor.registry.registry.extraEnvVars=[{"name":"REGISTRY_STORAGE_S3_SECURE","value":"false"},{"name":"REGISTRY_STORAGE_S3_X","value":"true"}]',
    );
    const badRule = renderEdited(helm, "s3-env.json", (t) => (t.variables[0].rule = "nope"), values);
    expect(badRule.code).not.toBe(0);
    expect(badRule.stderr).toContain('files/s3-env.json: REGISTRY_STORAGE_S3_SECURE has the unknown rule "nope"');
  });

  it("helm package carries the tables, and the packaged chart renders every example", () => {
    const chart = prepareChart({ ownOnly: true });
    const dest = fs.mkdtempSync(path.join(path.dirname(tmpFile("x", "")), "pkg-"));
    try {
      const p = runHelm(helm, ["package", chart.dir, "--destination", dest]);
      expect(p.code, p.stderr).toBe(0);
      const tgz = path.join(
        dest,
        fs.readdirSync(dest).find((f) => f.endsWith(".tgz"))!,
      );
      const listed = execFileSync("tar", ["-tzf", tgz], { encoding: "utf8" }).split("\n");
      for (const t of CHART_TABLES) expect(listed).toContain(`${NAMES.chart}/${t.file.replace(/^chart\//, "")}`);
      for (const f of EXAMPLES) {
        const r = helmTemplate(helm, tgz, { valuesFiles: [valuesFileFor(specOf(f))] });
        expect(r.code, `${path.basename(f)}: ${r.stderr}`).toBe(0);
      }
    } finally {
      chart.cleanup();
      fs.rmSync(dest, { recursive: true, force: true });
    }
  });
});
