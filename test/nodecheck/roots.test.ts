// The node's CA store as containerd's Go reads it, under a host root made here: Debian's layout (the bundle
// file, *.pem links into /usr/share/ca-certificates, hash links skipped), RHEL's (ca-bundle.crt an absolute link
// into /etc/pki/ca-trust/extracted, /etc/ssl/certs a relative link to /etc/pki/tls/certs), the first bundle file
// that reads is the only one, every file of the directories is read, links are resolved inside the root and
// never above it, and the bounds.
import { describe, it, expect, afterAll } from "vitest";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import crypto from "node:crypto";
import { spawnSync } from "node:child_process";
import {
  loadNodeRoots,
  pemCertificates,
  resolveInRoot,
  rootsSummary,
  ROOTS_MAX_FILES,
  type RootFs,
  realRootFs,
} from "../../generator/src/nodecheck/roots.js";
import { generateCA } from "../../generator/src/certs/generate.js";

const T = fs.mkdtempSync(path.join(os.tmpdir(), "he-nodecheck-roots-"));
afterAll(() => fs.rmSync(T, { recursive: true, force: true }));

const cas = Array.from({ length: 6 }, (_, i) => generateCA(`roots test CA ${i}`, 1).cert.replace(/\r\n/g, "\n"));
/** a certificate's subject CN, to compare sets */
const cn = (pem: string) => /CN=([^\n]+)/.exec(new crypto.X509Certificate(pem).subject)![1];
const names = (pems: string[]) => pems.map(cn).sort();
let n = 0;
function root(files: Record<string, string | { link: string }>): string {
  const r = path.join(T, `root-${n++}`);
  for (const [p, v] of Object.entries(files)) {
    const f = path.join(r, p);
    fs.mkdirSync(path.dirname(f), { recursive: true });
    if (typeof v === "string") fs.writeFileSync(f, v);
    else fs.symlinkSync(v.link, f);
  }
  return r;
}

describe("pemCertificates (Go's AppendCertsFromPEM)", () => {
  it("takes CERTIFICATE blocks without headers that parse; skips others and the text between", () => {
    const bad = "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n";
    const withHeader = cas[1].replace("-----BEGIN CERTIFICATE-----\n", "-----BEGIN CERTIFICATE-----\nProc-Type: 4,ENCRYPTED\n\n");
    const trusted = cas[2].replace(/CERTIFICATE/g, "TRUSTED CERTIFICATE");
    const got = pemCertificates(`# a comment\n${cas[0]}garbage\n${bad}${withHeader}${trusted}${cas[3].replace(/\n/g, "\r\n")}`);
    expect(names(got)).toEqual(["roots test CA 0", "roots test CA 3"]);
    expect(pemCertificates("")).toEqual([]);
  });

  it("as Go's pem.Decode: a cut-off block does not swallow the next certificate; a wrong END type or trailing text on the END line drops only that block", () => {
    const cut = cas[0].slice(0, 200); // BEGIN and part of the base64, no END
    expect(names(pemCertificates(`${cut}\n${cas[1]}`))).toEqual(["roots test CA 1"]);
    const wrongEnd = cas[2].replace("-----END CERTIFICATE-----", "-----END X509 CRL-----");
    expect(names(pemCertificates(`${wrongEnd}${cas[3]}`))).toEqual(["roots test CA 3"]);
    const trailing = cas[4].replace("-----END CERTIFICATE-----", "-----END CERTIFICATE----- and more");
    expect(names(pemCertificates(`${trailing}${cas[5]}`))).toEqual(["roots test CA 5"]);
    // a BEGIN not at the start of a line is not one
    expect(pemCertificates(`x${cas[0]}`)).toEqual([]);
    // openssl's own check agrees on the cut-off case (Go's AppendCertsFromPEM: one certificate)
    expect(pemCertificates(`${cut}\n${cas[1]}${cut}`)).toHaveLength(1);
  });

  it("linear in its input: 1 MiB of BEGIN lines with no END, or of ENDs, takes well under a second", () => {
    for (const text of [
      "-----BEGIN CERTIFICATE-----\n".repeat(40_000),
      `${"-----BEGIN CERTIFICATE-----\nAAAA\n".repeat(20_000)}-----END CERTIFICATE-----\n`,
      "\n-----END CERTIFICATE-----".repeat(40_000),
    ]) {
      const t0 = performance.now();
      expect(pemCertificates(text)).toEqual([]);
      expect(performance.now() - t0).toBeLessThan(1000);
    }
  });
});

