// Debian packages a root-only test needs: present, or installed once and idempotently (root and apt-get
// available), or the reason they are not. apt waits for other apt runs on the machine (DPkg::Lock::Timeout)
// instead of failing.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

/** The binary's path on PATH, or undefined. */
export function onPath(binary: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    const f = path.join(dir || ".", binary);
    try {
      fs.accessSync(f, fs.constants.X_OK);
      if (fs.statSync(f).isFile()) return f;
    } catch {
      /* not here */
    }
  }
  return undefined;
}

/** Ensures every binary exists, installing the packages if it can. Returns why they are unavailable, or undefined. */
export function ensureDebianPackages(packages: string[], binaries: string[]): string | undefined {
  if (binaries.every((b) => onPath(b))) return undefined;
  const missing = () => binaries.filter((b) => !onPath(b));
  if (process.getuid?.() !== 0) return `missing ${missing().join(", ")}, and installing Debian packages ${packages.join(" ")} needs root`;
  if (!onPath("apt-get")) return `missing ${missing().join(", ")}, and there is no apt-get to install ${packages.join(" ")}`;
  const apt = (args: string[]) =>
    spawnSync("apt-get", ["-o", "DPkg::Lock::Timeout=900", ...args], {
      encoding: "utf8",
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
      timeout: 1_200_000,
    });
  let r = apt(["install", "-y", "-q", "--no-install-recommends", ...packages]);
  if (r.status !== 0) {
    apt(["update", "-q"]);
    r = apt(["install", "-y", "-q", "--no-install-recommends", ...packages]);
  }
  const still = missing();
  return still.length
    ? `apt-get install ${packages.join(" ")} failed (${(r.stderr || r.stdout || "").trim().split("\n").at(-1)}); missing ${still.join(", ")}`
    : undefined;
}

/** Ensures `binary` exists, installing Debian package `pkg` if it can. Returns its path, or why not. */
export function ensureDebianPackage(pkg: string, binary: string): { bin?: string; why?: string } {
  const why = ensureDebianPackages([pkg], [binary]);
  return why ? { why } : { bin: onPath(binary) };
}
