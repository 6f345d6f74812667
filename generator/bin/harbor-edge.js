#!/usr/bin/env node
// harbor-edge CLI entry point. The TypeScript sources are compiled to generator/dist by npm ci / npm install
// (the prepare script) or npm run build.
import { existsSync } from "node:fs";

const cli = new URL("../dist/cli.js", import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write("harbor-edge is not built yet: run npm run build (npm ci does it too)\n");
  process.exit(2);
}
const { main } = await import(cli.href);
process.exitCode = await main(process.argv.slice(2));
