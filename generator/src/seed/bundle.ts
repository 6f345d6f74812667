// An air-gap bundle: a directory holding OCI image layouts (oci-layout + index.json + blobs/) and `docker save`
// archives, each either a directory or a tar (optionally gzip-compressed). Read into images, each with its name
// (from index.json's annotations, or docker save's RepoTags) and a plan of what to push: manifests (small, in
// memory) and blobs (byte ranges of files on disk, never held whole).
//
// The whole bundle is checked before anything is pushed: every descriptor's types and digest (sha256 only), every
// manifest and blob present, of the size its descriptor gives, with the content its digest names (hashed in
// 1 MiB reads); no name or link leaving the bundle (bundle-files.ts, tar-index.ts); no cycle of indexes; a
// .tar.gz unpacked as a stream into a temporary tar, at most maxBytes (gunzip.ts). Each refusal names the file
// and the field.
//
// Names: an OCI layout names an image in its index.json entry, by the annotation io.containerd.image.name
// (containerd, docker >= 25) or org.opencontainers.image.ref.name when that holds a full reference; a ref.name
// that is only a tag ("1.25") does not say which image it is, and is refused. A docker save archive
// (manifest.json) names them in RepoTags; its layers are uncompressed tars and its config a file: the image is
// pushed with an OCI manifest built from them (config and layer digests unchanged). When an archive is both
// (docker >= 25), its OCI layout is used, so the manifests keep their digests.
import fs from "node:fs";
import path from "node:path";
import { MEDIA, sha256 } from "../registry/distribution.js";
import { parseReference, formatReference, type ImageRef } from "../registry/reference.js";
import { BundleError, dirFiles, tarFiles, type BundleFiles, type FileRef } from "./bundle-files.js";
import { checkDockerSave, checkIndex, checkManifest, parseJson, DescriptorError, type Descriptor } from "./descriptor.js";
import { indexTar, TarError } from "./tar-index.js";
import { gunzipToTemp, isGzip, GunzipError } from "./gunzip.js";
import { hashRef, headOf } from "./blob-read.js";

export { BundleError } from "./bundle-files.js";
export type { Descriptor } from "./descriptor.js";

/** A blob to push: its descriptor and where its bytes are. */
export interface PlannedBlob {
  mediaType: string;
  digest: string;
  size: number;
  file: FileRef;
}

/** A manifest to push (its body in memory) with what it needs first: an image's blobs, an index's children. */
export interface PlannedManifest {
  mediaType: string;
  digest: string;
  body: Buffer;
  blobs: PlannedBlob[];
  children: PlannedManifest[];
}

export interface BundleImage {
  /** the normalised name: docker.io/library/nginx:1.25 */
  name: string;
  ref: ImageRef;
  /** the file or directory it came from */
  source: string;
  /** the image's top manifest or index, as it will be pushed (an index narrowed to the platforms the bundle has) */
  root: PlannedManifest;
  /** said when the image is pushed (an index narrowed) */
  note?: string;
}

export interface Bundle {
  images: BundleImage[];
  /** bytes of every distinct blob, hashed while checking */
  blobBytes: number;
  /** removes temporary files (an unpacked .tar.gz); the images' blobs can no longer be read */
  close(): void;
}

export interface LoadOptions {
  /** a .tar.gz may unpack to at most this many bytes (default DEFAULT_MAX_BYTES) */
  maxBytes?: number;
  /** bytes read so far while unpacking, indexing and hashing */
  onBytes?: (phase: "unpacking" | "checking", n: number) => void;
}

export const DEFAULT_MAX_BYTES = 32 * 1024 ** 3;
const MAX_JSON = 4 * 1024 * 1024; // a manifest or index, as distribution's limit
const MAX_TOP_JSON = 64 * 1024 * 1024; // index.json, manifest.json
const MAX_DEPTH = 8;
const INDEX = new Set<string>([MEDIA.ociIndex, MEDIA.dockerList]);

const blobPath = (digest: string) => `blobs/sha256/${digest.slice("sha256:".length)}`;

