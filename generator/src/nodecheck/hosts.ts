// containerd's host files as containerd reads them (remotes/docker/config/hosts.go at v1.6.20, the same in
// core/remotes/docker/config at v2.0.0): for an image of registry H, the first of <hostDir>/<host>_<port>_/
// (H with a port), <hostDir>/H/ and <hostDir>/_default/ that exists; in it hosts.toml: the [host."URL"] tables
// in file order, then `server` (or, with no server, the registry itself: https://H/v2, docker.io as
// https://registry-1.docker.io) last. A URL with a path gets "/v2" appended unless it already ends in /v2 or
// override_path = true; no path means /v2 (or "" with override_path). A relative ca path is relative to the
// host directory. A directory with no (or an empty) hosts.toml, or one containerd cannot parse, leaves the
// registry alone (containerd then reads Docker-style certificate files; no mirror). Keys neither version reads
// (containerd ignores them silently: a typo such as `capabilites` is lost) are flagged, not ignored.
//
// The parser reads the subset of TOML these files use and refuses anything else by name: comments, `key =
// value` with basic or literal strings, booleans, arrays of strings (on one line or several), inline tables
// of strings for header, and the tables [host."URL"] and [host."URL".header]. Files are bounded (64 KiB).
//
// header (containerd 1.6 parseHostConfig: a string or an array of strings per name, sent on every request to
// that host): the values are secrets (an `authorization` written by hand), so no error message quotes the text
// of a header line. At most HEADER_MAX_NAMES names and HEADER_MAX_BYTES bytes of values per host; a name that
// is not an HTTP token or a value with CR, LF or NUL (Go's HTTP client refuses to send it) makes the file one
// the check cannot judge (an error naming the header, never its value).
import fs from "node:fs";
import path from "node:path";

export const HOSTS_TOML_MAX = 64 * 1024;
export const HEADER_MAX_NAMES = 32;
export const HEADER_MAX_BYTES = 16 * 1024;

export interface HostCapabilities {
  pull: boolean;
  resolve: boolean;
  push: boolean;
}

export interface HostEntry {
  /** the URL as the file writes it (server: as written, or the registry's default) */
  url: string;
  scheme: string;
  /** host[:port] */
  host: string;
  /** the API root requests go under: <path>/<repository>/manifests/<reference> */
  path: string;
  capabilities: HostCapabilities;
  /** CA files, absolute (relative ones joined to the host directory), as the file names them */
  ca: string[];
  /** client certificate files (not presented by the check; reported) */
  client: string[];
  skipVerify?: boolean;
  /** containerd 2.x's dial_timeout (1.6 ignores it), in milliseconds */
  dialTimeoutMs?: number;
  header: Record<string, string[]>;
  /** the last entry: `server`, or the registry itself when the file names none */
  server: boolean;
}

export class HostsTomlError extends Error {
  constructor(
    message: string,
    /** true: valid TOML this subset parser does not read (the check cannot tell what containerd does) */
    readonly unsupported = false,
  ) {
    super(message);
  }
}

type Value = string | boolean | Value[] | { [k: string]: Value };

interface RawTable {
  values: Record<string, Value>;
}

/** The registry itself as containerd's last host: docker.io is https://registry-1.docker.io. */
export function defaultServer(registry: string): string {
  return registry === "docker.io" ? "https://registry-1.docker.io" : `https://${registry}`;
}

/** containerd's hostDirectory(): "host:port" -> "host_port_". */
export function hostDirectoryName(registry: string): string {
  const i = registry.lastIndexOf(":");
  return i > 0 ? `${registry.slice(0, i)}_${registry.slice(i + 1)}_` : registry;
}

/** containerd's hostPaths(): the directories looked at, in order. */
export function hostDirCandidates(hostDir: string, registry: string): string[] {
  const ch = hostDirectoryName(registry);
  return [...(ch !== registry ? [path.join(hostDir, ch)] : []), path.join(hostDir, registry), path.join(hostDir, "_default")];
}

