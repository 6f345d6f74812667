// Image references as container runtimes read them, and where Palette's layout puts them in Harbor. Pure.
//   nginx                      -> docker.io/library/nginx:latest
//   nginx:1.25                 -> docker.io/library/nginx:1.25
//   quay.io/org/app@sha256:..  -> quay.io/org/app@sha256:..
// Palette's layout: spectro-images/<registry host>/<path>, e.g. spectro-images/docker.io/library/nginx:1.25.

export interface ImageRef {
  host: string;
  path: string;
  tag?: string;
  digest?: string;
}

const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const PATH = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;

export function parseReference(ref: string): ImageRef {
  let rest = ref.trim();
  let digest: string | undefined;
  let tag: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw new Error(`image reference ${ref}: "${digest}" is not a digest`);
  }
  const lastSlash = rest.lastIndexOf("/");
  const colon = rest.lastIndexOf(":");
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw new Error(`image reference ${ref}: "${tag}" is not a tag`);
  }
  const first = rest.split("/")[0];
  let host = "docker.io";
  let path = rest;
  if (rest.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost")) {
    host = first;
    path = rest.slice(first.length + 1);
  }
  if (host === "index.docker.io" || host === "registry-1.docker.io") host = "docker.io";
  if (host === "docker.io" && !path.includes("/")) path = `library/${path}`;
  if (!PATH.test(path))
    throw new Error(`image reference ${ref}: "${path}" is not a repository path (lower-case letters, digits, separators)`);
  if (!tag && !digest) tag = "latest";
  return { host, path, ...(tag ? { tag } : {}), ...(digest ? { digest } : {}) };
}

export function formatReference(r: ImageRef): string {
  return `${r.host}/${r.path}${r.tag ? `:${r.tag}` : ""}${r.digest ? `@${r.digest}` : ""}`;
}

/**
 * The repository in Harbor under Palette's layout: <project>/<host>/<path>. A repository name has no ":", so a
 * host's port is joined with "-" (registry.lan:5000 -> registry.lan-5000), as proxy-cache project names are.
 */
export function spectroRepository(r: ImageRef, project = "spectro-images"): string {
  return `${project}/${r.host.replace(/:/g, "-")}/${r.path}`;
}
