// The text files of the Palette pack, pure functions of the spec, the image list and the chart archive name.
import yaml from "js-yaml";
import Handlebars from "handlebars";
import fs from "node:fs";
import path from "node:path";
import { ROOT } from "../paths.js";
import { buildValues } from "../values/build.js";
import { HARBOR_VERSION, UPSTREAM_CHART_VERSION } from "../values/derive.js";
import type { Spec } from "../spec/types.js";
import { parametersTable } from "../spec/parameters-table.js";
import { isMacro } from "../spec/macros.js";
import { NAMES } from "../common/names.js";

/** the chart's name: the pack carries the chart archive under it */
export const PACK_NAME = NAMES.chart;
export const PACK_DISPLAY_NAME = "Harbor Edge Native Config";
export const PACK_NAMESPACE = "harbor";

export interface PackMeta {
  version: string;
  chartArchive: string;
}

/** The documented minimum of every Edge host (Prerequisites): 4 CPUs and 8 GB of RAM. */
export const MIN_HOST = { cpus: 4, memoryGiB: 8 };

/**
 * constraints.resources of pack.json in Palette's units (pack constraints: CPU in millicores, memory in MiB),
 * checked by Palette against every machine pool before a cluster is created.
 */
export function packConstraints(): { resources: { type: "cpu" | "memory"; minLimit: number }[] } {
  return {
    resources: [
      { type: "cpu", minLimit: MIN_HOST.cpus * 1000 },
      { type: "memory", minLimit: MIN_HOST.memoryGiB * 1024 },
    ],
  };
}

/** pack.json: what Palette's pack registry and the community pack schema read. */
export function packJson(meta: PackMeta): Record<string, unknown> {
  return {
    name: PACK_NAME,
    displayName: PACK_DISPLAY_NAME,
    version: meta.version.replace(/^v/, ""),
    layer: "addon",
    addonType: "registry",
    cloudTypes: ["edge-native"],
    charts: [meta.chartArchive],
    annotations: { source: "community", contributor: "harbor-edge-native-config", harborVersion: HARBOR_VERSION },
    constraints: packConstraints(),
  };
}

/** The profile variable an auth.password of exactly `{{.spectro.var.NAME}}` refers to, else undefined. */
export function passwordVariable(spec: Spec): string | undefined {
  return /^\{\{\s*\.spectro\.var\.([A-Za-z0-9_]+)\s*\}\}$/.exec(spec.auth?.password ?? "")?.[1];
}

/**
 * Why the pack dropped something of the spec, one line each naming the field (the commands print them):
 * the pack's own rules, applied by packSpec.
 */
export function packNotices(spec: Spec): string[] {
  const notes: string[] = [];
  if (spec.nodeMirror?.enabled) notes.push("nodeMirror.enabled: false in the pack (Palette's node agent redirects pulls to Harbor itself)");
  if (spec.auth?.password && !isMacro(spec.auth.password)) {
    notes.push(
      "auth.password: left out of the pack's values (they are pushed to a registry and stored in the profile); set it through a profile variable ({{.spectro.var.harbor_admin_password}}) or auth.existingSecret",
    );
  }
  return notes;
}

/**
 * The spec as the pack carries it, the pack's rules: nodeMirror.enabled forced off, because Palette's node
 * agent already redirects every pull to Harbor (spectro-images) and the two would fight over containerd's
 * host files; a literal auth.password left out (a Palette macro such as a profile variable stays), because
 * the pack's values.yaml is pushed to a registry and becomes the profile's values.
 */
export function packSpec(spec: Spec): Spec {
  const password = spec.auth?.password && isMacro(spec.auth.password) ? spec.auth.password : "";
  return { ...spec, auth: { ...spec.auth, password }, nodeMirror: { ...spec.nodeMirror, enabled: false } };
}

/**
 * values.yaml: the pack section (namespace, air-gap images) and the chart's values for the spec (packSpec).
 * The upstream harbor chart is not listed in content.charts: it travels inside the chart archive.
 */
export function packValues(spec: Spec, images: string[]): Record<string, unknown> {
  return {
    pack: {
      namespace: PACK_NAMESPACE,
      releaseNameOverride: { [PACK_NAME]: "harbor" },
      content: {
        images: images.map((image) => ({ image })),
      },
    },
    charts: { [PACK_NAME]: buildValues(packSpec(spec)) },
  };
}

/**
 * The text of the pack's values.yaml, which is also the `values` of the pack in a cluster profile (the
 * layer's whole values.yaml): `harbor-edge pack` and `harbor-edge terraform` both write this string.
 */
