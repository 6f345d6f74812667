// The per-node check: can this node pull each image from Harbor alone, the way its containerd would? For every
// image: the registry's host file in the node's host directory (hosts.ts), then each Harbor host of it with
// the resolve capability in file order (pull.ts); the first that serves the platform manifest makes the image
// ok. The `server` fallback (the registry itself) never counts: an image whose only route is the registry is
// no-mirror. When containerdConfig is given, containerd must read the host directory (config.ts, the rule of
// node-mirror.sh check), or every image fails with containerd-config. TLS trusts what containerd trusts: the
// node's CA store read under hostRoot as Go reads it (roots.ts), plus each host's ca files.
import dns from "node:dns";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { mapLimit } from "../io/pool.js";
import { formatReference, parseReference } from "../registry/reference.js";
import type { NodeFailureKind, NodeImageResult, NodeResult } from "./types.js";
import { registryHosts, type HostEntry } from "./hosts.js";
import { fetchFromHost, type Failure, type Lookup } from "./pull.js";
import { defaultPlatform, formatPlatform, parsePlatform, type Platform } from "./platform.js";
import { checkContainerdConfig } from "./config.js";
import { loadNodeRoots, rootsSummary, resolveInRoot, pemCertificates, type NodeRoots } from "./roots.js";

export interface NodeCheckOptions {
  node: string;
  /** the containerd host directory as this process sees it */
  hostDir: string;
  /** the same directory as the node's containerd sees it (default: hostDir) */
  hostDirOnNode?: string;
  /** path of containerd's config.toml as this process sees it; when given, config_path is checked first */
  containerdConfig?: string;
  /** the same file's path on the node, for messages (default: containerdConfig) */
  containerdConfigOnNode?: string;
  /** image references as pods name them */
  images: string[];
  /** os/arch[/variant]; default: this process's, as containerd's default platform matcher */
  platform?: string;
  /** per request, default 10000 */
  timeoutMs?: number;
  /** default: dns.lookup all (getaddrinfo with the process's /etc/hosts and resolv.conf) */
  lookup?: (host: string) => Promise<string[]>;
  now?: () => number;
  /** images checked at once (default 4) */
  concurrency?: number;
  /** the node's "/" as this process sees it, where its CA store is read (default "/") */
  hostRoot?: string;
  /** the node's CA store already read (tests); default: loadNodeRoots(hostRoot) */
  roots?: NodeRoots;
}

export const defaultLookup: Lookup = async (host) => (await dns.promises.lookup(host, { all: true, verbatim: true })).map((a) => a.address);

const MAX_IMAGES = 10_000;

/** The node's path of a file named in a host file, where this process reads it. */
function onThisSide(file: string, hostDir: string, hostDirOnNode: string): string {
  const node = hostDirOnNode.replace(/\/+$/, "");
  if (node !== hostDir.replace(/\/+$/, "") && (file === node || file.startsWith(`${node}/`)))
    return path.join(hostDir, file.slice(node.length));
  return file;
}
/** A path the host file names, as the node sees it (relative ones were joined to hostDir on this side). */
function onTheNode(file: string, hostDir: string, hostDirOnNode: string): string {
  const here = hostDir.replace(/\/+$/, "");
  if (file === here || file.startsWith(`${here}/`)) return path.join(hostDirOnNode, file.slice(here.length));
  return file;
}

