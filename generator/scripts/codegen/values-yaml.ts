// chart/values.yaml: the defaults of harbor-config with each key's description from the schema, the
// secrets block, and the harbor: block derived from the default spec (what `harbor-edge values` writes for it).
import yaml from "js-yaml";
import { loadSpecSchema, loadSecretsSchema, type JsonSchema } from "../../src/spec/schema.js";
import { validateSpec } from "../../src/spec/validate.js";
import { deriveHarborValues } from "../../src/values/derive.js";
import type { Spec } from "../../src/spec/types.js";
import { resolveRef } from "../../src/spec/schema-walk.js";
import { banner } from "../../src/common/banner.js";

function wrap(text: string, indent: string, width = 110): string[] {
  const words = text.split(/\s+/).filter(Boolean);
  const lines: string[] = [];
  let line = "";
  for (const w of words) {
    if (line && `${line} ${w}`.length > width - indent.length - 2) {
      lines.push(`${indent}# ${line}`);
      line = w;
    } else line = line ? `${line} ${w}` : w;
  }
  if (line) lines.push(`${indent}# ${line}`);
  return lines;
}

function scalar(value: unknown): string {
  return yaml.dump(value, { flowLevel: 0, lineWidth: -1 }).trimEnd();
}

/** Emits the value of an object schema key by key, each preceded by its description. */
export function commentedYaml(schema: JsonSchema, value: Record<string, unknown>, root: JsonSchema, depth: number): string[] {
  const indent = "  ".repeat(depth);
  const out: string[] = [];
  for (const [key, raw] of Object.entries((schema.properties ?? {}) as Record<string, JsonSchema>)) {
    const node = resolveRef(raw, root);
    const v = value[key];
    out.push(...wrap(String(node.description ?? ""), indent));
    if (node.type === "object" && node.properties && v && typeof v === "object") {
      out.push(`${indent}${key}:`);
      out.push(...commentedYaml(node, v as Record<string, unknown>, root, depth + 1));
    } else if (Array.isArray(v) && v.length > 0) {
      out.push(`${indent}${key}:`);
      out.push(
        ...yaml
          .dump(v, { lineWidth: -1 })
          .trimEnd()
          .split("\n")
          .map((l) => `${indent}  ${l}`),
      );
    } else {
      out.push(`${indent}${key}: ${scalar(v ?? (node.type === "object" ? {} : ""))}`);
    }
  }
  return out;
}

export function chartValuesYaml(): string {
  const spec = loadSpecSchema();
  const defaults = validateSpec({}).spec as Spec;
  const secrets = loadSecretsSchema();
  const harbor = deriveHarborValues(defaults);
  const lines = [
    banner("#"),
    "#",
    "# Values of harbor-edge-native-config. Users set harbor-config; everything else is derived or generated.",
    "",
    ...wrap(String(spec.description), ""),
    "harbor-config:",
    ...commentedYaml(spec, defaults as unknown as Record<string, unknown>, spec, 1),
    "",
    ...wrap(String(secrets.description), ""),
    "secrets: {}",
    "",
    "# Values of the upstream goharbor harbor chart 1.19.1, derived from harbor-config by `harbor-edge values`",
    "# (generator/src/values/derive.ts). Our templates render the Secrets, the Service and the PVCs; upstream is",
    "# pointed at them by name. Keys that follow harbor-config are checked at render time (templates/guard.yaml).",
    "harbor:",
    ...yaml
      .dump(harbor, { lineWidth: -1, noRefs: true })
      .trimEnd()
      .split("\n")
      .map((l) => `  ${l}`),
    "",
  ];
  return lines.join("\n");
}
