// Debian packages a test needs: present, or installed (root and apt-get available), or the reason they are not.
// apt waits for other apt runs on the machine (DPkg::Lock::Timeout) instead of failing.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

export function onPath(binary: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    const f = path.join(dir || ".", binary);
    try {
      fs.accessSync(f, fs.constants.X_OK);
      return f;
    } catch {
      /* not here */
    }
  }
  return undefined;
}

/** Ensures `binary` exists, installing Debian package `pkg` if it can. Returns its path, or why not. */
export function ensureDebianPackage(pkg: string, binary: string): { bin?: string; why?: string } {
  const found = onPath(binary);
  if (found) return { bin: found };
  if (process.getuid?.() !== 0) return { why: `${binary} is missing and installing Debian package ${pkg} needs root` };
  if (!onPath("apt-get")) return { why: `${binary} is missing and there is no apt-get to install Debian package ${pkg}` };
  const apt = (args: string[]) => spawnSync("apt-get", ["-o", "DPkg::Lock::Timeout=900", ...args], { encoding: "utf8", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" }, timeout: 1_200_000 });
  let r = apt(["install", "-y", "-q", "--no-install-recommends", pkg]);
  if (r.status !== 0) {
    apt(["update", "-q"]);
    r = apt(["install", "-y", "-q", "--no-install-recommends", pkg]);
  }
  const bin = onPath(binary);
  return bin ? { bin } : { why: `apt-get install ${pkg} failed: ${(r.stderr || r.stdout).trim().split("\n").pop()}` };
}
