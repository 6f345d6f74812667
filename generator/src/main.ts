// The entry point of the bundled CLI in the project's image (generator/scripts/bundle.ts): the same program as
// generator/bin/harbor-edge.js, in one file with its dependencies, for `node harbor-edge.mjs COMMAND`.
import { main } from "./cli.js";

process.exitCode = await main(process.argv.slice(2));