describe("loadNodeRoots", () => {
  it("Debian: the bundle file, then /etc/ssl/certs: *.pem links into /usr/share/ca-certificates (absolute, from the root), hash links skipped, subdirectories skipped", () => {
    const r = root({
      "etc/ssl/certs/ca-certificates.crt": cas[0] + cas[1],
      "usr/share/ca-certificates/mozilla/Two.crt": cas[2],
      "etc/ssl/certs/Two.pem": { link: "/usr/share/ca-certificates/mozilla/Two.crt" },
      // the hash link of c_rehash: a same-directory link, not read twice
      "etc/ssl/certs/abcd1234.0": { link: "Two.pem" },
      "usr/local/share/ca-certificates/local.crt": cas[3],
      "etc/ssl/certs/local.pem": { link: "/usr/local/share/ca-certificates/local.crt" },
      "etc/ssl/certs/java/cacerts": "binary",
      "etc/ssl/certs/README": "not PEM",
    });
    // the link's absolute target must not be read from this machine's own /usr/share
    const got = loadNodeRoots(r);
    expect({ ...got, certs: names(got.certs) }).toEqual({
      certs: ["roots test CA 0", "roots test CA 1", "roots test CA 2", "roots test CA 3"],
      file: "/etc/ssl/certs/ca-certificates.crt",
      // the bundle, then README, Two.pem, ca-certificates.crt (again, as Go), local.pem
      read: 5,
      skipped: [],
    });
    expect(rootsSummary(got)).toBe("4 CA certificates in the node's store (/etc/ssl/certs/ca-certificates.crt)");
  });

  it("RHEL: /etc/pki/tls/certs/ca-bundle.crt an absolute link into /etc/pki/ca-trust/extracted, /etc/ssl/certs a relative link to ../pki/tls/certs", () => {
    const r = root({
      "etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem": cas[0] + cas[4],
      "etc/pki/tls/certs/ca-bundle.crt": { link: "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem" },
      "etc/pki/tls/certs/ca-bundle.trust.crt": { link: "/etc/pki/ca-trust/extracted/openssl/ca-bundle.trust.crt" },
      "etc/pki/ca-trust/extracted/openssl/ca-bundle.trust.crt": cas[5].replace(/CERTIFICATE/g, "TRUSTED CERTIFICATE"),
      "etc/ssl/certs": { link: "../pki/tls/certs" },
    });
    const got = loadNodeRoots(r);
    expect({ ...got, certs: names(got.certs) }).toEqual({
      certs: ["roots test CA 0", "roots test CA 4"],
      file: "/etc/pki/tls/certs/ca-bundle.crt",
      read: 5,
      skipped: [],
    });
  });

  it("the first bundle file that reads is the only one: a later one is not read; a directory in the first place does not count", () => {
    const r = root({
      "etc/ssl/certs/ca-certificates.crt/not-a-file": "x",
      "etc/pki/tls/certs/ca-bundle.crt": cas[0],
      "etc/ssl/ca-bundle.pem": cas[1],
      "etc/ssl/cert.pem": cas[2],
    });
    const got = loadNodeRoots(r);
    // CA 0 from the bundle (and again from the /etc/pki/tls/certs scan), never CA 1 or 2
    expect({ file: got.file, certs: names(got.certs) }).toEqual({ file: "/etc/pki/tls/certs/ca-bundle.crt", certs: ["roots test CA 0"] });
  });

  it("every file of both directories is read, with no bundle file at all; an empty store is empty (Node's own roots never added)", () => {
    const r = root({ "etc/ssl/certs/one.crt": cas[0], "etc/ssl/certs/two": cas[1], "etc/pki/tls/certs/three.pem": cas[2] });
    const got = loadNodeRoots(r);
    expect({ file: got.file, certs: names(got.certs) }).toEqual({
      file: undefined,
      certs: ["roots test CA 0", "roots test CA 1", "roots test CA 2"],
    });
    expect(loadNodeRoots(root({}))).toEqual({ certs: [], read: 0, skipped: [] });
  });

  it("a link leading above the root is refused (the file outside is not read), another resolved inside it; a loop and a dangling link skipped", () => {
    const outside = path.join(T, `outside-${n}`);
    fs.mkdirSync(outside, { recursive: true });
    fs.writeFileSync(path.join(outside, "evil.crt"), cas[5]);
    const r = root({
      "etc/ssl/certs/escape.pem": { link: `../../../../${path.basename(outside)}/evil.crt` },
      // absolute: from the root, so this is <root>/<T>/outside-n/evil.crt, which does not exist
      "etc/ssl/certs/absolute.pem": { link: path.join(outside, "evil.crt") },
      "etc/ssl/certs/loop.pem": { link: "/etc/ssl/certs/loop2.pem" },
      "etc/ssl/certs/loop2.pem": { link: "/etc/ssl/certs/loop.pem" },
      "etc/ssl/certs/dangling.pem": { link: "/nowhere/x.crt" },
      "etc/ssl/certs/inside.pem": { link: "../../../usr/share/ca-certificates/in.crt" },
      "usr/share/ca-certificates/in.crt": cas[0],
    });
    const got = loadNodeRoots(r);
    expect(names(got.certs)).toEqual(["roots test CA 0"]);
    expect(got.skipped).toEqual([
      "/etc/ssl/certs/escape.pem: a symlink leads above the host root",
      "/etc/ssl/certs/loop.pem: ELOOP",
      "/etc/ssl/certs/loop2.pem: ELOOP",
    ]);
    expect(() => resolveInRoot(r, "/etc/ssl/certs/escape.pem")).toThrow(expect.objectContaining({ code: "EXDEV" }));
    expect(resolveInRoot(r, "/etc/ssl/certs/inside.pem")).toEqual({
      node: "/usr/share/ca-certificates/in.crt",
      here: path.join(r, "usr/share/ca-certificates/in.crt"),
    });
  });

  it("bounds: at most ROOTS_MAX_FILES files, and the bytes read in all", () => {
    // a file system with a directory of ROOTS_MAX_FILES + 10 one-certificate files
    const calls = { read: 0 };
    const dir = (p: string) => p === "/r" || p === "/r/etc" || p === "/r/etc/ssl" || p === "/r/etc/ssl/certs";
    const io: RootFs = {
      lstat: (p) => {
        if (dir(p)) return { isDirectory: () => true, isSymbolicLink: () => false } as fs.Stats;
        if (p.startsWith("/r/etc/ssl/certs/f")) return { isDirectory: () => false, isSymbolicLink: () => false } as fs.Stats;
        throw Object.assign(new Error("ENOENT"), { code: "ENOENT" });
      },
      readlink: () => {
        throw new Error("no links");
      },
      list: (_p, max) =>
        Array.from({ length: Math.min(ROOTS_MAX_FILES + 10, max + 1) }, (_, i) => ({
          name: `f${String(i).padStart(5, "0")}`,
          symlink: false,
        })),
      read: () => (calls.read++, Buffer.from(cas[0])),
    };
    const got = loadNodeRoots("/r", io);
    expect(calls.read).toBe(ROOTS_MAX_FILES);
    expect(got.read).toBe(ROOTS_MAX_FILES);
    // the directory is listed up to one entry past the bound, that one said
    expect(got.skipped).toEqual([`/etc/ssl/certs/f0${ROOTS_MAX_FILES}: more than ${ROOTS_MAX_FILES} files (not read)`]);
    // the bytes: a file larger than what is left is not read, and said so; the files before it are
    const r = root({ "etc/ssl/certs/a.pem": cas[0], "etc/ssl/certs/b.pem": cas[1], "etc/ssl/certs/c.pem": cas[2] });
    const budget = fs.statSync(path.join(r, "etc/ssl/certs/a.pem")).size * 2 + 10;
    const cut = loadNodeRoots(r, realRootFs, { files: 100, bytes: budget });
    expect({ ...cut, certs: names(cut.certs) }).toEqual({
      certs: ["roots test CA 0", "roots test CA 1"],
      read: 2,
      skipped: [`/etc/ssl/certs/c.pem: over the ${budget} bytes read in all (not read)`],
    });
  });

  it("a FIFO is not read (it would block); an unreadable file is skipped as Go skips it", () => {
    const r = root({ "etc/ssl/certs/ok.pem": cas[0], "etc/ssl/certs/locked.pem": cas[1] });
    fs.chmodSync(path.join(r, "etc/ssl/certs/locked.pem"), 0);
    spawnFifo(path.join(r, "etc/ssl/certs/fifo.pem"));
    const got = loadNodeRoots(r);
    // root reads a mode-0 file; anyone else cannot
    expect(names(got.certs)).toEqual(process.getuid?.() === 0 ? ["roots test CA 0", "roots test CA 1"] : ["roots test CA 0"]);
  });
});

function spawnFifo(p: string) {
  const r = spawnSync("mkfifo", [p]);
  if (r.status !== 0) throw new Error(`mkfifo: ${String(r.stderr)}`);
}
