// Loading a bundle's images into Harbor under Palette's layout (spectro-images/<registry>/<path>) through the
// Distribution API: a manifest HEAD first (an image already there under its tag with the same digest is left
// alone), then per blob a HEAD (what is there is not sent again), the upload (monolithic, or chunked
// above the client's chunk size), child manifests by digest, then the image's manifest or index by its tag.
import { Registry, RegistryError, MEDIA, sha256 } from "./distribution.js";
import { BundleError, type BundleImage, type Descriptor } from "./bundle.js";
import { spectroRepository } from "./reference.js";

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

const INDEX = new Set<string>([MEDIA.ociIndex, MEDIA.dockerList]);

export async function seedImages(images: BundleImage[], reg: Registry, o: { project?: string; onImage?: (i: SeededImage) => void } = {}): Promise<SeedResult> {
  const started = Date.now();
  const requestsBefore = reg.requests;
  const result: SeedResult = { images: [], blobsUploaded: 0, blobsPresent: 0, bytesUploaded: 0, manifests: 0, unchanged: 0, requests: 0, ms: 0 };
  const present = new Set<string>(); // repo@digest known to be there

  for (const img of images) {
    const repo = spectroRepository(img.ref, o.project);
    const content = (digest: string, what: string): Buffer => {
      const b = img.blob(digest);
      if (!b) throw new BundleError(`${img.source}: ${img.name}: the bundle lacks its ${what} ${digest}`);
      if (sha256(b) !== digest && digest.startsWith("sha256:")) throw new BundleError(`${img.source}: ${img.name}: the ${what} ${digest} in the bundle does not match its digest (corrupt bundle)`);
      return b;
    };
    const blob = async (d: Descriptor, what: string) => {
      const key = `${repo}@${d.digest}`;
      if (present.has(key)) return;
      if (await reg.blobExists(repo, d.digest)) result.blobsPresent++;
      else {
        const data = content(d.digest, what);
        await reg.pushBlob(repo, d.digest, data);
        result.blobsUploaded++;
        result.bytesUploaded += data.length;
      }
      present.add(key);
    };
    let note: string | undefined;
    // pushes what a manifest needs; returns the manifest to put (an index may be narrowed to what the bundle has)
    const prepare = async (d: Descriptor): Promise<{ mediaType: string; body: Buffer; digest: string }> => {
      const body = content(d.digest, "manifest");
      const doc = JSON.parse(body.toString("utf8"));
      const mediaType = d.mediaType || doc.mediaType;
      if (INDEX.has(mediaType)) {
        const kept: any[] = [];
        for (const child of doc.manifests ?? []) {
          if (!img.blob(child.digest)) continue;
          const c = await prepare(child);
          await put(c, c.digest);
          kept.push(child);
        }
        if (!kept.length) throw new BundleError(`${img.source}: ${img.name}: the bundle holds none of the index's ${doc.manifests?.length ?? 0} manifests`);
        if (kept.length === doc.manifests.length) return { mediaType, body, digest: d.digest };
        note = `the bundle holds ${kept.length} of the index's ${doc.manifests.length} platforms: pushed an index of those (digest changed)`;
        const narrowed = Buffer.from(JSON.stringify({ ...doc, manifests: kept }));
        return { mediaType, body: narrowed, digest: sha256(narrowed) };
      }
      for (const b of [doc.config, ...(doc.layers ?? [])].filter(Boolean)) await blob(b, b === doc.config ? "config" : "layer");
      return { mediaType, body, digest: d.digest };
    };
    const put = async (m: { mediaType: string; body: Buffer; digest: string }, reference: string) => {
      const key = `${repo}@${m.digest}#${reference}`;
      if (present.has(key)) return;
      await reg.putManifest(repo, reference, m.mediaType, m.body);
      result.manifests++;
      present.add(key);
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
      const top = await prepare(img.root);
      const reference = img.ref.tag ?? top.digest;
      if (img.ref.digest && img.ref.digest !== top.digest) note = `${note ? `${note}; ` : ""}its name says ${img.ref.digest}, the bundle's content is ${top.digest}`;
      await put(top, reference);
      const done: SeededImage = { name: img.name, target: `${repo}${img.ref.tag ? `:${img.ref.tag}` : `@${top.digest}`}`, digest: top.digest, ...(note ? { note } : {}) };
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
