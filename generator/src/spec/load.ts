// Reading a spec file: YAML or JSON whose top-level key is harbor-config (a chart values file, or the
// chart section of a Palette pack's values.yaml, is one too).
import fs from "node:fs";
import { parseYamlBounded, YamlSyntaxError } from "../io/yaml-bounded.js";
import { SpecInputError, ROOT_KEY } from "./problems.js";
import { NAMES } from "../common/names.js";

/** Top-level keys a values file for chart/ may carry next to harbor-config. */
export const VALUES_KEYS = [ROOT_KEY, "harbor", "secrets", "global"];
export const CHART_NAME = NAMES.chart;

export interface LoadedSpec {
  /** The raw harbor-config block (not yet validated, no defaults). */
  raw: unknown;
  /** The whole document, for values files that carry more than harbor-config. */
  document: Record<string, unknown>;
  /** Dotted path of the block in the file, used in every message. */
  root: string;
  file: string;
}

export function readSpecText(file: string): string {
  try {
    return fs.readFileSync(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT"
        ? "no such file"
        : code === "EISDIR"
          ? "it is a directory"
          : code === "EACCES"
            ? "permission denied"
            : (err as Error).message;
    throw new SpecInputError(`cannot read spec ${file}: ${why}`);
  }
}

export function parseSpecText(text: string, file: string): LoadedSpec {
  let doc: unknown;
  try {
    // bounded: aliases that expand past a few thousand values, cycles and deep nesting are refused here
    doc = parseYamlBounded(text, { file });
  } catch (err) {
    if (err instanceof YamlSyntaxError) throw new SpecInputError(err.message);
    throw err;
  }
  if (doc === undefined || doc === null) throw new SpecInputError(`${file} is empty: expected a mapping with the key ${ROOT_KEY}`);
  if (typeof doc !== "object" || Array.isArray(doc))
    throw new SpecInputError(
      `${file}: expected a mapping with the key ${ROOT_KEY} at the top; found ${Array.isArray(doc) ? "a list" : typeof doc}`,
    );
  const document = doc as Record<string, unknown>;

  // The whole values.yaml of a Palette pack: charts.<chart>.harbor-config
  const charts = document.charts as Record<string, any> | undefined;
  if (
    !(ROOT_KEY in document) &&
    charts &&
    typeof charts === "object" &&
    charts[CHART_NAME] &&
    typeof charts[CHART_NAME] === "object" &&
    ROOT_KEY in charts[CHART_NAME]
  ) {
    return { raw: charts[CHART_NAME][ROOT_KEY] ?? {}, document: charts[CHART_NAME], root: `charts.${CHART_NAME}.${ROOT_KEY}`, file };
  }
  if (!(ROOT_KEY in document)) {
    throw new SpecInputError(`${file}: no ${ROOT_KEY} key at the top level (found: ${Object.keys(document).join(", ") || "nothing"})`);
  }
  const unknown = Object.keys(document).filter((k) => !VALUES_KEYS.includes(k));
  if (unknown.length) {
    throw new SpecInputError(
      `${file}: unknown top-level key${unknown.length > 1 ? "s" : ""} ${unknown.map((k) => JSON.stringify(k)).join(", ")}; a spec holds ${ROOT_KEY} (and, in a values file, ${VALUES_KEYS.slice(1).join(", ")})`,
    );
  }
  return { raw: document[ROOT_KEY] ?? {}, document, root: ROOT_KEY, file };
}

export function loadSpecFile(file: string): LoadedSpec {
  return parseSpecText(readSpecText(file), file);
}
