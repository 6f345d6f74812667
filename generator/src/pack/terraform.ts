// `harbor-edge terraform`: main.tf and variables.tf that put the pack, from the OCI pack registry a Terraform
// variable names, into an add-on cluster profile for edge-native clusters. The pack's `values` are the pack's
// values.yaml, the very string `harbor-edge pack` writes (packValuesYaml: the pack's rules, no literal
// password). Pure: the image list comes in from the caller.
import fs from "node:fs";
import path from "node:path";
import Handlebars from "handlebars";
import { ROOT } from "../paths.js";
import type { Spec } from "../spec/types.js";
import { PACK_NAME, packValuesYaml, passwordVariable } from "./files.js";

/** The spectrocloud provider versions the files are written for: the profile resolves an `oci` pack's UID from name, tag and registry since 0.28.0. */
export const PROVIDER_VERSION = ">= 0.28.0, < 1.0.0";

/** Terraform reads ${ and %{ in strings as interpolation: escape them. */
export function hclEscape(text: string): string {
  return text.replace(/\$\{/g, "$${").replace(/%\{/g, "%%{");
}

/** The inverse of hclEscape: what Terraform makes of the escaped text. */
export function hclUnescape(text: string): string {
  return text.replace(/\$\$\{/g, "${").replace(/%%\{/g, "%{");
}

function template(name: string): Handlebars.TemplateDelegate {
  return Handlebars.compile(fs.readFileSync(path.join(ROOT, "generator", "templates", name), "utf8"), { noEscape: true });
}

export function terraformFiles(spec: Spec, opts: { version: string; images: string[] }): Record<string, string> {
  const values = hclEscape(packValuesYaml(spec, opts.images));
  // a flush heredoc (<<-) drops the common indentation again: every line, empty ones too, gets the same
  const indented = values
    .replace(/\n$/, "")
    .split("\n")
    .map((l) => `      ${l}`)
    .join("\n");
  const variable = passwordVariable(spec);
  const ctx = {
    packName: PACK_NAME,
    version: opts.version,
    providerVersion: PROVIDER_VERSION,
    values: indented,
    passwordVariable: variable,
    passwordMacro: `{{.spectro.var.${variable}}}`,
  };
  return {
    "main.tf": template("main.tf.hbs")(ctx),
    "variables.tf": template("variables.tf.hbs")(ctx),
  };
}