// --- the TOML subset -----------------------------------------------------------------------------------------

class Reader {
  i = 0;
  line = 1;
  /** reading a header line: the text is a secret, never quoted in a message */
  secret = false;
  constructor(readonly s: string) {}
  /** the text at the cursor for a message, or nothing on a header line */
  found(): string {
    return this.secret ? "(the text of a header line is not shown)" : JSON.stringify(this.s.slice(this.i, this.i + 20));
  }
  fail(msg: string, unsupported = false): never {
    throw new HostsTomlError(`line ${this.line}: ${msg}`, unsupported);
  }
  peek(): string {
    return this.s[this.i] ?? "";
  }
  next(): string {
    const c = this.s[this.i++] ?? "";
    if (c === "\n") this.line++;
    return c;
  }
  eof(): boolean {
    return this.i >= this.s.length;
  }
  /** blanks (not newlines) */
  blanks() {
    while (this.peek() === " " || this.peek() === "\t") this.i++;
  }
  comment() {
    if (this.peek() === "#") while (!this.eof() && this.peek() !== "\n") this.i++;
  }
  /** the end of a line: blanks, a comment, a newline or the end */
  endOfLine() {
    this.blanks();
    this.comment();
    if (this.eof()) return;
    if (this.peek() === "\r" && this.s[this.i + 1] === "\n") this.i++;
    if (this.peek() !== "\n") this.fail(`expected the end of the line, found ${this.found()}`);
    this.next();
  }
  /** blanks, comments and newlines (inside arrays) */
  space() {
    for (;;) {
      this.blanks();
      this.comment();
      if (this.peek() === "\n") this.next();
      else if (this.peek() === "\r" && this.s[this.i + 1] === "\n") {
        this.i++;
        this.next();
      } else return;
    }
  }
  key(): string {
    const c = this.peek();
    if (c === '"' || c === "'") return this.string();
    const m = /^[A-Za-z0-9_-]+/.exec(this.s.slice(this.i, this.i + 256));
    if (!m) this.fail(`expected a key, found ${this.found()}`);
    this.i += m[0].length;
    return m[0];
  }
  /** a dotted key: a.b."c" */
  dottedKey(): string[] {
    const parts = [this.key()];
    for (;;) {
      this.blanks();
      if (this.peek() !== ".") return parts;
      this.i++;
      this.blanks();
      parts.push(this.key());
    }
  }
  string(): string {
    const q = this.next();
    if (this.s.startsWith(q + q, this.i)) this.fail("multi-line strings are not read by this check", true);
    let out = "";
    for (;;) {
      if (this.eof() || this.peek() === "\n") this.fail("unterminated string");
      const c = this.next();
      if (c === q) return out;
      if (q === "'" || c !== "\\") {
        if (c.charCodeAt(0) < 0x20 && c !== "\t") this.fail("control character in a string");
        out += c;
        continue;
      }
      const e = this.next();
      const simple: Record<string, string> = { b: "\b", t: "\t", n: "\n", f: "\f", r: "\r", '"': '"', "\\": "\\" };
      if (e in simple) out += simple[e];
      else if (e === "u" || e === "U") {
        const n = e === "u" ? 4 : 8;
        const hex = this.s.slice(this.i, this.i + n);
        if (!/^[0-9A-Fa-f]+$/.test(hex) || hex.length !== n) this.fail(`bad escape \\${e}${hex}`);
        const cp = parseInt(hex, 16);
        if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) this.fail(`bad escape \\${e}${hex}`);
        out += String.fromCodePoint(cp);
        this.i += n;
      } else this.fail(`bad escape \\${e}`);
    }
  }
  value(depth = 0): Value {
    if (depth > 4) this.fail("values nested too deeply");
    const c = this.peek();
    if (c === '"' || c === "'") return this.string();
    if (this.s.startsWith("true", this.i) && !/[A-Za-z0-9_-]/.test(this.s[this.i + 4] ?? "")) {
      this.i += 4;
      return true;
    }
    if (this.s.startsWith("false", this.i) && !/[A-Za-z0-9_-]/.test(this.s[this.i + 5] ?? "")) {
      this.i += 5;
      return false;
    }
    if (c === "[") {
      this.next();
      const out: Value[] = [];
      for (;;) {
        this.space();
        if (this.peek() === "]") {
          this.next();
          return out;
        }
        if (out.length >= 256) this.fail("array too long");
        out.push(this.value(depth + 1));
        this.space();
        if (this.peek() === ",") this.next();
        else if (this.peek() !== "]") this.fail("expected ',' or ']' in an array");
      }
    }
    if (c === "{") {
      this.next();
      const out: Record<string, Value> = {};
      this.blanks();
      if (this.peek() === "}") {
        this.next();
        return out;
      }
      for (;;) {
        this.blanks();
        const k = this.dottedKey();
        if (k.length !== 1) this.fail("dotted keys in inline tables are not read by this check", true);
        this.blanks();
        if (this.next() !== "=") this.fail("expected '=' in an inline table");
        this.blanks();
        if (Object.hasOwn(out, k[0])) this.fail(`duplicate key ${k[0]}`);
        out[k[0]] = this.value(depth + 1);
        this.blanks();
        const d = this.next();
        if (d === "}") return out;
        if (d !== ",") this.fail("expected ',' or '}' in an inline table");
      }
    }
    if (/[0-9+-]/.test(c)) this.fail("numbers and dates are not read by this check", true);
    this.fail(`expected a value, found ${this.found()}`);
  }
}

