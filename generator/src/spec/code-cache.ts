// Loading a CommonJS file with V8's code cache: the start-up bundle of validate and help (generator/dist/
// cli-fast.cjs, see generator/bin/harbor-edge.js) and the precompiled spec validator (200 KB of ajv's output).
// The first run compiles it as require() would and, at exit, keeps V8's compiled code (the functions that ran
// included) in the user's cache directory; later runs skip parsing and compiling it. A cache is used only from
// a directory and a file that are this user's own and writable by nobody else (else anyone who can write there
// could run code as this user), and only for exactly this file (its path, inode, size, modification and change
// times: npm gives every installed file the same modification time, never the same change time) and this Node;
// V8 refuses data of another V8 itself. Anything wrong (no cache directory, a foreign owner, a wide mode, a
// corrupt file, a read-only home) falls back silently to compiling, as require() does.
import fs from "node:fs";
import path from "node:path";
import vm from "node:vm";
import { createRequire } from "node:module";
import { userCacheDir } from "../paths.js";
import { ensureDir } from "../io/atomic.js";

/** Where the code caches are kept: <user cache>/harbor-edge/v8 (mode 0700). */
export const codeCacheDir = (env: NodeJS.ProcessEnv = process.env) => path.join(userCacheDir(env), "v8");

/** True when st is this user's and neither group- nor world-writable (never for a user without uid, e.g. Windows). */
function ownSafe(st: fs.Stats): boolean {
  return typeof process.getuid === "function" && st.uid === process.getuid() && (st.mode & 0o022) === 0;
}

/** The cache directory when it is safe to read from and write into (created 0700 when missing), else undefined. */
export function safeCacheDir(dir: string): string | undefined {
  try {
    if (typeof process.getuid !== "function") return undefined;
    let st = fs.lstatSync(dir, { throwIfNoEntry: false });
    if (!st) {
      ensureDir(path.dirname(dir));
      fs.mkdirSync(dir, { mode: 0o700 });
      st = fs.lstatSync(dir);
    }
    return st.isDirectory() && ownSafe(st) ? dir : undefined;
  } catch {
    return undefined;
  }
}

/** A short name for a path (FNV-1a, 32 bits): each installed copy keeps its own cache file. */
function pathId(file: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < file.length; i++) h = Math.imul(h ^ file.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, "0");
}

/** What a cache must have been made from: this Node, this file's path, inode, size, modification and change times. */
function cacheKey(file: string, st: fs.Stats): string {
  return JSON.stringify([process.version, process.arch, file, st.ino, st.size, st.mtimeMs, st.ctimeMs]);
}

/** The cached data for key in cacheFile when the file is safe and was made for key; else undefined. */
function readCache(cacheFile: string, key: string): Buffer | undefined {
  let fd: number | undefined;
  try {
    fd = fs.openSync(cacheFile, fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0));
    const st = fs.fstatSync(fd);
    if (!st.isFile() || !ownSafe(st) || st.size > 64 * 1024 * 1024) return undefined;
    const data = Buffer.alloc(st.size);
    let n = 0;
    while (n < data.length) {
      const r = fs.readSync(fd, data, n, data.length - n, n);
      if (r === 0) return undefined;
      n += r;
    }
    const header = Buffer.from(`${key}\n`);
    return data.subarray(0, header.length).equals(header) ? data.subarray(header.length) : undefined;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

function writeCache(cacheFile: string, key: string, data: Buffer): void {
  const tmp = `${cacheFile}.${process.pid}.tmp`;
  try {
    // wx: nothing already at the temporary name is written into; 0600: the user's alone
    fs.writeFileSync(tmp, Buffer.concat([Buffer.from(`${key}\n`), data]), { mode: 0o600, flag: "wx" });
    fs.renameSync(tmp, cacheFile);
  } catch {
    try {
      fs.rmSync(tmp, { force: true });
    } catch {
      /* nothing to clean */
    }
  }
}

export interface CachedLoad {
  exports: unknown;
  /** "hit": compiled code came from the cache; "miss": compiled here (and kept at exit); "off": no safe cache. */
  cache: "hit" | "miss" | "off";
  /** On a miss: writes the cache now (done at exit anyway; at most once). */
  save?: () => void;
}

/**
 * require(file), through V8's code cache kept as cacheDir/<name>-<id of file's path>.v8. The file is run as
 * CommonJS with its own require (resolving from its directory), module, exports, __filename and __dirname, as
 * require() runs it, and the given params as further arguments of its wrapper (their names in scope).
 */
export function requireCached(
  file: string,
  name: string,
  options: { cacheDir?: string | null; params?: Record<string, unknown> } = {},
): CachedLoad {
  const cacheDir = options.cacheDir === undefined ? safeCacheDir(codeCacheDir()) : (options.cacheDir ?? undefined);
  const params = Object.entries(options.params ?? {});
  const st = fs.statSync(file);
  const source = fs.readFileSync(file, "utf8");
  const key = cacheKey(file, st);
  const cacheFile = cacheDir && path.join(cacheDir, `${name}-${pathId(file)}.v8`);
  const cachedData = cacheFile ? readCache(cacheFile, key) : undefined;
  const names = ["exports", "require", "module", "__filename", "__dirname", ...params.map(([k]) => k)].join(", ");
  const script = new vm.Script(`(function (${names}) {${source}\n})`, { filename: file, cachedData });
  const mod = { exports: {} as unknown };
  (script.runInThisContext() as (...a: unknown[]) => void)(
    mod.exports,
    createRequire(file),
    mod,
    file,
    path.dirname(file),
    ...params.map(([, v]) => v),
  );
  const hit = cachedData !== undefined && !script.cachedDataRejected;
  // at exit, so the cache holds the code of the functions that ran, not just the top level
  if (!cacheFile || hit) return { exports: mod.exports, cache: cacheFile ? "hit" : "off" };
  let saved = false;
  const save = () => {
    if (saved) return;
    saved = true;
    process.removeListener("exit", save);
    writeCache(cacheFile, key, script.createCachedData());
  };
  process.once("exit", save);
  return { exports: mod.exports, cache: "miss", save };
}