export function packValuesYaml(spec: Spec, images: string[]): string {
  const header = [
    "# Palette pack values for harbor-edge-native-config.",
    "# charts.harbor-edge-native-config.harbor-config is the spec: edit it here. The harbor: block beside it is",
    "# derived from it (harbor-edge values); the chart refuses to render when the two disagree.",
    "# nodeMirror.enabled stays false in the pack: Palette's node agent redirects pulls to Harbor itself.",
    "# auth.password never carries a literal password here: leave it empty (generated, then in the registry-info",
    '# Secret), set a profile variable ("{{.spectro.var.harbor_admin_password}}"), or use auth.existingSecret.',
    "",
  ].join("\n");
  return header + yaml.dump(packValues(spec, images), { lineWidth: -1, noRefs: true });
}

const P = `charts.${PACK_NAME}.harbor-config`;

const OCTET = "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])";
/**
 * cluster.vip in schema.yaml: empty (no VIP), an IPv4 address, or Palette's kube-vip macro
 * {{.spectro.system.cluster.kubevip}} (\${ipv4} alone rejects the first and the last). RE2 syntax written
 * without backslashes or doubled braces, so neither the template's string literal nor its delimiters see it.
 */
export const VIP_PATTERN = `^(|${OCTET}([.]${OCTET}){3}|[{][{] *[.]spectro[.]system[.]cluster[.]kubevip *[}][}])$`;

/** schema.yaml: Palette's value constraints (masked password, lists, IPv4, numbers, hints). */
export function schemaYaml(): string {
  const entries: Record<string, string> = {
    [`${P}.auth.password`]: `{{ format "\${password}" | hints "admin password: 8-128 characters with upper, lower and a digit; empty generates one" }}`,
    [`${P}.cluster.vip`]: `{{ format "\${string:/${VIP_PATTERN}/}" | hints "the cluster's virtual IP: an IPv4 address, the kube-vip macro (.spectro.system.cluster.kubevip) or empty" }}`,
    [`${P}.cluster.hostname`]: `{{ required | format "\${string:/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/}" }}`,
    [`${P}.service.serviceType`]: `{{ required | format "\${list:[NodePort,LoadBalancer,ClusterIP]}" }}`,
    [`${P}.service.harbor.https.nodePort`]: `{{ format "\${number:[30000-32767]}" }}`,
    [`${P}.service.harbor.http.nodePort`]: `{{ format "\${number:[30000-32767]}" }}`,
    [`${P}.service.metrics.enabled`]: `{{ format "\${boolean}" }}`,
    [`${P}.storage.registry`]: `{{ required | hints "GB for all images of the cluster profile" }}`,
    [`${P}.trivy.enabled`]: `{{ format "\${boolean}" }}`,
  };
  return yaml.dump(Object.fromEntries(Object.entries(entries).map(([k, v]) => [k, { schema: v }])), { lineWidth: -1 });
}

/** presets.yaml: NodePort on every node, or LoadBalancer on the cluster's VIP. */
export function presetsYaml(): string {
  const add = (serviceType: string) =>
    yaml.dump({ charts: { [PACK_NAME]: { "harbor-config": { service: { serviceType } } } } }, { lineWidth: -1 });
  return yaml.dump(
    {
      presets: [
        { name: "nodePort", displayName: "NodePort on every node (https 30003)", group: "exposure", remove: [], add: add("NodePort") },
        { name: "loadBalancer", displayName: "LoadBalancer on the cluster VIP", group: "exposure", remove: [], add: add("LoadBalancer") },
      ],
    },
    { lineWidth: -1 },
  );
}

let readmeTemplate: Handlebars.TemplateDelegate | undefined;
/** README.md of the pack; the parameters table (its header too) is the chart README's, one generator. */
export function packReadme(meta: PackMeta): string {
  readmeTemplate ??= Handlebars.compile(fs.readFileSync(path.join(ROOT, "generator", "templates", "pack-README.md.hbs"), "utf8"), {
    noEscape: true,
  });
  return readmeTemplate({
    version: meta.version,
    minCpus: MIN_HOST.cpus,
    minMemoryGiB: MIN_HOST.memoryGiB,
    harborVersion: HARBOR_VERSION,
    upstreamChart: UPSTREAM_CHART_VERSION,
    parameters: parametersTable()
      .split("\n")
      .filter((l) => l.startsWith("|"))
      .join("\n"),
  });
}
