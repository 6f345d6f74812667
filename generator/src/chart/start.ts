// `harbor-edge render`'s helm, started before anything else is loaded: this module needs only the helm finder
// and the chart view (no YAML, no values, no spec), so helm's start-up runs while the CLI loads the rest and
// validates the spec. Still one helm process; the values reach it on stdin once they are known.
import { spawn, type ChildProcess } from "node:child_process";
import { findHelm, type Helm } from "./find.js";
import { linkChart, specTemplateArgs, helmEnv, helmStderr, type PreparedChart } from "./chart.js";
import type { Spec } from "../spec/types.js";
import type { RenderSpecOptions, SpecRender } from "./render.js";

/** helm's stderr with the values of the secrets files (-s) masked; a secrets file that does not parse gives its own error. */
async function helmFailure(stderr: string, secretsFiles: string[] = []): Promise<string> {
  if (secretsFiles.length === 0) return stderr;
  const { maskSecrets } = await import("../secrets/read.js");
  return maskSecrets(stderr, secretsFiles);
}

/** A render whose helm is already starting while the spec is still being read and validated. */
export interface PendingRender {
  /** hands helm the spec's values on its stdin (once; later calls do nothing): helm reads its values before it
   * loads the chart, so the sooner the better */
  give: (spec: Spec, source: string) => Promise<void>;
  /** resolves with the render once helm is done (after give), or rejects: helm missing, helm failed */
  finish: () => Promise<SpecRender>;
  /** stops helm and removes the chart view (the spec was invalid, or the render is not wanted) */
  abort: () => void;
}

/**
 * renderSpec for `harbor-edge render`, overlapped: helm is found and started at once with its values on stdin,
 * so its start-up runs while the CLI loads and validates the spec; the values follow when they are known. Still
 * one helm process. A failure to find or start helm is reported by finish(), after the spec was found valid,
 * exactly as renderSpec would.
 */
export function startRender(o: Omit<RenderSpecOptions, "requireUpstream"> = {}): PendingRender {
  let chart: PreparedChart | undefined;
  let helm: Helm | undefined;
  let child: ChildProcess | undefined;
  let startError: unknown;
  let exit: Promise<{ code: number; stdout: string; stderr: string }> | undefined;
  try {
    chart = linkChart({ ownOnly: o.ownOnly });
    helm = findHelm();
    const c = spawn(helm.bin, specTemplateArgs(chart.dir, o), { stdio: ["pipe", "pipe", "pipe"], env: helmEnv() });
    child = c;
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    c.stdout.on("data", (d: Buffer) => out.push(d));
    c.stderr.on("data", (d: Buffer) => err.push(d));
    c.stdin.on("error", () => {}); // helm gone before reading its values: its exit code says why
    exit = new Promise((resolve, reject) => {
      c.on("error", reject);
      c.on("close", (code) =>
        resolve({ code: code ?? 1, stdout: Buffer.concat(out).toString("utf8"), stderr: helmStderr(Buffer.concat(err).toString("utf8")) }),
      );
    });
    exit.catch(() => {}); // reported by finish()
  } catch (e) {
    startError = e;
  }
  const abort = () => {
    if (child && child.exitCode === null && child.pid) child.kill("SIGTERM");
    chart?.cleanup();
  };
  let valuesText: (() => string) | undefined;
  return {
    abort,
    give: async (spec, source) => {
      if (valuesText) return;
      // helm gets the values as JSON (YAML's subset, the same values, made in no time); the YAML text for
      // values.yaml is made by finish(), while helm renders, on the other core
      const { buildValues, valuesYamlOf } = await import("../values/build.js");
      if (valuesText) return;
      const values = buildValues(spec);
      valuesText = () => valuesYamlOf(values, source);
      if (!startError) child!.stdin!.end(JSON.stringify(values));
    },
    finish: async () => {
      try {
        if (startError) throw startError instanceof Error ? startError : new Error(String(startError));
        if (!valuesText) throw new Error("internal: finish() before give()");
        const values = valuesText();
        const r = await exit!;
        if (r.code !== 0) throw new Error(`helm template failed:\n${(await helmFailure(r.stderr, o.extraValuesFiles)).trim()}`);
        return { manifests: r.stdout, values, helm: helm!, chart: chart! };
      } catch (e) {
        abort();
        throw e;
      }
    },
  };
}
