// Every generated artefact, with the file it lives in. `npm run generate` writes them; the drift test
// compares them with the files.
import fs from "node:fs";
import path from "node:path";
import { ROOT } from "../paths.js";
import { typesSource } from "./types.js";
import { chartValuesSchemaText } from "./values-schema.js";
import { chartValuesYaml } from "./values-yaml.js";
import { withParametersTable } from "./readme-table.js";

export interface Artefact {
  file: string;
  /** the expected content, given the current content of the file (the README keeps its prose) */
  render: (current: string) => Promise<string> | string;
}

export const ARTEFACTS: Artefact[] = [
  { file: "generator/src/types/harbor-config.ts", render: () => typesSource() },
  { file: "chart/values.schema.json", render: () => chartValuesSchemaText() },
  { file: "chart/values.yaml", render: () => chartValuesYaml() },
  { file: "README.md", render: (current) => withParametersTable(current) },
];

export async function expected(a: Artefact): Promise<{ current: string; want: string }> {
  const abs = path.join(ROOT, a.file);
  const current = fs.existsSync(abs) ? fs.readFileSync(abs, "utf8") : "";
  return { current, want: await a.render(current) };
}
