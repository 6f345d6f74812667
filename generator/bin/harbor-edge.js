#!/usr/bin/env node
// harbor-edge CLI entry point (the TypeScript sources are compiled to generator/dist by npm run build).
import { main } from "../dist/cli.js";

process.exitCode = await main(process.argv.slice(2));
