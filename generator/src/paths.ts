// Locations inside the package, resolved from this file so the CLI works from any working directory.
import { fileURLToPath } from "node:url";
import path from "node:path";
import os from "node:os";

const here = path.dirname(fileURLToPath(import.meta.url));
// generator/src or generator/dist -> package root
export const ROOT = path.resolve(here, "..", "..");
export const SCHEMA_DIR = path.join(ROOT, "schemas");
export const SPEC_SCHEMA = path.join(SCHEMA_DIR, "harbor-config.schema.json");
export const SECRETS_SCHEMA = path.join(SCHEMA_DIR, "harbor-secrets.schema.json");
export const CHART_DIR = path.join(ROOT, "chart");
export const EXAMPLES_DIR = path.join(ROOT, "examples");
export const DEFAULT_SPEC = path.join(EXAMPLES_DIR, "edge-single-node.yaml");

/** Where the upstream chart archive is looked up offline (the air-gap path). */
export function chartCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.HARBOR_EDGE_CHART_CACHE) return path.resolve(env.HARBOR_EDGE_CHART_CACHE);
  return path.join(userCacheDir(env), "charts");
}

export function userCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache");
  return path.join(base, "harbor-edge");
}
