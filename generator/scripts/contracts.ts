// npm run contracts: writes contracts/harbor-chart-<version>/values.flat.json and template-refs.json from the
// upstream chart archive in the offline chart cache. With --check, writes nothing and exits 1 when they drifted.
// Without the archive it says so and exits 0 (nothing to compare against).
import fs from "node:fs";
import path from "node:path";
import { cachedUpstream, UPSTREAM_ARCHIVE } from "../src/chart/chart.js";
import { chartCacheDir } from "../src/paths.js";
import { UPSTREAM_FACTS_DIR, upstreamFactFiles, upstreamFacts } from "./upstream-chart.js";
import { writeFileAtomic, PUBLIC } from "../src/io/atomic.js";

const check = process.argv.includes("--check");
const archive = cachedUpstream();
if (!archive) {
  console.warn(
    `SKIPPED: ${UPSTREAM_ARCHIVE} is not in the chart cache ${chartCacheDir()} (HARBOR_EDGE_CHART_CACHE): the upstream facts in ${path.relative(process.cwd(), UPSTREAM_FACTS_DIR)} were neither generated nor checked`,
  );
  process.exit(0);
}
const drifted: string[] = [];
for (const [name, want] of Object.entries(upstreamFactFiles(upstreamFacts(fs.readFileSync(archive))))) {
  const file = path.join(UPSTREAM_FACTS_DIR, name);
  const current = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
  if (current === want) continue;
  drifted.push(path.relative(process.cwd(), file));
  if (!check) writeFileAtomic(file, want, PUBLIC);
}
if (check && drifted.length) {
  console.error(`upstream facts are out of date: ${drifted.join(", ")}\nrun: npm run contracts`);
  process.exit(1);
}
console.log(drifted.length ? `wrote: ${drifted.join(", ")}` : "upstream facts are up to date");
