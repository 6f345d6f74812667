// Asks Harbor to fetch an image into a proxy-cache project: a GET of its manifest through the project (and, for
// an index, of the children for the node platforms). Nothing else: no blob is asked for.
//
// Why manifests only (Harbor 2.15.1, src/controller/proxy/controller.go): a blob GET through a proxy project
// that Harbor does not hold is streamed from the upstream to the caller (ProxyBlob) and then downloaded from
// the upstream AGAIN to be stored (putBlobToLocal, in the background): every byte twice over the edge link. A
// manifest GET makes Harbor cache the manifest in the background (waitAndPushManifest -> ManifestCache.
// CacheContent, manifestcache.go): it waits up to maxManifestWait (10) x sleepIntervalSec (20 s) for the blobs
// to be local, then fetches the missing ones from the upstream itself, once, and pushes the manifest. An index
// (ManifestListCache.push) is pushed once every child is local, else after maxManifestListWait (20) x 20 s with
// the children that are.
//
// /v2 authentication: Basic credentials on every request, and only to Harbor's own origin. Harbor accepts
// Basic on /v2 (security/basic_auth.go); its Bearer challenge names a token realm built from the external
// endpoint's scheme and the request's Host (v2auth/auth.go tokenSvcURL), which from inside the cluster is
// often https on a port core does not serve, so the challenge is not followed.
import { request, type HttpResponse } from "../io/http.js";
import { MANIFEST_ACCEPT, MEDIA } from "../registry/distribution.js";
import { seg } from "../harbor/api.js";
import { refSeg } from "./held.js";

export interface V2Options {
  /** Harbor's address (no /api/v2.0) */
  url: string;
  username: string;
  password: string;
  ca?: string | Buffer;
  /** the name Harbor's certificate must carry when it is not the URL's host */
  servername?: string;
  timeoutMs: number;
}

/** A client of Harbor's /v2 for manifest GETs, Basic credentials to its own origin only. */
export class HarborV2 {
  readonly origin: string;
  private readonly base: string;
  requests = 0;

  constructor(readonly o: V2Options) {
    this.base = o.url.replace(/\/+$/, "");
    this.origin = new URL(this.base).origin;
  }

  /** From now on, send these credentials (the robot account, read once the run has started). */
  useCredentials(username: string, password: string): void {
    this.o.username = username;
    this.o.password = password;
  }

  /** GET /v2/<repository>/manifests/<reference>, each segment encoded. Throws when Harbor does not answer. */
  async manifest(repository: string, reference: string): Promise<HttpResponse> {
    const url = new URL(`${this.base}/v2/${repository.split("/").map(seg).join("/")}/manifests/${refSeg(reference)}`);
    if (url.origin !== this.origin) throw new Error("refused: the request leaves Harbor");
    const authorization = `Basic ${Buffer.from(`${this.o.username}:${this.o.password}`).toString("base64")}`;
    this.requests++;
    return request({
      method: "GET",
      url: url.toString(),
      headers: { accept: MANIFEST_ACCEPT, authorization, "user-agent": "harbor-edge" },
      ca: this.o.ca,
      servername: this.o.servername,
      timeoutMs: this.o.timeoutMs,
      deadlineMs: this.o.timeoutMs,
    });
  }
}

export interface Child {
  digest: string;
  platform: string;
}

const INDEX_TYPES: string[] = [MEDIA.ociIndex, MEDIA.dockerList];

/** The manifest is an index (by its content type, or by its content when the type is missing). */
export function isIndex(contentType: string | undefined, doc: any): boolean {
  const t = (contentType ?? "").split(";")[0].trim();
  if (INDEX_TYPES.includes(t)) return true;
  if (t) return false;
  return INDEX_TYPES.includes(doc?.mediaType) || (Array.isArray(doc?.manifests) && !doc?.layers);
}

/** The children of an index document for the wanted platforms (os/architecture, any variant). */
export function childrenFor(index: any, wanted: string[]): Child[] {
  const out: Child[] = [];
  for (const m of Array.isArray(index?.manifests) ? index.manifests : []) {
    const platform = `${String(m?.platform?.os ?? "")}/${String(m?.platform?.architecture ?? "")}`;
    if (typeof m?.digest === "string" && /^sha256:[0-9a-f]{64}$/.test(m.digest) && wanted.includes(platform))
      out.push({ digest: m.digest, platform });
  }
  return out;
}

export type Fetched = { ok: true; platforms: string[]; index: boolean } | { ok: false; why: string };

/**
 * Has Harbor fetch project/repository:reference. platforms: for an index, the wanted platforms it offers (what
 * "held" will be checked against); else the wanted ones unchanged. Throws when Harbor does not answer.
 */
export async function askToFetch(v2: HarborV2, project: string, repository: string, reference: string, wanted: string[]): Promise<Fetched> {
  const r = await v2.manifest(`${project}/${repository}`, reference);
  if (r.status === 404) return { ok: false, why: "Harbor cannot fetch it: not found upstream, or the upstream is unreachable" };
  if (r.status !== 200) return { ok: false, why: `Harbor cannot fetch it: HTTP ${r.status}` };
  let doc: any;
  try {
    doc = JSON.parse(r.body.toString("utf8"));
  } catch {
    return { ok: false, why: "Harbor answered a manifest that is not JSON" };
  }
  if (!isIndex(String(r.headers["content-type"] ?? ""), doc)) return { ok: true, platforms: wanted, index: false };
  const children = childrenFor(doc, wanted);
  if (children.length === 0) return { ok: false, why: `the index offers none of the node platforms (${wanted.join(" ")})` };
  for (const c of children) {
    const cr = await v2.manifest(`${project}/${repository}`, c.digest);
    if (cr.status !== 200) return { ok: false, why: `Harbor cannot fetch the ${c.platform} manifest: HTTP ${cr.status}` };
  }
  return { ok: true, platforms: [...new Set(children.map((c) => c.platform))].sort(), index: true };
}
