// Rendering the chart for a spec: its values on helm's stdin, the chart linked with the upstream chart from the
// offline cache, helm template. The one place the CLI (render, images, pack) and npm run generate render.
// I/O at the edge.
import { spawn, type ChildProcess } from "node:child_process";
import { findHelm, type Helm } from "./find.js";
import { linkChart, runHelm, templateArgs, helmEnv, helmStderr, UPSTREAM_ARCHIVE, type PreparedChart } from "./chart.js";
import { chartCacheDir } from "../paths.js";
import { UPSTREAM_CHART_VERSION, type Spec } from "../values/derive.js";
import { valuesYaml, buildValues } from "../values/build.js";
import { withoutMacros } from "../spec/macros.js";
import { validateSpec } from "../spec/validate.js";

export class UpstreamMissing extends Error {
  constructor(what: string) {
    super(`${what} needs the upstream harbor chart ${UPSTREAM_CHART_VERSION}: put ${UPSTREAM_ARCHIVE} into the chart cache ${chartCacheDir()} (HARBOR_EDGE_CHART_CACHE), e.g. helm pull harbor --repo https://helm.goharbor.io --version ${UPSTREAM_CHART_VERSION}`);
  }
}

/** The spec to render for the image list: Palette macros replaced by defaults (images do not depend on them). */
export function renderableSpec(spec: Spec): Spec {
  return validateSpec(withoutMacros(spec)).spec as Spec;
}

export interface SpecRender {
  manifests: string;
  /** the values file content the render used */
  values: string;
  helm: Helm;
  /** the prepared chart; the caller calls chart.cleanup() */
  chart: PreparedChart;
}

export interface RenderSpecOptions {
  /** render our templates alone */
  ownOnly?: boolean;
  /** fail with UpstreamMissing (naming this command) when the upstream chart is not in the cache */
  requireUpstream?: string;
  /** more values files after the spec's, e.g. the secrets file */
  extraValuesFiles?: string[];
  namespace?: string;
  release?: string;
}

export function renderSpec(spec: Spec, source: string, o: RenderSpecOptions = {}): SpecRender {
  const values = valuesYaml(spec, source);
  const chart = linkChart({ ownOnly: o.ownOnly });
  if (o.requireUpstream && !chart.withUpstream) {
    chart.cleanup();
    throw new UpstreamMissing(o.requireUpstream);
  }
  try {
    const helm = findHelm();
    // the values reach helm on stdin (-f -): no temporary file
    const r = runHelm(helm, templateArgs(chart.dir, { valuesFiles: ["-", ...(o.extraValuesFiles ?? [])], namespace: o.namespace, release: o.release }), undefined, values);
    if (r.code !== 0) throw new Error(`helm template failed:\n${r.stderr.trim()}`);
    return { manifests: r.stdout, values, helm, chart };
  } catch (e) {
    chart.cleanup();
    throw e;
  }
}

/** A render whose helm is already starting while the spec is still being read and validated. */
export interface PendingRender {
  /** gives helm the spec's values; resolves with the render (or rejects: helm missing, helm failed) */
  finish: (spec: Spec, source: string) => Promise<SpecRender>;
  /** stops helm and removes the chart view (the spec was invalid) */
  abort: () => void;
}

/**
 * renderSpec for `harbor-edge render`, overlapped: helm is found and started at once with its values on stdin,
 * so its start-up runs while the CLI validates the spec; the values follow when they are known. Still one helm
 * process. A failure to find or start helm is reported by finish(), after the spec was found valid, exactly as
 * renderSpec would.
 */
export function startRender(o: RenderSpecOptions = {}): PendingRender {
  let chart: PreparedChart | undefined;
  let helm: Helm | undefined;
  let child: ChildProcess | undefined;
  let startError: unknown;
  let exit: Promise<{ code: number; stdout: string; stderr: string }> | undefined;
  try {
    chart = linkChart({ ownOnly: o.ownOnly });
    if (o.requireUpstream && !chart.withUpstream) throw new UpstreamMissing(o.requireUpstream);
    helm = findHelm();
    const c = spawn(helm.bin, templateArgs(chart.dir, { valuesFiles: ["-", ...(o.extraValuesFiles ?? [])], namespace: o.namespace, release: o.release }), { stdio: ["pipe", "pipe", "pipe"], env: helmEnv() });
    child = c;
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    c.stdout!.on("data", (d: Buffer) => out.push(d));
    c.stderr!.on("data", (d: Buffer) => err.push(d));
    c.stdin!.on("error", () => {}); // helm gone before reading its values: its exit code says why
    exit = new Promise((resolve, reject) => {
      c.on("error", reject);
      c.on("close", (code) => resolve({ code: code ?? 1, stdout: Buffer.concat(out).toString("utf8"), stderr: helmStderr(Buffer.concat(err).toString("utf8")) }));
    });
    exit.catch(() => {}); // reported by finish()
  } catch (e) {
    startError = e;
  }
  const abort = () => {
    if (child && child.exitCode === null && child.pid) child.kill("SIGTERM");
    chart?.cleanup();
  };
  return {
    abort,
    finish: async (spec, source) => {
      try {
        if (startError) throw startError;
        // helm gets the values as JSON (YAML's subset, the same values, made in no time); the YAML text for
        // values.yaml is made while helm renders, on the other core
        child!.stdin!.end(JSON.stringify(buildValues(spec)));
        const values = valuesYaml(spec, source);
        const r = await exit!;
        if (r.code !== 0) throw new Error(`helm template failed:\n${r.stderr.trim()}`);
        return { manifests: r.stdout, values, helm: helm!, chart: chart! };
      } catch (e) {
        abort();
        throw e;
      }
    },
  };
}
