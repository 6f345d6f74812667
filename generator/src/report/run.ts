// One run of the report: what the cluster runs (cluster.ts), what each image means for Harbor (images.ts), is
// it held (held.ts), if not ask Harbor to fetch it (fetch.ts), then look again until it is held or the confirm
// window has passed: confirmed, never assumed. The result is "N of M running images are held by Harbor;
// missing: ..." (summarise, pure), written to the ConfigMap harbor-edge-status (keys summary, held, total,
// allHeld, missing, platforms, updated; what `harbor-edge status` reads) and as an Event on it (ImagesHeld,
// ImagesMissing, or ReportFailed when no report could be made), when deps.write; always returned.
//
// No blob is ever asked for (fetch.ts says why): REPORT_PULL_BLOBS=1 is accepted and ignored.
//
// With report.nodeCheck on (input.nodeCheck), the per-node results of the node-check DaemonSet are read too
// (nodes.ts): an image counts only when Harbor holds it AND every node that runs it reached it, and the summary
// says so ("N of M running images are held by Harbor and reachable from every node that runs them"); per-node
// counts go into the ConfigMap's key `nodes` (JSON array of NodeCount) and the log. Off: the summary keeps its
// shape, the key `nodes` is removed, and the log says that nodes were not measured.
import { printable } from "../io/printable.js";
import { kubeRequest, postEvent, KubeError, type KubeAccess } from "../kube/client.js";
import { HarborUnreachable, seg, waitHealthy, type HarborApi } from "../harbor/api.js";
import { spectroRepository } from "../registry/reference.js";
import { readCluster } from "../kube/cluster.js";
import { classifyImages, missingLine, type Image } from "./images.js";
import { isHeld, Refused, type Held } from "./held.js";
import { askToFetch, type HarborV2 } from "./fetch.js";
import type { ReportInput } from "./input.js";
import { waitForRobot } from "./robot.js";
import { countNodes, nodeLine, readNodeResults, unreachableLine } from "./nodes.js";
import type { NodeCount } from "../nodecheck/types.js";
import { NAMES } from "../common/names.js";

export const COMPONENT = NAMES.report;

export interface Report {
  summary: string;
  held: number;
  total: number;
  allHeld: boolean;
  /** "NAME (why)", sorted */
  missing: string[];
  platforms: string[];
  /** namespaces whose pods were left alone */
  skipped: string[];
  updated: string;
  requests: { harbor: number; kube: number };
  /** per node, when report.nodeCheck is on; absent: nodes were not measured */
  nodes?: NodeCount[];
}

/** No report could be made (exit 1); written as such first when deps.write and the ConfigMap can be reached. */
export class NoReport extends Error {}

