// The upstream chart's facts the contract test checks our harbor: block against, computed from the chart
// archive in the offline chart cache (npm run contracts writes them to contracts/harbor-chart-<version>/):
//  - values.flat.json: every key of its values.yaml as a dotted path, with its type and (for scalars) default;
//  - template-refs.json: every values path its templates read, through .Values, $.Values, a local variable
//    assigned from one ({{- $storage := .Values.persistence.imageChartStorage }} ... $storage.s3.regionendpoint)
//    or the dot inside a `with` block ({{- with .Values.redis }} ... .external.addr).
// Pure functions over the archive's bytes; no helm needed.
import path from "node:path";
import { Parser, type ReadEntry } from "tar";
import yaml from "js-yaml";
import { ROOT } from "../src/paths.js";
import { UPSTREAM_CHART_VERSION } from "../src/values/derive.js";

/** Where the facts live in the repository (with their provenance in contracts/README.md). */
export const CONTRACTS_DIR = path.join(ROOT, "contracts");
export const UPSTREAM_FACTS_DIR = path.join(CONTRACTS_DIR, `harbor-chart-${UPSTREAM_CHART_VERSION}`);

/** The regular files of a .tgz, by path inside the archive (ustar, pax and GNU long names), read by node-tar. */
export function untgz(archive: Buffer): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  let failure: Error | undefined;
  const parser = new Parser({ strict: true });
  parser.on("error", (e: Error) => (failure ??= e));
  parser.on("entry", (e: ReadEntry) => {
    if (e.type !== "File" && e.type !== "OldFile") return void e.resume();
    const parts: Buffer[] = [];
    e.on("data", (c: Buffer) => parts.push(c));
    e.on("end", () => files.set(e.path, Buffer.concat(parts)));
  });
  // synchronous: node-tar's parser and its gunzip (minizlib) handle a Buffer written whole before end() returns
  parser.end(archive);
  if (failure) throw new Error(`not a readable .tgz: ${failure.message}`);
  return files;
}

export interface FlatKey {
  type: "object" | "array" | "string" | "number" | "boolean" | "null";
  default?: unknown;
}

/** values.yaml flattened: objects recurse (and are listed themselves), arrays and scalars are leaves. */
export function flattenValues(values: unknown, prefix = "", out: Record<string, FlatKey> = {}): Record<string, FlatKey> {
  if (!values || typeof values !== "object" || Array.isArray(values)) return out;
  for (const [k, v] of Object.entries(values as Record<string, unknown>)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v === null || v === undefined) out[key] = { type: "null", default: null };
    else if (Array.isArray(v)) out[key] = { type: "array" };
    else if (typeof v === "object") {
      out[key] = { type: "object" };
      flattenValues(v, key, out);
    } else out[key] = { type: typeof v as FlatKey["type"], default: v };
  }
  return out;
}

/** What the dot or a variable stands for: a values path ("" is .Values itself), the root context, or unknown. */
type Ctx = { values: string } | "root" | "unknown";

const CHAIN = /(\$[A-Za-z_][A-Za-z0-9_]*|\$)?((?:\.[A-Za-z_][A-Za-z0-9_]*)+)|\$[A-Za-z_][A-Za-z0-9_]*/g;

function join(base: string, rest: string): string {
  return [base, rest].filter(Boolean).join(".");
}

/** The values path an expression chain reads, if any. */
function resolveChain(variable: string | undefined, fields: string, dot: Ctx, vars: Map<string, Ctx>): string | undefined {
  const parts = fields ? fields.slice(1).split(".") : [];
  let ctx: Ctx;
  if (variable === "$") ctx = "root";
  else if (variable) ctx = vars.get(variable) ?? "unknown";
  else ctx = dot;
  if (ctx === "unknown") return undefined;
  if (ctx === "root") {
    if (parts[0] !== "Values") return undefined;
    return parts.slice(1).join(".");
  }
  return join(ctx.values, parts.join("."));
}

