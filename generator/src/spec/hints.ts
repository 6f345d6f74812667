// Hints for keys in the wrong place: an unknown key whose name the schema knows elsewhere gets "did you mean"
// the path it belongs at (a top-level `metrics: true` -> service.metrics.enabled). Pure: the problems, the raw
// spec and the schema in; the schema is read only when there is an unknown key.
import type { Problem } from "./problems.js";
import type { JsonSchema } from "./schema.js";

const UNKNOWN = /^unknown key "(.+)"$/;

/** Every dotted path (below root) of a property named key, with its schema node. */
function pathsOf(schema: JsonSchema, key: string, prefix: string, root: JsonSchema): Array<{ path: string; node: JsonSchema }> {
  const out: Array<{ path: string; node: JsonSchema }> = [];
  for (const [k, raw] of Object.entries((schema.properties ?? {}) as Record<string, JsonSchema>)) {
    const ref = typeof raw.$ref === "string" ? (root.definitions?.[raw.$ref.replace("#/definitions/", "")] ?? {}) : {};
    const node = { ...ref, ...raw } as JsonSchema;
    const path = `${prefix}.${k}`;
    if (k === key) out.push({ path, node });
    if (node.properties) out.push(...pathsOf(node, key, path, root));
  }
  return out;
}

/** The value at a dotted path below root in the raw spec. */
function valueAt(raw: unknown, path: string, root: string): unknown {
  let node = raw;
  for (const k of path.slice(root.length + 1).split("."))
    node = node && typeof node === "object" ? (node as Record<string, unknown>)[k] : undefined;
  return node;
}

/** The place a misplaced key belongs, or undefined. */
export function suggestion(schema: JsonSchema, key: string, given: unknown, root: string): string | undefined {
  const found = pathsOf(schema, key, root, schema);
  if (found.length !== 1) return undefined;
  const { path, node } = found[0];
  // `metrics: true` where metrics is a section with an enabled switch
  if (typeof given === "boolean" && (node.properties as Record<string, JsonSchema> | undefined)?.enabled?.type === "boolean")
    return `${path}.enabled`;
  return path;
}

/** The problems, each unknown key that belongs elsewhere naming where it belongs ("did you mean that?"). */
export function withHints(problems: Problem[], raw: unknown, root: string, schema: () => JsonSchema): Problem[] {
  if (!problems.some((p) => UNKNOWN.test(p.given))) return problems;
  const s = schema();
  return problems.map((p) => {
    const key = UNKNOWN.exec(p.given)?.[1];
    if (!key) return p;
    const where = suggestion(s, key, valueAt(raw, p.path, root), root);
    return where && where !== p.path ? { ...p, expected: `this setting at ${where} (did you mean that?), or ${p.expected}` } : p;
  });
}
