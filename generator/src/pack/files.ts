// The text files of the Palette pack, pure functions of the spec, the image list and the chart archive name.
import yaml from "js-yaml";
import Handlebars from "handlebars";
import fs from "node:fs";
import path from "node:path";
import { ROOT } from "../paths.js";
import { buildValues } from "../values/build.js";
import { HARBOR_VERSION, UPSTREAM_CHART_VERSION, type Spec } from "../values/derive.js";
import { parametersTable } from "../codegen/readme-table.js";

export const PACK_NAME = "harbor-edge-native-config";
export const PACK_DISPLAY_NAME = "Harbor Edge Native Config";
export const PACK_NAMESPACE = "harbor";

export interface PackMeta {
  version: string;
  chartArchive: string;
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
  };
}

/**
 * The spec as the pack carries it: nodeMirror.enabled forced off, because Palette's node agent already
 * redirects every pull to Harbor (spectro-images) and the two would fight over containerd's host files.
 */
export function packSpec(spec: Spec): Spec {
  return { ...spec, nodeMirror: { ...spec.nodeMirror, enabled: false } };
}

/** values.yaml: the pack section (namespace, air-gap content) and the chart's values for the spec (packSpec). */
export function packValues(spec: Spec, images: string[]): Record<string, unknown> {
  return {
    pack: {
      namespace: PACK_NAMESPACE,
      releaseNameOverride: { [PACK_NAME]: "harbor" },
      content: {
        images: images.map((image) => ({ image })),
        charts: [
          { repo: "https://helm.goharbor.io", name: "harbor", version: UPSTREAM_CHART_VERSION },
        ],
      },
    },
    charts: { [PACK_NAME]: buildValues(packSpec(spec)) },
  };
}

export function packValuesYaml(spec: Spec, images: string[]): string {
  const header = [
    "# Palette pack values for harbor-edge-native-config.",
    "# charts.harbor-edge-native-config.harbor-config is the spec: edit it here. The harbor: block beside it is",
    "# derived from it (harbor-edge values); the chart refuses to render when the two disagree.",
    "# nodeMirror.enabled stays false in the pack: Palette's node agent redirects pulls to Harbor itself.",
    "",
  ].join("\n");
  return header + yaml.dump(packValues(spec, images), { lineWidth: -1, noRefs: true });
}

const P = `charts.${PACK_NAME}.harbor-config`;

/** schema.yaml: Palette's value constraints (masked password, lists, IPv4, numbers, hints). */
export function schemaYaml(): string {
  const entries: Record<string, string> = {
    [`${P}.auth.password`]: `{{ format "\${password}" | hints "admin password: 8-128 characters with upper, lower and a digit; empty generates one" }}`,
    [`${P}.cluster.vip`]: `{{ format "\${ipv4}" | hints "the cluster's virtual IP (kube-vip)" }}`,
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
export function packReadme(meta: PackMeta): string {
  readmeTemplate ??= Handlebars.compile(fs.readFileSync(path.join(ROOT, "generator", "templates", "pack-README.md.hbs"), "utf8"), { noEscape: true });
  return readmeTemplate({ version: meta.version, harborVersion: HARBOR_VERSION, upstreamChart: UPSTREAM_CHART_VERSION, parameters: parametersTable().split("\n").filter((l) => l.startsWith("|")).join("\n") });
}
