// Benchmark (printed, not a timed test): "Seeding N images: time and requests".
// Builds N small images (one config, one layer of --layer-kib KiB each) as an OCI layout bundle, then seeds
// it with harbor-edge's seed code into:
//   1. Debian's docker-registry directly (distribution's push path alone), and
//   2. the test Harbor in front of such a registry (Harbor's token flow and project checks on top),
// each on a fresh registry and then again (a rerun, where every blob is already there). Prints wall time,
// requests, blobs and bytes per run. Needs /usr/bin/docker-registry (Debian package docker-registry).
//
// Then "One big layer: harbor-edge seed beside skopeo copy": an OCI layout with one layer of
// SEED_BENCH_LAYER_MIB MiB (default 512; the issue's goal is 3072 at a peak RSS of at most 150 MB), written to
// disk in 1 MiB pieces and tarred (an oci-archive), is pushed from that same tar by `harbor-edge seed` (the
// built CLI, a child process) and by Debian's `skopeo copy oci-archive:... docker://...` (--dest-tls-verify=false),
// each into a fresh docker-registry. Prints each one's wall time, throughput and peak RSS (/usr/bin/time), and
// the throughput ratio. Skipped (said so) without skopeo or /usr/bin/time; SEED_BENCH_LAYER_MIB=0 skips it.
//   tsx generator/scripts/bench-seed.ts [--images N] [--layer-kib K] [--chunk-kib C]
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import crypto from "node:crypto";
import { spawn, spawnSync } from "node:child_process";
import { Registry } from "../src/registry/distribution.js";
import { loadBundle } from "../src/seed/bundle.js";
import { seedImages, type SeedResult } from "../src/seed/push.js";
import { checkProject } from "../src/seed/harbor.js";

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const N = arg("images", 20);
const LAYER_KIB = arg("layer-kib", 256);
const CHUNK_KIB = arg("chunk-kib", 0);

const { registryUnavailable, startRegistry } = await import("../../test/helpers/docker-registry.js");
const { startFakeHarborProxy } = await import("../../test/fakes/harbor-proxy.js");
const { testImage } = await import("../../test/helpers/oci-images.js");

const why = registryUnavailable();
if (why) {
  process.stdout.write(`Seeding ${N} images: NOT RUN: ${why}\n`);
  process.exit(0);
}

