// A gzip-compressed bundle archive (.tar.gz, .tgz) unpacked once, as a stream, into one temporary tar file: a
// directory of its own under the OS temp dir (mode 0700), removed by the returned cleanup (and at exit). The
// decompressed bytes are counted as they come: past maxBytes the archive is refused as a gzip bomb and the
// partial file removed. Memory stays at zlib's window and one stream buffer, whatever the archive's size.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";

export class GunzipError extends Error {}

export const isGzip = (file: string): boolean => {
  const fd = fs.openSync(file, "r");
  try {
    const b = Buffer.alloc(2);
    return fs.readSync(fd, b, 0, 2, 0) === 2 && b[0] === 0x1f && b[1] === 0x8b;
  } finally {
    fs.closeSync(fd);
  }
};

const live = new Set<string>();
process.once("exit", () => {
  for (const d of live) fs.rmSync(d, { recursive: true, force: true });
});

export interface Unpacked {
  /** the uncompressed tar */
  tar: string;
  bytes: number;
  cleanup(): void;
}

export async function gunzipToTemp(file: string, maxBytes: number, onBytes?: (n: number) => void): Promise<Unpacked> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "harbor-edge-seed-"));
  fs.chmodSync(dir, 0o700);
  live.add(dir);
  const cleanup = () => {
    fs.rmSync(dir, { recursive: true, force: true });
    live.delete(dir);
  };
  const tar = path.join(dir, "bundle.tar");
  let bytes = 0;
  const count = new Transform({
    transform(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      if (bytes > maxBytes)
        return done(
          new GunzipError(
            `${file}: unpacks to more than ${maxBytes} bytes (--max-bytes): refused as a gzip bomb; raise --max-bytes if the bundle is really that large`,
          ),
        );
      onBytes?.(bytes);
      done(null, chunk);
    },
  });
  try {
    await pipeline(fs.createReadStream(file), zlib.createGunzip(), count, fs.createWriteStream(tar, { mode: 0o600 }));
  } catch (e) {
    cleanup();
    if (e instanceof GunzipError) throw e;
    throw new GunzipError(`${file}: cannot be unpacked as gzip (${(e as Error).message})`);
  }
  return { tar, bytes, cleanup };
}
