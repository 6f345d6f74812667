// Reading a spec file and validating it: what every command and script that starts from a file does.
import { loadSpecFile, type LoadedSpec } from "./load.js";
import { validateSpec, type ValidationResult } from "./validate.js";
import { formatProblem, SpecInputError } from "./problems.js";
import type { Spec } from "./types.js";

export function readSpec(file: string): { loaded: LoadedSpec; result: ValidationResult } {
  const loaded = loadSpecFile(file);
  return { loaded, result: validateSpec(loaded.raw, loaded.root) };
}

/** The validated spec (defaults filled in); throws SpecInputError naming every problem when it is invalid. */
export function readValidSpec(file: string): Spec {
  const { result } = readSpec(file);
  if (!result.ok) throw new SpecInputError(`${file} is invalid:\n${result.errors.map(formatProblem).join("\n")}`, result.errors);
  return result.spec as Spec;
}
