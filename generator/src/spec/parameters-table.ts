// The parameters table in docs/parameters.md, between the markers below (chart/README.md and the pack's
// README.md take its rows too).
import { loadSpecSchema } from "./schema.js";
import { leaves } from "./schema-walk.js";
import { GENERATED_NOTICE } from "../common/banner.js";

export const TABLE_START = "<!-- parameters:start -->";
export const TABLE_END = "<!-- parameters:end -->";

const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

export function parametersTable(): string {
  const rows = leaves(loadSpecSchema(), "harbor-config").map((l) => {
    const def = l.default === undefined ? "" : `\`${JSON.stringify(l.default)}\``;
    const type = l.allowed ? l.allowed.map((a) => `\`${String(a)}\``).join(" \\| ") : `${l.type}`;
    return `| \`${l.path}\` | ${type} | ${cell(def)} | ${cell(l.description)} |`;
  });
  return [
    TABLE_START,
    `<!-- ${GENERATED_NOTICE} (source: schemas/harbor-config.schema.json) -->`,
    "",
    "| Parameter | Type | Default | Description |",
    "|---|---|---|---|",
    ...rows,
    "",
    TABLE_END,
  ].join("\n");
}

/** docs/parameters.md text with the table between the markers replaced. */
export function withParametersTable(readme: string): string {
  const start = readme.indexOf(TABLE_START);
  const end = readme.indexOf(TABLE_END);
  if (start < 0 || end < start) throw new Error(`docs/parameters.md has no ${TABLE_START} ... ${TABLE_END} markers`);
  return readme.slice(0, start) + parametersTable() + readme.slice(end + TABLE_END.length);
}