const HOST_KEYS = new Set(["capabilities", "ca", "client", "skip_verify", "header", "override_path", "dial_timeout"]);

/** The file's tables: "" (the top level, with server) and each host URL in file order. */
function parseTables(text: string): { top: RawTable; hosts: Array<{ url: string; table: RawTable }> } {
  if (Buffer.byteLength(text) > HOSTS_TOML_MAX) throw new HostsTomlError(`larger than ${HOSTS_TOML_MAX} bytes`);
  const r = new Reader(text.replace(/^\uFEFF/, ""));
  const top: RawTable = { values: {} };
  const hosts: Array<{ url: string; table: RawTable }> = [];
  let current: { target: Record<string, Value>; name: string; sub: "host" | "header" | "top" } = {
    target: top.values,
    name: "",
    sub: "top",
  };
  const seen = new Set<string>();
  while (!r.eof()) {
    r.space();
    if (r.eof()) break;
    if (r.peek() === "[") {
      r.next();
      if (r.peek() === "[") r.fail("arrays of tables are not read by this check", true);
      r.blanks();
      const name = r.dottedKey();
      r.blanks();
      if (r.next() !== "]") r.fail("expected ']' after a table name");
      r.endOfLine();
      const id = JSON.stringify(name);
      if (seen.has(id)) r.fail(`table [${name.join(".")}] defined twice`);
      seen.add(id);
      if (name[0] !== "host")
        r.fail(
          `unknown table [${name.join(".")}] (containerd reads server, capabilities, ca, client, skip_verify, override_path, header and [host."URL"] tables)`,
          true,
        );
      if (name.length === 1) r.fail('a [host] table needs a URL: [host."https://..."]', true);
      if (name.length > 3 || (name.length === 3 && name[2] !== "header")) r.fail(`unknown table [${name.join(".")}]`, true);
      let h = hosts.find((x) => x.url === name[1]);
      if (!h) {
        if (hosts.length >= 64) r.fail("more than 64 hosts");
        h = { url: name[1], table: { values: {} } };
        hosts.push(h);
      }
      if (name.length === 3) {
        if (Object.hasOwn(h.table.values, "header")) r.fail(`header of ${name[1]} defined twice`);
        const header: Record<string, Value> = {};
        h.table.values.header = header;
        current = { target: header, name: `host.${name[1]}.header`, sub: "header" };
      } else current = { target: h.table.values, name: `host.${name[1]}`, sub: "host" };
      continue;
    }
    // in a header table a malformed line may be a bare value: not quoted either
    r.secret = current.sub === "header";
    const key = r.dottedKey();
    r.blanks();
    if (r.next() !== "=") r.fail(`expected '=' after ${r.secret ? "a key of a header table (the line is not shown)" : key.join(".")}`);
    r.blanks();
    // a header's value (in a header table, header.X, header = {...}): a secret from here to the end of the line
    r.secret = current.sub === "header" || key.includes("header");
    const v = r.value();
    r.endOfLine();
    r.secret = false;
    let target = current.target;
    let k = key[0];
    if (key.length > 1) {
      // dotted keys: host."URL".capabilities at the top level, header.X in a host table
      if (current.sub === "top" && key[0] === "host" && key.length === 3) {
        let h = hosts.find((x) => x.url === key[1]);
        if (!h) hosts.push((h = { url: key[1], table: { values: {} } }));
        target = h.table.values;
        k = key[2]!;
      } else if (current.sub !== "header" && key[0] === "header" && key.length === 2) {
        const header = (target.header ??= {}) as Record<string, Value>;
        target = header;
        k = key[1]!;
      } else r.fail(`dotted key ${key.join(".")} is not read by this check`, true);
    }
    if (Object.hasOwn(target, k)) r.fail(`duplicate key ${k}`);
    if (current.sub === "header" || target !== current.target) {
      // header values, checked below
    } else if (current.sub === "top" && k === "server") {
      // the fallback
    } else if (!HOST_KEYS.has(k))
      r.fail(
        `unknown key ${k}${current.name ? ` in [${current.name}]` : ""} (containerd reads server, capabilities, ca, client, skip_verify, override_path, header)`,
        true,
      );
    target[k] = v;
  }
  return { top, hosts };
}