/** Checks a blob's size and content against its descriptor; content hashes are kept per file range. */
class Checker {
  private hashes = new Map<string, string>();
  bytes = 0;
  constructor(private onBytes?: (n: number) => void) {}
  digestOf(r: FileRef): string {
    const key = `${r.path}:${r.offset}:${r.size}`;
    let d = this.hashes.get(key) ?? r.digest;
    if (!d) {
      d = hashRef(r, (n) => this.onBytes?.(n));
      this.bytes += r.size;
    } else if (!this.hashes.has(key)) this.bytes += r.size;
    this.hashes.set(key, d);
    return d;
  }
  /** `file` and `field` name the descriptor: index.json manifests[0], blobs/sha256/ab.. layers[1] */
  verify(r: FileRef, d: Descriptor, file: string, field: string): void {
    if (r.size !== d.size) throw new BundleError(`${file}: ${field}.size is ${d.size} but ${r.label} has ${r.size} bytes (size mismatch)`);
    const got = this.digestOf(r);
    if (got !== d.digest)
      throw new BundleError(
        `${file}: ${field}.digest is ${d.digest} but the content of ${r.label} has the digest ${got} (digest mismatch: corrupt or forged bundle)`,
      );
  }
}

function readJson(f: BundleFiles, name: string, max: number): unknown {
  const b = f.read(name, name, max);
  if (!b) throw new BundleError(`${f.label}: no ${name}`);
  return parseJson(`${f.label}/${name}`, b);
}

function nameOf(label: string, annotations: Record<string, string> | undefined, i: number): ImageRef {
  const a = annotations ?? {};
  const full = a["io.containerd.image.name"] ?? a["org.opencontainers.image.ref.name"];
  if (!full)
    throw new BundleError(
      `${label}: index.json entry ${i} has no name (annotation io.containerd.image.name or org.opencontainers.image.ref.name)`,
    );
  if (!a["io.containerd.image.name"] && !/[/:@]/.test(full))
    throw new BundleError(
      `${label}: index.json entry ${i} is named only "${full}" (a tag): give the full image name in io.containerd.image.name or org.opencontainers.image.ref.name, e.g. docker.io/library/nginx:1.25`,
    );
  try {
    return parseReference(full);
  } catch (e) {
    throw new BundleError(`${label}: index.json entry ${i}: ${(e as Error).message}`);
  }
}

