// What every command shares: exit codes, output, loading a valid spec. Light on purpose: a command module
// imports only commander and this file at load time, and its action imports the rest on demand, so
// `harbor-edge --help` loads nothing a command does not need.
import type { ValidationResult } from "../spec/validate.js";
import type { LoadedSpec } from "../spec/load.js";

/** Exit codes: 0 ok, 1 invalid input, 2 usage error. */
export const EXIT = { ok: 0, invalid: 1, usage: 2 } as const;

/** Invalid input: main() prints the message (if any) and exits 1. */
export class Invalid extends Error {}

/** A command's own exit status: main() prints the message (if any) as it is and exits with code. */
export class Exit extends Error {
  constructor(
    readonly code: number,
    message = "",
  ) {
    super(message);
  }
}

import { out, err } from "../io/console.js";
export { out, err };

export type SpecRead = { loaded: LoadedSpec; result: ValidationResult };

/** Reads and validates a spec file, printing nothing (throws when it cannot be read or parsed). */
export async function readSpecFile(file: string): Promise<SpecRead> {
  const { readSpec } = await import("../spec/read.js");
  return readSpec(file);
}

/** Prints a read's warnings (unless quiet) and problems; throws Invalid when the spec cannot be used. */
export async function reportValid(file: string, read: SpecRead, quiet = false): Promise<{ result: ValidationResult; root: string }> {
  const { formatProblem } = await import("../spec/problems.js");
  const { loaded, result } = read;
  if (!quiet) for (const w of result.warnings) err(formatProblem(w));
  if (!result.ok) {
    for (const e of result.errors) err(formatProblem(e));
    throw new Invalid(`${file}: ${result.errors.length} problem${result.errors.length > 1 ? "s" : ""}; nothing was written`);
  }
  return { result, root: loaded.root };
}

/** Loads and validates; prints problems; throws Invalid when the spec cannot be used. */
export async function loadValid(file: string, quiet = false): Promise<{ result: ValidationResult; root: string }> {
  return reportValid(file, await readSpecFile(file), quiet);
}

/** `-o -` (or no -o where a command prints by default): the data goes to stdout, as with kubectl and helm. */
export const STDOUT = "-";
export const toStdout = (file: string | undefined): boolean => file === undefined || file === STDOUT;

/** Writes text to file atomically, or prints it (no file, or -); true when a file was written. */
export async function writeOrPrint(text: string, file: string | undefined): Promise<boolean> {
  if (!toStdout(file)) {
    const { writeFileAtomic } = await import("../io/atomic.js");
    writeFileAtomic(file!, text);
    return true;
  }
  out(text);
  return false;
}

/** A URL option, checked: an error names the option and shows an example (`new URL` says only "Invalid URL"). */
export async function urlOption(option: string, value: string): Promise<URL> {
  const { urlOptionProblem } = await import("../io/url-option.js");
  const problem = urlOptionProblem(option, value);
  if (problem) throw new Invalid(problem);
  return new URL(value);
}
