// Loading a bundle's images into Harbor under Palette's layout (spectro-images/<registry>/<path>) through the
// Distribution API: a manifest HEAD first (an image already there under its tag with the same digest is left
// alone), then per blob a HEAD (what is there is not sent again), the upload (monolithic, or chunked
// above the client's chunk size), child manifests by digest, then the image's manifest or index by its tag.
// The images come checked whole (bundle.ts); blobs are streamed from their files, hashed again on the way.
import { Registry, RegistryError } from "../registry/distribution.js";
import type { BundleImage, PlannedBlob, PlannedManifest } from "./bundle.js";
import { streamRef } from "./blob-read.js";
import { spectroRepository } from "../registry/reference.js";

export interface SeededImage {
  name: string;
  /** where it is now: spectro-images/docker.io/library/nginx:1.25 */
  target: string;
  digest: string;
  note?: string;
}

export interface SeedResult {
  images: SeededImage[];
  blobsUploaded: number;
  blobsPresent: number;
  bytesUploaded: number;
  manifests: number;
  /** images already there with the same digest, left alone */
  unchanged: number;
  requests: number;
  ms: number;
}

export interface SeedOptions {
  project?: string;
  onImage?: (i: SeededImage) => void;
  /** bytes uploaded so far, of the bytes of blobs the registry lacked */
  onBytes?: (uploaded: number) => void;
}

export async function seedImages(images: BundleImage[], reg: Registry, o: SeedOptions = {}): Promise<SeedResult> {
  const started = Date.now();
  const requestsBefore = reg.requests;
  const result: SeedResult = {
    images: [],
    blobsUploaded: 0,
    blobsPresent: 0,
    bytesUploaded: 0,
    manifests: 0,
    unchanged: 0,
    requests: 0,
    ms: 0,
  };
  const present = new Set<string>(); // repo@digest known to be there
  let sent = 0;

  for (const img of images) {
    const repo = spectroRepository(img.ref, o.project);
    const blob = async (b: PlannedBlob) => {
      const key = `${repo}@${b.digest}`;
      if (present.has(key)) return;
      if (await reg.blobExists(repo, b.digest)) result.blobsPresent++;
      else {
        await reg.pushBlobStream(repo, b.digest, b.size, (from, to) => streamRef(b.file, from, to), {
          onBytes: (n) => o.onBytes?.((sent += n)),
        });
        result.blobsUploaded++;
        result.bytesUploaded += b.size;
      }
      present.add(key);
    };
    const put = async (m: PlannedManifest, reference: string) => {
      const key = `${repo}@${m.digest}#${reference}`;
      if (present.has(key)) return;
      await reg.putManifest(repo, reference, m.mediaType, m.body);
      result.manifests++;
      present.add(key);
    };
    // what a manifest needs, then the manifest by digest (children of an index)
    const push = async (m: PlannedManifest) => {
      for (const b of m.blobs) await blob(b);
      for (const c of m.children) {
        await push(c);
        await put(c, c.digest);
      }
    };
    try {
      // already there under its tag with the same digest: nothing to send (a rerun costs one HEAD per image)
      if (img.ref.tag && (await reg.manifestExists(repo, img.ref.tag)) === img.root.digest) {
        const done: SeededImage = { name: img.name, target: `${repo}:${img.ref.tag}`, digest: img.root.digest, note: "already there" };
        result.images.push(done);
        result.unchanged++;
        o.onImage?.(done);
        continue;
      }
      await push(img.root);
      const reference = img.ref.tag ?? img.root.digest;
      let note = img.note;
      if (img.ref.digest && img.ref.digest !== img.root.digest)
        note = `${note ? `${note}; ` : ""}its name says ${img.ref.digest}, the bundle's content is ${img.root.digest}`;
      await put(img.root, reference);
      const done: SeededImage = {
        name: img.name,
        target: `${repo}${img.ref.tag ? `:${img.ref.tag}` : `@${img.root.digest}`}`,
        digest: img.root.digest,
        ...(note ? { note } : {}),
      };
      result.images.push(done);
      o.onImage?.(done);
    } catch (e) {
      if (e instanceof RegistryError) throw new RegistryError(`${img.name} -> ${repo}: ${e.message}`, e.status);
      throw e;
    }
  }
  result.requests = reg.requests - requestsBefore;
  result.ms = Date.now() - started;
  return result;
}