const str = (v: Value | undefined, field: string): string | undefined => {
  if (v === undefined) return undefined;
  if (typeof v !== "string") throw new HostsTomlError(`${field}: expected a string`);
  return v;
};
const strings = (v: Value | undefined, field: string): string[] | undefined => {
  if (v === undefined) return undefined;
  if (typeof v === "string") return [v];
  if (Array.isArray(v) && v.every((x) => typeof x === "string")) return v;
  throw new HostsTomlError(`${field}: expected a string or an array of strings`);
};
const bool = (v: Value | undefined, field: string): boolean | undefined => {
  if (v === undefined) return undefined;
  if (typeof v !== "boolean") throw new HostsTomlError(`${field}: expected true or false`);
  return v;
};

/** A Go duration ("5s", "1m30s", "250ms") in milliseconds, as time.ParseDuration reads the common forms. */
function goDuration(s: string, field: string): number {
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/gy;
  if (s === "0") return 0;
  let total = 0;
  let m: RegExpExecArray | null;
  let at = 0;
  while ((m = re.exec(s))) {
    total += Number(m[1]) * units[m[2]];
    at = re.lastIndex;
  }
  if (at !== s.length || s.length === 0) throw new HostsTomlError(`${field}: ${JSON.stringify(s)} is not a duration (e.g. "5s")`);
  return total;
}

