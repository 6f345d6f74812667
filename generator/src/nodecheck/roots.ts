// The node's own CA store, as containerd trusts it. containerd (remotes/docker/config/hosts.go, 1.6 and 1.7)
// verifies a registry against Go's system pool (x509.SystemCertPool) plus the host's `ca` files (appended to
// that pool); without `ca` it uses the system pool alone. Go's pool on Linux (crypto/x509 root_unix.go and
// root_linux.go): the first of GO_CERT_FILES that can be read (only that one), then every entry of each of
// GO_CERT_DIRECTORIES (not recursive; a symlink whose target has no "/" is skipped as a duplicate; entries that
// cannot be read, such as subdirectories, are skipped); of each, the PEM blocks of type CERTIFICATE without
// headers that parse (AppendCertsFromPEM). SSL_CERT_FILE / SSL_CERT_DIR replace the lists in Go: the check does
// not see containerd's environment, so it uses the lists.
//
// The files are read under a host root (the node's / mounted somewhere): every path, and every symlink target
// on the way, is resolved against that root (an absolute target /usr/share/ca-certificates/x is
// <root>/usr/share/ca-certificates/x), at most SYMLINK_HOPS links per path, and a ".." above the root is refused,
// so nothing outside the root is read. Only regular files are read. Bounded: at most ROOTS_MAX_FILES files and
// ROOTS_MAX_BYTES bytes in all; what is left out is said in `skipped`. Node's bundled roots are never part of it.
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";

/** crypto/x509 root_linux.go: possible bundle files; the first that reads is the only one used */
export const GO_CERT_FILES = [
  "/etc/ssl/certs/ca-certificates.crt", // Debian, Ubuntu, Gentoo, Alpine
  "/etc/pki/tls/certs/ca-bundle.crt", // Fedora, RHEL 6
  "/etc/ssl/ca-bundle.pem", // openSUSE
  "/etc/pki/tls/cacert.pem", // OpenELEC
  "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", // CentOS, RHEL 7
  "/etc/ssl/cert.pem", // Alpine
];
/** crypto/x509 root_linux.go: directories whose every file is read (the Android ones of some Go versions are left out: no node has them) */
export const GO_CERT_DIRECTORIES = ["/etc/ssl/certs", "/etc/pki/tls/certs"];

export const ROOTS_MAX_FILES = 4096;
export const ROOTS_MAX_BYTES = 16 * 1024 * 1024;
/** Linux's MAXSYMLINKS */
export const SYMLINK_HOPS = 40;

export interface NodeRoots {
  /** distinct CA certificates, PEM */
  certs: string[];
  /** the bundle file read (the node's path), when one was */
  file?: string;
  /** the files read (node paths), bundle and directory entries */
  read: number;
  /** what was left out and why (bounded to 20 lines) */
  skipped: string[];
}

/** The file operations the loader uses (the real file system by default; tests may pass another). */
export interface RootFs {
  lstat(p: string): fs.Stats;
  readlink(p: string): string;
  /** names in the directory, at most max + 1 */
  list(p: string, max: number): Array<{ name: string; symlink: boolean }>;
  /** a regular file's bytes; throws EFBIG when larger than max, EINVAL when not a regular file */
  read(p: string, max: number): Buffer;
}

const errno = (code: string, message: string) => Object.assign(new Error(`${code}: ${message}`), { code });

