// harbor-edge version [--json]: the CLI's version; with --json the chart's, Harbor's and the upstream chart's too.
import type { Command } from "commander";
import { out } from "./common.js";

export interface Versions {
  version: string;
  chart: string;
  harbor: string;
  upstreamChart: string;
}

/** Every version this release pins, read from package.json, chart/Chart.yaml and upstream.ts. */
export async function versions(): Promise<Versions> {
  const [{ packageVersion, chartVersion }, { HARBOR_VERSION, UPSTREAM_CHART_VERSION }] = await Promise.all([
    import("../common/version.js"),
    import("../common/upstream.js"),
  ]);
  let chart: string;
  try {
    chart = chartVersion();
  } catch {
    chart = packageVersion(); // the image's one-file CLI has no chart/ beside it; the two are kept equal (release.test.ts)
  }
  return { version: packageVersion(), chart, harbor: HARBOR_VERSION, upstreamChart: UPSTREAM_CHART_VERSION };
}

export function register(program: Command) {
  program
    .command("version")
    .description("print harbor-edge's version; --json adds the chart's, Harbor's and the upstream harbor chart's")
    .option("--json", "print {version, chart, harbor, upstreamChart} as JSON")
    .action(async (o: { json?: boolean }) => {
      const v = await versions();
      out(o.json ? JSON.stringify(v, null, 2) : v.version);
    });
}