/** containerd's parseHostConfig for one table. server "" (no server): the caller fills in the registry. */
function hostEntry(server: string, baseDir: string, values: Record<string, Value>, field: string, isServer: boolean): HostEntry {
  const e: HostEntry = {
    url: server,
    scheme: "",
    host: "",
    path: "",
    capabilities: { pull: true, resolve: true, push: true },
    ca: [],
    client: [],
    header: {},
    server: isServer,
  };
  const overridePath = bool(values.override_path, `${field}.override_path`) ?? false;
  if (server) {
    const withScheme = server.startsWith("http") ? server : `https://${server}`;
    let u: URL;
    try {
      u = new URL(withScheme);
    } catch {
      throw new HostsTomlError(`${field}: ${JSON.stringify(server)} is not a URL`);
    }
    if (u.protocol !== "https:" && u.protocol !== "http:")
      throw new HostsTomlError(`${field}: ${JSON.stringify(server)}: only http and https`);
    if (u.username || u.password) throw new HostsTomlError(`${field}: a URL with credentials is not read by this check`, true);
    e.scheme = u.protocol.slice(0, -1);
    e.host = u.host;
    // Go's url.Parse gives "" for no path where WHATWG URL gives "/"; path.Join of the request path makes them one
    let p = u.pathname;
    try {
      p = decodeURIComponent(p);
    } catch {
      throw new HostsTomlError(`${field}: ${JSON.stringify(server)} has a malformed path`);
    }
    if (p !== "/" && p !== "") {
      p = path.posix.normalize(p).replace(/(.)\/+$/, "$1");
      if (!p.endsWith("/v2") && !overridePath) p = `${p}/v2`;
    } else p = overridePath ? "/" : "/v2";
    e.path = p;
  }
  e.skipVerify = bool(values.skip_verify, `${field}.skip_verify`);
  const dial = str(values.dial_timeout, `${field}.dial_timeout`);
  if (dial !== undefined) e.dialTimeoutMs = goDuration(dial, `${field}.dial_timeout`);
  const caps = strings(values.capabilities, `${field}.capabilities`);
  if (caps && caps.length > 0) {
    e.capabilities = { pull: false, resolve: false, push: false };
    for (const c of caps) {
      const lc = c.toLowerCase();
      if (lc !== "pull" && lc !== "resolve" && lc !== "push") throw new HostsTomlError(`${field}.capabilities: unknown capability ${c}`);
      e.capabilities[lc] = true;
    }
  }
  const abs = (p: string) => (path.isAbsolute(p) ? p : path.join(baseDir, p));
  e.ca = (strings(values.ca, `${field}.ca`) ?? []).map(abs);
  const client = values.client;
  if (client !== undefined) {
    const flat = typeof client === "string" ? [client] : Array.isArray(client) ? client.flat() : undefined;
    if (!flat || !flat.every((x) => typeof x === "string")) throw new HostsTomlError(`${field}.client: expected a string or an array`);
    e.client = flat.map(abs);
  }
  if (values.header !== undefined) {
    const h = values.header;
    if (typeof h !== "object" || Array.isArray(h)) throw new HostsTomlError(`${field}.header: expected a table`);
    const names = Object.keys(h);
    if (names.length > HEADER_MAX_NAMES) throw new HostsTomlError(`${field}.header: more than ${HEADER_MAX_NAMES} headers`, true);
    let bytes = 0;
    for (const [i, [k, v]] of Object.entries(h).entries()) {
      const name = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}$/.test(k) ? k : undefined;
      // not quoted: a line such as "Authorization: Basic ..." = "" puts the credential in the name
      if (!name)
        throw new HostsTomlError(
          `${field}.header: header ${i + 1}'s name is not an HTTP token (not shown: it may hold a credential)`,
          true,
        );
      // containerd refuses any other type ("invalid type ... for header"); the value itself is not quoted
      const vs = typeof v === "string" ? [v] : Array.isArray(v) && v.every((x) => typeof x === "string") ? v : undefined;
      if (!vs) throw new HostsTomlError(`${field}.header.${name}: expected a string or an array of strings`);
      if (vs.some((x) => /[\r\n\0]/.test(x)))
        throw new HostsTomlError(`${field}.header.${name}: a value with CR, LF or NUL (not sent: Go's HTTP client refuses it)`, true);
      bytes += vs.reduce((n, x) => n + Buffer.byteLength(x) + name.length, 0);
      if (bytes > HEADER_MAX_BYTES) throw new HostsTomlError(`${field}.header: more than ${HEADER_MAX_BYTES} bytes of headers`, true);
      e.header[name] = vs;
    }
  }
  return e;
}