export const realRootFs: RootFs = {
  lstat: (p) => fs.lstatSync(p),
  readlink: (p) => fs.readlinkSync(p),
  list(p, max) {
    const d = fs.opendirSync(p);
    const out: Array<{ name: string; symlink: boolean }> = [];
    try {
      for (let e = d.readSync(); e && out.length <= max; e = d.readSync()) out.push({ name: e.name, symlink: e.isSymbolicLink() });
    } finally {
      d.closeSync();
    }
    return out;
  },
  read(p, max) {
    // the path has no symlink left (resolveInRoot); O_NOFOLLOW and fstat keep it so, and a FIFO never blocks
    const fd = fs.openSync(p, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
    try {
      const st = fs.fstatSync(fd);
      if (!st.isFile()) throw errno("EINVAL", `${p} is not a regular file`);
      if (st.size > max) throw errno("EFBIG", `${p} is larger than ${max} bytes`);
      const buf = Buffer.alloc(st.size);
      let n = 0;
      while (n < buf.length) {
        const r = fs.readSync(fd, buf, n, buf.length - n, n);
        if (r === 0) break;
        n += r;
      }
      return buf.subarray(0, n);
    } finally {
      fs.closeSync(fd);
    }
  },
};

/**
 * `p` (a path on the node) as a path under `root` with no symlink in it: each component looked at in turn, a
 * symlink's target put in its place (absolute targets from the root), at most SYMLINK_HOPS links. Throws with
 * code ENOENT, ENOTDIR, ELOOP or EXDEV (a ".." above the root). Returns the node's path and this side's.
 */
export function resolveInRoot(root: string, p: string, io: RootFs = realRootFs): { node: string; here: string } {
  const todo = p.split("/").filter(Boolean).reverse();
  const cur: string[] = [];
  let hops = 0;
  while (todo.length) {
    const c = todo.pop()!;
    if (c === ".") continue;
    if (c === "..") {
      if (cur.length === 0) throw errno("EXDEV", `${p} leads above the host root`);
      cur.pop();
      continue;
    }
    const here = path.join(root, ...cur, c);
    const st = io.lstat(here);
    if (st.isSymbolicLink()) {
      if (++hops > SYMLINK_HOPS) throw errno("ELOOP", `${p}: more than ${SYMLINK_HOPS} symlinks`);
      const target = io.readlink(here);
      if (target === "") throw errno("ENOENT", `${p}: an empty symlink`);
      if (target.startsWith("/")) cur.length = 0;
      todo.push(...target.split("/").filter(Boolean).reverse());
      continue;
    }
    if (todo.length && !st.isDirectory()) throw errno("ENOTDIR", `${p}: ${c} is not a directory`);
    cur.push(c);
  }
  return { node: `/${cur.join("/")}`, here: path.join(root, ...cur) };
}

/**
 * The certificates of a PEM text as Go's AppendCertsFromPEM takes them (encoding/pem Decode): a block starts with
 * "-----BEGIN TYPE-----" at the start of a line and ends at the first "-----END TYPE-----" line after it; a block
 * that does not decode (no END, a wrong END, bad base64: a cut-off certificate swallowing the next one's BEGIN)
 * is dropped and the search starts again after its BEGIN line, so the next block is still found. Blocks of type
 * CERTIFICATE without headers whose DER parses are kept. One pass over the text (linear: a file of BEGIN lines
 * costs no more than its length). Pure. Returns PEM, one per certificate.
 */
export function pemCertificates(text: Buffer | string): string[] {
  const s = typeof text === "string" ? text : text.toString("latin1");
  const out: string[] = [];
  const lineEnd = (i: number) => {
    const n = s.indexOf("\n", i);
    return n < 0 ? s.length : n;
  };
  const trimEnd = (x: string) => x.replace(/[ \t\r]+$/, "");
  // the next "\n-----END " at or after i, remembered: BEGIN lines only move forward, so this is one pass
  let end = -2;
  const nextEnd = (i: number) => {
    if (end !== -1 && end < i) end = s.indexOf("\n-----END ", i);
    return end;
  };
  let from = 0;
  for (;;) {
    let b = s.indexOf("-----BEGIN ", from);
    while (b > 0 && s[b - 1] !== "\n") b = s.indexOf("-----BEGIN ", b + 1);
    if (b < 0) break;
    const typeEnd = lineEnd(b);
    const typeLine = trimEnd(s.slice(b + 11, typeEnd));
    const restStart = Math.min(typeEnd + 1, s.length);
    from = restStart; // where a block that does not decode sends the search
    if (!typeLine.endsWith("-----")) continue;
    const type = typeLine.slice(0, -5);
    let endIndex: number;
    let trailer: number;
    if (s.startsWith("-----END ", restStart)) [endIndex, trailer] = [restStart, restStart + 9];
    else {
      endIndex = nextEnd(restStart);
      if (endIndex < 0) break; // no END ahead: no later block can end either
      trailer = endIndex + 10;
    }
    if (!s.startsWith(`${type}-----`, trailer)) continue;
    // another BEGIN line before the END: the body holds dashes, which base64 refuses (and scanning that body
    // again for every BEGIN in it would be quadratic)
    const inner = s.indexOf("\n-----BEGIN ", restStart - 1);
    if (inner >= 0 && inner < endIndex) continue;
    const afterType = trailer + type.length + 5;
    if (trimEnd(s.slice(afterType, lineEnd(afterType))) !== "") continue;
    const body = s.slice(restStart, endIndex);
    const b64 = body.replace(/[ \t\r\n]+/g, "");
    // headers ("Key: value" lines) make a block AppendCertsFromPEM skips; base64 never holds a colon
    const headers = body.includes(":");
    if (!headers && (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 !== 0)) continue;
    from = Math.min(lineEnd(afterType) + 1, s.length);
    if (headers || type !== "CERTIFICATE" || b64 === "") continue;
    const der = Buffer.from(b64, "base64");
    try {
      new crypto.X509Certificate(der);
    } catch {
      continue;
    }
    out.push(`-----BEGIN CERTIFICATE-----\n${der.toString("base64").replace(/.{1,64}/g, "$&\n")}-----END CERTIFICATE-----\n`);
  }
  return out;
}

/** Go's isSameDirSymlink: a symlink whose target has no "/" (c_rehash's hash links) is not read twice. */
export const sameDirSymlink = (target: string) => !target.includes("/");

/** The node's CA store under `root` (the node's "/" as this process sees it), as Go's system pool reads it. */
export function loadNodeRoots(
  root: string,
  io: RootFs = realRootFs,
  limits = { files: ROOTS_MAX_FILES, bytes: ROOTS_MAX_BYTES },
): NodeRoots {
  const seen = new Set<string>();
  const certs: string[] = [];
  const skipped: string[] = [];
  let bytes = 0;
  let files = 0;
  const skip = (s: string) => {
    if (skipped.length < 20) skipped.push(s);
  };
  const add = (data: Buffer) => {
    for (const pem of pemCertificates(data)) {
      const key = crypto.createHash("sha256").update(pem).digest("hex");
      if (seen.has(key)) continue;
      seen.add(key);
      certs.push(pem);
    }
  };
  /** one file read within the bounds; undefined when it cannot be read (Go skips it) */
  const readOne = (nodePath: string): Buffer | undefined => {
    if (files >= limits.files) {
      skip(`${nodePath}: more than ${limits.files} files (not read)`);
      return undefined;
    }
    let where;
    try {
      where = resolveInRoot(root, nodePath, io);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== "ENOENT" && code !== "ENOTDIR") skip(`${nodePath}: ${code === "EXDEV" ? "a symlink leads above the host root" : code}`);
      return undefined;
    }
    try {
      const data = io.read(where.here, limits.bytes - bytes);
      files++;
      bytes += data.length;
      return data;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "EFBIG") skip(`${nodePath}: over the ${limits.bytes} bytes read in all (not read)`);
      else if (code !== "EISDIR" && code !== "EINVAL" && code !== "ENOENT") skip(`${nodePath}: ${code ?? (e as Error).message}`);
      return undefined;
    }
  };

  let file: string | undefined;
  for (const f of GO_CERT_FILES) {
    const data = readOne(f);
    if (data) {
      add(data);
      file = f;
      break;
    }
  }
  for (const d of GO_CERT_DIRECTORIES) {
    let dir;
    try {
      dir = resolveInRoot(root, d, io);
      if (!io.lstat(dir.here).isDirectory()) continue;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== "ENOENT" && code !== "ENOTDIR") skip(`${d}: ${code === "EXDEV" ? "a symlink leads above the host root" : code}`);
      continue;
    }
    let entries;
    try {
      entries = io.list(dir.here, limits.files);
    } catch (e) {
      skip(`${d}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      continue;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (e.symlink) {
        let target: string;
        try {
          target = io.readlink(path.join(dir.here, e.name));
        } catch {
          continue;
        }
        if (sameDirSymlink(target)) continue;
      }
      const data = readOne(`${dir.node === "/" ? "" : dir.node}/${e.name}`);
      if (data) add(data);
    }
  }
  return { certs, ...(file ? { file } : {}), read: files, skipped };
}

/** One line about the store for a failure's detail: how many CAs, from which bundle file. */
export function rootsSummary(r: NodeRoots): string {
  return `${r.certs.length} CA certificate${r.certs.length === 1 ? "" : "s"} in the node's store (${r.file ?? "no bundle file"}${r.skipped.length ? `; ${r.skipped.length} entr${r.skipped.length === 1 ? "y" : "ies"} left out` : ""})`;
}
