// Debian packages a root-only test needs, installed once and idempotently (apt's lock is shared with other
// jobs on the machine, so wait for it). Returns why they are unavailable, or undefined when they are there.
import { spawnSync } from "node:child_process";
import fs from "node:fs";

const onPath = (bin: string) => (process.env.PATH ?? "").split(":").some((d) => d && fs.existsSync(`${d}/${bin}`));

export function ensureDebianPackages(packages: string[], binaries: string[]): string | undefined {
  if (process.getuid?.() !== 0) return "not root";
  if (binaries.every(onPath)) return undefined;
  if (!onPath("apt-get")) return `missing ${binaries.filter((b) => !onPath(b)).join(", ")} and no apt-get to install ${packages.join(" ")}`;
  const install = () => spawnSync("apt-get", ["-o", "DPkg::Lock::Timeout=900", "install", "-y", "--no-install-recommends", ...packages], { encoding: "utf8", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" }, timeout: 1_200_000 });
  let r = install();
  if (r.status !== 0) {
    spawnSync("apt-get", ["-o", "DPkg::Lock::Timeout=900", "update"], { encoding: "utf8", timeout: 1_200_000 });
    r = install();
  }
  const missing = binaries.filter((b) => !onPath(b));
  return missing.length ? `apt-get install ${packages.join(" ")} failed (${(r.stderr || r.stdout || "").trim().split("\n").at(-1)}); missing ${missing.join(", ")}` : undefined;
}
