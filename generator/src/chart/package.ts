// The chart archive people pull: `helm package` of chart/ with the upstream harbor chart from the offline
// chart cache inside (charts/harbor/), so an air-gapped site needs nothing else. Written atomically into dest.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { prepareChart, runHelm, UPSTREAM_ARCHIVE } from "./chart.js";
import type { Helm } from "./find.js";
import { chartCacheDir } from "../paths.js";
import { chartVersion } from "../common/version.js";
import { ensureDir } from "../io/atomic.js";
import { NAMES } from "../common/names.js";

export const CHART_NAME = NAMES.chart;

/** Packages the chart into dest; returns the archive's path (dest/harbor-edge-native-config-<version>.tgz). */
export function packageChart(helm: Helm, dest: string, env: NodeJS.ProcessEnv = process.env): string {
  const chart = prepareChart({ env });
  const staging = fs.mkdtempSync(path.join(os.tmpdir(), "harbor-edge-package-"));
  try {
    if (!chart.withUpstream)
      throw new Error(`packaging the chart needs ${UPSTREAM_ARCHIVE} in the chart cache ${chartCacheDir(env)} (HARBOR_EDGE_CHART_CACHE)`);
    const r = runHelm(helm, ["package", chart.dir, "--destination", staging]);
    if (r.code !== 0) throw new Error(`helm package failed:\n${r.stderr.trim()}`);
    const name = `${CHART_NAME}-${chartVersion()}.tgz`;
    ensureDir(dest);
    const target = path.join(dest, name);
    fs.copyFileSync(path.join(staging, name), `${target}.${process.pid}.tmp`);
    fs.renameSync(`${target}.${process.pid}.tmp`, target);
    return target;
  } finally {
    chart.cleanup();
    fs.rmSync(staging, { recursive: true, force: true });
  }
}
