// npm run chart:package [-- DIR]: the chart archive with the upstream harbor chart inside, from the chart cache,
// into DIR (default dist/). What the release workflow pushes to the OCI registry.
import path from "node:path";
import { findHelm } from "../src/chart/find.js";
import { packageChart } from "../src/chart/package.js";

const dest = path.resolve(process.argv[2] ?? "dist");
console.log(packageChart(findHelm(), dest));
