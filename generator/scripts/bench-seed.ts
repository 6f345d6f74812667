// Benchmark (printed, not a timed test): "Seeding N images: time and requests".
// Builds N small images (one config, one layer of --layer-kib KiB each) as an OCI layout bundle, then seeds
// it with harbor-edge's seed code into:
//   1. Debian's docker-registry directly (distribution's push path alone), and
//   2. the test Harbor in front of such a registry (Harbor's token flow and project checks on top),
// each on a fresh registry and then again (a rerun, where every blob is already there). Prints wall time,
// requests, blobs and bytes per run. Needs /usr/bin/docker-registry (Debian package docker-registry).
//   tsx generator/scripts/bench-seed.ts [--images N] [--layer-kib K] [--chunk-kib C]
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Registry } from "../src/seed/distribution.js";
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
const { startFakeHarborProxy } = await import("../../test/helpers/fake-harbor-proxy.js");
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
  manifests.push({ mediaType: img.mediaType, digest: img.digest, size: img.manifest.length, annotations: { "io.containerd.image.name": `docker.io/bench/image-${i}:1` } });
}
fs.writeFileSync(path.join(bundle, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
fs.writeFileSync(path.join(bundle, "index.json"), JSON.stringify({ schemaVersion: 2, manifests }));
const loaded = await loadBundle(bundle);
const images = loaded.images;
const totalMiB = images.reduce((s, im) => s + im.root.body.length, 0) / 1048576 + (N * LAYER_KIB) / 1024;

const line = (label: string, r: SeedResult) =>
  `  ${label.padEnd(34)} ${(r.ms / 1000).toFixed(2).padStart(6)} s  ${String(r.requests).padStart(5)} requests (${(r.requests / N).toFixed(1)}/image)  ${String(r.blobsUploaded).padStart(4)} blobs up  ${String(r.blobsPresent).padStart(4)} present  ${(r.bytesUploaded / 1048576).toFixed(1).padStart(6)} MiB`;

process.stdout.write(`Seeding ${N} images (${LAYER_KIB} KiB layer each, about ${totalMiB.toFixed(1)} MiB${CHUNK_KIB ? `, ${CHUNK_KIB} KiB chunks` : ", monolithic uploads"}): time and requests\n`);

const plain = await startRegistry("bench-seed-plain");
try {
  const reg = () => new Registry({ url: plain.url, chunkSize: CHUNK_KIB * 1024 });
  process.stdout.write(`${line("docker-registry, fresh", await seedImages(images, reg()))}\n`);
  process.stdout.write(`${line("docker-registry, rerun", await seedImages(images, reg()))}\n`);
} finally {
  await plain.close();
}

const storage = await startRegistry("bench-seed-storage");
const harbor = await startFakeHarborProxy({ adminPassword: "Bench-Pass-1", storage: storage.url, projects: [{ name: "spectro-images", public: false }] });
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
