#!/usr/bin/env node
// npm start: `harbor-edge ARGS...` (the README's first command renders the default spec). A fresh clone may not
// have the upstream harbor chart in its chart cache; `render` refuses without it (a GitOps pipeline must not
// commit a Harbor-less render), so here that part says NOT RUN in one line, with where to put the chart, and
// this chart's own templates are rendered instead (render --own-only). Plain JS: runs right after the build.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const args = process.argv.slice(2);
const { cachedUpstream, UPSTREAM_ARCHIVE } = await import(path.join(ROOT, "generator", "dist", "chart", "chart.js"));
const { chartCacheDir } = await import(path.join(ROOT, "generator", "dist", "paths.js"));
const { UPSTREAM_CHART_VERSION } = await import(path.join(ROOT, "generator", "dist", "upstream.js"));
if (args[0] === "render" && !args.includes("--own-only") && !cachedUpstream()) {
  const dir = chartCacheDir();
  console.error(
    `NOT RUN: the full render — ${UPSTREAM_ARCHIVE} is not in the chart cache ${dir} (helm pull harbor --repo https://helm.goharbor.io --version ${UPSTREAM_CHART_VERSION} -d ${dir}); rendering this chart's own templates (render --own-only)`,
  );
  args.push("--own-only");
}
const r = spawnSync(process.execPath, [path.join(ROOT, "generator", "bin", "harbor-edge.js"), ...args], { stdio: "inherit" });
process.exit(r.status ?? 1);
