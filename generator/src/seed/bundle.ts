// An air-gap bundle: a directory holding OCI image layouts (oci-layout + index.json + blobs/) and `docker save`
// archives, each either a directory or a tar (optionally gzip-compressed). Read into images, each with its name
// (from index.json's annotations, or docker save's RepoTags) and its content by digest.
//
// Names: an OCI layout names an image in its index.json entry, by the annotation io.containerd.image.name
// (containerd, docker >= 25) or org.opencontainers.image.ref.name when that holds a full reference; a ref.name
// that is only a tag ("1.25") does not say which image it is, and is refused. A docker save archive
// (manifest.json) names them in RepoTags; its layers are uncompressed tars and its config a file: the image is
// pushed with an OCI manifest built from them (config and layer digests unchanged). When an archive is both
// (docker >= 25), its OCI layout is used, so the manifests keep their digests.
import fs from "node:fs";
import path from "node:path";
import { readTar, indexTarFile } from "./tar.js";
import { MEDIA, sha256 } from "./distribution.js";
import { parseReference, formatReference, type ImageRef } from "./reference.js";

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: { os?: string; architecture?: string; variant?: string };
}

export interface BundleImage {
  /** the normalised name: docker.io/library/nginx:1.25 */
  name: string;
  ref: ImageRef;
  /** the file or directory it came from */
  source: string;
  /** the image's top manifest or index */
  root: Descriptor;
  /** content by digest (manifests, configs, layers); undefined when the bundle lacks it */
  blob(digest: string): Buffer | undefined;
}

export class BundleError extends Error {}

type Files = { has(p: string): boolean; get(p: string): Buffer | undefined; label: string };

function dirFiles(dir: string): Files {
  return {
    label: dir,
    has: (p) => fs.existsSync(path.join(dir, p)),
    get: (p) => {
      const f = path.join(dir, p);
      return fs.existsSync(f) && fs.statSync(f).isFile() ? fs.readFileSync(f) : undefined;
    },
  };
}
function tarFiles(file: string): Files {
  try {
    // an uncompressed tar is read file by file when needed; a compressed one is unpacked in memory
    const idx = indexTarFile(file);
    if (idx) {
      const names = new Set(idx.names);
      return { label: file, has: (p) => names.has(p), get: (p) => idx.read(p) };
    }
    const m = readTar(fs.readFileSync(file));
    return { label: file, has: (p) => m.has(p), get: (p) => m.get(p) };
  } catch (e) {
    throw new BundleError(`${file}: not a readable tar archive (${(e as Error).message})`);
  }
}

function json(f: Files, p: string): any {
  const b = f.get(p);
  if (!b) throw new BundleError(`${f.label}: no ${p}`);
  try {
    return JSON.parse(b.toString("utf8"));
  } catch {
    throw new BundleError(`${f.label}: ${p} is not JSON`);
  }
}

const blobPath = (digest: string) => {
  const [alg, hex] = digest.split(":");
  if (!alg || !hex || !/^[a-f0-9]+$/.test(hex)) throw new BundleError(`not a digest: ${digest}`);
  return `blobs/${alg}/${hex}`;
};

function nameOf(f: Files, annotations: Record<string, string> | undefined, i: number): ImageRef {
  const a = annotations ?? {};
  const full = a["io.containerd.image.name"] ?? a["org.opencontainers.image.ref.name"];
  if (!full) throw new BundleError(`${f.label}: index.json entry ${i} has no name (annotation io.containerd.image.name or org.opencontainers.image.ref.name)`);
  if (!a["io.containerd.image.name"] && !/[/:@]/.test(full))
    throw new BundleError(`${f.label}: index.json entry ${i} is named only "${full}" (a tag): give the full image name in io.containerd.image.name or org.opencontainers.image.ref.name, e.g. docker.io/library/nginx:1.25`);
  try {
    return parseReference(full);
  } catch (e) {
    throw new BundleError(`${f.label}: index.json entry ${i}: ${(e as Error).message}`);
  }
}

