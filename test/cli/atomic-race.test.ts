// ensureDir (generator/src/io/atomic.ts) when another process makes the same directory at the same moment, as
// parallel test workers do filling one cache on a fresh machine: the directory is there, so that is success;
// a file in its place is still an error naming it.
import { describe, it, expect, vi, afterEach } from "vitest";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ensureDir } from "../../generator/src/io/atomic.js";

const T = fs.mkdtempSync(path.join(os.tmpdir(), "he-atomic-"));
afterEach(() => vi.restoreAllMocks());

/** mkdirSync as if another process won the race for `d`: it makes `what` there first, then reports EEXIST. */
function raceOn(d: string, what: "dir" | "file") {
  const real = fs.mkdirSync;
  vi.spyOn(fs, "mkdirSync").mockImplementation(((p: fs.PathLike, o?: any) => {
    if (String(p) === d) {
      if (what === "dir") real(d);
      else fs.writeFileSync(d, "");
      throw Object.assign(new Error(`EEXIST: file already exists, mkdir '${d}'`), { code: "EEXIST" });
    }
    return real(p, o);
  }) as typeof fs.mkdirSync);
}

describe("ensureDir under a concurrent mkdir", () => {
  it("another process made the directory first: success", () => {
    const d = path.join(T, "a", "helm");
    raceOn(d, "dir");
    expect(() => ensureDir(d)).not.toThrow();
    expect(fs.statSync(d).isDirectory()).toBe(true);
  });
  it("a file appeared in its place: an error naming the directory", () => {
    const d = path.join(T, "b", "helm");
    raceOn(d, "file");
    expect(() => ensureDir(d)).toThrow(`cannot create directory ${d}: EEXIST`);
  });
});
