// Does Harbor hold an image? One GET of Harbor's artifacts API per look:
//   GET /api/v2.0/projects/{project}/repositories/{repository}/artifacts/{reference}?with_tag=false
// every segment encoded, the repository name twice (library/nginx -> library%252Fnginx), as Harbor requires
// (its router decodes the path once; a single-encoded "/" would split it). For an index, held means a child for
// every platform wanted (the node platforms it offers). Deciding from the answer is pure (heldFrom).
import { seg, type HarborApi } from "../harbor/api.js";

export type Held = { held: true } | { held: false; why: string };

/** Harbor refused the credentials (HTTP 401): no report can be made. */
export class Refused extends Error {}

/**
 * A tag or digest as a path segment: encoded, except ":" (a pchar of RFC 3986, and how registries and Harbor
 * are asked for sha256:... everywhere).
 */
export const refSeg = (reference: string) => seg(reference).replace(/%3A/gi, ":");

/** The artifacts API path of an artifact. */
export function artifactPath(project: string, repository: string, reference: string): string {
  return `/projects/${seg(project)}/repositories/${seg(seg(repository))}/artifacts/${refSeg(reference)}?with_tag=false`;
}

/** The platforms ("os/architecture") of an Artifact's children; none for a single-platform image. */
export function childPlatforms(artifact: any): string[] {
  const refs = Array.isArray(artifact?.references) ? artifact.references : [];
  const out = new Set<string>();
  for (const r of refs) {
    const arch = r?.platform?.architecture;
    if (typeof arch === "string" && arch) out.add(`${String(r.platform.os ?? "")}/${arch}`);
  }
  return [...out];
}

/** Held or not from the Artifact Harbor answered and the platforms wanted. */
export function heldFrom(artifact: any, wanted: string[]): Held {
  const have = childPlatforms(artifact);
  if (have.length === 0) return { held: true };
  const lacking = wanted.filter((p) => !have.includes(p));
  return lacking.length ? { held: false, why: `held without ${lacking.join(" ")}` } : { held: true };
}

/** One look. Throws Refused on 401 and HarborUnreachable when Harbor does not answer. */
export async function isHeld(
  api: HarborApi,
  project: string,
  repository: string,
  reference: string,
  wanted: string[],
  refusedWhat: string,
): Promise<Held> {
  const a = await api.call("GET", artifactPath(project, repository, reference));
  if (a.status === 200) return heldFrom(a.json, wanted);
  if (a.status === 404) return { held: false, why: "not in Harbor" };
  if (a.status === 401) throw new Refused(`Harbor refuses ${refusedWhat} (HTTP 401)`);
  return { held: false, why: `Harbor answered HTTP ${a.status}` };
}
