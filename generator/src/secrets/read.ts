// Reading a secrets file (what `harbor-edge secrets` wrote; seed --secrets, node-config --secrets, render -s): no
// message about it ever quotes its content. A YAML error names the line and column only (js-yaml's own message
// prints the lines around it, keys and values included); helm's messages about it have its values masked.
import fs from "node:fs";
import { parseYamlBounded } from "../io/yaml-bounded.js";

export class SecretsFileError extends Error {}

const why = (e: unknown) => (e as NodeJS.ErrnoException).code ?? "unreadable";

/** The parsed secrets file (a mapping); throws SecretsFileError naming the file and, for YAML errors, the place only. */
export function readSecretsFile(file: string): Record<string, any> {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new SecretsFileError(`${file}: cannot read the secrets file (${why(e)})`);
  }
  let doc: unknown;
  try {
    doc = parseYamlBounded(text, { file, secret: true });
  } catch (e) {
    throw new SecretsFileError((e as Error).message);
  }
  if (!doc || typeof doc !== "object" || Array.isArray(doc)) throw new SecretsFileError(`${file}: expected a mapping with the key secrets (the file harbor-edge secrets writes)`);
  return doc as Record<string, any>;
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
  const goQuoted = (s: string) => s.replace(/[\u0000-\u001f\u007f]/g, (c) => ({ "\n": "\\n", "\t": "\\t", "\r": "\\r" })[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
  const values = files
    .flatMap((f) => stringsIn(readSecretsFile(f)))
    .flatMap((s) => [s, goQuoted(s), JSON.stringify(s).slice(1, -1), ...s.split("\n").map((l) => l.trim())])
    .filter((s) => s.length >= 4)
    .sort((a, b) => b.length - a.length);
  let out = text;
  for (const s of values) out = out.split(s).join("(a secret, not shown)");
  // helm's values-schema errors quote the value after its path: whatever is quoted there is not shown either
  return out.replace(/(at '\/secrets\/[^']*': )'(?:[^'\\]|\\.)*'/g, "$1(a value, not shown)");
}
