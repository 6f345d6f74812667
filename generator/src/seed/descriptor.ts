// Checking what a bundle says before anything is read by it or pushed: digests, OCI descriptors, image
// manifests and indexes, index.json, and docker save's manifest.json, each with its types. Every refusal names
// the file and the field (index.json manifests[0].digest). Pure.
export class DescriptorError extends Error {}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: { os?: string; architecture?: string; variant?: string };
  annotations?: Record<string, string>;
}

export interface ImageManifest {
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
}
export interface ImageIndex {
  mediaType?: string;
  manifests: Descriptor[];
}
export interface DockerSaveEntry {
  Config: string;
  RepoTags: string[];
  Layers: string[];
}

const DIGEST = /^sha256:[a-f0-9]{64}$/;
const isObject = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x);
const show = (x: unknown) => (x === undefined ? "missing" : JSON.stringify(x)?.slice(0, 160));

/** A digest the bundle may use as a file name and the registry as a name: sha256: and 64 lower-case hex. */
export function checkDigest(file: string, field: string, d: unknown): string {
  if (typeof d === "string" && DIGEST.test(d)) return d;
  const alg = typeof d === "string" ? d.split(":")[0] : "";
  const why =
    typeof d === "string" && /^[a-z0-9]+:[a-f0-9]+$/.test(d) && alg !== "sha256"
      ? ` (${alg} is not supported: seed verifies sha256 only)`
      : "";
  throw new DescriptorError(`${file}: ${field} is ${show(d)}: not a digest (sha256: and 64 lower-case hex digits)${why}`);
}

export function checkDescriptor(file: string, field: string, x: unknown): Descriptor {
  if (!isObject(x)) throw new DescriptorError(`${file}: ${field} is ${show(x)}: not a descriptor (an object with mediaType, digest, size)`);
  if (typeof x.mediaType !== "string" || !x.mediaType)
    throw new DescriptorError(`${file}: ${field}.mediaType is ${show(x.mediaType)}: not a media type`);
  const digest = checkDigest(file, `${field}.digest`, x.digest);
  if (typeof x.size !== "number" || !Number.isSafeInteger(x.size) || x.size < 0)
    throw new DescriptorError(`${file}: ${field}.size is ${show(x.size)}: not a size in bytes`);
  const d: Descriptor = { mediaType: x.mediaType, digest, size: x.size };
  if (x.platform !== undefined) {
    if (!isObject(x.platform)) throw new DescriptorError(`${file}: ${field}.platform is ${show(x.platform)}: not an object`);
    for (const k of ["os", "architecture", "variant"] as const)
      if (x.platform[k] !== undefined && typeof x.platform[k] !== "string")
        throw new DescriptorError(`${file}: ${field}.platform.${k} is ${show(x.platform[k])}: not a string`);
    d.platform = x.platform;
  }
  if (x.annotations !== undefined) {
    if (!isObject(x.annotations) || Object.values(x.annotations).some((v) => typeof v !== "string"))
      throw new DescriptorError(`${file}: ${field}.annotations is ${show(x.annotations)}: not an object of strings`);
    d.annotations = x.annotations as Record<string, string>;
  }
  return d;
}

/** JSON text, or a refusal naming the file. */
export function parseJson(file: string, body: Buffer): unknown {
  try {
    return JSON.parse(body.toString("utf8"));
  } catch (e) {
    throw new DescriptorError(`${file}: not JSON (${(e as Error).message})`);
  }
}

function list(file: string, field: string, x: unknown): unknown[] {
  if (!Array.isArray(x)) throw new DescriptorError(`${file}: ${field} is ${show(x)}: not a list`);
  return x;
}

/** index.json or an image index (OCI index, Docker manifest list). */
export function checkIndex(file: string, doc: unknown): ImageIndex {
  if (!isObject(doc)) throw new DescriptorError(`${file}: not an image index (a JSON object)`);
  if (doc.mediaType !== undefined && typeof doc.mediaType !== "string")
    throw new DescriptorError(`${file}: mediaType is ${show(doc.mediaType)}: not a string`);
  const manifests = list(file, "manifests", doc.manifests).map((m, i) => checkDescriptor(file, `manifests[${i}]`, m));
  return { mediaType: doc.mediaType, manifests };
}

/** An image manifest (OCI or Docker schema 2). */
export function checkManifest(file: string, doc: unknown): ImageManifest {
  if (!isObject(doc)) throw new DescriptorError(`${file}: not an image manifest (a JSON object)`);
  if (doc.schemaVersion !== 2) throw new DescriptorError(`${file}: schemaVersion is ${show(doc.schemaVersion)}: only 2 is supported`);
  if (doc.mediaType !== undefined && typeof doc.mediaType !== "string")
    throw new DescriptorError(`${file}: mediaType is ${show(doc.mediaType)}: not a string`);
  const config = checkDescriptor(file, "config", doc.config);
  const layers = list(file, "layers", doc.layers).map((l, i) => checkDescriptor(file, `layers[${i}]`, l));
  return { mediaType: doc.mediaType, config, layers };
}

/** docker save's manifest.json: a list of { Config, RepoTags, Layers } with string paths. */
export function checkDockerSave(file: string, doc: unknown): DockerSaveEntry[] {
  return list(file, "the top level", doc).map((m, i) => {
    const at = `entry ${i}`;
    if (!isObject(m)) throw new DescriptorError(`${file}: ${at} is ${show(m)}: not an object`);
    if (typeof m.Config !== "string" || !m.Config) throw new DescriptorError(`${file}: ${at}.Config is ${show(m.Config)}: not a file name`);
    const tags = m.RepoTags ?? [];
    const layers = list(file, `${at}.Layers`, m.Layers ?? []);
    list(file, `${at}.RepoTags`, tags).forEach((t, j) => {
      if (typeof t !== "string") throw new DescriptorError(`${file}: ${at}.RepoTags[${j}] is ${show(t)}: not a string`);
    });
    layers.forEach((l, j) => {
      if (typeof l !== "string" || !l) throw new DescriptorError(`${file}: ${at}.Layers[${j}] is ${show(l)}: not a file name`);
    });
    return { Config: m.Config, RepoTags: tags as string[], Layers: layers as string[] };
  });
}
