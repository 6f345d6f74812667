#!/usr/bin/env node
// npm run build: tsc, then the precompiled spec validator, then the start-up bundle (below), then a stamp
// (generator/dist/.build-stamp).
// With --if-stale (npm start's prestart) it builds only when a source is newer than the stamp: an up-to-date
// build costs a directory walk (a few ms), not tsc's 5 s. Plain JS, so it runs without tsx.
import fs from "node:fs";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
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
  return (
    !stamp || !fs.existsSync(path.join(ROOT, "generator", "dist", "cli.js")) || !fs.existsSync(FAST) || newestMtime(INPUTS) > stamp.mtimeMs
  );
}

/** The start-up bundle: what `harbor-edge validate` and help run, in one CommonJS file (see generator/bin/). */
export const FAST = path.join(ROOT, "generator", "dist", "cli-fast.cjs");
const SRC = path.join(ROOT, "generator", "src");
/**
 * Whether an import() of the module rel (relative to generator/src) by the module importer is taken into the
 * bundle: cli.ts's (every command module, whose registration help needs, and the version; not render's early
 * start) and validate's path. Every other import() stays a load of the module in generator/dist at run time.
 */
const IN_FAST = (rel, importer) =>
  (importer === "cli.ts" && rel !== "commands/render-early.ts") || ["common/version.ts", "spec/read.ts", "spec/problems.ts"].includes(rel);

/**
 * Writes FAST with esbuild: generator/src/cli.ts with commander, js-yaml and the modules of IN_FAST, as CommonJS,
 * which the bin loads through V8's code cache (spec/code-cache.ts; Node 20 has no code cache for ES modules).
 * In it, import.meta.url is the URL its module has in generator/dist (paths resolve as there), and an import()
 * of any other module or package is __harborEdgeImport(specifier), which the bin gives (an import() of
 * generator/dist/<specifier>, or of the package, as the module would have done). An import() of a module or
 * package the bundle holds anyway stays inside it: one instance of each (its classes, its state), never two.
 */
