// `harbor-edge terraform`: main.tf and variables.tf that reference the pack with spectrocloud_pack_simple and
// put it, with the spec's values, into an add-on cluster profile for edge-native clusters. Pure.
import fs from "node:fs";
import path from "node:path";
import Handlebars from "handlebars";
import yaml from "js-yaml";
import { ROOT } from "../paths.js";
import { buildValues } from "../values/build.js";
import type { Spec } from "../values/derive.js";
import { PACK_NAME } from "../pack/files.js";

/** Terraform reads ${ and %{ in strings as interpolation: escape them. */
export function hclEscape(text: string): string {
  return text.replace(/\$\{/g, "$${").replace(/%\{/g, "%%{");
}

const PASSWORD_REF = "__HARBOR_ADMIN_PASSWORD__";

function template(name: string): Handlebars.TemplateDelegate {
  return Handlebars.compile(fs.readFileSync(path.join(ROOT, "generator", "templates", name), "utf8"), { noEscape: true });
}

export function terraformFiles(spec: Spec, opts: { version: string }): Record<string, string> {
  // the password never lands in the files: the values take it from a sensitive variable
  const withRef: Spec = { ...spec, auth: { ...spec.auth, password: spec.auth.existingSecret ? "" : PASSWORD_REF } };
  const values = hclEscape(yaml.dump(buildValues(withRef), { lineWidth: -1, noRefs: true })).replace(PASSWORD_REF, "${jsonencode(var.harbor_admin_password)}");
  const indented = values.trimEnd().split("\n").map((l) => `      ${l}`).join("\n");
  return {
    "main.tf": template("main.tf.hbs")({ packName: PACK_NAME, version: opts.version, values: indented }),
    "variables.tf": template("variables.tf.hbs")({ version: opts.version }),
  };
}
