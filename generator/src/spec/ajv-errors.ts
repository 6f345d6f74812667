// Turns ajv's raw errors into one Problem per field, worded for people.
import type { ErrorObject } from "ajv";
import { dottedPath, describeValue, type Problem } from "./problems.js";

function typeName(t: unknown): string {
  const names: Record<string, string> = {
    integer: "an integer",
    number: "a number",
    string: "a string",
    boolean: "true or false",
    object: "a mapping of keys",
    array: "a list",
    null: "null",
  };
  const list = Array.isArray(t) ? t : [t];
  return list.map((x) => names[String(x)] ?? String(x)).join(" or ");
}

function expectedFor(e: ErrorObject): string {
  const ps = (e.parentSchema ?? {}) as Record<string, any>;
  const custom: string | undefined = ps["x-expected"];
  const p = e.params;
  switch (e.keyword) {
    case "type":
      return typeName(p.type);
    case "additionalProperties": {
      const known = Object.keys(ps.properties ?? {});
      return known.length ? `one of the keys ${known.join(", ")}` : "no keys";
    }
    case "required":
      return `the key ${p.missingProperty} to be set`;
    case "enum":
      return `one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")}`;
    case "minimum":
    case "maximum": {
      const lo = ps.minimum,
        hi = ps.maximum;
      const what = ps.type === "integer" ? "an integer" : "a number";
      if (lo !== undefined && hi !== undefined) return `${what} from ${lo} to ${hi}`;
      return e.keyword === "minimum" ? `${what} of at least ${lo}` : `${what} of at most ${hi}`;
    }
    case "minLength":
      return p.limit === 1 ? "a non-empty string" : `at least ${p.limit} characters`;
    case "maxLength":
      return `at most ${p.limit} characters`;
    case "maxItems":
      return `at most ${p.limit} entries`;
    case "uniqueItems":
      return `no duplicate entries (entries ${p.j} and ${p.i} are the same)`;
    case "pattern":
      return custom ?? `a string matching ${p.pattern}`;
    case "format":
      return custom ?? `a valid ${p.format}`;
    case "anyOf":
    case "oneOf":
      return custom ?? String(ps.description ?? "one of the allowed forms");
    default:
      return custom ?? e.message ?? e.keyword;
  }
}

/**
 * One problem per failing field. Errors inside an anyOf are folded into the anyOf's own message
 * (its x-expected annotation), so "vip: must be ipv4 / must be ipv6 / must be empty" reads as one line.
 */
export function problemsFromAjv(
  errors: ErrorObject[] | null | undefined,
  root = "harbor-config",
  skip: (pointer: string, e: ErrorObject) => boolean = () => false,
): Problem[] {
  if (!errors) return [];
  const unions = errors
    .filter((e) => e.keyword === "anyOf" || e.keyword === "oneOf")
    .map((e) => e.schemaPath.replace(/\/(anyOf|oneOf)$/, "/$1/"));
  const seen = new Set<string>();
  const out: Problem[] = [];
  for (const e of errors) {
    if (unions.some((u) => e.schemaPath.startsWith(u))) continue;
    let pointer = e.instancePath;
    let given: unknown = e.data;
    if (e.keyword === "additionalProperties") {
      pointer = `${pointer}/${(e.params as any).additionalProperty}`;
      given = (e.data as Record<string, unknown>)?.[(e.params as any).additionalProperty];
    } else if (e.keyword === "required") {
      pointer = `${pointer}/${(e.params as any).missingProperty}`;
      given = undefined;
    }
    if (skip(pointer, e)) continue;
    const path = dottedPath(pointer, root);
    // one problem per field: the first failing keyword says enough
    if (seen.has(path)) continue;
    seen.add(path);
    const expected = e.keyword === "additionalProperties" ? `a known key (${expectedFor(e)})` : expectedFor(e);
    const shown =
      e.keyword === "additionalProperties"
        ? `unknown key ${JSON.stringify((e.params as any).additionalProperty)}`
        : describeValue(given, path);
    out.push({ path, expected, given: shown, severity: "error" });
  }
  return out;
}
