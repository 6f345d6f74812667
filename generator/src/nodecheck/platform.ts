// The platform containerd pulls for: its default matcher (containerd/platforms Only(DefaultSpec())) takes the
// index entry whose os and architecture are the node's, with the variant normalised (arm64 is arm64/v8,
// arm is arm/v7 unless told), and on arm64 also arm/v8..v5 (then arm/v7..v5 on arm/v7), preferring the
// exact platform; among equals the first in the index.

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

const ARCH: Record<string, string> = {
  x64: "amd64",
  ia32: "386",
  x86_64: "amd64",
  aarch64: "arm64",
  armhf: "arm",
  armel: "arm",
  i386: "386",
};

/** containerd's Normalize: architecture aliases, arm64's default variant v8, arm's v7. */
export function normalizePlatform(p: Platform): Platform {
  const os = p.os.toLowerCase();
  const architecture = ARCH[p.architecture.toLowerCase()] ?? p.architecture.toLowerCase();
  let variant = p.variant?.toLowerCase() || undefined;
  if (architecture === "arm64") variant = variant === "8" || !variant ? "v8" : variant;
  else if (architecture === "arm") variant = !variant || variant === "7" ? "v7" : variant.startsWith("v") ? variant : `v${variant}`;
  else if (architecture === "amd64" && variant === "v1") variant = undefined;
  if (p.architecture.toLowerCase() === "armhf") variant = "v7";
  if (p.architecture.toLowerCase() === "armel") variant = "v6";
  return { os, architecture, ...(variant ? { variant } : {}) };
}

export function formatPlatform(p: Platform): string {
  return `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ""}`;
}

/** "os/arch[/variant]"; throws naming the value. */
export function parsePlatform(s: string): Platform {
  const parts = s.split("/");
  if (parts.length < 2 || parts.length > 3 || parts.some((x) => !/^[A-Za-z0-9_.-]{1,32}$/.test(x)))
    throw new Error(`platform: expected os/architecture[/variant] (e.g. linux/amd64), given ${JSON.stringify(s)}`);
  return normalizePlatform({ os: parts[0], architecture: parts[1], variant: parts[2] });
}

/** This process's platform, as containerd's default platform on this machine. */
export function defaultPlatform(): Platform {
  const armVersion = (process.config.variables as Record<string, unknown>).arm_version;
  const arm =
    process.arch === "arm" ? `v${typeof armVersion === "string" || typeof armVersion === "number" ? armVersion : "7"}` : undefined;
  return normalizePlatform({ os: process.platform === "win32" ? "windows" : process.platform, architecture: process.arch, variant: arm });
}

/** The platforms the node runs, best first. */
function vector(p: Platform): Platform[] {
  const out = [p];
  if (p.architecture === "arm64" && p.os === "linux")
    for (const v of ["v8", "v7", "v6", "v5"]) out.push({ os: p.os, architecture: "arm", variant: v });
  if (p.architecture === "arm" && p.variant) {
    const n = Number(p.variant.slice(1));
    for (let v = n - 1; v >= 5; v--) out.push({ os: p.os, architecture: "arm", variant: `v${v}` });
  }
  return out;
}

const same = (a: Platform, b: Platform) => a.os === b.os && a.architecture === b.architecture && (a.variant ?? "") === (b.variant ?? "");

/** The index entry containerd would pull on `node`, or undefined. */
export function selectManifest(entries: unknown[], node: Platform): { digest: string; platform: Platform } | undefined {
  const want = vector(normalizePlatform(node));
  let best: { digest: string; platform: Platform; rank: number } | undefined;
  for (const e of entries.slice(0, 1000)) {
    const m = e as { digest?: unknown; platform?: { os?: unknown; architecture?: unknown; variant?: unknown } };
    if (typeof m?.digest !== "string" || typeof m.platform?.os !== "string" || typeof m.platform.architecture !== "string") continue;
    const p = normalizePlatform({
      os: m.platform.os,
      architecture: m.platform.architecture,
      variant: typeof m.platform.variant === "string" ? m.platform.variant : undefined,
    });
    // an amd64 variant in the index (v2, v3) is taken for amd64, as containerd 1.6 ignores it
    const q = p.architecture === "amd64" ? { os: p.os, architecture: p.architecture } : p;
    const rank = want.findIndex((w) => same(w.architecture === "amd64" ? { os: w.os, architecture: w.architecture } : w, q));
    if (rank >= 0 && (!best || rank < best.rank)) best = { digest: m.digest, platform: p, rank };
  }
  return best && { digest: best.digest, platform: best.platform };
}