// the bundle: one OCI layout with N named images
const bundle = fs.mkdtempSync(path.join(os.tmpdir(), "bench-seed-"));
const manifests = [];
fs.mkdirSync(path.join(bundle, "blobs", "sha256"), { recursive: true });
for (let i = 0; i < N; i++) {
  const img = testImage(`bench ${i}`, { layerBytes: LAYER_KIB * 1024 });
  fs.writeFileSync(path.join(bundle, "blobs", "sha256", img.digest.slice(7)), img.manifest);
  for (const b of img.blobs) fs.writeFileSync(path.join(bundle, "blobs", "sha256", b.digest.slice(7)), b.data);
  manifests.push({
    mediaType: img.mediaType,
    digest: img.digest,
    size: img.manifest.length,
    annotations: { "io.containerd.image.name": `docker.io/bench/image-${i}:1` },
  });
}
fs.writeFileSync(path.join(bundle, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
fs.writeFileSync(path.join(bundle, "index.json"), JSON.stringify({ schemaVersion: 2, manifests }));
const loaded = await loadBundle(bundle);
const images = loaded.images;
const totalMiB = images.reduce((s, im) => s + im.root.body.length, 0) / 1048576 + (N * LAYER_KIB) / 1024;

const line = (label: string, r: SeedResult) =>
  `  ${label.padEnd(34)} ${(r.ms / 1000).toFixed(2).padStart(6)} s  ${String(r.requests).padStart(5)} requests (${(r.requests / N).toFixed(1)}/image)  ${String(r.blobsUploaded).padStart(4)} blobs up  ${String(r.blobsPresent).padStart(4)} present  ${(r.bytesUploaded / 1048576).toFixed(1).padStart(6)} MiB`;

process.stdout.write(
  `Seeding ${N} images (${LAYER_KIB} KiB layer each, about ${totalMiB.toFixed(1)} MiB${CHUNK_KIB ? `, ${CHUNK_KIB} KiB chunks` : ", monolithic uploads"}): time and requests\n`,
);

const plain = await startRegistry("bench-seed-plain");
try {
  const reg = () => new Registry({ url: plain.url, chunkSize: CHUNK_KIB * 1024 });
  process.stdout.write(`${line("docker-registry, fresh", await seedImages(images, reg()))}\n`);
  process.stdout.write(`${line("docker-registry, rerun", await seedImages(images, reg()))}\n`);
} finally {
  await plain.close();
}

const storage = await startRegistry("bench-seed-storage");
const harbor = await startFakeHarborProxy({
  adminPassword: "Bench-Pass-1",
  storage: storage.url,
  projects: [{ name: "spectro-images", public: false }],
});
try {
  const run = async () => {
    const reg = new Registry({ url: harbor.url, username: "admin", password: "Bench-Pass-1", chunkSize: CHUNK_KIB * 1024 });
    const t0 = Date.now();
    await checkProject(reg, "spectro-images", { username: "admin", password: "Bench-Pass-1" });
    const r = await seedImages(images, reg);
    return { ...r, ms: Date.now() - t0, requests: reg.requests };
  };
  process.stdout.write(`${line("test Harbor (token auth), fresh", await run())}\n`);
  process.stdout.write(`${line("test Harbor (token auth), rerun", await run())}\n`);
} finally {
  await harbor.close();
  await storage.close();
  fs.rmSync(bundle, { recursive: true, force: true });
}

// ---- one big layer: harbor-edge seed beside skopeo copy ----
const BIG_MIB = Number(process.env.SEED_BENCH_LAYER_MIB ?? 512);
const skopeo = spawnSync("skopeo", ["--version"], { encoding: "utf8" });
if (BIG_MIB > 0) {
  const title = `One big layer (${BIG_MIB} MiB): harbor-edge seed beside skopeo copy`;
  if (skopeo.status !== 0) process.stdout.write(`${title}: NOT RUN: no skopeo (apt-get install skopeo)\n`);
  else if (!fs.existsSync("/usr/bin/time")) process.stdout.write(`${title}: NOT RUN: no /usr/bin/time (apt-get install time)\n`);
  else await bigLayer(title);
}

/** Runs a command under /usr/bin/time: wall seconds and peak RSS (MB); throws with its output when it fails. */
async function measured(cmd: string[], env: Record<string, string> = {}): Promise<{ s: number; rssMb: number; out: string }> {
  const t0 = process.hrtime.bigint();
  const child = spawn("/usr/bin/time", ["-f", "PEAK_RSS_KB %M", ...cmd], { env: { ...process.env, ...env } });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  const code: number = await new Promise((resolve) => child.on("close", (c) => resolve(c ?? 1)));
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  if (code !== 0) throw new Error(`${cmd.join(" ")} failed (exit ${code}):\n${out}`);
  const m = /PEAK_RSS_KB (\d+)/.exec(out);
  return { s, rssMb: m ? Number(m[1]) / 1024 : NaN, out };
}

async function bigLayer(title: string): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-seed-big-"));
  try {
    const layout = path.join(dir, "layout");
    const blobs = path.join(layout, "blobs", "sha256");
    fs.mkdirSync(blobs, { recursive: true });
    const part = crypto.randomBytes(1 << 20);
    const h = crypto.createHash("sha256");
    const tmp = path.join(dir, "layer.tmp");
    const fd = fs.openSync(tmp, "w");
    for (let i = 0; i < BIG_MIB; i++) {
      part.writeUInt32BE(i, 0);
      h.update(part);
      fs.writeSync(fd, part);
    }
    fs.closeSync(fd);
    const layer = { mediaType: "application/vnd.oci.image.layer.v1.tar", digest: `sha256:${h.digest("hex")}`, size: BIG_MIB * 1048576 };
    fs.renameSync(tmp, path.join(blobs, layer.digest.slice(7)));
    const cfg = Buffer.from(JSON.stringify({ architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [layer.digest] } }));
    const config = {
      mediaType: "application/vnd.oci.image.config.v1+json",
      digest: `sha256:${crypto.createHash("sha256").update(cfg).digest("hex")}`,
      size: cfg.length,
    };
    fs.writeFileSync(path.join(blobs, config.digest.slice(7)), cfg);
    const manifest = Buffer.from(
      JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json", config, layers: [layer] }),
    );
    const mDigest = `sha256:${crypto.createHash("sha256").update(manifest).digest("hex")}`;
    fs.writeFileSync(path.join(blobs, mDigest.slice(7)), manifest);
    fs.writeFileSync(path.join(layout, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
    const name = "docker.io/bench/big:1";
    fs.writeFileSync(
      path.join(layout, "index.json"),
      JSON.stringify({
        schemaVersion: 2,
        manifests: [
          {
            mediaType: "application/vnd.oci.image.manifest.v1+json",
            digest: mDigest,
            size: manifest.length,
            annotations: { "io.containerd.image.name": name, "org.opencontainers.image.ref.name": name },
          },
        ],
      }),
    );
    const archive = path.join(dir, "big.tar");
    const t = spawnSync("tar", ["-C", layout, "-cf", archive, "oci-layout", "index.json", "blobs"], { encoding: "utf8" });
    if (t.status !== 0) throw new Error(`tar: ${t.stderr}`);
    fs.rmSync(layout, { recursive: true, force: true });

    const bin = path.join(path.dirname(new URL(import.meta.url).pathname), "..", "bin", "harbor-edge.js");
    const a = await startRegistry("bench-seed-big-a");
    const b = await startRegistry("bench-seed-big-b");
    try {
      const seeded = await measured(
        [process.execPath, bin, "seed", "--bundle", archive, "--harbor", a.url, "--password-env", "BENCH_PW", "--json"],
        { BENCH_PW: "unused" },
      );
      const copied = await measured([
        "skopeo",
        "copy",
        "--quiet",
        "--dest-tls-verify=false",
        `oci-archive:${archive}`,
        `docker://${b.host}/spectro-images/docker.io/bench/big:1`,
      ]);
      const rate = (s: number) => BIG_MIB / s;
      process.stdout.write(`${title}, from one oci-archive tar into docker-registry\n`);
      process.stdout.write(
        `  harbor-edge seed  ${seeded.s.toFixed(2).padStart(7)} s  ${rate(seeded.s).toFixed(0).padStart(5)} MiB/s  peak RSS ${seeded.rssMb.toFixed(0).padStart(4)} MB\n`,
      );
      process.stdout.write(
        `  skopeo copy       ${copied.s.toFixed(2).padStart(7)} s  ${rate(copied.s).toFixed(0).padStart(5)} MiB/s  peak RSS ${copied.rssMb.toFixed(0).padStart(4)} MB  (${skopeo.stdout.trim()})\n`,
      );
      process.stdout.write(`  throughput ratio seed/skopeo: ${(copied.s / seeded.s).toFixed(2)}\n`);
    } finally {
      await a.close();
      await b.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
