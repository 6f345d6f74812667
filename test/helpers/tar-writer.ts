// Writing tar archives for tests: writeTar makes a plain ustar archive (same input, same bytes); rawTarEntry
// makes one header block and body with any field as given (a negative size, a link to anywhere), for the
// hostile bundles of helpers/hostile-bundles.ts. The reading side is generator/src/seed/tar-index.ts.

export interface RawEntry {
  name: string;
  body?: Buffer | string;
  /** "0" file, "1" hard link, "2" symbolic link, "5" directory, "x" pax header */
  type?: string;
  linkname?: string;
  /** the size field exactly as written (11 characters), e.g. "-0000001000"; default: the body's length in octal */
  sizeField?: string;
  /** bytes of body actually written (default: all of it, padded to 512) */
  bodyBytes?: number;
}

/** One entry: a 512-byte header with a valid checksum, then the body padded to 512. */
export function rawTarEntry(e: RawEntry): Buffer {
  const body = e.body === undefined ? Buffer.alloc(0) : Buffer.isBuffer(e.body) ? e.body : Buffer.from(e.body);
  if (Buffer.byteLength(e.name) > 100) throw new Error(`tar: name longer than 100 bytes: ${e.name}`);
  const h = Buffer.alloc(512);
  h.write(e.name, 0, "utf8");
  h.write("0000644\0", 100);
  h.write("0000000\0", 108);
  h.write("0000000\0", 116);
  h.write((e.sizeField ?? body.length.toString(8).padStart(11, "0")) + "\0", 124);
  h.write("00000000000\0", 136);
  h.write("        ", 148);
  h.write(e.type ?? "0", 156);
  if (e.linkname) h.write(e.linkname, 157, "utf8");
  h.write("ustar\0", 257);
  h.write("00", 263);
  let sum = 0;
  for (const x of h) sum += x;
  h.write(sum.toString(8).padStart(6, "0") + "\0 ", 148);
  const b = body.subarray(0, e.bodyBytes ?? body.length);
  return Buffer.concat([h, b, Buffer.alloc((512 - (b.length % 512)) % 512)]);
}

/** A ustar archive of the given files (names up to 100 bytes), mode 0644, mtime 0: same input, same bytes. */
export function writeTar(files: Array<[string, Buffer | string] | RawEntry>): Buffer {
  const parts = files.map((f) => rawTarEntry(Array.isArray(f) ? { name: f[0], body: f[1] } : f));
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}
