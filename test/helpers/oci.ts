// A tiny OCI image made here (one gzipped tar layer with one file, a config, a manifest) and pushed over the
// Distribution HTTP API (monolithic blob uploads, manifest PUT): test content for real registries.
import { createHash } from "node:crypto";
import zlib from "node:zlib";

const sha256 = (b: Buffer) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

/** A POSIX ustar archive holding one regular file. */
export function tarWithFile(name: string, content: Buffer): Buffer {
  const h = Buffer.alloc(512, 0);
  const put = (s: string, off: number, len: number) => h.write(s.slice(0, len), off, "ascii");
  const octal = (n: number, len: number) => `${n.toString(8).padStart(len - 1, "0")}\0`;
  put(name, 0, 100);
  put(octal(0o644, 8), 100, 8);
  put(octal(0, 8), 108, 8);
  put(octal(0, 8), 116, 8);
  put(octal(content.length, 12), 124, 12);
  put(octal(1_700_000_000, 12), 136, 12);
  put("        ", 148, 8); // checksum computed with spaces here
  put("0", 156, 1);
  put("ustar\0", 257, 6);
  put("00", 263, 2);
  let sum = 0;
  for (const b of h) sum += b;
  put(`${sum.toString(8).padStart(6, "0")}\0 `, 148, 8);
  const pad = Buffer.alloc((512 - (content.length % 512)) % 512, 0);
  return Buffer.concat([h, content, pad, Buffer.alloc(1024, 0)]);
}

export interface TinyImage {
  layer: Buffer;
  config: Buffer;
  manifest: Buffer;
  digest: string;
  layerDigest: string;
  configDigest: string;
}

export const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";

/** An image for the node's architecture whose only file says `text`. */
export function tinyImage(text: string, arch = process.arch === "x64" ? "amd64" : process.arch): TinyImage {
  const tar = tarWithFile("hello.txt", Buffer.from(`${text}\n`));
  const layer = zlib.gzipSync(tar);
  const config = Buffer.from(JSON.stringify({ architecture: arch, os: "linux", config: { Cmd: ["/hello.txt"] }, rootfs: { type: "layers", diff_ids: [sha256(tar)] } }));
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: sha256(config), size: config.length },
      layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: sha256(layer), size: layer.length }],
    }),
  );
  return { layer, config, manifest, digest: sha256(manifest), layerDigest: sha256(layer), configDigest: sha256(config) };
}

async function ok(r: Response, what: string) {
  if (!r.ok) throw new Error(`${what}: ${r.status} ${await r.text()}`);
  return r;
}

/** Pushes the image to base (http://host:port) as repo:tag. */
export async function pushImage(base: string, repo: string, tag: string, img: TinyImage): Promise<void> {
  for (const blob of [img.layer, img.config]) {
    const start = await ok(await fetch(`${base}/v2/${repo}/blobs/uploads/`, { method: "POST" }), `start upload to ${repo}`);
    const loc = new URL(start.headers.get("location")!, base);
    loc.searchParams.set("digest", sha256(blob));
    await ok(await fetch(loc, { method: "PUT", body: new Uint8Array(blob), headers: { "content-type": "application/octet-stream" } }), `upload ${sha256(blob)}`);
  }
  await ok(await fetch(`${base}/v2/${repo}/manifests/${tag}`, { method: "PUT", body: new Uint8Array(img.manifest), headers: { "content-type": OCI_MANIFEST } }), `put manifest ${repo}:${tag}`);
}
