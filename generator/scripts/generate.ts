// npm run generate: writes every artefact generated from schemas/. With --check, writes nothing and
// exits 1 naming the files that drifted.

import path from "node:path";
import { ARTEFACTS, expected } from "./codegen/artefacts.js";
import { ROOT } from "../src/paths.js";
import { writeFileAtomic, PUBLIC } from "../src/io/atomic.js";

const check = process.argv.includes("--check");
const drifted: string[] = [];
for (const a of ARTEFACTS) {
  const { current, want } = await expected(a);
  if (want === undefined) {
    console.warn(`skipped ${a.file}: the upstream harbor chart is not in the chart cache (HARBOR_EDGE_CHART_CACHE)`);
    continue;
  }
  if (current === want) continue;
  drifted.push(a.file);
  if (!check) writeFileAtomic(path.join(ROOT, a.file), want, PUBLIC);
}
if (check && drifted.length) {
  console.error(`generated files are out of date: ${drifted.join(", ")}\nrun: npm run generate`);
  process.exit(1);
}
console.log(drifted.length ? `${check ? "drifted" : "wrote"}: ${drifted.join(", ")}` : "generated files are up to date");
