// validate: JSON Schema (ajv, all errors at once) plus the semantic rules. Pure: no I/O.
import { loadSpecSchema, specValidator } from "./schema.js";
import { withHints } from "./hints.js";
import { problemsFromAjv } from "./ajv-errors.js";
import { macroPointers } from "./macros.js";
import { semanticProblems } from "./rules.js";
import { ROOT_KEY, type Problem } from "./problems.js";
import type { HarborConfig } from "./harbor-config.js";
import type { ErrorObject } from "ajv";

const unescape = (s: string) => s.replace(/~1/g, "/").replace(/~0/g, "~");

/**
 * The spec as the semantic rules may read it: every value the schema refused (a wrong type, pattern, range...) is
 * replaced by its schema default, or removed when it has none, so a rule only ever sees values of the types the
 * schema promises (`cluster: {hostname: 5}` is the schema's problem, never a rule's crash).
 */
export function typedView<T>(spec: T, errors: ErrorObject[] | null | undefined): T {
  const refused = (errors ?? []).filter((e) => e.keyword !== "required" && e.keyword !== "additionalProperties");
  if (refused.length === 0) return spec;
  const out = structuredClone(spec) as any;
  // deepest first, so a refused mapping replaced by its default is not written into afterwards
  const byPath = new Map<string, unknown>();
  const emptied = new Set<unknown[]>();
  for (const e of refused) if (!byPath.has(e.instancePath)) byPath.set(e.instancePath, e.parentSchema?.default);
  for (const pointer of [...byPath.keys()].sort((a, b) => b.length - a.length)) {
    if (pointer === "") return {} as T;
    const segs = pointer.split("/").slice(1).map(unescape);
    let parent = out;
    for (const s of segs.slice(0, -1)) parent = parent && typeof parent === "object" ? parent[s] : undefined;
    if (!parent || typeof parent !== "object") continue;
    const key = segs.at(-1)!;
    const d = byPath.get(pointer);
    if (d !== undefined) parent[key] = structuredClone(d);
    else if (Array.isArray(parent)) {
      // a hole for now, so that the other pointers into this list still name their items; compacted below
      // eslint-disable-next-line @typescript-eslint/no-array-delete
      delete parent[Number(key)];
      emptied.add(parent);
    } else delete parent[key];
  }
  // a refused list item is gone, not a hole the rules would read as undefined
  for (const list of emptied) list.splice(0, list.length, ...list.filter(() => true));
  return out as T;
}

/** A rule's problem on a field the schema already refused, inside it or on a mapping or list holding it says nothing new (the rule saw the refused value removed). */
const within = (a: string, b: string) => a === b || a.startsWith(`${b}.`) || a.startsWith(`${b}[`);
const near = (path: string, refused: string[], root: string) => refused.some((r) => within(path, r) || (path !== root && within(r, path)));

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
  const scalarSlot = (e: { keyword: string; params: Record<string, any> }) =>
    e.keyword !== "type" || ![e.params.type].flat().some((t) => t === "object" || t === "array");
  const schemaProblems = withHints(
    problemsFromAjv(validate.errors, root, (pointer, e) => macros.includes(pointer) && scalarSlot(e)),
    raw,
    root,
    loadSpecSchema,
  );
  const problems = [...schemaProblems];
  if (spec && typeof spec === "object" && !Array.isArray(spec)) {
    // rules read only values whose types passed; macros stand for values Palette fills in, left as they are
    const refused = (validate.errors ?? []).filter((e) => !macros.includes(e.instancePath));
    const refusedPaths = schemaProblems.map((p) => p.path);
    problems.push(...semanticProblems(typedView(spec, refused), root, now).filter((p) => !near(p.path, refusedPaths, root)));
  }
  const errors = problems.filter((p) => p.severity === "error");
  const warnings = problems.filter((p) => p.severity === "warning");
  return { ok: errors.length === 0, spec, errors, warnings };
}