function ociImages(f: Files): BundleImage[] {
  const index = json(f, "index.json");
  const entries: any[] = Array.isArray(index.manifests) ? index.manifests : [];
  if (!entries.length) throw new BundleError(`${f.label}: index.json lists no image`);
  return entries.map((d, i) => {
    const ref = nameOf(f, d.annotations, i);
    return { name: formatReference(ref), ref, source: f.label, root: { mediaType: d.mediaType, digest: d.digest, size: d.size }, blob: (digest: string) => f.get(blobPath(digest)) };
  });
}

function dockerSaveImages(f: Files): BundleImage[] {
  const manifest = json(f, "manifest.json");
  if (!Array.isArray(manifest)) throw new BundleError(`${f.label}: manifest.json is not a docker save manifest (a list)`);
  const out: BundleImage[] = [];
  manifest.forEach((m: any, i: number) => {
    const tags: string[] = m.RepoTags ?? [];
    if (!tags.length) throw new BundleError(`${f.label}: manifest.json entry ${i} has no RepoTags: save it by name (docker save NAME:TAG), not by id`);
    const config = f.get(m.Config);
    if (!config) throw new BundleError(`${f.label}: manifest.json entry ${i}: no ${m.Config}`);
    // content by digest: the manifest built here in memory, the config and layers read again when pushed
    const blobs = new Map<string, () => Buffer | undefined>();
    const cfg = { mediaType: "application/vnd.oci.image.config.v1+json", digest: sha256(config), size: config.length };
    blobs.set(cfg.digest, () => config);
    const layers = (m.Layers ?? []).map((l: string) => {
      const b = f.get(l);
      if (!b) throw new BundleError(`${f.label}: manifest.json entry ${i}: no layer ${l}`);
      const gz = b[0] === 0x1f && b[1] === 0x8b;
      const d = { mediaType: gz ? "application/vnd.oci.image.layer.v1.tar+gzip" : "application/vnd.oci.image.layer.v1.tar", digest: sha256(b), size: b.length };
      blobs.set(d.digest, () => f.get(l));
      return d;
    });
    const body = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.ociManifest, config: cfg, layers }));
    const root = { mediaType: MEDIA.ociManifest, digest: sha256(body), size: body.length };
    blobs.set(root.digest, () => body);
    for (const t of tags) {
      let ref: ImageRef;
      try {
        ref = parseReference(t);
      } catch (e) {
        throw new BundleError(`${f.label}: manifest.json entry ${i}: ${(e as Error).message}`);
      }
      out.push({ name: formatReference(ref), ref, source: f.label, root, blob: (d) => blobs.get(d)?.() });
    }
  });
  return out;
}

function imagesOf(f: Files): BundleImage[] | undefined {
  if (f.has("index.json") && f.has("oci-layout")) return ociImages(f);
  if (f.has("manifest.json")) return dockerSaveImages(f);
  return undefined;
}

const ARCHIVE = /\.(tar|tar\.gz|tgz)$/;

/** Every image of a bundle directory (or of one layout or archive given directly), in a stable order. */
export function loadBundle(dir: string): BundleImage[] {
  if (!fs.existsSync(dir)) throw new BundleError(`${dir}: no such file or directory`);
  const images: BundleImage[] = [];
  const visit = (p: string, depth: number) => {
    const st = fs.statSync(p);
    if (st.isFile()) {
      if (!ARCHIVE.test(p)) return;
      const found = imagesOf(tarFiles(p));
      if (!found) throw new BundleError(`${p}: neither an OCI image layout (oci-layout, index.json) nor a docker save archive (manifest.json)`);
      images.push(...found);
      return;
    }
    const found = imagesOf(dirFiles(p));
    if (found) return void images.push(...found);
    if (depth >= 4) return;
    for (const e of fs.readdirSync(p).sort()) if (!e.startsWith(".")) visit(path.join(p, e), depth + 1);
  };
  visit(dir, 0);
  if (!images.length) throw new BundleError(`${dir}: no image found (OCI image layouts or docker save archives, as directories or .tar/.tar.gz files)`);
  return images;
}
