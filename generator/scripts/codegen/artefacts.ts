// Every generated artefact, with the file it lives in. `npm run generate` writes them; the drift test
// compares them with the files.
import fs from "node:fs";
import path from "node:path";
import { ROOT } from "../../src/paths.js";
import { typesSource } from "./types.js";
import { chartValuesSchemaText } from "./values-schema.js";
import { chartValuesYaml } from "./values-yaml.js";
import { withParametersTable } from "../../src/spec/parameters-table.js";
import { withCliReference } from "./cli-reference.js";
import { chartReadme } from "./chart-readme.js";
import { chartYamlWithImages } from "./chart-images.js";
import { ctValues } from "./ct-values.js";
import { CHART_TABLES } from "./chart-tables.js";

export interface Artefact {
  file: string;
  /** the expected content, given the current content of the file (docs/parameters.md and docs/cli.md keep their prose);
   *  undefined when it cannot be computed on this machine (Chart.yaml's images need the upstream chart) */
  render: (current: string) => Promise<string | undefined> | string | undefined;
}

export const ARTEFACTS: Artefact[] = [
  // first: the chart renders with them (Chart.yaml's images below render the chart)
  ...CHART_TABLES,
  { file: "generator/src/spec/harbor-config.ts", render: () => typesSource() },
  { file: "chart/values.schema.json", render: () => chartValuesSchemaText() },
  { file: "chart/values.yaml", render: () => chartValuesYaml() },
  { file: "docs/parameters.md", render: (current) => withParametersTable(current) },
  { file: "docs/cli.md", render: (current) => withCliReference(current) },
  { file: "chart/README.md", render: () => chartReadme() },
  { file: "chart/Chart.yaml", render: (current) => chartYamlWithImages(current) },
  { file: "chart/ci/edge-single-node-values.yaml", render: () => ctValues("edge-single-node.yaml") },
];

export async function expected(a: Artefact): Promise<{ current: string; want: string | undefined }> {
  const abs = path.join(ROOT, a.file);
  const current = fs.existsSync(abs) ? fs.readFileSync(abs, "utf8") : "";
  return { current, want: await a.render(current) };
}
