// The offline chart cache for the tests: when it lacks the pinned upstream harbor chart and the workplace's
// shared/charts/ beside the clone has it (the copy CI and developers are handed), the archive is copied into the
// cache once, atomically, so every tier finds it where a user's machine keeps it. Nothing is ever taken from the
// network, and a clone with no shared/ beside it is left as it is: its tiers that need the chart say NOT RUN.
import fs from "node:fs";
import path from "node:path";
import { ROOT } from "../../generator/src/paths.js";
import { cachedUpstream, UPSTREAM_ARCHIVE } from "../../generator/src/chart/chart.js";
import { chartCacheDir } from "../../generator/src/paths.js";

/** Where the workplace's copy of the upstream chart is looked for: ../shared/charts/ from the project root. */
export const SHARED_CHARTS = path.resolve(ROOT, "..", "shared", "charts");

/** The cached archive after filling the cache from shared/charts/ if it lacked it; undefined when neither has it. */
export function fillChartCache(env: NodeJS.ProcessEnv = process.env, shared = SHARED_CHARTS): string | undefined {
  const have = cachedUpstream(env);
  if (have) return have;
  const source = path.join(shared, UPSTREAM_ARCHIVE);
  if (!fs.existsSync(source)) return undefined;
  const dir = chartCacheDir(env);
  fs.mkdirSync(dir, { recursive: true });
  const target = path.join(dir, UPSTREAM_ARCHIVE);
  const tmp = `${target}.${process.pid}.tmp`;
  fs.copyFileSync(source, tmp);
  fs.chmodSync(tmp, 0o644);
  fs.renameSync(tmp, target);
  return target;
}
