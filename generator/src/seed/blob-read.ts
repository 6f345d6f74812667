// Reading a blob's bytes from its FileRef without holding it: a sha256 over the range in 1 MiB reads, and a
// stream of a sub-range for an upload. A file that shrank since it was indexed is refused, naming it.
import fs from "node:fs";
import crypto from "node:crypto";
import { Readable } from "node:stream";
import { BundleError, type FileRef } from "./bundle-files.js";

const CHUNK = 1 << 20;

/** sha256:<hex> of the range; `onBytes` is told each chunk's length. */
export function hashRef(r: FileRef, onBytes?: (n: number) => void): string {
  const h = crypto.createHash("sha256");
  const buf = Buffer.allocUnsafe(Math.min(CHUNK, Math.max(1, r.size)));
  const fd = fs.openSync(r.path, "r");
  try {
    for (let done = 0; done < r.size;) {
      const n = fs.readSync(fd, buf, 0, Math.min(buf.length, r.size - done), r.offset + done);
      if (n === 0) throw new BundleError(`${r.label}: cut short at byte ${done} of ${r.size}`);
      h.update(buf.subarray(0, n));
      done += n;
      onBytes?.(n);
    }
  } finally {
    fs.closeSync(fd);
  }
  return `sha256:${h.digest("hex")}`;
}

/** The first bytes of the range (at most n). */
export function headOf(r: FileRef, n: number): Buffer {
  const b = Buffer.alloc(Math.min(n, r.size));
  const fd = fs.openSync(r.path, "r");
  try {
    fs.readSync(fd, b, 0, b.length, r.offset);
  } finally {
    fs.closeSync(fd);
  }
  return b;
}

/** Bytes [start, end) of the range as a stream in 1 MiB pieces. */
export function streamRef(r: FileRef, start = 0, end = r.size): Readable {
  if (end <= start) return Readable.from([]);
  return fs.createReadStream(r.path, { start: r.offset + start, end: r.offset + end - 1, highWaterMark: CHUNK });
}