export async function checkNode(o: NodeCheckOptions): Promise<NodeResult> {
  const now = o.now ?? Date.now;
  const platform: Platform = o.platform ? parsePlatform(o.platform) : defaultPlatform();
  const hostDirOnNode = (o.hostDirOnNode ?? o.hostDir).replace(/(.)\/+$/, "$1");
  const hostDir = o.hostDir.replace(/(.)\/+$/, "$1");
  const lookup = o.lookup ?? defaultLookup;
  const timeoutMs = o.timeoutMs ?? 10_000;
  if (o.images.length > MAX_IMAGES) throw new Error(`images: at most ${MAX_IMAGES}, given ${o.images.length}`);
  const result: NodeResult = {
    node: o.node,
    platform: formatPlatform(platform),
    checkedAt: new Date(now()).toISOString().replace(/\.\d{3}Z$/, "Z"),
    hostDir: hostDirOnNode,
    images: [],
  };

  if (o.containerdConfig !== undefined) {
    const c = checkContainerdConfig(o.containerdConfig, hostDirOnNode, o.containerdConfigOnNode ?? o.containerdConfig);
    if (!c.ok) {
      result.nodeFailure = { kind: "containerd-config", detail: c.detail };
      result.images = o.images.map((image) => ({
        image: normalise(image),
        ok: false,
        failure: { kind: "containerd-config", detail: c.detail },
      }));
      return result;
    }
  }

  // read once per round, before any image: what Go's system pool holds on this node
  const roots = o.roots ?? loadNodeRoots(o.hostRoot ?? "/");
  const images = o.images.map(normalise);
  // a host found unreachable is not dialled again in this round: with Harbor's address blackholed, a round costs
  // one timeout per host, not one per image and host (results stay fresh during the outage they are about)
  const unreachable = new Map<string, Failure>();
  // each ca file read and parsed once a round, whatever number of images and hosts name it
  const caFiles = new Map<string, CaFile>();
  const hostRoot = o.hostRoot ?? "/";
  result.images = await mapLimit(images, o.concurrency ?? 4, (image) =>
    checkImage(image, { hostDir, hostDirOnNode, platform, timeoutMs, lookup, unreachable, roots, hostRoot, caFiles }),
  );
  return result;
}

function normalise(image: string): string {
  try {
    return formatReference(parseReference(image));
  } catch {
    return image;
  }
}

interface Ctx {
  hostDir: string;
  hostDirOnNode: string;
  platform: Platform;
  timeoutMs: number;
  lookup: Lookup;
  /** host URL -> its unreachable failure, earlier in this round */
  unreachable: Map<string, Failure>;
  roots: NodeRoots;
  /** the node's "/" as this process sees it: ca files outside the host directory are read under it */
  hostRoot: string;
  caFiles: Map<string, CaFile>;
}

/** A ca file as containerd loads it: its data, or why containerd cannot (it then refuses the whole registry), or
 * why this check cannot tell (a file outside what the check's pod mounts). */
type CaFile = { certs: string[] } | { fails: string } | { unknown: string };

function caFile(nodePath: string, c: Ctx): CaFile {
  let f = c.caFiles.get(nodePath);
  if (f) return f;
  const here = onThisSide(nodePath, c.hostDir, c.hostDirOnNode);
  const inHostDir = here !== nodePath || nodePath === c.hostDirOnNode || nodePath.startsWith(`${c.hostDirOnNode}/`);
  try {
    const data = readCa(inHostDir || c.hostRoot === "/" ? here : resolveInRoot(c.hostRoot, nodePath).here);
    // parsed once per round: every image of the registry, every host naming the file, shares it
    const certs = pemCertificates(data);
    f = certs.length ? { certs } : { fails: "it holds no PEM certificate" };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    // under a host root only some of the node's directories are there (the pod's mounts): a file missing there
    // may be on the node
    f =
      !inHostDir && c.hostRoot !== "/" && (code === "ENOENT" || code === "ENOTDIR" || code === "EXDEV")
        ? {
            unknown: `the check cannot read it (${code}): only containerd's host directory and the node's CA directories are mounted in its pod`,
          }
        : { fails: `it cannot be read (${code})` };
  }
  c.caFiles.set(nodePath, f);
  return f;
}