function ociImages(f: BundleFiles, check: Checker): BundleImage[] {
  const index = checkIndex(`${f.label}/index.json`, readJson(f, "index.json", MAX_TOP_JSON));
  if (!index.manifests.length) throw new BundleError(`${f.label}: index.json lists no image`);
  const done = new Map<string, { m: PlannedManifest; note?: string }>();

  // a manifest or index and everything under it, checked; `stack` holds the digests of the indexes above it
  const plan = (d: Descriptor, file: string, field: string, stack: string[]): { m: PlannedManifest; note?: string } => {
    if (stack.includes(d.digest))
      throw new BundleError(`${file}: ${field}.digest ${d.digest} is an index that contains itself (a cycle of indexes)`);
    if (stack.length >= MAX_DEPTH) throw new BundleError(`${file}: ${field}: indexes nested deeper than ${MAX_DEPTH}`);
    const seen = done.get(d.digest);
    if (seen) return seen;
    const ref = f.ref(blobPath(d.digest), `manifest ${d.digest}`);
    if (!ref) throw new BundleError(`${file}: ${field}: the bundle lacks the manifest ${d.digest} (${blobPath(d.digest)})`);
    if (ref.size > MAX_JSON)
      throw new BundleError(`${file}: ${field}: a manifest of ${ref.size} bytes in ${ref.label} (at most ${MAX_JSON})`);
    if (ref.size !== d.size)
      throw new BundleError(`${file}: ${field}.size is ${d.size} but ${ref.label} has ${ref.size} bytes (size mismatch)`);
    const body = f.read(blobPath(d.digest), "manifest", MAX_JSON)!;
    // its own digest is checked after what it lists: a cycle is named as one, not as the mismatch it implies
    const verified = () => {
      const got = sha256(body);
      if (got !== d.digest)
        throw new BundleError(
          `${file}: ${field}.digest is ${d.digest} but the content of ${ref.label} has the digest ${got} (digest mismatch: corrupt or forged bundle)`,
        );
    };
    const doc = parseJson(ref.label, body) as Record<string, unknown>;
    const isIndex =
      INDEX.has(d.mediaType) || (typeof doc === "object" && doc !== null && Array.isArray(doc.manifests) && !("layers" in doc));
    let out: { m: PlannedManifest; note?: string };
    if (isIndex) {
      const idx = checkIndex(ref.label, doc);
      const kept: Descriptor[] = [];
      const children: PlannedManifest[] = [];
      idx.manifests.forEach((c, j) => {
        if (!f.ref(blobPath(c.digest), `manifests[${j}]`)) return; // a platform the bundle does not hold
        children.push(plan(c, ref.label, `manifests[${j}]`, [...stack, d.digest]).m);
        kept.push((doc.manifests as unknown[])[j] as Descriptor);
      });
      verified();
      if (!children.length) throw new BundleError(`${ref.label}: the bundle holds none of the index's ${idx.manifests.length} manifests`);
      if (kept.length === idx.manifests.length) out = { m: { mediaType: d.mediaType, digest: d.digest, body, blobs: [], children } };
      else {
        const narrowed = Buffer.from(JSON.stringify({ ...doc, manifests: kept }));
        out = {
          m: { mediaType: d.mediaType, digest: sha256(narrowed), body: narrowed, blobs: [], children },
          note: `the bundle holds ${kept.length} of the index's ${idx.manifests.length} platforms: pushed an index of those (digest changed)`,
        };
      }
    } else {
      const m = checkManifest(ref.label, doc);
      const wanted: Array<[Descriptor, string]> = [
        [m.config, "config"],
        ...m.layers.map((l, k): [Descriptor, string] => [l, `layers[${k}]`]),
      ];
      const blobs = wanted.map(([desc, at]) => {
        const r = f.ref(blobPath(desc.digest), `${at} ${desc.digest}`);
        if (!r) throw new BundleError(`${ref.label}: ${at}: the bundle lacks the blob ${desc.digest} (${blobPath(desc.digest)})`);
        check.verify(r, desc, ref.label, at);
        return { mediaType: desc.mediaType, digest: desc.digest, size: desc.size, file: r };
      });
      verified();
      out = { m: { mediaType: d.mediaType, digest: d.digest, body, blobs, children: [] } };
    }
    done.set(d.digest, out);
    return out;
  };

  return index.manifests.map((d, i) => {
    const ref = nameOf(f.label, d.annotations, i);
    const { m, note } = plan(d, `${f.label}/index.json`, `manifests[${i}]`, []);
    return { name: formatReference(ref), ref, source: f.label, root: m, ...(note ? { note } : {}) };
  });
}

function dockerSaveImages(f: BundleFiles, check: Checker): BundleImage[] {
  const file = `${f.label}/manifest.json`;
  const manifest = checkDockerSave(file, readJson(f, "manifest.json", MAX_TOP_JSON));
  const out: BundleImage[] = [];
  manifest.forEach((m, i) => {
    if (!m.RepoTags.length) throw new BundleError(`${file}: entry ${i} has no RepoTags: save it by name (docker save NAME:TAG), not by id`);
    const blob = (name: string, field: string, mediaType: (r: FileRef) => string): PlannedBlob => {
      const r = f.ref(name, `manifest.json ${field}`);
      if (!r) throw new BundleError(`${file}: ${field}: the bundle has no file ${name}`);
      const digest = check.digestOf(r);
      return { mediaType: mediaType(r), digest, size: r.size, file: r };
    };
    const cfg = blob(m.Config, `entry ${i}.Config`, () => "application/vnd.oci.image.config.v1+json");
    const layers = m.Layers.map((l, j) =>
      blob(l, `entry ${i}.Layers[${j}]`, (r) => {
        const h = headOf(r, 2);
        return h[0] === 0x1f && h[1] === 0x8b ? "application/vnd.oci.image.layer.v1.tar+gzip" : "application/vnd.oci.image.layer.v1.tar";
      }),
    );
    const desc = (b: PlannedBlob) => ({ mediaType: b.mediaType, digest: b.digest, size: b.size });
    const body = Buffer.from(
      JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.ociManifest, config: desc(cfg), layers: layers.map(desc) }),
    );
    const root: PlannedManifest = { mediaType: MEDIA.ociManifest, digest: sha256(body), body, blobs: [cfg, ...layers], children: [] };
    for (const t of m.RepoTags) {
      let ref: ImageRef;
      try {
        ref = parseReference(t);
      } catch (e) {
        throw new BundleError(`${file}: entry ${i}.RepoTags: ${(e as Error).message}`);
      }
      out.push({ name: formatReference(ref), ref, source: f.label, root });
    }
  });
  return out;
}

