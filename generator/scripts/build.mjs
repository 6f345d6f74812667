#!/usr/bin/env node
// npm run build: tsc, then the precompiled spec validator, then a stamp (generator/dist/.build-stamp).
// With --if-stale (npm start's prestart) it builds only when a source is newer than the stamp: an up-to-date
// build costs a directory walk (a few ms), not tsc's 5 s. Plain JS, so it runs without tsx.
import fs from "node:fs";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const STAMP = path.join(ROOT, "generator", "dist", ".build-stamp");
/** What the build reads: a change to any of them makes the build stale. */
const INPUTS = ["generator/src", "tsconfig.json", "package.json", "schemas/harbor-config.schema.json"];

/** The newest modification time (ms) under the given paths. */
export function newestMtime(paths) {
  let newest = 0;
  const walk = (p) => {
    const st = fs.statSync(p, { throwIfNoEntry: false });
    if (!st) return;
    if (st.isDirectory()) for (const e of fs.readdirSync(p)) walk(path.join(p, e));
    else newest = Math.max(newest, st.mtimeMs);
  };
  for (const p of paths) walk(path.join(ROOT, p));
  return newest;
}

/** True when there is no stamp, or an input is newer than it. */
export function isStale() {
  const stamp = fs.statSync(STAMP, { throwIfNoEntry: false });
  return !stamp || !fs.existsSync(path.join(ROOT, "generator", "dist", "cli.js")) || newestMtime(INPUTS) > stamp.mtimeMs;
}

function run(args) {
  const r = spawnSync(process.execPath, args, { cwd: ROOT, stdio: "inherit" });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv.includes("--if-stale") && !isStale()) process.exit(0);
  const started = Date.now();
  run([path.join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", ROOT]);
  run([path.join(ROOT, "generator", "dist", "spec", "precompile.js")]);
  fs.writeFileSync(STAMP, `${new Date(started).toISOString()}\n`);
  // the stamp's time is the build's start: a source saved during the build is still newer than it
  fs.utimesSync(STAMP, started / 1000, started / 1000);
}
