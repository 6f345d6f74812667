// An index of an uncompressed tar file: every entry's name, type, where its body starts in the file and how long
// it is, and (for regular files) the sha256 of its body, computed while the file is read once in chunks of
// 1 MiB. Blobs are then read from those offsets, never held whole in memory.
//
// Parsing is node-tar's (its Header for each 512-byte header block, its Parser for pax and GNU long names);
// this module feeds it header blocks one at a time, so that an entry the parser emits is known to start right
// after the block just written. It refuses, naming the archive and the entry:
//  - a size field that is negative, not a number, or larger than what is left of the file (node-tar would
//    otherwise spin forever on a negative size);
//  - a header with a bad checksum, a name that is absolute or climbs out with "..";
//  - a symbolic link whose target leaves the archive, a hard link to anything but a regular file before it.
import fs from "node:fs";
import path from "node:path";
import crypto from "node:crypto";
import { Header, Parser, type ReadEntry } from "tar";

export class TarError extends Error {}

export interface TarEntry {
  /** normalised path inside the archive, without "./" */
  name: string;
  type: "file" | "symlink" | "hardlink" | "directory" | "other";
  /** byte offset of the body in the tar file */
  offset: number;
  size: number;
  /** symlink: target relative to the archive root (already resolved); hardlink: the entry it names */
  target?: string;
  /** regular files: sha256:<hex> of the body */
  digest?: string;
}

const CHUNK = 1 << 20;
const MAX_HEADER_RUN = 4096; // blocks of meta headers (pax, GNU long names) before an entry: 2 MiB

/** An archive path without "./", or a refusal when it is absolute or climbs out of the archive. */
export function archivePath(label: string, what: string, p: string): string {
  if (p.startsWith("/") || /^[a-zA-Z]:/.test(p)) throw new TarError(`${label}: ${what} "${p}" leaves the archive (an absolute path)`);
  const n = path.posix.normalize(p).replace(/\/+$/, "");
  if (n === ".." || n.startsWith("../")) throw new TarError(`${label}: ${what} "${p}" leaves the archive`);
  if (p.split("/").includes("..")) throw new TarError(`${label}: ${what} "${p}" leaves the archive (it holds "..")`);
  return n === "." ? "" : n;
}

const TYPES: Record<string, TarEntry["type"]> = {
  File: "file",
  OldFile: "file",
  ContiguousFile: "file",
  SymbolicLink: "symlink",
  Link: "hardlink",
  Directory: "directory",
};

/**
 * Reads `file` (an uncompressed tar) once: its entries by name (a later entry of the same name replaces an
 * earlier one, as tar does). `onBytes` is told the bytes read so far.
 */
export function indexTar(file: string, label = file, onBytes?: (n: number) => void): Map<string, TarEntry> {
  const entries = new Map<string, TarEntry>();
  const fd = fs.openSync(file, "r");
  try {
    const total = fs.fstatSync(fd).size;
    let failure: Error | undefined;
    const parser = new Parser({ strict: true });
    parser.on("error", (e: Error) => (failure ??= e));
    parser.on("warn", (_code: string, m: string | Error) => (failure ??= m instanceof Error ? m : new Error(m)));
    let emitted = undefined as ReadEntry | undefined;
    let bodyAt = 0;
    parser.on("entry", (e: ReadEntry) => {
      emitted = e;
      const type = TYPES[e.type] ?? "other";
      const size = e.size;
      if (!Number.isSafeInteger(size) || size < 0) {
        failure ??= new TarError(
          `${label}: tar entry "${e.path}" at byte ${bodyAt - 512}: size field ${String(size)} is negative or not a number`,
        );
        e.resume();
        return;
      }
      const name = archivePath(label, "tar entry", e.path);
      const entry: TarEntry = { name, type, offset: bodyAt, size };
      if (type === "symlink") {
        const lp = e.linkpath ?? "";
        const to = path.posix.normalize(path.posix.join(path.posix.dirname(name), lp));
        if (lp.startsWith("/") || to === ".." || to.startsWith("../"))
          throw new TarError(`${label}: symbolic link ${name} -> "${lp}" leaves the archive`);
        entry.target = to;
      }
      if (type === "hardlink") {
        const to = archivePath(label, `hard link ${name} ->`, e.linkpath ?? "");
        if (entries.get(to)?.type !== "file")
          throw new TarError(
            `${label}: hard link ${name} -> "${e.linkpath}": no regular file of that name before it in the archive (a link out of the bundle?)`,
          );
        entry.target = to;
      }
      if (type === "file") {
        const h = crypto.createHash("sha256");
        e.on("data", (c: Buffer) => h.update(c));
        e.on("end", () => (entry.digest = `sha256:${h.digest("hex")}`));
      } else e.resume();
      entries.set(name, entry);
    });

    const block = Buffer.alloc(512);
    const buf = Buffer.alloc(CHUNK);
    let pos = 0;
    let metaRun = 0;
    const check = () => {
      if (failure)
        throw failure instanceof TarError ? failure : new TarError(`${label}: not a valid tar archive at byte ${pos}: ${failure.message}`);
    };
    while (pos + 512 <= total) {
      fs.readSync(fd, block, 0, 512, pos);
      if (block.every((x) => x === 0)) break; // end of archive
      const h = new Header(block);
      if (!h.cksumValid) throw new TarError(`${label}: not a valid tar archive: the header at byte ${pos} has a bad checksum`);
      const raw = block
        .subarray(124, 136)
        .toString("latin1")
        .replace(/[\0 ]+$/, "")
        .trim();
      const own = h.size ?? (raw === "" ? 0 : NaN);
      if (!Number.isSafeInteger(own) || own < 0)
        throw new TarError(`${label}: tar entry "${h.path}" at byte ${pos}: size field "${raw}" is negative or not a number`);
      emitted = undefined;
      bodyAt = pos + 512;
      try {
        parser.write(Buffer.from(block));
      } catch (e) {
        failure ??= e as Error;
      }
      check();
      pos += 512;
      const size = emitted ? (emitted as ReadEntry).size : own;
      metaRun = emitted ? 0 : metaRun + 1;
      if (metaRun > MAX_HEADER_RUN)
        throw new TarError(`${label}: more than ${MAX_HEADER_RUN} header blocks at byte ${pos} without an entry`);
      if (size > total - pos)
        throw new TarError(
          `${label}: tar entry "${(emitted as ReadEntry | undefined)?.path ?? h.path}" at byte ${pos - 512} claims ${size} bytes; the file has ${total - pos} left (a huge size field, or a cut archive)`,
        );
      // the body, padded to 512; the last entry's padding may be missing at the end of the file
      let left = Math.min(Math.ceil(size / 512) * 512, total - pos);
      while (left > 0) {
        const n = Math.min(left, CHUNK);
        fs.readSync(fd, buf, 0, n, pos);
        try {
          parser.write(Buffer.from(buf.subarray(0, n)));
        } catch (e) {
          failure ??= e as Error;
        }
        check();
        pos += n;
        left -= n;
        onBytes?.(pos);
      }
      if (size % 512 && pos === total) parser.write(Buffer.alloc(512 - (size % 512)));
      check();
    }
    for (const e of entries.values())
      if (e.type === "file" && !e.digest) throw new TarError(`${label}: tar entry "${e.name}" was not read to its end`);
    return entries;
  } finally {
    fs.closeSync(fd);
  }
}
