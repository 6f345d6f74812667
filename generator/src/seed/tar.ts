// Reading (and, for tests and tools, writing) tar archives: ustar and GNU long names, regular files only kept.
// Enough for `docker save` archives and tarred OCI image layouts. Pure.
import fs from "node:fs";
import zlib from "node:zlib";

export type TarFiles = Map<string, Buffer>;

const str = (b: Buffer, off: number, len: number) => {
  const s = b.subarray(off, off + len);
  const z = s.indexOf(0);
  return (z >= 0 ? s.subarray(0, z) : s).toString("utf8");
};
const octal = (b: Buffer, off: number, len: number) => parseInt(str(b, off, len).trim() || "0", 8);

/** The regular files of a tar (gzip-compressed or not), by their path without a leading "./". */
export function readTar(data: Buffer): TarFiles {
  if (data[0] === 0x1f && data[1] === 0x8b) data = zlib.gunzipSync(data);
  const files: TarFiles = new Map();
  let off = 0;
  let longName: string | undefined;
  let paxPath: string | undefined;
  while (off + 512 <= data.length) {
    const h = data.subarray(off, off + 512);
    if (h.every((x) => x === 0)) break;
    const size = octal(h, 124, 12);
    const type = String.fromCharCode(h[156] || 0x30);
    const magic = str(h, 257, 6);
    let name = str(h, 0, 100);
    if (magic.startsWith("ustar")) {
      const prefix = str(h, 345, 155);
      if (prefix) name = `${prefix}/${name}`;
    }
    const body = data.subarray(off + 512, off + 512 + size);
    if (body.length < size) throw new Error(`tar: ${name} is cut short`);
    off += 512 + Math.ceil(size / 512) * 512;
    if (type === "L") {
      longName = str(body, 0, body.length);
      continue;
    }
    if (type === "x") {
      const m = body.toString("utf8").match(/\d+ path=([^\n]*)\n/);
      paxPath = m?.[1];
      continue;
    }
    if (type === "g") continue;
    const full = (paxPath ?? longName ?? name).replace(/^\.\//, "");
    longName = paxPath = undefined;
    if (type === "0" || type === "\0" || type === "7") files.set(full, Buffer.from(body));
  }
  return files;
}

/** A ustar archive of the given files (names up to 100 bytes), mode 0644, mtime 0: same input, same bytes. */
export function writeTar(files: Array<[string, Buffer | string]>): Buffer {
  const parts: Buffer[] = [];
  for (const [name, content] of files) {
    const body = Buffer.isBuffer(content) ? content : Buffer.from(content);
    if (Buffer.byteLength(name) > 100) throw new Error(`tar: name longer than 100 bytes: ${name}`);
    const h = Buffer.alloc(512);
    h.write(name, 0, "utf8");
    h.write("0000644\0", 100);
    h.write("0000000\0", 108);
    h.write("0000000\0", 116);
    h.write(body.length.toString(8).padStart(11, "0") + "\0", 124);
    h.write("00000000000\0", 136);
    h.write("        ", 148);
    h.write("0", 156);
    h.write("ustar\0", 257);
    h.write("00", 263);
    let sum = 0;
    for (const x of h) sum += x;
    h.write(sum.toString(8).padStart(6, "0") + "\0 ", 148);
    parts.push(h, body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

/**
 * The regular files of an uncompressed tar file by path, each read from the file when asked for: a docker save
 * archive of several GB is not held in memory. Undefined for a gzip-compressed file (use readTar).
 */
export function indexTarFile(file: string): { names: string[]; read(name: string): Buffer | undefined } | undefined {
  const fd = fs.openSync(file, "r");
  try {
    const magic = Buffer.alloc(2);
    fs.readSync(fd, magic, 0, 2, 0);
    if (magic[0] === 0x1f && magic[1] === 0x8b) return undefined;
    const entries = new Map<string, { offset: number; size: number }>();
    const total = fs.fstatSync(fd).size;
    const h = Buffer.alloc(512);
    let off = 0;
    let longName: string | undefined;
    let paxPath: string | undefined;
    while (off + 512 <= total) {
      fs.readSync(fd, h, 0, 512, off);
      if (h.every((x) => x === 0)) break;
      const size = octal(h, 124, 12);
      const type = String.fromCharCode(h[156] || 0x30);
      let name = str(h, 0, 100);
      if (str(h, 257, 6).startsWith("ustar")) {
        const prefix = str(h, 345, 155);
        if (prefix) name = `${prefix}/${name}`;
      }
      const bodyAt = off + 512;
      if (bodyAt + size > total) throw new Error(`tar: ${name} is cut short`);
      off = bodyAt + Math.ceil(size / 512) * 512;
      if (type === "L" || type === "x") {
        const body = Buffer.alloc(size);
        fs.readSync(fd, body, 0, size, bodyAt);
        if (type === "L") longName = str(body, 0, size);
        else paxPath = body.toString("utf8").match(/\d+ path=([^\n]*)\n/)?.[1];
        continue;
      }
      if (type === "g") continue;
      const full = (paxPath ?? longName ?? name).replace(/^\.\//, "");
      longName = paxPath = undefined;
      if (type === "0" || type === "\0" || type === "7") entries.set(full, { offset: bodyAt, size });
    }
    return {
      names: [...entries.keys()],
      read: (name) => {
        const e = entries.get(name);
        if (!e) return undefined;
        const b = Buffer.alloc(e.size);
        const fd2 = fs.openSync(file, "r");
        try {
          fs.readSync(fd2, b, 0, e.size, e.offset);
        } finally {
          fs.closeSync(fd2);
        }
        return b;
      },
    };
  } finally {
    fs.closeSync(fd);
  }
}
