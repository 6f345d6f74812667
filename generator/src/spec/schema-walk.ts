// Walking the spec schema: each leaf with its dotted path, type, default and description.
import type { JsonSchema } from "./schema.js";

export interface Leaf {
  path: string;
  type: string;
  default: unknown;
  description: string;
  allowed?: unknown[];
}

export function resolveRef(node: JsonSchema, root: JsonSchema): JsonSchema {
  if (typeof node.$ref === "string" && node.$ref.startsWith("#/definitions/")) {
    const target = root.definitions?.[node.$ref.slice("#/definitions/".length)] ?? {};
    return { ...target, ...node, $ref: undefined };
  }
  return node;
}

export function typeOf(node: JsonSchema): string {
  if (node.type)
    return Array.isArray(node.type)
      ? node.type.join(" | ")
      : node.type === "array" && node.items?.type
        ? `${node.items.type}[]`
        : node.type;
  const alts = (node.anyOf ?? node.oneOf ?? []) as JsonSchema[];
  const types = [...new Set(alts.map((a) => a.type).filter(Boolean))];
  return types.join(" | ") || "any";
}

/** Leaves of the schema: scalars, lists and free-form maps; nested objects are walked. */
export function leaves(schema: JsonSchema, prefix: string, root: JsonSchema = schema): Leaf[] {
  const out: Leaf[] = [];
  for (const [key, raw] of Object.entries((schema.properties ?? {}) as Record<string, JsonSchema>)) {
    const node = resolveRef(raw, root);
    const path = `${prefix}.${key}`;
    if (node.type === "object" && node.properties) out.push(...leaves(node, path, root));
    else out.push({ path, type: typeOf(node), default: node.default, description: String(node.description ?? ""), allowed: node.enum });
  }
  return out;
}

/** Copy of a schema without our annotation keywords (x-...), for consumers that are strict about keywords. */
export function withoutAnnotations<T>(node: T): T {
  if (Array.isArray(node)) return node.map(withoutAnnotations) as T;
  if (node && typeof node === "object") {
    return Object.fromEntries(
      Object.entries(node)
        .filter(([k]) => !k.startsWith("x-"))
        .map(([k, v]) => [k, withoutAnnotations(v)]),
    ) as T;
  }
  return node;
}
