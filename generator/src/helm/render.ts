// Rendering the full chart (ours with the upstream harbor chart from the offline cache) for a spec: what
// `images`, `pack` and `render` need. I/O at the edge: temporary files, helm.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { findHelm, type Helm } from "./find.js";
import { prepareChart, helmTemplate, UPSTREAM_ARCHIVE, type PreparedChart } from "./chart.js";
import { chartCacheDir } from "../paths.js";
import { UPSTREAM_CHART_VERSION } from "../values/derive.js";

export class UpstreamMissing extends Error {
  constructor(what: string) {
    super(`${what} needs the upstream harbor chart ${UPSTREAM_CHART_VERSION}: put ${UPSTREAM_ARCHIVE} into the chart cache ${chartCacheDir()} (HARBOR_EDGE_CHART_CACHE), e.g. helm pull harbor --repo https://helm.goharbor.io --version ${UPSTREAM_CHART_VERSION}`);
  }
}

export interface FullRender {
  manifests: string;
  helm: Helm;
  chart: PreparedChart;
}

/** Renders the full chart with these values; the caller cleans up chart. */
export function renderFull(valuesYamlText: string, what: string, opts: { namespace?: string; release?: string } = {}): FullRender {
  const chart = prepareChart();
  if (!chart.withUpstream) {
    chart.cleanup();
    throw new UpstreamMissing(what);
  }
  const helm = findHelm();
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "harbor-edge-values-")), "values.yaml");
  fs.writeFileSync(file, valuesYamlText);
  const r = helmTemplate(helm, chart.dir, { valuesFiles: [file], namespace: opts.namespace, release: opts.release });
  fs.rmSync(path.dirname(file), { recursive: true, force: true });
  if (r.code !== 0) {
    chart.cleanup();
    throw new Error(`helm template failed:\n${r.stderr.trim()}`);
  }
  return { manifests: r.stdout, helm, chart };
}
