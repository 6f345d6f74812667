// validate: JSON Schema (ajv, all errors at once) plus the semantic rules. Pure: no I/O.
import { loadSpecSchema, specValidator } from "./schema.js";
import { withHints } from "./hints.js";
import { problemsFromAjv } from "./ajv-errors.js";
import { macroPointers } from "./macros.js";
import { semanticProblems } from "./rules.js";
import { ROOT_KEY, type Problem } from "./problems.js";
import type { HarborConfig } from "../types/harbor-config.js";

export interface ValidationResult {
  ok: boolean;
  /** The spec with every default filled in (only meaningful when ok). */
  spec: HarborConfig;
  errors: Problem[];
  warnings: Problem[];
}

export function validateSpec(raw: unknown, root: string = ROOT_KEY, now: Date = new Date()): ValidationResult {
  const spec = structuredClone(raw ?? {}) as HarborConfig;
  const validate = specValidator();
  validate(spec);
  const macros = macroPointers(raw);
  // A Palette macro stands where Palette will put a real value (a string, number or boolean): its format and
  // scalar type are not ours to judge. A macro where a mapping or a list belongs is still an error.
  const scalarSlot = (e: { keyword: string; params: Record<string, any> }) => e.keyword !== "type" || ![e.params.type].flat().some((t) => t === "object" || t === "array");
  const schemaProblems = withHints(
    problemsFromAjv(validate.errors, root, (pointer, e) => macros.includes(pointer) && scalarSlot(e)),
    raw,
    root,
    loadSpecSchema,
  );
  const problems = [...schemaProblems];
  if (spec && typeof spec === "object" && !Array.isArray(spec)) problems.push(...semanticProblems(spec, root, now));
  const errors = problems.filter((p) => p.severity === "error");
  const warnings = problems.filter((p) => p.severity === "warning");
  return { ok: errors.length === 0, spec, errors, warnings };
}
