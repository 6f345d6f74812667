// Rendering the chart for a spec: its values on helm's stdin, the chart linked with the upstream chart from the
// offline cache, helm template. The one place the CLI (render, images, pack) and npm run generate render.
// I/O at the edge.
import { findHelm, type Helm } from "./find.js";
import { linkChart, runHelm, specTemplateArgs, UPSTREAM_ARCHIVE, type PreparedChart } from "./chart.js";
import { chartCacheDir } from "../paths.js";
import { UPSTREAM_CHART_VERSION } from "../values/derive.js";
import type { Spec } from "../spec/types.js";
import { valuesYaml } from "../values/build.js";
import { withoutMacros } from "../spec/macros.js";
import { validateSpec } from "../spec/validate.js";
import { maskSecrets } from "../secrets/read.js";

export class UpstreamMissing extends Error {
  constructor(what: string) {
    super(
      `${what} needs the upstream harbor chart ${UPSTREAM_CHART_VERSION}: put ${UPSTREAM_ARCHIVE} into the chart cache ${chartCacheDir()} (HARBOR_EDGE_CHART_CACHE), e.g. helm pull harbor --repo https://helm.goharbor.io --version ${UPSTREAM_CHART_VERSION}`,
    );
  }
}

/** The spec to render for the image list: Palette macros replaced by defaults (images do not depend on them). */
export function renderableSpec(spec: Spec): Spec {
  return validateSpec(withoutMacros(spec)).spec as Spec;
}

export interface SpecRender {
  manifests: string;
  /** the values file content the render used */
  values: string;
  helm: Helm;
  /** the prepared chart; the caller calls chart.cleanup() */
  chart: PreparedChart;
}

export interface RenderSpecOptions {
  /** render our templates alone */
  ownOnly?: boolean;
  /** fail with UpstreamMissing (naming this command) when the upstream chart is not in the cache */
  requireUpstream?: string;
  /** more values files after the spec's, e.g. the secrets file */
  extraValuesFiles?: string[];
  namespace?: string;
  release?: string;
}

export function renderSpec(spec: Spec, source: string, o: RenderSpecOptions = {}): SpecRender {
  const values = valuesYaml(spec, source);
  const chart = linkChart({ ownOnly: o.ownOnly });
  if (o.requireUpstream && !chart.withUpstream) {
    chart.cleanup();
    throw new UpstreamMissing(o.requireUpstream);
  }
  try {
    const helm = findHelm();
    // the values reach helm on stdin (-f -): no temporary file
    const r = runHelm(helm, specTemplateArgs(chart.dir, o), undefined, values);
    // the secrets files' values never reach a message; one that does not parse gives its own error
    if (r.code !== 0)
      throw new Error(
        `helm template failed:\n${(o.extraValuesFiles?.length ? maskSecrets(r.stderr, o.extraValuesFiles) : r.stderr).trim()}`,
      );
    return { manifests: r.stdout, values, helm, chart };
  } catch (e) {
    chart.cleanup();
    throw e;
  }
}
