// chart/templates/_generated.tpl: what the chart must know that TypeScript also knows, written once: the names of
// the objects the chart renders (common/names.ts NAMES) and the built-in registries Harbor proxies
// (spec/registries.ts BUILTIN_PROXY). The templates include these defines; nothing in them is written by hand.
// Pure.
import { NAMES } from "../../src/common/names.js";
import { BUILTIN_PROXY } from "../../src/spec/registries.js";
import { GENERATED_NOTICE } from "../../src/common/banner.js";

/** the chart's name helpers and the NAMES entry each one gives */
const NAME_HELPERS: Array<[helper: string, name: string]> = [
  ["service", NAMES.service],
  ["upstreamNginxService", NAMES.upstreamNginxService],
  ["tls", NAMES.tlsSecret],
  ["ca", NAMES.caSecret],
  ["admin", NAMES.adminSecret],
  ["core", NAMES.coreSecret],
  ["jobservice", NAMES.jobserviceSecret],
  ["registry", NAMES.registrySecret],
  ["database", NAMES.databaseSecret],
  ["registryInfo", NAMES.registryInfoSecret],
];

const quoted = (s: string) => JSON.stringify(s);

export function chartTables(): string {
  const pvc = Object.entries(NAMES.pvc).map(([k, v]) => `${quoted(k)} ${quoted(v)}`).join(" ");
  const builtin = JSON.stringify(Object.fromEntries(Object.entries(BUILTIN_PROXY).map(([host, b]) => [host, [b.url, b.type]])));
  return [
    `{{/* ${GENERATED_NOTICE}`,
    "source: generator/src/common/names.ts and generator/src/spec/registries.ts (test/generated.test.ts checks the drift) */}}",
    "",
    "{{/* Object names: fixed, whatever the release is called (upstream is pointed at them statically). */}}",
    ...NAME_HELPERS.map(([helper, name]) => `{{- define "harbor-edge.name.${helper}" -}}${name}{{- end -}}`),
    `{{- define "harbor-edge.name.pvc" -}}{{- index (dict ${pvc}) . | required (printf "no PersistentVolumeClaim name for the component %q" .) -}}{{- end -}}`,
    "",
    "{{/* The built-in registries Harbor proxies: host -> [endpoint, Harbor registry type], as JSON. */}}",
    `{{- define "harbor-edge.builtinProxyRegistries" -}}${builtin}{{- end -}}`,
    "",
  ].join("\n");
}