function imagesOf(f: BundleFiles, check: Checker): BundleImage[] | undefined {
  if (f.ref("index.json", "index.json") && f.ref("oci-layout", "oci-layout")) return ociImages(f, check);
  if (f.ref("manifest.json", "manifest.json")) return dockerSaveImages(f, check);
  return undefined;
}

const ARCHIVE = /\.(tar|tar\.gz|tgz)$/;
const within = (root: string, p: string) => p === root || p.startsWith(root + path.sep);

/**
 * Every image of a bundle directory (or of one layout or archive given directly), in a stable order, checked
 * whole. Call close() when done with the images.
 */
export async function loadBundle(dir: string, o: LoadOptions = {}): Promise<Bundle> {
  if (!fs.existsSync(dir)) throw new BundleError(`${dir}: no such file or directory`);
  const maxBytes = o.maxBytes ?? DEFAULT_MAX_BYTES;
  const root = fs.realpathSync(dir);
  const rootDir = fs.statSync(root).isDirectory() ? root : path.dirname(root);
  const cleanups: Array<() => void> = [];
  const close = () => {
    for (const c of cleanups.splice(0)) c();
  };
  const images: BundleImage[] = [];
  let read = 0;
  const check = new Checker((n) => o.onBytes?.("checking", (read += n)));
  const wrap = (e: unknown): never => {
    if (e instanceof TarError || e instanceof DescriptorError || e instanceof GunzipError) throw new BundleError(e.message);
    throw e;
  };
  const archive = async (p: string) => {
    let tar = p;
    if (isGzip(p)) {
      const u = await gunzipToTemp(p, maxBytes, (n) => o.onBytes?.("unpacking", n));
      cleanups.push(u.cleanup);
      tar = u.tar;
    }
    let entries;
    try {
      entries = indexTar(tar, p, (n) => o.onBytes?.("checking", read + n));
    } catch (e) {
      if (e instanceof TarError) throw new BundleError(e.message);
      throw new BundleError(`${p}: not a readable tar archive (${(e as Error).message})`);
    }
    read += fs.statSync(tar).size;
    const found = imagesOf(tarFiles(p, tar, entries), check);
    if (!found)
      throw new BundleError(`${p}: neither an OCI image layout (oci-layout, index.json) nor a docker save archive (manifest.json)`);
    images.push(...found);
  };
  const visit = async (p: string, depth: number) => {
    const real = fs.realpathSync(p);
    if (!within(rootDir, real)) throw new BundleError(`${p}: leaves the bundle: it resolves to ${real}, outside ${rootDir}`);
    const st = fs.statSync(real);
    if (st.isFile()) {
      if (ARCHIVE.test(p)) await archive(p);
      return;
    }
    if (!st.isDirectory()) return;
    const found = imagesOf(dirFiles(p, rootDir), check);
    if (found) return void images.push(...found);
    if (depth >= 4) return;
    for (const e of fs.readdirSync(p).sort()) if (!e.startsWith(".")) await visit(path.join(p, e), depth + 1);
  };
  try {
    await visit(dir, 0);
  } catch (e) {
    close();
    wrap(e);
  }
  if (!images.length) {
    close();
    throw new BundleError(`${dir}: no image found (OCI image layouts or docker save archives, as directories or .tar/.tar.gz files)`);
  }
  return { images, blobBytes: check.bytes, close };
}
