// npm run bundle [-- OUT]: the CLI in one file with its dependencies (default dist/image/harbor-edge.mjs), for the
// project's image (Dockerfile) and the local-cluster tier's stand-in of it. It runs with node alone: no shell,
// no node_modules, no package.json beside it (the version is compiled in).
import fs from "node:fs";
import path from "node:path";
import { build } from "esbuild";
import { ROOT } from "../src/paths.js";
import { packageVersion } from "../src/common/version.js";

export const BUNDLE = path.join(ROOT, "dist", "image", "harbor-edge.mjs");

export async function bundle(out = BUNDLE): Promise<string> {
  fs.mkdirSync(path.dirname(out), { recursive: true });
  await build({
    entryPoints: [path.join(ROOT, "generator", "src", "main.ts")],
    outfile: out,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    minify: true,
    legalComments: "external",
    define: { HARBOR_EDGE_BUNDLED_VERSION: JSON.stringify(packageVersion()) },
    // CommonJS dependencies call require() for node's own modules
    banner: {
      js: "import { createRequire as __harborEdgeRequire } from 'node:module'; const require = __harborEdgeRequire(import.meta.url);",
    },
    logLevel: "warning",
  });
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const out = await bundle(process.argv[2] ? path.resolve(process.argv[2]) : BUNDLE);
  console.log(`${path.relative(process.cwd(), out)}: ${(fs.statSync(out).size / 1024).toFixed(0)} KiB`);
}
