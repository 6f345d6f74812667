// Reading a secrets file (what `harbor-edge secrets` wrote) for render -s, node-config --secrets and seed
// --secrets: refused, naming the file and the field, when it is not one (a spec given by mistake, a values file),
// or when it was made for another namespace than the one asked for (its certificate names another namespace's
// Service addresses, and the chart would silently sign a new one: the render would no longer be reproducible).
import fs from "node:fs";
import yaml from "js-yaml";
import { NAMES } from "../values/names.js";
import { loadSecretsSchema } from "../spec/schema.js";

export class SecretsFileError extends Error {}

export interface SecretsFile {
  secrets: Record<string, any>;
  /** the namespace its generated certificate was made for (from tls.sans); undefined when it has none */
  namespace?: string;
}

/** The namespace a certificate's SANs were made for: the one in harbor.NS.svc (certs/sans.ts writes it). */
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
  if (!doc || typeof doc !== "object" || Array.isArray(doc)) throw new SecretsFileError(`${file}: expected ${hint}; given ${doc === null || doc === undefined ? "an empty file" : "no YAML mapping"}`);
  const keys = Object.keys(doc);
  if (keys.includes("harbor-config")) throw new SecretsFileError(`${file}: expected ${hint}; given a spec (it has the key harbor-config): pass the spec as the SPEC argument, the secrets file with -s`);
  const other = keys.filter((k) => k !== "secrets");
  if (other.length > 0 || !keys.includes("secrets")) throw new SecretsFileError(`${file}: expected ${hint}, whose only key is secrets; given the key${other.length === 1 ? "" : "s"} ${(other.length ? other : keys).join(", ") || "none"}`);
  const secrets = (doc as { secrets: unknown }).secrets;
  if (!secrets || typeof secrets !== "object" || Array.isArray(secrets)) throw new SecretsFileError(`${file}: secrets: expected a mapping of credentials; given ${JSON.stringify(secrets)}`);
  for (const [k, v] of Object.entries(secrets)) {
    const field = schema.properties[k];
    if (!field) throw new SecretsFileError(`${file}: secrets.${k}: expected one of the keys ${Object.keys(schema.properties).join(", ")}; given an unknown key`);
    if (k === "tls" && v && typeof v === "object") {
      for (const t of Object.keys(v)) if (!field.properties?.[t]) throw new SecretsFileError(`${file}: secrets.tls.${t}: expected one of the keys ${Object.keys(field.properties ?? {}).join(", ")}; given an unknown key`);
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

/** Reads, parses and checks a secrets file; with a namespace, refuses one made for another. */
export function readSecretsFile(file: string, namespace?: string): SecretsFile {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new SecretsFileError(`${file}: cannot read the secrets file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  let doc: unknown;
  try {
    doc = yaml.load(text);
  } catch (e) {
    throw new SecretsFileError(`${file}: not valid YAML (${(e as Error).message.split("\n")[0]})`);
  }
  const s = parseSecretsDoc(doc, file);
  if (namespace !== undefined) checkNamespace(s, file, namespace);
  return s;
}
