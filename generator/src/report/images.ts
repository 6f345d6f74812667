// What each pod image reference means for Harbor. Pure: references in, one decision each out.
//   nginx:1.25                        -> project docker.io (proxy), repository library/nginx, reference 1.25
//   10.0.0.5:30003/library/app:1      -> Harbor's own address: project library, repository app
//   registry.lan:5000/team/app:1      -> not proxied (no project for registry.lan:5000)
//   docker.io/library/nginx@/../x     -> invalid: never sent to Harbor
// A reference is parsed as container runtimes read it (registry/reference.ts parseReference), so whatever reaches
// a URL has been validated as a repository path, a tag or a digest.
import { formatReference, parseReference, type ImageRef } from "../registry/reference.js";
import { normaliseAddress } from "./input.js";

export type Image =
  | { kind: "invalid"; name: string; why: string }
  | { kind: "unproxied"; name: string; ref: ImageRef }
  /** in Harbor: through the proxy project of its registry, or named by one of Harbor's own addresses */
  | { kind: "harbor"; name: string; ref: ImageRef; via: "proxy" | "address"; project: string; repository: string; reference: string };

export interface ImageContext {
  /** registry host -> proxy-cache project */
  registries: Map<string, string>;
  /** Harbor's own host[:port] names, normalised (input.ts normaliseAddress) */
  harborAddresses: Set<string>;
}

/** A name safe for a log line and the ConfigMap: control characters dropped, at most 300 characters. */
function printable(s: string): string {
  const t = s.replace(/[\u0000-\u001f\u007f]/g, "?");
  return t.length > 300 ? `${t.slice(0, 300)}[...]` : t;
}

export function classifyImage(raw: string, ctx: ImageContext): Image {
  let ref: ImageRef;
  try {
    ref = parseReference(raw);
  } catch (e) {
    const why = (e as Error).message.replace(/^image reference [\s\S]*?: (?=")/, "");
    return { kind: "invalid", name: printable(raw.trim()), why: printable(why) };
  }
  const name = formatReference(ref);
  const reference = ref.digest ?? ref.tag!;
  if (ctx.harborAddresses.has(normaliseAddress(ref.host))) {
    const slash = ref.path.indexOf("/");
    if (slash < 0) return { kind: "invalid", name, why: `Harbor's address needs <project>/<repository>, given "${ref.path}"` };
    return {
      kind: "harbor",
      name,
      ref,
      via: "address",
      project: ref.path.slice(0, slash),
      repository: ref.path.slice(slash + 1),
      reference,
    };
  }
  const project = ctx.registries.get(ref.host);
  if (!project) return { kind: "unproxied", name, ref };
  return { kind: "harbor", name, ref, via: "proxy", project, repository: ref.path, reference };
}

/** Every distinct reference, classified, by name (two spellings of one image are one image). */
export function classifyImages(refs: Iterable<string>, ctx: ImageContext): Image[] {
  const byName = new Map<string, Image>();
  for (const raw of refs) {
    if (!raw.trim()) continue;
    const i = classifyImage(raw, ctx);
    if (!byName.has(i.name)) byName.set(i.name, i);
  }
  return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The line of the report for an image that is missing: "NAME (why)". */
export const missingLine = (name: string, why: string) => `${name} (${why})`;
