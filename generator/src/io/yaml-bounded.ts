// YAML from untrusted hands (specs, secrets files, kubeconfigs), parsed with a bound. js-yaml resolves an alias
// (*a) to the very object its anchor (&a) made, so a few hundred bytes of nested aliases ("billion laughs") make a
// tree whose expansion is astronomically large, and a self-referencing anchor makes a cycle: everything that later
// walks the tree (a deep copy, the schema validator, JSON.stringify) then runs for minutes or overflows the stack.
// expansionProblem() measures the expansion in time linear in the parsed document (each shared node is counted
// once, with memory of its size), so the bound is checked before anything walks the tree.
import yaml from "js-yaml";

/** Values (scalars, lists, mappings) a document may expand to through its aliases. A spec has a few hundred. */
export const MAX_YAML_NODES = 20_000;
/** Nesting depth a document may have. A spec nests 6 deep. */
export const MAX_YAML_DEPTH = 64;
/** Bytes a YAML document may have before it is parsed. A spec with certificates has a few kB. */
export const MAX_YAML_BYTES = 4 * 1024 * 1024;

export interface ExpansionProblem {
  /** JSON pointer of the offending value */
  pointer: string;
  why: string;
}

const childPointer = (pointer: string, key: string | number) => `${pointer}/${String(key).replace(/~/g, "~0").replace(/\//g, "~1")}`;

/**
 * undefined when the document is a tree of bounded size and depth; else where and why not: a cycle (an anchor
 * used inside itself), nesting deeper than maxDepth, or an expansion of more than maxNodes values (named at the
 * first alias of a list or mapping, the place to write the value out).
 */
export function expansionProblem(doc: unknown, maxNodes = MAX_YAML_NODES, maxDepth = MAX_YAML_DEPTH): ExpansionProblem | undefined {
  const size = new Map<object, number>();
  const onPath = new Set<object>();
  let firstAlias: string | undefined;
  let problem: ExpansionProblem | undefined;
  const walk = (v: unknown, pointer: string, depth: number): number => {
    if (problem) return 0;
    if (v === null || typeof v !== "object") return 1;
    if (onPath.has(v)) {
      problem = { pointer, why: "a YAML alias that refers to the value it stands in (a cycle)" };
      return 0;
    }
    const known = size.get(v);
    if (known !== undefined) {
      firstAlias ??= pointer;
      return known;
    }
    if (depth > maxDepth) {
      problem = { pointer, why: `values nested more than ${maxDepth} deep` };
      return 0;
    }
    onPath.add(v);
    let n = 1;
    const entries: [string | number, unknown][] = Array.isArray(v) ? v.map((x, i) => [i, x]) : Object.entries(v);
    for (const [k, x] of entries) n += walk(x, childPointer(pointer, k), depth + 1);
    onPath.delete(v);
    size.set(v, n);
    return n;
  };
  const total = walk(doc, "", 0);
  if (problem) return problem;
  if (total > maxNodes)
    return {
      pointer: firstAlias ?? "",
      why: `YAML aliases that expand the document to ${total > 1e15 ? "more than 10^15" : total} values (at most ${maxNodes}); write the value out instead of an alias`,
    };
  return undefined;
}

/** Where in a file a YAML syntax error is, and (unless the file holds secrets) why. */
export class YamlSyntaxError extends Error {
  constructor(
    message: string,
    readonly line?: number,
    readonly column?: number,
  ) {
    super(message);
    this.name = "YamlSyntaxError";
  }
}

export interface ParseOptions {
  /** the file's name, for messages */
  file: string;
  /**
   * the text holds secrets: a syntax error says where it is (line, column) and nothing of the text; js-yaml's own
   * message quotes the lines around it, and its reason can quote a tag or alias name
   */
  secret?: boolean;
  maxNodes?: number;
}

/** Parses one YAML document (JSON too) within the bounds above; throws YamlSyntaxError naming the file. */
export function parseYamlBounded(text: string, o: ParseOptions): unknown {
  if (Buffer.byteLength(text, "utf8") > MAX_YAML_BYTES)
    throw new YamlSyntaxError(`${o.file}: larger than ${MAX_YAML_BYTES / 1024 / 1024} MiB; not read`);
  let doc: unknown;
  try {
    doc = yaml.load(text, { filename: o.file });
  } catch (err) {
    const e = err as yaml.YAMLException;
    const line = e.mark ? e.mark.line + 1 : undefined;
    const column = e.mark ? e.mark.column + 1 : undefined;
    const where = line !== undefined ? ` at line ${line}, column ${column}` : "";
    if (err instanceof RangeError) throw new YamlSyntaxError(`${o.file}: nested too deeply to read`);
    const reason = o.secret ? "(its content is not shown: the file holds secrets)" : `${e.reason ?? e.message}`;
    throw new YamlSyntaxError(`${o.file} is not valid YAML or JSON${where}: ${reason}`, line, column);
  }
  const p = expansionProblem(doc, o.maxNodes);
  if (p) throw new YamlSyntaxError(`${o.file}: ${p.pointer ? `at ${pointerText(p.pointer)}: ` : ""}${p.why}`);
  return doc;
}

/** /harbor-config/projects/0 -> harbor-config.projects[0] */
export function pointerText(pointer: string): string {
  return pointer
    .split("/")
    .slice(1)
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"))
    .reduce((out, s) => (/^\d+$/.test(s) ? `${out}[${s}]` : out ? `${out}.${s}` : s), "");
}
