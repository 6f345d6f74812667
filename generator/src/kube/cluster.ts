// What the cluster runs, from the Kubernetes API: the images of every pod that is not finished (phase other
// than Succeeded and Failed), except in namespaces labelled with the skip label (stylus.io/imageswap=disable:
// they keep pulling from their own registries), and the platforms (os/architecture) of the nodes. Three GETs
// (nodes, namespaces, pods), the reading of their answers pure and exported for tests.
import { kubeGet, type KubeAccess } from "./client.js";

export interface ClusterView {
  /** "os/architecture", sorted, distinct; linux/amd64 when no node says */
  platforms: string[];
  /** namespaces whose pods are left alone */
  skipped: string[];
  /** every image reference the pods ask for (spec, not status), distinct */
  images: string[];
  /** node name -> the image references its pods ask for (every node of the NodeList, pods or not) */
  byNode: Map<string, string[]>;
}

/** The nodes' names from a NodeList, sorted. */
export function nodeNamesOf(nodeList: any): string[] {
  return (Array.isArray(nodeList?.items) ? nodeList.items : [])
    .map((n: any) => n?.metadata?.name)
    .filter((n: unknown): n is string => typeof n === "string" && n !== "")
    .sort();
}

/** The images of imagesOf, by the node each pod runs on (spec.nodeName; pods not scheduled yet are on none). */
export function imagesByNode(podList: any, skipped: ReadonlySet<string> = new Set(), nodes: string[] = []): Map<string, string[]> {
  const pods = new Map<string, any[]>(nodes.map((n) => [n, []]));
  for (const p of Array.isArray(podList?.items) ? podList.items : []) {
    const node = p?.spec?.nodeName;
    if (typeof node !== "string" || !node) continue;
    pods.set(node, [...(pods.get(node) ?? []), p]);
  }
  return new Map([...pods].map(([n, items]) => [n, imagesOf({ items }, skipped)]));
}

/** The nodes' platforms from a NodeList. */
export function platformsOf(nodeList: any): string[] {
  const set = new Set<string>();
  for (const n of Array.isArray(nodeList?.items) ? nodeList.items : []) {
    const os = n?.status?.nodeInfo?.operatingSystem;
    const arch = n?.status?.nodeInfo?.architecture;
    if (typeof os === "string" && os && typeof arch === "string" && arch) set.add(`${os}/${arch}`);
  }
  return set.size ? [...set].sort() : ["linux/amd64"];
}

/** The images a PodList's pods ask for: containers, init and ephemeral containers of pods not finished. */
export function imagesOf(podList: any, skipped: ReadonlySet<string> = new Set()): string[] {
  const set = new Set<string>();
  for (const p of Array.isArray(podList?.items) ? podList.items : []) {
    if (p?.status?.phase === "Succeeded" || p?.status?.phase === "Failed") continue;
    if (skipped.has(p?.metadata?.namespace)) continue;
    for (const key of ["initContainers", "containers", "ephemeralContainers"]) {
      for (const c of Array.isArray(p?.spec?.[key]) ? p.spec[key] : []) if (typeof c?.image === "string" && c.image) set.add(c.image);
    }
  }
  return [...set].sort();
}

/** The path of the pod list: finished pods and the skipped namespaces left out by the API server. */
export function podListPath(skipped: string[]): string {
  const fields = ["status.phase!=Succeeded", "status.phase!=Failed", ...skipped.map((n) => `metadata.namespace!=${n}`)];
  return `/api/v1/pods?fieldSelector=${encodeURIComponent(fields.join(","))}`;
}

export async function readCluster(access: KubeAccess, skipLabel: string, timeoutMs: number): Promise<ClusterView> {
  const nodeList = await kubeGet(access, "/api/v1/nodes", timeoutMs);
  const platforms = platformsOf(nodeList);
  const nsList = await kubeGet(access, `/api/v1/namespaces?labelSelector=${encodeURIComponent(skipLabel)}`, timeoutMs);
  const skipped = (Array.isArray(nsList?.items) ? nsList.items : [])
    .map((n: any) => String(n?.metadata?.name ?? ""))
    .filter(Boolean)
    .sort();
  const podList = await kubeGet(access, podListPath(skipped), timeoutMs);
  const images = imagesOf(podList, new Set(skipped));
  return { platforms, skipped, images, byNode: imagesByNode(podList, new Set(skipped), nodeNamesOf(nodeList)) };
}
