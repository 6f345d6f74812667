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
      throw new Error(`cannot create directory ${d}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
}

export function writeFileAtomic(file: string, content: string | Buffer, mode?: number): void {
  const dir = path.dirname(path.resolve(file));
  ensureDir(dir);
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  try {
    fs.writeFileSync(tmp, content, mode === undefined ? undefined : { mode });
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(`cannot write ${file}: ${code ?? (err as Error).message}`);
  }
}
