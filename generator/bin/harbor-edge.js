#!/usr/bin/env node
// harbor-edge CLI entry point. The TypeScript sources are compiled to generator/dist by npm ci / npm install
// (the prepare script) or npm run build.
// `harbor-edge validate ...` and help (no arguments, --help, -h, help) run the start-up bundle the build writes
// beside (generator/dist/cli-fast.cjs: the same cli.ts with validate's path, commander and js-yaml in one file),
// through V8's code cache (generator/src/spec/code-cache.ts): Node 20 caches no compiled ES modules, and loading
// and compiling some thirty of them cost more than all validate does. Every other command, and these too when
// the bundle is missing or older than the build, runs generator/dist/cli.js as it is.
import { existsSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";

const cli = new URL("../dist/cli.js", import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write("harbor-edge is not built yet: run npm run build (npm ci does it too)\n");
  process.exit(2);
}
const argv = process.argv.slice(2);
const fast = new URL("../dist/cli-fast.cjs", import.meta.url);
const fastFits = argv.length === 0 || ["validate", "--help", "-h", "help"].includes(argv[0]);
const fastMtime = fastFits ? statSync(fast, { throwIfNoEntry: false })?.mtimeMs : undefined;
if (fastMtime !== undefined && fastMtime >= statSync(cli).mtimeMs) {
  const { requireCached } = await import("../dist/spec/code-cache.js");
  const dist = new URL("../dist/", import.meta.url);
  // what the bundle's modules import() that it does not hold: the module in generator/dist, or a package
  const __harborEdgeImport = (specifier) => import(specifier.startsWith(".") ? new URL(specifier, dist).href : specifier);
  const { exports } = requireCached(fileURLToPath(fast), argv[0] === "validate" ? "cli-validate" : "cli-help", {
    params: { __harborEdgeImport },
  });
  process.exitCode = await exports.main(argv);
} else {
  const { main } = await import(cli.href);
  process.exitCode = await main(argv);
}
