// A problem found in a spec: the dotted path of the field, what was expected, what was given.
export interface Problem {
  /** Dotted path from the top of the spec file, e.g. harbor-config.service.harbor.https.nodePort */
  path: string;
  /** What the field must be. */
  expected: string;
  /** What the file has there (rendered short; secrets are never echoed). */
  given: string;
  /** error: the spec is invalid; warning: it is valid but probably not what the user wants. */
  severity: "error" | "warning";
}

export const ROOT_KEY = "harbor-config";

/** Turns a JSON pointer inside the harbor-config block into a dotted path: /projects/0/name -> harbor-config.projects[0].name */
export function dottedPath(pointer: string, root = ROOT_KEY): string {
  if (!pointer) return root;
  let out = root;
  for (const raw of pointer.split("/").slice(1)) {
    const seg = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    out += /^\d+$/.test(seg) ? `[${seg}]` : `.${seg}`;
  }
  return out;
}

/** Fields whose values must never be echoed back in a message. */
const SECRET_FIELDS = [/\.auth\.password$/, /\.auth\.certs\.key$/, /^secrets\./];

export function describeValue(value: unknown, path = ""): string {
  if (SECRET_FIELDS.some((re) => re.test(path)) && value !== undefined && value !== "") return "(a value, not shown)";
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (typeof value === "string") {
    const shown = value.length > 60 ? `${value.slice(0, 57)}...` : value;
    return `${JSON.stringify(shown)} (string)`;
  }
  if (typeof value === "number") return `${value} (${Number.isInteger(value) ? "integer" : "number"})`;
  if (typeof value === "boolean") return `${value} (boolean)`;
  if (Array.isArray(value)) return `a list of ${value.length}`;
  return "an object";
}

export function formatProblem(p: Problem): string {
  const tag = p.severity === "error" ? "error" : "warning";
  return `${tag}: ${p.path}: expected ${p.expected}; given ${p.given}`;
}

/** Raised for input the CLI cannot read at all (missing file, bad YAML, no harbor-config key). */
export class SpecInputError extends Error {
  constructor(
    message: string,
    readonly problems: Problem[] = [],
  ) {
    super(message);
    this.name = "SpecInputError";
  }
}
