// Output files are written atomically: to a temporary file in the same directory, then renamed, so a
// failed run never creates or truncates the target.
import fs from "node:fs";
import path from "node:path";

/**
 * Creates a directory and its missing parents one level at a time (fs.mkdirSync's recursive mode spins
 * forever on some paths, e.g. under /proc), with an error naming the directory when it cannot.
 */
export function ensureDir(dir: string): void {
  const abs = path.resolve(dir);
  const missing: string[] = [];
  let cur = abs;
  while (!fs.existsSync(cur)) {
    missing.unshift(cur);
    const parent = path.dirname(cur);
    if (parent === cur) break;
    cur = parent;
  }
  if (fs.existsSync(cur) && !fs.statSync(cur).isDirectory()) throw new Error(`cannot write into ${abs}: ${cur} is not a directory`);
  for (const d of missing) {
    try {
      fs.mkdirSync(d);
    } catch (err) {
      // another process made it in the meantime (parallel test workers filling one cache): fine
      if ((err as NodeJS.ErrnoException).code === "EEXIST" && fs.statSync(d).isDirectory()) continue;
      throw new Error(`cannot create directory ${d}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
    }
  }
}

/** Mode of a file no credential is ever in (node-config's host files, generated sources). */
export const PUBLIC = 0o644;
/** Mode of every other output file: render's manifests and values, `values -o`, secrets. */
export const PRIVATE = 0o600;

/**
 * Writes file atomically, private (0600) unless a mode is given: an output file may hold a credential (a render's
 * Secrets, a password in values) and is readable by its owner alone unless the caller knows it holds none. The
 * mode is the temporary file's from its creation, so the content is never readable by others, not even briefly,
 * and an existing file replaced by the rename takes it too.
 */
export function writeFileAtomic(file: string, content: string | Buffer, mode: number = PRIVATE): void {
  const dir = path.dirname(path.resolve(file));
  ensureDir(dir);
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  try {
    // flag wx: a file already at the temporary name (planted, or left over) is not written into
    fs.writeFileSync(tmp, content, { mode, flag: "wx" });
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(`cannot write ${file}: ${code ?? (err as Error).message}`, { cause: err });
  }
}
