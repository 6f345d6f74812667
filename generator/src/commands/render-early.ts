// `harbor-edge render` starts helm before commander and the command's modules load: cli.ts calls startEarly(argv)
// first. It reads render's options and spec with node's parseArgs (the option table commander registers too,
// render-options.ts), starts helm (chart/start.ts), reads and validates the spec without printing anything, and
// hands helm the values: helm reads its values before it loads the chart, so everything after that overlaps
// helm's work. The action then claims what was started; commander stays the authority: when its options or spec
// differ from what was read here, or it never runs the action (--help, a usage error), the early helm is
// stopped and its chart view removed. Any argv parseArgs does not take (an unknown option, --help) starts
// nothing early; a spec that cannot be read or is invalid starts helm but gives it nothing, and the action
// reports the spec's problems as usual.
import path from "node:path";
import { parseArgs } from "node:util";
import { DEFAULT_SPEC } from "../paths.js";
import { parseArgsOptions, RENDER_OPTIONS } from "./render-options.js";
import { readSpecFile, type SpecRead } from "./common.js";
import type { PendingRender } from "../chart/start.js";
import type { RenderSpecOptions } from "../chart/render.js";

/** What helm's command line depends on, from render's options. */
export type HelmInputs = Required<Omit<RenderSpecOptions, "requireUpstream">>;

export interface EarlyRender {
  pending: PendingRender;
  /** the spec as read and validated early; undefined when it could not be read (the action reads it again) */
  read?: SpecRead;
}

let early: (EarlyRender & { inputs: HelmInputs; file: string }) | undefined;

export function helmInputs(o: { ownOnly?: boolean; secrets?: string; namespace: string; release: string }): HelmInputs {
  return { ownOnly: Boolean(o.ownOnly), extraValuesFiles: o.secrets ? [o.secrets] : [], namespace: o.namespace, release: o.release };
}

/** render's helm inputs and spec file as commander will read them, or undefined when parseArgs cannot tell. */
export function guessRender(args: string[]): { inputs: HelmInputs; file: string } | undefined {
  try {
    const { values, positionals } = parseArgs({ args, options: parseArgsOptions(), allowPositionals: true, strict: true });
    if (values.help) return undefined;
    const v = values as Record<string, string | boolean | undefined>;
    const inputs = helmInputs({
      ownOnly: v["own-only"] === true,
      secrets: v.secrets as string | undefined,
      namespace: (v.namespace as string | undefined) ?? RENDER_OPTIONS.namespace.default,
      release: (v.release as string | undefined) ?? RENDER_OPTIONS.release.default,
    });
    return { inputs, file: positionals[0] ?? DEFAULT_SPEC };
  } catch {
    return undefined;
  }
}

/** Starts helm for `render ARGS` when the options are clear, and gives it the spec's values when it is valid. */
export async function startEarly(args: string[]): Promise<void> {
  const guess = guessRender(args);
  if (!guess) return;
  const { startRender } = await import("../chart/start.js");
  const e: NonNullable<typeof early> = { ...guess, pending: startRender(guess.inputs) };
  early = e;
  try {
    e.read = await readSpecFile(guess.file);
  } catch {
    return; // unreadable, or not YAML: the action says so
  }
  if (e.read.result.ok) await e.pending.give(e.read.result.spec as never, path.basename(guess.file));
}

/** What startEarly started, when it was for these inputs and this spec file; otherwise it is stopped. */
export function claimEarly(inputs: HelmInputs, file: string): EarlyRender | undefined {
  const e = early;
  early = undefined;
  if (!e) return undefined;
  if (e.file === file && JSON.stringify(e.inputs) === JSON.stringify(inputs)) return { pending: e.pending, read: e.read };
  e.pending.abort();
  return undefined;
}

/** Stops an early helm nobody claimed (commander printed help or refused the arguments). */
export function abortUnclaimed(): void {
  early?.pending.abort();
  early = undefined;
}