export async function buildFast(out = FAST) {
  const { build, transform } = await import("esbuild");
  const posix = (p) => p.split(path.sep).join("/");
  /** What the last pass bundled: modules (relative to generator/src) and packages. */
  let held = { modules: new Set(), packages: new Set(["commander"]) };
  const rewrite = {
    name: "harbor-edge-fast",
    setup(b) {
      b.onLoad({ filter: /\.ts$/ }, async (args) => {
        if (!args.path.startsWith(SRC + path.sep)) return undefined;
        const here = posix(path.relative(SRC, args.path));
        // types stripped first, so only import() calls remain (no `typeof import("x")` type)
        const { code } = await transform(fs.readFileSync(args.path, "utf8"), {
          loader: "ts",
          format: "esm",
          target: "node20",
          sourcefile: args.path,
        });
        const text = code
          .replaceAll("import.meta.url", `__harborEdgeModuleUrl(${JSON.stringify(here.replace(/\.ts$/, ".js"))})`)
          .replace(/\bimport\((["'])([^"']+)\1\)/g, (call, _q, spec) => {
            if (!spec.startsWith(".")) return held.packages.has(spec) ? call : `__harborEdgeImport(${JSON.stringify(spec)})`;
            const rel = posix(path.relative(SRC, path.resolve(path.dirname(args.path), spec))).replace(/\.js$/, ".ts");
            return IN_FAST(rel, here) || held.modules.has(rel)
              ? call
              : `__harborEdgeImport(${JSON.stringify(`./${rel.replace(/\.ts$/, ".js")}`)})`;
          });
        return { contents: text, loader: "js", resolveDir: path.dirname(args.path) };
      });
    },
  };
  // node:child_process (which commander loads for subcommands that are programs of their own: harbor-edge has
  // none) and node:crypto (the certificate checks, only when a spec gives one) load, with what they pull in, only
  // when something of theirs is used: help and a validate without certificates never pay for them
  const lazyBuiltins = {
    name: "harbor-edge-lazy-builtins",
    setup(b) {
      b.onResolve({ filter: /^(node:)?(child_process|crypto)$/ }, (args) =>
        args.namespace === "lazy-builtin"
          ? { path: args.path, external: true }
          : { path: args.path.replace(/^node:/, ""), namespace: "lazy-builtin" },
      );
      b.onLoad({ filter: /.*/, namespace: "lazy-builtin" }, (args) => ({
        // a getter per export (names from this Node): copying the exports, as esbuild's interop does, loads nothing
        contents: `let real; const load = () => (real ??= require("node:${args.path}"));
for (const k of ${JSON.stringify(Object.keys(createRequire(import.meta.url)(`node:${args.path}`)))}) Object.defineProperty(module.exports, k, { get: () => load()[k], enumerable: true });`,
        loader: "js",
      }));
    },
  };
  const tmp = `${out}.${process.pid}.tmp`;
  // until what the bundle holds no longer grows (two passes, three when an import() kept inside brings more)
  for (let pass = 0; ; pass++) {
    const { metafile } = await build({
      entryPoints: [path.join(SRC, "cli.ts")],
      outfile: tmp,
      bundle: true,
      platform: "node",
      format: "cjs",
      target: "node20",
      plugins: [rewrite, lazyBuiltins],
      metafile: true,
      banner: {
        js: '// generated by npm run build (generator/scripts/build.mjs) — do not edit\nconst __harborEdgeModuleUrl = (rel) => require("node:url").pathToFileURL(require("node:path").join(__dirname, rel)).href;',
      },
      logLevel: "warning",
    });
    const inputs = Object.keys(metafile.inputs).map((f) => posix(path.relative(SRC, path.resolve(ROOT, f))));
    const now = {
      modules: new Set(inputs.filter((f) => !f.startsWith("../"))),
      packages: new Set([...held.packages, ...inputs.map((f) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(f)?.[1]).filter(Boolean)]),
    };
    const grew = now.modules.size > held.modules.size || now.packages.size > held.packages.size;
    held = now;
    if (!grew || pass === 5) break;
  }
  // an import() left as it is would throw in the bin's vm.Script (it gives no import() of its own)
  const raw = /(?<![\w.$])import\(/.exec(fs.readFileSync(tmp, "utf8"));
  if (raw) {
    fs.rmSync(tmp, { force: true });
    throw new Error(
      `${path.relative(ROOT, out)}: an import() with a specifier that is not a string literal is left in the bundle; give it a literal`,
    );
  }
  fs.renameSync(tmp, out);
}

/**
 * Removes what an earlier build left in generator/dist for a module that is no longer in generator/src (a file
 * moved or deleted): nothing may load a module the sources do not have. Only .js and .js.map files go.
 */
export function removeStale(dist = path.join(ROOT, "generator", "dist"), src = SRC) {
  const removed = [];
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) {
        walk(p);
        if (fs.readdirSync(p).length === 0) fs.rmdirSync(p);
        continue;
      }
      const m = /^(.*)\.js(\.map)?$/.exec(path.relative(dist, p));
      if (m && !fs.existsSync(path.join(src, `${m[1]}.ts`))) {
        fs.rmSync(p, { force: true });
        removed.push(path.relative(dist, p));
      }
    }
  };
  if (fs.existsSync(dist)) walk(dist);
  return removed;
}

function run(args) {
  const r = spawnSync(process.execPath, args, { cwd: ROOT, stdio: "inherit" });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv.includes("--if-stale") && !isStale()) process.exit(0);
  const started = Date.now();
  run([path.join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", ROOT]);
  removeStale();
  run([path.join(ROOT, "generator", "dist", "spec", "precompile.js")]);
  await buildFast();
  fs.writeFileSync(STAMP, `${new Date(started).toISOString()}\n`);
  // the stamp's time is the build's start: a source saved during the build is still newer than it
  fs.utimesSync(STAMP, started / 1000, started / 1000);
}
