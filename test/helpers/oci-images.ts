// Small, real container images built in memory: a gzip tar layer, an image config, an OCI or Docker manifest,
// and multi-platform indexes; pushed to a registry over the Distribution API (harbor-edge's own client,
// generator/src/registry/distribution.ts: blob HEAD, monolithic upload, manifest PUT). testImage makes test
// content whose digests vary with a seed (and the platform); imageFromLayer makes an image from a given
// uncompressed layer tar with a given config (platform, Env, Entrypoint, Cmd), e.g. a real root filesystem.
import zlib from "node:zlib";
import crypto from "node:crypto";
import { writeTar } from "./tar-writer.js";
import { MEDIA, Registry, sha256 } from "../../generator/src/registry/distribution.js";

export interface Blob {
  digest: string;
  mediaType: string;
  data: Buffer;
}
export interface TestImage {
  mediaType: string;
  manifest: Buffer;
  digest: string;
  /** the config and the layer, in the order they are pushed */
  blobs: Blob[];
  config: Blob;
  layer: Blob;
  platform: { os: string; architecture: string };
}
export interface TestIndex {
  mediaType: string;
  manifest: Buffer;
  digest: string;
  children: TestImage[];
}

export interface ImageConfig {
  /** default linux */
  os?: string;
  /** default amd64; NODE_ARCH for images this machine's containerd is to pull */
  architecture?: string;
  Env?: string[];
  Entrypoint?: string[];
  Cmd?: string[];
  WorkingDir?: string;
  /** Docker media types (manifest v2 schema 2) instead of OCI */
  docker?: boolean;
}

/** This machine's architecture as OCI names it (x64 -> amd64). */
export const NODE_ARCH = ({ x64: "amd64", ia32: "386" } as Record<string, string>)[process.arch] ?? process.arch;

const blob = (mediaType: string, data: Buffer): Blob => ({ mediaType, data, digest: sha256(data) });

/** An image of one layer: `tar` (uncompressed; gzipped here) with the config's platform and process settings. */
export function imageFromLayer(tar: Buffer, o: ImageConfig = {}): TestImage {
  const platform = { os: o.os ?? "linux", architecture: o.architecture ?? "amd64" };
  const run = Object.fromEntries(
    (["Env", "Entrypoint", "Cmd", "WorkingDir"] as const).filter((k) => o[k] !== undefined).map((k) => [k, o[k]]),
  );
  const layer = blob(
    o.docker ? "application/vnd.docker.image.rootfs.diff.tar.gzip" : "application/vnd.oci.image.layer.v1.tar+gzip",
    zlib.gzipSync(tar, { level: 1 }),
  );
  const config = blob(
    o.docker ? "application/vnd.docker.container.image.v1+json" : "application/vnd.oci.image.config.v1+json",
    Buffer.from(
      JSON.stringify({
        architecture: platform.architecture,
        os: platform.os,
        config: run,
        rootfs: { type: "layers", diff_ids: [sha256(tar)] },
      }),
    ),
  );
  const mediaType = o.docker ? MEDIA.dockerManifest : MEDIA.ociManifest;
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType,
      config: { mediaType: config.mediaType, digest: config.digest, size: config.data.length },
      layers: [{ mediaType: layer.mediaType, digest: layer.digest, size: layer.data.length }],
    }),
  );
  return { mediaType, manifest, digest: sha256(manifest), blobs: [config, layer], config, layer, platform };
}

/** An image whose one file, hello.txt, says the seed and the platform (padded to about layerBytes). */
export function testImage(seed: string, o: { os?: string; architecture?: string; docker?: boolean; layerBytes?: number } = {}): TestImage {
  const text = `${seed} ${o.os ?? "linux"}/${o.architecture ?? "amd64"}\n`;
  // incompressible filler, the same for the same seed: a gzip layer of about layerBytes
  const filler = (n: number) => {
    const parts: Buffer[] = [];
    for (let i = 0; parts.length * 32 < n; i++) parts.push(crypto.createHash("sha256").update(`${seed} ${i}`).digest());
    return Buffer.concat(parts).subarray(0, n);
  };
  const payload = o.layerBytes ? Buffer.concat([Buffer.from(text), filler(Math.max(0, o.layerBytes - text.length))]) : Buffer.from(text);
  return imageFromLayer(writeTar([["hello.txt", payload]]), { os: o.os, architecture: o.architecture, docker: o.docker, Cmd: ["/hello"] });
}

export function testIndex(seed: string, platforms: string[], o: { docker?: boolean } = {}): TestIndex {
  const children = platforms.map((p) => {
    const [os, architecture] = p.split("/");
    return testImage(seed, { os, architecture, docker: o.docker });
  });
  const mediaType = o.docker ? MEDIA.dockerList : MEDIA.ociIndex;
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType,
      manifests: children.map((c) => ({ mediaType: c.mediaType, digest: c.digest, size: c.manifest.length, platform: c.platform })),
    }),
  );
  return { mediaType, manifest, digest: sha256(manifest), children };
}

/** Pushes the image (its blobs not there yet, then its manifest) or the index (every child first, by digest) as repo:tag. */
export async function pushImage(reg: Registry | string, repo: string, tag: string, img: TestImage | TestIndex): Promise<void> {
  if (typeof reg === "string") reg = new Registry({ url: reg });
  const images = "children" in img ? img.children : [img];
  for (const i of images) {
    for (const b of i.blobs) if (!(await reg.blobExists(repo, b.digest))) await reg.pushBlob(repo, b.digest, b.data);
    if ("children" in img) await reg.putManifest(repo, i.digest, i.mediaType, i.manifest);
  }
  await reg.putManifest(repo, tag, img.mediaType, img.manifest);
}
