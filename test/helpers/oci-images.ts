// Small, real container images built in memory: a gzip tar layer, an image config, an OCI or Docker manifest,
// and multi-platform indexes; pushed to a registry over the Distribution API. Content varies with a seed so
// each test image has its own digests.
import zlib from "node:zlib";
import crypto from "node:crypto";
import { writeTar } from "../../generator/src/seed/tar.js";
import { MEDIA, Registry, sha256 } from "../../generator/src/seed/distribution.js";

export interface Blob {
  digest: string;
  mediaType: string;
  data: Buffer;
}
export interface TestImage {
  mediaType: string;
  manifest: Buffer;
  digest: string;
  blobs: Blob[];
  platform: { os: string; architecture: string };
}
export interface TestIndex {
  mediaType: string;
  manifest: Buffer;
  digest: string;
  children: TestImage[];
}

const blob = (mediaType: string, data: Buffer): Blob => ({ mediaType, data, digest: sha256(data) });

export function testImage(seed: string, o: { os?: string; architecture?: string; docker?: boolean; layerBytes?: number } = {}): TestImage {
  const platform = { os: o.os ?? "linux", architecture: o.architecture ?? "amd64" };
  const text = `${seed} ${platform.os}/${platform.architecture}\n`;
  // incompressible filler, the same for the same seed: a gzip layer of about layerBytes
  const filler = (n: number) => {
    const parts: Buffer[] = [];
    for (let i = 0; parts.length * 32 < n; i++) parts.push(crypto.createHash("sha256").update(`${seed} ${i}`).digest());
    return Buffer.concat(parts).subarray(0, n);
  };
  const payload = o.layerBytes ? Buffer.concat([Buffer.from(text), filler(Math.max(0, o.layerBytes - text.length))]) : Buffer.from(text);
  const tar = writeTar([["hello.txt", payload]]);
  const layer = blob(o.docker ? "application/vnd.docker.image.rootfs.diff.tar.gzip" : "application/vnd.oci.image.layer.v1.tar+gzip", zlib.gzipSync(tar, { level: 1 }));
  const config = blob(
    o.docker ? "application/vnd.docker.container.image.v1+json" : "application/vnd.oci.image.config.v1+json",
    Buffer.from(JSON.stringify({ architecture: platform.architecture, os: platform.os, config: { Cmd: ["/hello"] }, rootfs: { type: "layers", diff_ids: [sha256(tar)] } })),
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
  return { mediaType, manifest, digest: sha256(manifest), blobs: [config, layer], platform };
}

export function testIndex(seed: string, platforms: string[], o: { docker?: boolean } = {}): TestIndex {
  const children = platforms.map((p) => {
    const [os, architecture] = p.split("/");
    return testImage(seed, { os, architecture, docker: o.docker });
  });
  const mediaType = o.docker ? MEDIA.dockerList : MEDIA.ociIndex;
  const manifest = Buffer.from(
    JSON.stringify({ schemaVersion: 2, mediaType, manifests: children.map((c) => ({ mediaType: c.mediaType, digest: c.digest, size: c.manifest.length, platform: c.platform })) }),
  );
  return { mediaType, manifest, digest: sha256(manifest), children };
}

export async function pushImage(reg: Registry, repo: string, tag: string, img: TestImage | TestIndex): Promise<void> {
  const images = "children" in img ? img.children : [img];
  for (const i of images) {
    for (const b of i.blobs) if (!(await reg.blobExists(repo, b.digest))) await reg.pushBlob(repo, b.digest, b.data);
    if ("children" in img) await reg.putManifest(repo, i.digest, i.mediaType, i.manifest);
  }
  await reg.putManifest(repo, tag, img.mediaType, img.manifest);
}