export interface RunDeps {
  access: KubeAccess;
  api: HarborApi;
  v2: HarborV2;
  /** write the ConfigMap and post the Event (in a pod, or --write-status) */
  write: boolean;
  log: (line: string) => void;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** The summary and the Event it makes, from what is held and what is missing. Pure. */
export function summarise(
  held: number,
  total: number,
  missing: string[],
  nodesMeasured = false,
): { summary: string; allHeld: boolean; type: "Normal" | "Warning"; reason: string } {
  const base = `${held} of ${total} running images are held by Harbor${nodesMeasured ? " and reachable from every node that runs them" : ""}`;
  if (missing.length === 0) return { summary: base, allHeld: true, type: "Normal", reason: "ImagesHeld" };
  return { summary: `${base}; missing: ${missing.join(", ")}`, allHeld: false, type: "Warning", reason: "ImagesMissing" };
}

/** The ConfigMap's data for a report. Pure. */
export function statusData(
  r: Pick<Report, "summary" | "held" | "total" | "allHeld" | "missing" | "platforms" | "updated" | "nodes">,
): Record<string, string | null> {
  // nodes: null removes what an earlier run with the node check on wrote (a JSON merge patch)
  return {
    summary: r.summary,
    held: String(r.held),
    total: String(r.total),
    allHeld: String(r.allHeld),
    missing: r.missing.join("\n"),
    platforms: r.platforms.join(" "),
    updated: r.updated,
    nodes: r.nodes ? JSON.stringify(r.nodes) : null,
  };
}

/** Not measured: what the log and the terminal say when report.nodeCheck is off. */
export const NODES_NOT_MEASURED =
  "nodes were not measured (report.nodeCheck is off): Harbor holds these images; whether each node can pull them was not checked";

const isoSeconds = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");
const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
/** Harbor's metadata flags are the strings "true"/"false"; a missing public is false (a private project). Pure. */
export const projectIsPublic = (project: any): boolean => String(project?.metadata?.public ?? "false") === "true";
const INDEX_BY_DIGEST = "Harbor 2.15.1 stores an index pulled by digest under another digest: refer to it by tag";

export async function runReport(input: ReportInput, deps: RunDeps): Promise<Report> {
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const { api, v2, access, log } = deps;
  const timeoutMs = input.requestTimeoutSeconds * 1000;
  const harbor = input.harborUrl;
  let refusedWhat = input.credentialFrom === "HARBOR_ADMIN_PASSWORD" ? "the admin credential" : `the credential of ${input.username}`;
  let kubeRequests = 0;
  const namespace = input.namespace ?? "";
  const cm = input.statusConfigMap;

  // --- the report's outputs ---------------------------------------------------------------------------
  async function writeStatus(data: Record<string, string | null>): Promise<string | undefined> {
    kubeRequests++;
    try {
      const o = await kubeRequest(access, "PATCH", `/api/v1/namespaces/${seg(namespace)}/configmaps/${seg(cm)}`, {
        body: { data },
        contentType: "application/merge-patch+json",
        timeoutMs,
      });
      return typeof o?.metadata?.uid === "string" ? o.metadata.uid : undefined;
    } catch (e) {
      if (e instanceof KubeError && e.status === 404)
        throw new NoReport(`the ConfigMap ${namespace}/${cm} does not exist (the chart creates it); nothing written`);
      throw new NoReport(`could not write the ConfigMap ${namespace}/${cm}: ${(e as Error).message}`);
    }
  }
  async function event(uid: string | undefined, type: "Normal" | "Warning", reason: string, message: string) {
    kubeRequests++;
    try {
      await postEvent(access, {
        namespace,
        involvedObject: { apiVersion: "v1", kind: "ConfigMap", name: cm, namespace, ...(uid ? { uid } : {}) },
        type,
        reason,
        message,
        component: COMPONENT,
      });
    } catch (e) {
      log(`warning: could not post the Event: ${(e as Error).message}`);
    }
  }
  async function fail(message: string): Promise<never> {
    if (deps.write) {
      const summary = `no report: ${message}`;
      const uid = await writeStatus(
        statusData({ summary, held: 0, total: 0, allHeld: false, missing: [], platforms: [], updated: isoSeconds(now()) }),
      );
      await event(uid, "Warning", "ReportFailed", summary);
    }
    throw new NoReport(message);
  }
  /** a Harbor call: a refusal or no answer ends the run with no report */
  async function harborCall<T>(f: () => Promise<T>): Promise<T> {
    try {
      return await f();
    } catch (e) {
      if (e instanceof Refused) return fail(e.message);
      if (e instanceof HarborUnreachable || !(e instanceof NoReport))
        return fail(`Harbor at ${harbor} does not answer: ${(e as Error).message}`);
      throw e;
    }
  }

  // --- 1. what the cluster runs -----------------------------------------------------------------------
  let cluster;
  try {
    kubeRequests += 3;
    cluster = await readCluster(access, input.skipLabel, timeoutMs);
  } catch (e) {
    throw new NoReport((e as Error).message);
  }
  const { platforms } = cluster;
  const images = classifyImages(cluster.images, { registries: input.registries, harborAddresses: input.harborAddresses });
  log(
    `${images.length} images in pods (namespaces skipped: ${cluster.skipped.join(" ") || "none"}); node platforms: ${platforms.join(" ")}`,
  );
  if (input.pullBlobsIgnored)
    log(
      "REPORT_PULL_BLOBS=1 is ignored: Harbor fetches the blobs of a manifest it was asked for itself, once; asking for them makes it download each twice",
    );

  // --- 2. what Harbor holds -----------------------------------------------------------------------------
  const waitUntil = now() + input.waitSeconds * 1000;
  // said while it waits (up to REPORT_WAIT_SECONDS): a Harbor that never answers this pod must not look like a hang
  const unhealthy = await waitHealthy(api, waitUntil, 10_000, sleep, {
    now,
    onWait: (why) => log(`waiting for Harbor at ${harbor} to be healthy (until ${isoSeconds(waitUntil)}): ${printable(why)}`),
  });
  if (unhealthy !== undefined)
    await fail(
      `Harbor at ${harbor} is not healthy after ${input.waitSeconds}s (${unhealthy.replace(/^no connection \(([\s\S]*)\)$/, "no connection: $1")})`,
    );

  // the robot account the configuration run creates once Harbor is up: its Secret, waited for (bounded)
  if (input.robotSecret) {
    const robot = await waitForRobot(access, namespace, input.robotSecret, now() + input.waitSeconds * 1000, {
      pollMs: input.pollSeconds * 1000,
      timeoutMs,
      now,
      sleep,
      onRequest: () => kubeRequests++,
    });
    if ("why" in robot)
      await fail(
        `no Harbor account for the report: the Secret ${namespace}/${input.robotSecret}: ${robot.why} (the configuration Job creates the robot account and writes it there: kubectl get jobs --namespace ${namespace} --selector app.kubernetes.io/component=configure)`,
      );
    else {
      for (const client of [api, v2]) client.useCredentials(robot.username, robot.password);
      refusedWhat = `the credential of the robot account ${robot.username} (Secret ${input.robotSecret})`;
    }
  }

  // the projects the images need, looked at once each: exists, and is it a proxy-cache project
  const projects = new Map<string, { proxy: boolean } | undefined>();
  for (const p of [...new Set(images.flatMap((i) => (i.kind === "harbor" ? [i.project] : [])))].sort(byString)) {
    const a = await harborCall(() => api.call("GET", `/projects/${seg(p)}`, { headers: { "X-Is-Resource-Name": "true" } }));
    if (a.status === 401) await fail(`Harbor refuses ${refusedWhat} (HTTP 401)`);
    projects.set(p, a.status === 200 ? { proxy: Number(a.json?.registry_id ?? 0) > 0 } : undefined);
  }

  const look = (project: string, repository: string, reference: string, wanted: string[]): Promise<Held> =>
    harborCall(() => isHeld(api, project, repository, reference, wanted, refusedWhat));
  // spectro-images counts only when public: nodes pull anonymously (containerd sends no credentials to a
  // mirror), so an image held in a private project answers them 401 while this report, logged in, sees it
  let spectroPublic: boolean | undefined;
  const spectroIsPublic = async (sp: string): Promise<boolean> => {
    if (spectroPublic === undefined) {
      const a = await harborCall(() => api.call("GET", `/projects/${seg(sp)}`, { headers: { "X-Is-Resource-Name": "true" } }));
      if (a.status === 401) await fail(`Harbor refuses ${refusedWhat} (HTTP 401)`);
      spectroPublic = a.status === 200 && projectIsPublic(a.json);
    }
    return spectroPublic;
  };
  /** held: nodes can pull it from spectro-images; private: held there, but nodes are refused; no: not there */
  const inSpectro = async (i: Image): Promise<"held" | "private" | "no"> => {
    if (!input.spectroProject || i.kind === "invalid" || (i.kind === "harbor" && i.via === "address")) return "no";
    const sp = input.spectroProject;
    if (!(await look(sp, spectroRepository(i.ref, sp).slice(sp.length + 1), i.ref.digest ?? i.ref.tag!, platforms)).held) return "no";
    return (await spectroIsPublic(sp)) ? "held" : "private";
  };
  const privateSpectro = (why: string) =>
    `${why}; held in ${input.spectroProject}, which is private: nodes pull anonymously and are refused (HTTP 401); the configuration Job makes it public when nodeMirror.spectroImages is on`;

  const held: string[] = [];
  const missing: string[] = [];
  const pending: Array<{ image: Extract<Image, { kind: "harbor" }>; wanted: string[]; index: boolean; why: string }> = [];
  for (const i of images) {
    if (i.kind === "invalid") {
      missing.push(missingLine(i.name, `not a valid image reference: ${i.why}; not looked up`));
      continue;
    }
    if (i.kind === "unproxied") {
      const sp = await inSpectro(i);
      const why = `registry ${i.ref.host} not proxied by Harbor`;
      if (sp === "held") held.push(i.name);
      else missing.push(missingLine(i.name, sp === "private" ? privateSpectro(why) : why));
      continue;
    }
    const project = projects.get(i.project);
    if (!project) {
      const sp = await inSpectro(i);
      const why =
        i.via === "proxy"
          ? `Harbor has no project ${i.project} yet: the configuration Job creates it once it can reach the registry`
          : `Harbor has no project ${i.project}`;
      if (sp === "held") held.push(i.name);
      else missing.push(missingLine(i.name, sp === "private" ? privateSpectro(why) : why));
      continue;
    }
    const h = await look(i.project, i.repository, i.reference, platforms);
    const sp = h.held ? "no" : await inSpectro(i);
    if (h.held || sp === "held") {
      held.push(i.name);
      continue;
    }
    // held only in a private spectro-images: nodes are refused there and move on to the proxy cache, so
    // the image is fetched into it like any other
    if (i.via === "address" && !project.proxy) {
      const why = `${h.why} (project ${i.project} is not a proxy cache: push the image there)`;
      missing.push(missingLine(i.name, sp === "private" ? privateSpectro(why) : why));
      continue;
    }
    const f = await harborCall(() => askToFetch(v2, i.project, i.repository, i.reference, platforms));
    if (!f.ok) {
      missing.push(missingLine(i.name, f.why));
      continue;
    }
    log(`${i.name}: asked Harbor to fetch it for ${f.platforms.join(" ")}`);
    pending.push({ image: i, wanted: f.platforms, index: f.index, why: "" });
  }

  // --- 3. confirm what Harbor was asked to fetch ----------------------------------------------------------
  const deadline = now() + input.confirmSeconds * 1000;
  let waiting = pending;
  while (waiting.length) {
    const next: typeof waiting = [];
    for (const p of waiting) {
      const h = await look(p.image.project, p.image.repository, p.image.reference, p.wanted);
      if (h.held) {
        log(`${p.image.name}: held`);
        held.push(p.image.name);
      } else next.push({ ...p, why: h.why });
    }
    waiting = next;
    if (!waiting.length) break;
    if (now() >= deadline) {
      for (const p of waiting) {
        const note = p.index && p.image.ref.digest ? `; ${INDEX_BY_DIGEST}` : "";
        missing.push(missingLine(p.image.name, `fetched, but Harbor does not hold it after ${input.confirmSeconds}s: ${p.why}${note}`));
      }
      break;
    }
    await sleep(Math.min(input.pollSeconds * 1000, Math.max(0, deadline - now())));
  }

  // --- 4. per node, when measured --------------------------------------------------------------------------
  let nodes: NodeCount[] | undefined;
  let countedHeld = held.length;
  if (input.nodeCheck) {
    let results;
    kubeRequests++;
    try {
      results = await readNodeResults(access, input.nodeCheck.namespace, timeoutMs);
    } catch (e) {
      // no result read: every node counts its images missing, and the log says why
      log(`warning: cannot read the node check's results in namespace ${input.nodeCheck.namespace}: ${(e as Error).message}`);
      results = { results: new Map(), ignored: 0 };
    }
    if (results.ignored)
      log(
        `warning: ${results.ignored} ConfigMaps labelled app.kubernetes.io/component=node-check in ${input.nodeCheck.namespace} are not node check results (name, node or JSON wrong): ignored`,
      );
    const ctx = { registries: input.registries, harborAddresses: input.harborAddresses };
    // the same names as the cluster's images (classifyImages), so that "held" is the same look
    const byNode = new Map([...cluster.byNode].map(([n, refs]) => [n, classifyImages(refs, ctx).map((i) => i.name)]));
    const counted = countNodes(byNode, new Set(held), results.results, input.nodeCheck, now(), input.harborAddresses);
    nodes = counted.nodes;
    for (const [image, whys] of counted.unreachable) missing.push(unreachableLine(image, whys));
    countedHeld = held.filter((h) => !counted.unreachable.has(h)).length;
    for (const n of nodes) {
      log(`node ${printable(nodeLine(n))}`);
      for (const m of n.missing.slice(0, 20)) log(`  missing on ${printable(n.name)}: ${printable(m)}`);
      if (n.missing.length > 20) log(`  and ${n.missing.length - 20} more missing on ${printable(n.name)}`);
    }
  } else log(NODES_NOT_MEASURED);

  // --- 5. the result ------------------------------------------------------------------------------------
  missing.sort(byString);
  const s = summarise(countedHeld, images.length, missing, nodes !== undefined);
  const report: Report = {
    summary: s.summary,
    held: countedHeld,
    total: images.length,
    allHeld: s.allHeld,
    missing,
    platforms,
    skipped: cluster.skipped,
    updated: isoSeconds(now()),
    requests: { harbor: 0, kube: 0 },
    ...(nodes ? { nodes } : {}),
  };
  if (deps.write) {
    const uid = await writeStatus(statusData(report));
    await event(uid, s.type, s.reason, s.summary);
  }
  report.requests = { harbor: api.requests + v2.requests, kube: kubeRequests };
  return report;
}

/** The report as an operator reads it in a terminal. Pure. */
/** The report as lines for a terminal: image names and namespaces come from the cluster, so each is made printable. */
export function formatReport(r: Report, harbor: string): string {
  const p = printable;
  const lines = [
    p(r.summary),
    `  Harbor ${p(harbor)}; node platforms: ${r.platforms.map(p).join(" ")}; namespaces skipped: ${r.skipped.map(p).join(" ") || "none"}; at ${p(r.updated)}`,
  ];
  if (r.missing.length) {
    lines.push("  missing:");
    for (const m of r.missing) lines.push(`    ${p(m)}`);
  }
  if (!r.nodes) lines.push(`  ${NODES_NOT_MEASURED}`);
  for (const n of r.nodes ?? []) {
    lines.push(`  ${p(nodeLine(n))}`);
    for (const m of n.missing) lines.push(`    ${p(m)}`);
  }
  return `${lines.join("\n")}\n`;
}
