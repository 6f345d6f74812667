// What every command shares: exit codes, output, loading a valid spec. Light on purpose: a command module
// imports only commander and this file at load time, and its action imports the rest on demand, so
// `harbor-edge --help` loads nothing a command does not need.
import type { ValidationResult } from "../spec/validate.js";

/** Exit codes: 0 ok, 1 invalid input, 2 usage error. */
export const EXIT = { ok: 0, invalid: 1, usage: 2 } as const;

/** Invalid input: main() prints the message (if any) and exits 1. */
export class Invalid extends Error {}

export function out(s: string) {
  process.stdout.write(s.endsWith("\n") ? s : `${s}\n`);
}
export function err(s: string) {
  process.stderr.write(s.endsWith("\n") ? s : `${s}\n`);
}

/** Loads and validates; prints problems; throws Invalid when the spec cannot be used. */
export async function loadValid(file: string, quiet = false): Promise<{ result: ValidationResult; root: string }> {
  const [{ readSpec }, { formatProblem }] = await Promise.all([import("../spec/read.js"), import("../spec/problems.js")]);
  const { loaded, result } = readSpec(file);
  if (!quiet) for (const w of result.warnings) err(formatProblem(w));
  if (!result.ok) {
    for (const e of result.errors) err(formatProblem(e));
    throw new Invalid(`${file}: ${result.errors.length} problem${result.errors.length > 1 ? "s" : ""}; nothing was written`);
  }
  return { result, root: loaded.root };
}

export async function writeOrPrint(text: string, file: string | undefined) {
  if (file) {
    const { writeFileAtomic } = await import("../io/atomic.js");
    writeFileAtomic(file, text);
  } else out(text);
}
