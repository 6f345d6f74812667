// The index entry the check takes for a node: containerd's default matcher (exact os/architecture/variant
// first; arm64 also runs arm/v8..v5; amd64 variants are amd64 for containerd 1.6).
import { describe, it, expect } from "vitest";
import { selectManifest, parsePlatform, normalizePlatform, formatPlatform } from "../../generator/src/nodecheck/platform.js";

const entry = (digest: string, os: string, architecture: string, variant?: string) => ({
  digest,
  platform: { os, architecture, ...(variant ? { variant } : {}) },
});
const index = [
  entry("sha256:arm7", "linux", "arm", "v7"),
  entry("sha256:amd", "linux", "amd64"),
  entry("sha256:arm64", "linux", "arm64", "v8"),
  entry("sha256:win", "windows", "amd64"),
  entry("sha256:att", "unknown", "unknown"),
];

describe("selectManifest", () => {
  it.each([
    ["linux/amd64", "sha256:amd"],
    ["linux/arm64", "sha256:arm64"],
    ["linux/arm64/v8", "sha256:arm64"],
    ["linux/arm/v7", "sha256:arm7"],
    ["linux/aarch64", "sha256:arm64"],
    ["windows/amd64", "sha256:win"],
  ])("%s -> %s", (p, d) => {
    expect(selectManifest(index, parsePlatform(p))?.digest).toBe(d);
  });

  it("arm64 without its own entry takes arm/v7; arm/v6 does not take arm/v7; none: undefined", () => {
    expect(selectManifest([index[0], index[1]], parsePlatform("linux/arm64"))?.digest).toBe("sha256:arm7");
    expect(selectManifest([index[0], index[1]], parsePlatform("linux/arm/v6"))).toBeUndefined();
    expect(selectManifest([index[1]], parsePlatform("linux/s390x"))).toBeUndefined();
  });

  it("an arm64 entry without a variant is arm64/v8; an amd64/v3 entry serves amd64; malformed entries are skipped", () => {
    expect(selectManifest([entry("sha256:x", "linux", "arm64")], parsePlatform("linux/arm64/v8"))?.digest).toBe("sha256:x");
    expect(selectManifest([entry("sha256:v3", "linux", "amd64", "v3")], parsePlatform("linux/amd64"))?.digest).toBe("sha256:v3");
    expect(
      selectManifest([null, { digest: 1 }, { platform: {} }, entry("sha256:ok", "linux", "amd64")], parsePlatform("linux/amd64"))?.digest,
    ).toBe("sha256:ok");
  });

  it("platforms parse and print as containerd normalises them; a bad one is refused naming it", () => {
    expect(formatPlatform(normalizePlatform({ os: "Linux", architecture: "x86_64" }))).toBe("linux/amd64");
    expect(formatPlatform(parsePlatform("linux/arm64"))).toBe("linux/arm64/v8");
    expect(formatPlatform(parsePlatform("linux/arm"))).toBe("linux/arm/v7");
    expect(() => parsePlatform("linux")).toThrow(/platform: expected os\/architecture\[\/variant\].*"linux"/);
    expect(() => parsePlatform("linux/amd64/v2/x")).toThrow(/platform/);
  });
});
