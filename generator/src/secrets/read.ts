// Reading a secrets file (what `harbor-edge secrets` wrote) for render -s, node-config --secrets and seed
// --secrets: refused, naming the file and the field, when it is not one (a spec given by mistake, a values file),
// or when it was made for another namespace than the one asked for (its certificate names another namespace's
// Service addresses, and the chart would silently sign a new one: the render would no longer be reproducible).
// No message about it ever quotes its content: a YAML error names the line and column only (js-yaml's own message
// prints the lines around it, keys and values included); helm's messages about it have its values masked.
import fs from "node:fs";
import { parseYamlBounded } from "../io/yaml-bounded.js";
import { NAMES } from "../common/names.js";
import { loadSecretsSchema } from "../spec/schema.js";

export class SecretsFileError extends Error {}

export interface SecretsFile {
  secrets: Record<string, any>;
  /** the namespace its generated certificate was made for (from tls.sans); undefined when it has none */
  namespace?: string;
}

/** The namespace a certificate's SANs were made for: the one in harbor.NS.svc (spec/sans.ts writes it). */
export function namespaceOfSans(sans: string): string | undefined {
  const re = new RegExp(`^${NAMES.service}\\.([a-z0-9]([-a-z0-9]*[a-z0-9])?)\\.svc$`);
  for (const name of sans.split(",")) {
    const m = re.exec(name.trim());
    if (m) return m[1];
  }
  return undefined;
}

/** Checks a parsed document is a secrets file: one key, secrets, holding only the schema's fields. Pure. */
export function parseSecretsDoc(doc: unknown, file: string): SecretsFile {
  const schema = loadSecretsSchema() as { properties: Record<string, { properties?: Record<string, unknown> }> };
  const hint = "a file harbor-edge secrets wrote (harbor-edge secrets SPEC -o FILE)";
  if (!doc || typeof doc !== "object" || Array.isArray(doc))
    throw new SecretsFileError(
      `${file}: expected ${hint}; given ${doc === null || doc === undefined ? "an empty file" : "no YAML mapping"}`,
    );
  const keys = Object.keys(doc);
  if (keys.includes("harbor-config"))
    throw new SecretsFileError(
      `${file}: expected ${hint}; given a spec (it has the key harbor-config): pass the spec as the SPEC argument, the secrets file with -s`,
    );
  const other = keys.filter((k) => k !== "secrets");
  if (other.length > 0 || !keys.includes("secrets"))
    throw new SecretsFileError(
      `${file}: expected ${hint}, whose only key is secrets; given the key${other.length === 1 ? "" : "s"} ${(other.length ? other : keys).join(", ") || "none"}`,
    );
  const secrets = (doc as { secrets: unknown }).secrets;
  if (!secrets || typeof secrets !== "object" || Array.isArray(secrets))
    throw new SecretsFileError(`${file}: secrets: expected a mapping of credentials; given ${JSON.stringify(secrets)}`);
  for (const [k, v] of Object.entries(secrets)) {
    const field = schema.properties[k];
    if (!field)
      throw new SecretsFileError(
        `${file}: secrets.${k}: expected one of the keys ${Object.keys(schema.properties).join(", ")}; given an unknown key`,
      );
    if (k === "tls" && v && typeof v === "object") {
      for (const t of Object.keys(v))
        if (!field.properties?.[t])
          throw new SecretsFileError(
            `${file}: secrets.tls.${t}: expected one of the keys ${Object.keys(field.properties ?? {}).join(", ")}; given an unknown key`,
          );
    }
  }
  const sans = (secrets as { tls?: { sans?: unknown } }).tls?.sans;
  const namespace = typeof sans === "string" ? namespaceOfSans(sans) : undefined;
  return { secrets: secrets as Record<string, any>, ...(namespace ? { namespace } : {}) };
}

/** Refuses a secrets file made for another namespace, naming both. Pure. */
export function checkNamespace(s: SecretsFile, file: string, namespace: string): void {
  if (s.namespace && s.namespace !== namespace) {
    throw new SecretsFileError(
      `${file}: made for namespace ${s.namespace} (secrets.tls.sans names harbor.${s.namespace}.svc), given namespace ${namespace}: pass -n ${s.namespace}, or make one for ${namespace} with harbor-edge secrets SPEC -n ${namespace} -o FILE`,
    );
  }
}

const why = (e: unknown) => (e as NodeJS.ErrnoException).code ?? "unreadable";

/** The parsed document of a secrets file, unchecked; throws SecretsFileError naming the file and, for YAML errors, the place only. */
function readSecretsDoc(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new SecretsFileError(`${file}: cannot read the secrets file (${why(e)})`);
  }
  try {
    return parseYamlBounded(text, { file, secret: true });
  } catch (e) {
    throw new SecretsFileError((e as Error).message);
  }
}

/** Reads, parses and checks a secrets file; with a namespace, refuses one made for another. */
export function readSecretsFile(file: string, namespace?: string): SecretsFile {
  const s = parseSecretsDoc(readSecretsDoc(file), file);
  if (namespace !== undefined) checkNamespace(s, file, namespace);
  return s;
}

/** Every string value in a document (the values a message must not show). */
function stringsIn(v: unknown, out: string[] = []): string[] {
  if (typeof v === "string") out.push(v);
  else if (Array.isArray(v)) v.forEach((x) => stringsIn(x, out));
  else if (v && typeof v === "object") Object.values(v).forEach((x) => stringsIn(x, out));
  return out;
}

/**
 * text (helm's stderr, say) with every value of the secrets files masked, each line of a multi-line value (a PEM
 * key) too. A file that does not parse throws its own SecretsFileError instead: that is the message to give.
 */
export function maskSecrets(text: string, files: string[]): string {
  // each value as it is, each of its lines, and as Go and JSON quote it (\x01, \n) in helm's messages
  const goQuoted = (s: string) =>
    s.replace(
      /[\u0000-\u001f\u007f]/g,
      (c) => ({ "\n": "\\n", "\t": "\\t", "\r": "\\r" })[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`,
    );
  const values = files
    .flatMap((f) => stringsIn(readSecretsDoc(f)))
    .flatMap((s) => [s, goQuoted(s), JSON.stringify(s).slice(1, -1), ...s.split("\n").map((l) => l.trim())])
    .filter((s) => s.length >= 4)
    .sort((a, b) => b.length - a.length);
  let out = text;
  for (const s of values) out = out.split(s).join("(a secret, not shown)");
  // helm's values-schema errors quote the value after its path: whatever is quoted there is not shown either
  return out.replace(/(at '\/secrets\/[^']*': )'(?:[^'\\]|\\.)*'/g, "$1(a value, not shown)");
}
