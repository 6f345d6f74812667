// Preparing chart/ for rendering: a temporary copy with the upstream harbor chart taken from the offline
// chart cache ($HARBOR_EDGE_CHART_CACHE, default ~/.cache/harbor-edge/charts/harbor-1.19.1.tgz). Without it
// (a fresh machine with no internet), the copy drops the dependency so our own templates still render.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { CHART_DIR, chartCacheDir } from "../paths.js";
import { UPSTREAM_CHART_VERSION } from "../common/upstream.js";
import type { Helm } from "./find.js";
import { NAMES } from "../common/names.js";

// js-yaml only where a Chart.yaml is rewritten (no upstream chart, or a copy): a render with the upstream
// chart in the cache does not load it
const yaml = () => createRequire(import.meta.url)("js-yaml") as typeof import("js-yaml");

export const UPSTREAM_ARCHIVE = `harbor-${UPSTREAM_CHART_VERSION}.tgz`;

export interface PreparedChart {
  dir: string;
  withUpstream: boolean;
  /** one line for the user when the upstream chart was not available */
  note?: string;
  cleanup: () => void;
}

export function cachedUpstream(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const file = path.join(chartCacheDir(env), UPSTREAM_ARCHIVE);
  return fs.existsSync(file) ? file : undefined;
}

/**
 * The chart as helm should render it, without copying it. chart/ itself when nothing needs changing (its
 * charts/ already holds the upstream archive, as after `helm dependency build`); otherwise a
 * temporary directory of symbolic links to chart/'s entries, with charts/ linking the archive from the cache
 * (or, without it, a Chart.yaml without the dependency). Nothing is ever written into chart/; each call has its
 * own directory, so concurrent renders never meet. Read-only: callers that change the chart use prepareChart.
 */
export function linkChart(opts: { ownOnly?: boolean; env?: NodeJS.ProcessEnv; source?: string } = {}): PreparedChart {
  const source = opts.source ?? CHART_DIR;
  const upstream = opts.ownOnly ? undefined : cachedUpstream(opts.env);
  if (upstream && fs.existsSync(path.join(source, "charts", UPSTREAM_ARCHIVE)))
    return { dir: source, withUpstream: true, cleanup: () => {} };
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "harbor-edge-chart-"));
  const dir = path.join(root, path.basename(source) === "chart" ? NAMES.chart : path.basename(source));
  const cleanup = () => fs.rmSync(root, { recursive: true, force: true });
  try {
    fs.mkdirSync(dir);
    for (const entry of fs.readdirSync(source)) {
      if (entry === "charts" || (!upstream && (entry === "Chart.yaml" || entry === "Chart.lock"))) continue;
      fs.symlinkSync(path.join(source, entry), path.join(dir, entry));
    }
    if (upstream) {
      fs.mkdirSync(path.join(dir, "charts"));
      fs.symlinkSync(upstream, path.join(dir, "charts", UPSTREAM_ARCHIVE));
      return { dir, withUpstream: true, cleanup };
    }
    const chart = yaml().load(fs.readFileSync(path.join(source, "Chart.yaml"), "utf8")) as Record<string, unknown>;
    delete chart.dependencies;
    fs.writeFileSync(path.join(dir, "Chart.yaml"), yaml().dump(chart, { lineWidth: -1 }));
    return { dir, withUpstream: false, note: opts.ownOnly ? undefined : upstreamMissingNote(opts.env), cleanup };
  } catch (e) {
    cleanup();
    throw e;
  }
}

function upstreamMissingNote(env?: NodeJS.ProcessEnv): string {
  return `upstream harbor chart ${UPSTREAM_CHART_VERSION} is not in the chart cache ${chartCacheDir(env)}: rendered the harbor-edge templates only. Put ${UPSTREAM_ARCHIVE} there (helm pull harbor --repo https://helm.goharbor.io --version ${UPSTREAM_CHART_VERSION}) for the full chart.`;
}

export function prepareChart(opts: { ownOnly?: boolean; env?: NodeJS.ProcessEnv; source?: string } = {}): PreparedChart {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "harbor-edge-chart-"));
  const dir = path.join(root, NAMES.chart);
  const source = opts.source ?? CHART_DIR;
  fs.cpSync(source, dir, { recursive: true, filter: (src) => path.relative(source, src) !== "charts" });
  const cleanup = () => fs.rmSync(root, { recursive: true, force: true });
  const upstream = opts.ownOnly ? undefined : cachedUpstream(opts.env);
  if (upstream) {
    fs.mkdirSync(path.join(dir, "charts"));
    fs.copyFileSync(upstream, path.join(dir, "charts", UPSTREAM_ARCHIVE));
    return { dir, withUpstream: true, cleanup };
  }
  const chartYaml = path.join(dir, "Chart.yaml");
  const chart = yaml().load(fs.readFileSync(chartYaml, "utf8")) as Record<string, unknown>;
  delete chart.dependencies;
  fs.writeFileSync(chartYaml, yaml().dump(chart, { lineWidth: -1 }));
  fs.rmSync(path.join(dir, "Chart.lock"), { force: true });
  const note = opts.ownOnly ? undefined : upstreamMissingNote(opts.env);
  return { dir, withUpstream: false, note, cleanup };
}

export interface TemplateOptions {
  release?: string;
  namespace?: string;
  valuesFiles?: string[];
  set?: string[];
  extraArgs?: string[];
}

export interface HelmResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** helm's note for each symbolic link it follows (linkChart's directories are made of them): not news. */
const SYMLINK_NOTE = /^(?:level=INFO msg="found symbolic link in path\.[^\n]*|[a-z_]+\.go:\d+: found symbolic link in path: [^\n]*)\n/gm;

/** helm's stderr without its notes about symbolic links. */
export function helmStderr(stderr: string): string {
  return stderr.replace(SYMLINK_NOTE, "");
}

export function helmEnv(): NodeJS.ProcessEnv {
  return { ...process.env, HELM_CACHE_HOME: process.env.HELM_CACHE_HOME, HELM_DEBUG: "" };
}

/** Runs helm to completion; `input` goes to its stdin (for `-f -`). */
export function runHelm(helm: Helm, args: string[], cwd?: string, input?: string): HelmResult {
  const r = spawnSync(helm.bin, args, { encoding: "utf8", cwd, input, maxBuffer: 256 * 1024 * 1024, env: helmEnv() });
  if (r.error) throw r.error;
  return { code: r.status ?? 1, stdout: r.stdout, stderr: helmStderr(r.stderr) };
}

/** The arguments of `helm template` for a chart directory. */
export function templateArgs(chartDir: string, o: TemplateOptions = {}): string[] {
  const args = ["template", o.release ?? "harbor", chartDir, "--namespace", o.namespace ?? "harbor"];
  for (const f of o.valuesFiles ?? []) args.push("-f", f);
  for (const s of o.set ?? []) args.push("--set", s);
  args.push(...(o.extraArgs ?? []));
  return args;
}

/** `helm template` of a spec's render: the spec's values on stdin (`-f -`) first, then more values files. */
export function specTemplateArgs(chartDir: string, o: { extraValuesFiles?: string[]; namespace?: string; release?: string }): string[] {
  return templateArgs(chartDir, { valuesFiles: ["-", ...(o.extraValuesFiles ?? [])], namespace: o.namespace, release: o.release });
}

export function helmTemplate(helm: Helm, chartDir: string, o: TemplateOptions = {}): HelmResult {
  return runHelm(helm, templateArgs(chartDir, o));
}