/** Every values path the chain expressions of one action read. */
function chainsOf(action: string, dot: Ctx, vars: Map<string, Ctx>): string[] {
  const refs: string[] = [];
  for (const m of action.matchAll(CHAIN)) {
    // a chain right after an identifier character, ) or ] continues something else (a number, (x).y); skip it
    const before = action[m.index - 1];
    if (before && /[A-Za-z0-9_)\]]/.test(before)) continue;
    const variable = m[1] ?? (m[2] === undefined ? m[0] : undefined);
    const path = resolveChain(variable, m[2] ?? "", dot, vars);
    if (path) refs.push(path);
  }
  return refs;
}

/** What an expression that is one chain alone ($storage.s3, .Values.redis, (.Values.x)) stands for. */
function contextOf(expr: string, dot: Ctx, vars: Map<string, Ctx>): Ctx {
  const m = /^\(?\s*(\$[A-Za-z_][A-Za-z0-9_]*|\$)?((?:\.[A-Za-z_][A-Za-z0-9_]*)*)\s*\)?$/.exec(expr.trim());
  if (!m || (!m[1] && !m[2])) return "unknown";
  const path = resolveChain(m[1], m[2], dot, vars);
  return path === undefined ? "unknown" : { values: path };
}

/** Values paths read by a set of templates (file name -> text). */
export function templateRefs(templates: Record<string, string>): string[] {
  const refs = new Set<string>();
  for (const text of Object.values(templates)) {
    const stack: Ctx[] = ["root"];
    let vars = new Map<string, Ctx>();
    for (const m of text.matchAll(/\{\{-?([\s\S]*?)-?\}\}/g)) {
      // drop comments and string literals: neither reads a value
      const action = m[1]
        .replace(/\/\*[\s\S]*?\*\//g, "")
        .replace(/"(?:[^"\\]|\\.)*"|`[^`]*`/g, '""')
        .trim();
      if (!action) continue;
      const dot = stack[stack.length - 1];
      const kw = /^(if|with|range|define|block|end|else(?:\s+(?:if|with))?)\b\s*([\s\S]*)$/.exec(action);
      const keyword = kw?.[1].replace(/\s+/, " ");
      let body = kw ? kw[2] : action;
      // $a := expr  /  $a = expr  /  range $k, $v := expr
      const assign = /^((?:\$[A-Za-z_][A-Za-z0-9_]*\s*,\s*)?)(\$[A-Za-z_][A-Za-z0-9_]*)\s*:?=\s*([\s\S]*)$/.exec(body);
      if (assign) body = assign[3];
      for (const r of chainsOf(body, dot, vars)) refs.add(r);
      const value = contextOf(body, dot, vars);
      if (assign) vars.set(assign[2], keyword === "range" ? "unknown" : value);
      switch (keyword) {
        case "define":
        case "block":
          stack.push("root");
          vars = new Map();
          break;
        case "if":
          stack.push(dot);
          break;
        case "with":
          stack.push(value);
          break;
        case "range":
          stack.push("unknown");
          break;
        case "else with":
          stack[stack.length - 1] = value;
          break;
        case "end":
          if (stack.length > 1) stack.pop();
          break;
        default:
          break;
      }
    }
  }
  return [...refs].sort();
}

export interface UpstreamFacts {
  valuesFlat: Record<string, FlatKey>;
  templateRefs: string[];
}

/** The facts of a chart archive whose top directory is `name` (harbor for harbor-1.19.1.tgz). */
export function upstreamFacts(archive: Buffer, name = "harbor"): UpstreamFacts {
  const files = untgz(archive);
  const valuesText = files.get(`${name}/values.yaml`);
  if (!valuesText) throw new Error(`${name}/values.yaml not in the archive`);
  const templates: Record<string, string> = {};
  for (const [file, body] of files) if (file.startsWith(`${name}/templates/`)) templates[file] = body.toString("utf8");
  return { valuesFlat: flattenValues(yaml.load(valuesText.toString("utf8"))), templateRefs: templateRefs(templates) };
}

/** The two files' text, as npm run contracts writes them. */
export function upstreamFactFiles(facts: UpstreamFacts): Record<string, string> {
  return {
    "values.flat.json": `${JSON.stringify(facts.valuesFlat, null, 1)}\n`,
    "template-refs.json": `${JSON.stringify(facts.templateRefs, null, 1)}\n`,
  };
}