async function checkImage(image: string, c: Ctx): Promise<NodeImageResult> {
  const fail = (kind: NodeFailureKind, detail: string): NodeImageResult => ({ image, ok: false, failure: { kind, detail } });
  let ref;
  try {
    ref = parseReference(image);
  } catch (e) {
    return fail("error", (e as Error).message);
  }
  let rh;
  try {
    rh = registryHosts(c.hostDir, ref.host);
  } catch (e) {
    return fail("error", `the host directory for ${ref.host} cannot be read: ${(e as Error).message}`);
  }
  const node = (p: string) => onTheNode(p, c.hostDir, c.hostDirOnNode);
  if (rh.unsupported) return fail("error", onTheNode(rh.unsupported, c.hostDir, c.hostDirOnNode));
  const harbor = rh.hosts.filter((h) => !h.server);
  // containerd's Resolve keeps only the hosts with every capability it needs (remotes/docker/resolver.go): pull,
  // and resolve too for a tag; a digest needs pull only
  const resolvers = harbor.filter((h) => h.capabilities.pull && (ref.digest !== undefined || h.capabilities.resolve));
  const server = rh.hosts.find((h) => h.server);
  if (rh.why)
    return fail(
      "no-mirror",
      `${node(rh.why.split(c.hostDir).join(c.hostDirOnNode))}: the node pulls ${ref.host} images from ${server?.url ?? ref.host} itself`,
    );
  if (resolvers.length === 0)
    return fail(
      "no-mirror",
      `${node(path.join(rh.dir!, "hosts.toml"))} names no host with the ${ref.digest ? "pull capability" : "pull and resolve capabilities"}${harbor.length ? "" : " (no [host] table)"}: the node pulls from ${server?.url ?? ref.host} itself`,
    );
  // containerd loads the ca files of every host of the directory, the server's and those it will not ask
  // included, before it asks any (remotes/docker/config/hosts.go ConfigureHosts): one it cannot load fails every
  // pull of the registry, with no fallback
  for (const h of rh.hosts) {
    for (const file of h.ca) {
      const f = caFile(node(file), c);
      if ("fails" in f)
        return fail(
          "tls-ca",
          `${node(file)} (ca of ${h.url}): ${f.fails}, so containerd cannot load it and refuses every pull of ${ref.host}, the fallback to ${server?.url ?? ref.host} included`,
        );
      if ("unknown" in f) return fail("error", `${node(file)} (ca of ${h.url}): ${f.unknown}; whether containerd can load it is not known`);
    }
  }
  const failures: Array<{ host: HostEntry; failure: Failure }> = [];
  for (const h of resolvers) {
    const known = c.unreachable.get(h.url);
    if (known) {
      failures.push({ host: h, failure: { kind: known.kind, detail: `${known.detail} (earlier in this round; not dialled again)` } });
      continue;
    }
    const r = await fetchFromHost({
      host: h,
      registry: ref.host,
      repository: ref.path,
      reference: ref.digest ?? ref.tag ?? "latest",
      platform: c.platform,
      timeoutMs: c.timeoutMs,
      lookup: c.lookup,
      caCertificates: (f) => {
        const got = caFile(node(f), c);
        if ("certs" in got) return got.certs;
        throw Object.assign(new Error("fails" in got ? got.fails : got.unknown), { code: "EACCES" });
      },
      roots: c.roots.certs,
      rootsSummary: rootsSummary(c.roots),
    });
    if (r.ok) {
      const res: NodeImageResult = { image, ok: true, via: h.url, digest: r.digest };
      if (h.skipVerify) res.note = `skip_verify = true for ${h.url}: its certificate is not checked`;
      if (failures.length)
        res.note = [res.note, `first tried: ${failures.map((f) => `${f.host.url}: ${f.failure.kind}`).join("; ")}`]
          .filter(Boolean)
          .join("; ");
      return res;
    }
    if (r.failure.kind === "unreachable") c.unreachable.set(h.url, r.failure);
    failures.push({ host: h, failure: r.failure });
  }
  // the most telling failure: the first host's, unless it is a 404 and a later host failed otherwise (a 404 is
  // how a layered file moves on: spectro-images lacks what the proxy-cache project is for); the others follow
  const first = failures.find((f) => f.failure.kind !== "not-found") ?? failures[0];
  const skip = first.host.skipVerify ? " (skip_verify: the certificate is not checked for this host)" : "";
  const others = failures
    .filter((f) => f !== first)
    .map((f) => `; ${f.host.url}: ${f.failure.kind}: ${f.failure.detail}`)
    .join("");
  return fail(first.failure.kind, `${first.failure.detail}${skip}${others}`);
}

const CA_MAX = 1024 * 1024;
function readCa(file: string): Buffer {
  const st = fs.statSync(file);
  if (st.size > CA_MAX) throw Object.assign(new Error(`${file} is larger than ${CA_MAX} bytes`), { code: "EFBIG" });
  return fs.readFileSync(file);
}

/** The host name of this machine (the CLI's default node name). */
export const hostName = () => os.hostname();
