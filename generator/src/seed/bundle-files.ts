// The files of one OCI layout or docker save archive, as a directory or a tar: a name inside it resolved to a
// byte range of a real file (FileRef), never leaving the bundle.
//  - a directory: the name must not be absolute or hold "..", its real path (symbolic links followed) must lie
//    under the bundle's root, and a file with several hard links must have all of them inside the bundle;
//  - a tar: names as tar-index.ts checked them; symbolic and hard links inside the archive are followed (at most
//    16 hops), a name that is a directory, a device or missing is no file.
import fs from "node:fs";
import path from "node:path";
import { archivePath, TarError, type TarEntry } from "./tar-index.js";

export class BundleError extends Error {}

/** A byte range of a file on disk: a whole file in a directory bundle, an entry's body in a tar. */
export interface FileRef {
  /** what errors call it: bundle.tar:blobs/sha256/ab.. */
  label: string;
  path: string;
  offset: number;
  size: number;
  /** sha256 of the range when already known (a tar's index computes it) */
  digest?: string;
}

export interface BundleFiles {
  /** the directory or archive, as the user named it */
  label: string;
  /** undefined when there is no such regular file; throws when the name leaves the bundle */
  ref(name: string, what: string): FileRef | undefined;
  /** a small file whole (a manifest, index.json), refused above max bytes */
  read(name: string, what: string, max: number): Buffer | undefined;
}

function readRange(r: FileRef, max: number, what: string): Buffer {
  if (r.size > max) throw new BundleError(`${r.label}: the ${what} is ${r.size} bytes; at most ${max} are read`);
  const b = Buffer.alloc(r.size);
  const fd = fs.openSync(r.path, "r");
  try {
    let got = 0;
    while (got < r.size) {
      const n = fs.readSync(fd, b, got, r.size - got, r.offset + got);
      if (n === 0) throw new BundleError(`${r.label}: the ${what} is cut short`);
      got += n;
    }
  } finally {
    fs.closeSync(fd);
  }
  return b;
}

const within = (root: string, p: string) => p === root || p.startsWith(root.endsWith(path.sep) ? root : root + path.sep);

/** Hard links counted by inode across the bundle's tree (symbolic links not followed). */
function linkCounts(root: string): Map<string, number> {
  const counts = new Map<string, number>();
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) {
        const st = fs.lstatSync(p);
        if (st.nlink > 1) counts.set(`${st.dev}:${st.ino}`, (counts.get(`${st.dev}:${st.ino}`) ?? 0) + 1);
      }
    }
  };
  walk(root);
  return counts;
}

/** `dir`'s files; `root` is the real path of the whole bundle, which nothing may leave. */
export function dirFiles(dir: string, root: string): BundleFiles {
  let links: Map<string, number> | undefined;
  const ref = (name: string, what: string): FileRef | undefined => {
    let rel: string;
    try {
      rel = archivePath(dir, what, name);
    } catch (e) {
      throw new BundleError(`${(e as Error).message.replace("leaves the archive", "leaves the bundle")}`);
    }
    const full = path.join(dir, rel);
    const label = full;
    if (!fs.existsSync(full)) {
      if (fs.lstatSync(full, { throwIfNoEntry: false })?.isSymbolicLink())
        throw new BundleError(`${label}: the ${what} is a symbolic link to nothing (${fs.readlinkSync(full)})`);
      return undefined;
    }
    const real = fs.realpathSync(full);
    if (!within(root, real)) throw new BundleError(`${label}: the ${what} leaves the bundle: it resolves to ${real}, outside ${root}`);
    const st = fs.statSync(real);
    if (!st.isFile()) return undefined;
    if (st.nlink > 1) {
      links ??= linkCounts(root);
      const inside = links.get(`${st.dev}:${st.ino}`) ?? 0;
      if (inside < st.nlink)
        throw new BundleError(
          `${label}: the ${what} is a hard link to a file outside the bundle (${st.nlink} links, ${inside} of them inside ${root})`,
        );
    }
    return { label, path: real, offset: 0, size: st.size };
  };
  return { label: dir, ref, read: (name, what, max) => mapRef(ref(name, what), (r) => readRange(r, max, what)) };
}

const mapRef = <T>(r: FileRef | undefined, f: (r: FileRef) => T): T | undefined => (r ? f(r) : undefined);

/** An indexed tar's files; `file` is the tar on disk (a temporary one for a .tar.gz), `label` the bundle's name. */
export function tarFiles(label: string, file: string, entries: Map<string, TarEntry>): BundleFiles {
  const ref = (name: string, what: string): FileRef | undefined => {
    let n: string;
    try {
      n = archivePath(label, what, name);
    } catch (e) {
      throw new BundleError((e as TarError).message);
    }
    for (let hop = 0; hop <= 16; hop++) {
      const e = entries.get(n);
      if (!e) return undefined;
      if (e.type === "file") return { label: `${label}:${n}`, path: file, offset: e.offset, size: e.size, digest: e.digest };
      if ((e.type !== "symlink" && e.type !== "hardlink") || e.target === undefined) return undefined;
      n = e.target;
    }
    throw new BundleError(`${label}:${name}: more than 16 links to follow (a loop of symbolic links)`);
  };
  return { label, ref, read: (name, what, max) => mapRef(ref(name, what), (r) => readRange(r, max, what)) };
}