/**
 * The hosts containerd tries for `registry`, in order, from the text of its hosts.toml in `baseDir`: the
 * [host] tables in file order, the fallback last. Throws HostsTomlError (containerd: "failed to decode
 * hosts.toml", and it then ignores the file).
 */
export function parseHostsToml(text: string, baseDir: string, registry: string): HostEntry[] {
  const { top, hosts } = parseTables(text);
  // containerd 1.6's getSortedHosts: a file without [host] tables fails to decode (and is ignored)
  // (2.x reads it, with server as its one host: the registry alone either way)
  if (hosts.length === 0)
    throw new HostsTomlError('no [host."URL"] table (containerd 1.x ignores such a file, 2.x pulls from server alone)');
  const out = hosts.map((h) => hostEntry(h.url, baseDir, h.table.values, `host."${h.url}"`, false));
  const server = str(top.values.server, "server") ?? "";
  const last = hostEntry(server, baseDir, top.values, "server", true);
  if (!last.host) {
    const d = new URL(defaultServer(registry));
    Object.assign(last, {
      url: d.origin,
      scheme: d.protocol.slice(0, -1),
      host: d.host,
      path: "/v2",
      capabilities: { pull: true, resolve: true, push: true },
    });
  }
  out.push(last);
  return out;
}

export interface RegistryHosts {
  /** the directory containerd reads (as this process sees it), when one exists */
  dir?: string;
  /** hosts in the order containerd tries them, the fallback last */
  hosts: HostEntry[];
  /** why the host directory gives no mirror (no directory, no hosts.toml, a file containerd ignores) */
  why?: string;
  /** a file this parser cannot read (valid TOML outside the subset): what containerd does is unknown */
  unsupported?: string;
}

/** containerd's lookup for one registry in hostDir, with the hosts it would try. */
export function registryHosts(hostDir: string, registry: string): RegistryHosts {
  const registryOnly = (why: string, dir?: string): RegistryHosts => {
    const d = new URL(defaultServer(registry));
    return {
      dir,
      why,
      hosts: [
        {
          url: d.origin,
          scheme: d.protocol.slice(0, -1),
          host: d.host,
          path: "/v2",
          capabilities: { pull: true, resolve: true, push: true },
          ca: [],
          client: [],
          header: {},
          server: true,
        },
      ],
    };
  };
  const candidates = hostDirCandidates(hostDir, registry);
  const dir = candidates.find((p) => {
    try {
      fs.statSync(p);
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT" || (e as NodeJS.ErrnoException).code === "ENOTDIR") return false;
      throw e;
    }
  });
  if (!dir)
    return registryOnly(
      `no host directory for ${registry} in ${hostDir} (looked for ${candidates.map((c) => path.basename(c)).join(", ")})`,
    );
  const file = path.join(dir, "hosts.toml");
  let text: string;
  try {
    const fd = fs.openSync(file, "r");
    try {
      const buf = Buffer.alloc(HOSTS_TOML_MAX + 1);
      const n = fs.readSync(fd, buf, 0, buf.length, 0);
      if (n > HOSTS_TOML_MAX) return { dir, hosts: [], unsupported: `${file} is larger than ${HOSTS_TOML_MAX} bytes` };
      text = buf.subarray(0, n).toString("utf8");
    } finally {
      fs.closeSync(fd);
    }
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return registryOnly(`${dir} has no hosts.toml`, dir);
    if (code === "ENOTDIR") return registryOnly(`${dir} is not a directory`, dir);
    throw e;
  }
  if (text.length === 0) return registryOnly(`${file} is empty`, dir);
  try {
    return { dir, hosts: parseHostsToml(text, dir, registry) };
  } catch (e) {
    if (!(e instanceof HostsTomlError)) throw e;
    if (e.unsupported) return { dir, hosts: [], unsupported: `${file}: ${e.message}` };
    return registryOnly(`${file} cannot be parsed (${e.message}), so containerd ignores it`, dir);
  }
}
