// Output files are written atomically: to a temporary file in the same directory, then renamed, so a
// failed run never creates or truncates the target.
import fs from "node:fs";
import path from "node:path";

export function writeFileAtomic(file: string, content: string | Buffer, mode?: number): void {
  const dir = path.dirname(path.resolve(file));
  fs.mkdirSync(dir, { recursive: true });
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  try {
    fs.writeFileSync(tmp, content, mode === undefined ? undefined : { mode });
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}
