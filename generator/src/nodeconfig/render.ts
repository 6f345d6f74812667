// The containerd host files, rendered from the chart's own template (templates/node-mirror-configmap.yaml
// through _node-mirror.tpl) with helm, so `harbor-edge node-config` writes the bytes the node-mirror
// DaemonSet writes. Needs no upstream chart: only our templates are rendered. I/O at the edge (helm).
import yaml from "js-yaml";
import { findHelm, type Helm } from "../chart/find.js";
import { linkChart, runHelm, templateArgs } from "../chart/chart.js";
import { valuesYaml } from "../values/build.js";
import type { Spec } from "../spec/types.js";
import { NAMES } from "../common/names.js";

export const NODE_MIRROR_CONFIGMAP = NAMES.nodeMirror;
export const NODE_MIRROR_TEMPLATE = "templates/node-mirror-configmap.yaml";

/** The ConfigMap key of a registry host's hosts.toml (keys cannot hold ':'), as harbor-edge.nodeMirror.key. */
export function configMapKey(host: string): string {
  return `${host.replace(/:/g, "_")}.hosts.toml`;
}

export interface RenderedNodeMirror {
  /** the ConfigMap's data: key -> exact hosts.toml text */
  data: Record<string, string>;
  /** the rendered ConfigMap, as helm printed it */
  manifest: string;
}

/** Renders the node-mirror ConfigMap for a spec; undefined when the chart renders none (no proxy cache or no address). */
export function renderNodeMirror(
  spec: Spec,
  o: { helm?: Helm; namespace?: string; release?: string } = {},
): RenderedNodeMirror | undefined {
  // read-only: a view of chart/ (nothing copied), the values on helm's stdin
  const chart = linkChart({ ownOnly: true });
  try {
    const args = templateArgs(chart.dir, {
      valuesFiles: ["-"],
      namespace: o.namespace,
      release: o.release,
      extraArgs: ["--show-only", NODE_MIRROR_TEMPLATE],
    });
    const r = runHelm(o.helm ?? findHelm(), args, undefined, valuesYaml(spec, "node-config"));
    if (r.code !== 0) {
      // helm refuses --show-only of a template that rendered nothing
      if (/could not find template/.test(r.stderr)) return undefined;
      throw new Error(`helm template failed:\n${r.stderr.trim()}`);
    }
    const docs = yaml
      .loadAll(r.stdout)
      .filter((d): d is { kind: string; metadata: { name: string }; data?: Record<string, string> } => Boolean(d) && typeof d === "object");
    const cm = docs.find((d) => d.kind === "ConfigMap" && d.metadata?.name === NODE_MIRROR_CONFIGMAP);
    if (!cm) return undefined;
    return { data: cm.data ?? {}, manifest: r.stdout };
  } finally {
    chart.cleanup();
  }
}
