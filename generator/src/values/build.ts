// The complete values for chart/: the harbor-config block (defaults filled in, Palette macros untouched)
// and the derived upstream harbor: block.
import yaml from "js-yaml";
import { deriveHarborValues } from "./derive.js";
import type { Spec } from "../spec/types.js";

export function buildValues(spec: Spec): Record<string, unknown> {
  return { "harbor-config": spec, harbor: deriveHarborValues(spec) };
}

export function valuesYaml(spec: Spec, source: string): string {
  return valuesYamlOf(buildValues(spec), source);
}

/** The values file's text for values buildValues made (from `source`). */
export function valuesYamlOf(values: Record<string, unknown>, source: string): string {
  const header = `# values for chart harbor-edge-native-config, written by harbor-edge values from ${source}\n# regenerate instead of editing the harbor: block: the chart checks it against harbor-config\n`;
  return header + yaml.dump(values, { lineWidth: -1, noRefs: true });
}
