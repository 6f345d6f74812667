// harbor-edge status --all-contexts / --kubeconfigs: the fleet view. One line per cluster ("site-17: 42 of 42 held
// on 3 nodes"), each cluster read as `harbor-edge status` reads one (readStatus, with the kubeconfig's own
// credentials through resolveAccess), at most MAX_PARALLEL at a time, each within a timeout; one cluster that
// cannot be read never hides or delays the others beyond that timeout. Lines come in the order the clusters were
// named, whatever order they answer in.
// A report older than --max-age (age.ts) makes its cluster not ready: it says nothing about today.
// Exit (FLEET_EXIT): 0 every cluster ready; 1 at least one cluster answered and is not ready (no report, or a stale one, counts);
// 3 none is known not ready but at least one could not be read (no answer, a refused certificate or token, a
// kubeconfig it cannot use); 2 usage errors, as every command.
// Everything a cluster or a kubeconfig says (context names, node names, messages) is shown printable and bounded.
// planSites reads kubeconfig files; formatting and exitCode are pure; runFleet takes the reader as an argument;
// statusReader is the I/O (readStatus, cut off at the timeout).
import fs from "node:fs";
import dc from "node:diagnostics_channel";
import { AsyncLocalStorage } from "node:async_hooks";
import type { ClientRequest } from "node:http";
import type { NodeCount } from "../nodecheck/types.js";
import { printable } from "../io/printable.js";
import { mapLimit } from "../io/pool.js";
import { parseYamlBounded } from "../io/yaml-bounded.js";
import { NoReport, type ReportStatus } from "./status.js";

/** Exit codes of the fleet view: 0 all ready, 1 some not ready, 2 usage error, 3 some unreachable and none not ready. */
export const FLEET_EXIT = { ready: 0, notReady: 1, usage: 2, unreachable: 3 } as const;
/** clusters read at the same time */
export const MAX_PARALLEL = 8;
/** seconds one cluster may take (--timeout) */
export const DEFAULT_TIMEOUT_S = 15;
export const MAX_TIMEOUT_S = 600;
/** clusters one run reads at most (a kubeconfig with more is refused, not read for an hour) */
export const MAX_SITES = 500;
/** characters shown of a context, node or file name, and of a message */
const NAME_MAX = 100;
const MESSAGE_MAX = 300;
/** nodes named on a line that are not ready (then "and N more") */
const NODES_SHOWN = 5;

/** One cluster: a kubeconfig file and one of its contexts. */
export interface Site {
  /** the name on its line: the context's, or FILE:CONTEXT when two files name the same context */
  label: string;
  kubeconfig: string;
  /** the context to read ("" when the file could not be read: problem says why) */
  context: string;
  /** why this site cannot be read at all (its file cannot be read, names no contexts) */
  problem?: string;
}

export type SiteState = "ready" | "not-ready" | "unreachable";

/** What --json prints for one cluster (an array of these). */
export interface SiteResult {
  site: string;
  kubeconfig: string;
  context: string;
  state: SiteState;
  /** the namespace read (when the cluster answered) */
  namespace?: string;
  /** the report, as `harbor-edge status --json` prints it (when there is one) */
  report?: ReportStatus;
  /** nodes in the report whose check did not find every image held ("NAME (H of T)", "NAME (no check)") */
  nodesNotReady?: string[];
  /** why the report is too old to say anything about today (status --max-age) */
  stale?: string;
  /** there is no report to read (not ready), or why the cluster could not be read (unreachable) */
  error?: string;
  noReport?: boolean;
}

/** A value from a kubeconfig or a cluster, shown: printable, at most max characters. */
export function bounded(s: unknown, max = NAME_MAX): string {
  const p = printable(s);
  return p.length > max ? `${p.slice(0, max - 1)}…` : p;
}

// --- the sites -----------------------------------------------------------------------------------------------

/** The context names of a kubeconfig (strings, in file order, each once) and its current-context; throws naming the file. */
export function kubeconfigContexts(
  file: string,
  read: (f: string) => string = (f) => fs.readFileSync(f, "utf8"),
): { current?: string; contexts: string[] } {
  let text: string;
  try {
    text = read(file);
  } catch (e) {
    throw new Error(`kubeconfig ${file}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { cause: e });
  }
  // a kubeconfig holds tokens and keys: a syntax error names the line, not the text
  const doc = parseYamlBounded(text, { file: `kubeconfig ${file}`, secret: true }) as any;
  if (!doc || typeof doc !== "object" || Array.isArray(doc))
    throw new Error(`kubeconfig ${file}: not a kubeconfig (expected a YAML mapping with clusters, users and contexts)`);
  const names = (Array.isArray(doc.contexts) ? doc.contexts : [])
    .map((c: any) => c?.name)
    .filter((n: unknown): n is string => typeof n === "string" && n !== "");
  return {
    ...(typeof doc["current-context"] === "string" && doc["current-context"] ? { current: doc["current-context"] } : {}),
    contexts: [...new Set<string>(names)],
  };
}

/**
 * The clusters to read: each file's current context, or every context with allContexts. A file that cannot be
 * read is one site with its problem (shown as unreachable), so one bad file never hides the others. A context
 * name found in two files is labelled FILE:CONTEXT on both.
 */
export function planSites(files: string[], allContexts: boolean, read?: (f: string) => string): Site[] {
  const sites: Site[] = [];
  for (const file of files) {
    let listed: { current?: string; contexts: string[] };
    try {
      listed = kubeconfigContexts(file, read);
    } catch (e) {
      sites.push({ label: file, kubeconfig: file, context: "", problem: (e as Error).message });
      continue;
    }
    if (allContexts) {
      if (!listed.contexts.length)
        sites.push({
          label: file,
          kubeconfig: file,
          context: "",
          problem: `kubeconfig ${file}: contexts: expected at least one context with a name; given none`,
        });
      for (const context of listed.contexts) sites.push({ label: context, kubeconfig: file, context });
    } else if (listed.current === undefined) {
      sites.push({
        label: file,
        kubeconfig: file,
        context: "",
        problem: `kubeconfig ${file}: current-context: expected the name of a context; given nothing (or pass --all-contexts)`,
      });
    } else sites.push({ label: listed.current, kubeconfig: file, context: listed.current });
  }
  const count = new Map<string, number>();
  for (const s of sites) count.set(s.label, (count.get(s.label) ?? 0) + 1);
  for (const s of sites) if (s.context && (count.get(s.label) ?? 0) > 1) s.label = `${s.kubeconfig}:${s.context}`;
  return sites;
}

// --- one site's result, and its line ----------------------------------------------------------------------------

const count = (n: unknown) => (typeof n === "number" && Number.isFinite(n) ? String(Math.trunc(n)) : "?");

/** A node is ready when its check ran and found every image it runs held: "NAME (H of T)" or "NAME (no check)" otherwise. */
export function nodeNotReady(n: NodeCount): string | undefined {
  if (!n.checkedAt) return `${bounded(n.name)} (no check)`;
  const ok = Number.isFinite(n.held) && Number.isFinite(n.total) && n.held >= n.total && n.missing.length === 0;
  return ok ? undefined : `${bounded(n.name)} (${count(n.held)} of ${count(n.total)})`;
}

/**
 * A cluster that answered (its report as readStatus read it: values printable, nodes cleaned by nodesFrom): ready
 * when the report says every image is held, no node in it is not ready, and it is not stale (age.ts staleness,
 * passed in).
 */
export function fromReport(site: Site, s: ReportStatus, stale?: string): SiteResult {
  const nodesNotReady = (s.nodes ?? []).map(nodeNotReady).filter((x): x is string => x !== undefined);
  const ready = s.allHeld === true && nodesNotReady.length === 0 && stale === undefined;
  return {
    ...base(site),
    state: ready ? "ready" : "not-ready",
    namespace: bounded(s.namespace),
    report: s,
    ...(s.nodes ? { nodesNotReady } : {}),
    ...(stale ? { stale } : {}),
  };
}

/** A cluster that did not answer with a report: no report (not ready), or unreachable. */
export function fromError(site: Site, e: unknown): SiteResult {
  const message = bounded((e as Error)?.message ?? e, MESSAGE_MAX);
  if (e instanceof NoReport) return { ...base(site), state: "not-ready", noReport: true, error: message };
  return { ...base(site), state: "unreachable", error: message };
}

// the file is the operator's own name for it (kept whole up to PATH_MAX); the context comes from the file
const base = (site: Site) => ({
  site: bounded(site.label, 2 * NAME_MAX + 1),
  kubeconfig: bounded(site.kubeconfig, 4096),
  context: bounded(site.context),
});

/** One cluster's line: "NAME: 42 of 42 held on 3 nodes", "NAME: not ready: ...", "NAME: unreachable: ...". Pure. */
export function formatSiteLine(r: SiteResult): string {
  const name = bounded(r.site, 2 * NAME_MAX + 1);
  if (r.state === "unreachable") return `${name}: unreachable: ${bounded(r.error, MESSAGE_MAX)}`;
  if (r.noReport || !r.report) return `${name}: not ready: no report (${bounded(r.error ?? "", MESSAGE_MAX)})`;
  const s = r.report;
  // the report ran but could not look (Harbor unreachable, say): its summary says why
  if (!s.allHeld && String(s.summary).startsWith("no report")) return `${name}: not ready: ${bounded(s.summary, MESSAGE_MAX)}`;
  const nodes = s.nodes;
  const where = nodes ? ` on ${nodes.length} node${nodes.length === 1 ? "" : "s"}` : "; nodes not measured";
  const notReady = r.nodesNotReady ?? [];
  const named = notReady.length
    ? `; nodes not ready: ${notReady
        .slice(0, NODES_SHOWN)
        .map((n) => bounded(n, 2 * NAME_MAX))
        .join(", ")}${notReady.length > NODES_SHOWN ? `, and ${notReady.length - NODES_SHOWN} more` : ""}`
    : "";
  const stale = r.stale ? `; ${bounded(r.stale, MESSAGE_MAX)}` : "";
  return `${name}: ${r.state === "ready" ? "" : "not ready: "}${count(s.held)} of ${count(s.total)} held${where}${named}${stale}`;
}

/** 1 when a cluster is not ready, else 3 when one could not be read, else 0. */
export function exitCode(results: SiteResult[]): number {
  if (results.some((r) => r.state === "not-ready")) return FLEET_EXIT.notReady;
  if (results.some((r) => r.state === "unreachable")) return FLEET_EXIT.unreachable;
  return FLEET_EXIT.ready;
}

/** The line on stderr when not every cluster is ready, e.g. "1 of 3 clusters not ready, 1 unreachable". */
export function fleetSummary(results: SiteResult[]): string {
  const notReady = results.filter((r) => r.state === "not-ready").length;
  const unreachable = results.filter((r) => r.state === "unreachable").length;
  const parts = [...(notReady ? [`${notReady} not ready`] : []), ...(unreachable ? [`${unreachable} unreachable`] : [])];
  return `${results.length - notReady - unreachable} of ${results.length} cluster${results.length === 1 ? "" : "s"} ready${parts.length ? `; ${parts.join(", ")}` : ""}`;
}

// --- reading the sites --------------------------------------------------------------------------------------------

export type SiteReader = (site: Site, signal: AbortSignal) => Promise<ReportStatus>;

export interface RunOptions {
  read: SiteReader;
  /** per cluster, milliseconds */
  timeoutMs: number;
  concurrency?: number;
  /** each result as soon as it and every one before it are in (the lines in order, without waiting for the last) */
  onResult?: (r: SiteResult, index: number) => void;
  /** why a report is stale (age.ts staleness at the time it is read), or undefined; default: never */
  stale?: (s: ReportStatus) => string | undefined;
}

class TimedOut extends Error {}

/** Reads every site, concurrency at a time, each within timeoutMs (then its signal aborts); results in the sites' order. */
export async function runFleet(sites: Site[], o: RunOptions): Promise<SiteResult[]> {
  const one = async (site: Site): Promise<SiteResult> => {
    if (site.problem !== undefined) return fromError(site, new Error(site.problem));
    const abort = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(new TimedOut(`no answer within ${o.timeoutMs / 1000}s`));
        abort.abort();
      }, o.timeoutMs);
    });
    try {
      const s = await Promise.race([Promise.resolve().then(() => o.read(site, abort.signal)), timeout]);
      return fromReport(site, s, o.stale?.(s));
    } catch (e) {
      return fromError(site, e);
    } finally {
      clearTimeout(timer);
    }
  };
  return mapLimit(sites, o.concurrency ?? MAX_PARALLEL, one, o.onResult);
}

// Each site's HTTP requests, found by the async context they start in, so that a site cut off at its timeout
// has them destroyed (kubeRequest waits 30 s for an idle socket; the process would wait for it to exit).
const siteRequests = new AsyncLocalStorage<{ requests: Set<ClientRequest>; aborted: boolean }>();
function onRequestStart(message: unknown) {
  const store = siteRequests.getStore();
  const request = (message as { request?: ClientRequest }).request;
  if (!store || !request) return;
  if (store.aborted) {
    request.destroy(new Error("timed out"));
    return;
  }
  store.requests.add(request);
  request.once("close", () => store.requests.delete(request));
}

/** The reader of the CLI: the site's kubeconfig and context through resolveAccess, then readStatus; its requests destroyed on abort. */
export function statusReader(namespace: string | undefined): SiteReader & { close(): void } {
  dc.subscribe("http.client.request.start", onRequestStart);
  const read = async (site: Site, signal: AbortSignal): Promise<ReportStatus> => {
    const store = { requests: new Set<ClientRequest>(), aborted: false };
    signal.addEventListener(
      "abort",
      () => {
        store.aborted = true;
        for (const r of store.requests) r.destroy(new Error("timed out"));
      },
      { once: true },
    );
    return siteRequests.run(store, async () => {
      const [{ resolveAccess }, { readStatus }] = await Promise.all([import("../kube/client.js"), import("./status.js")]);
      const access = resolveAccess({ kubeconfig: site.kubeconfig, context: site.context });
      if (!access) throw new Error(`kubeconfig ${site.kubeconfig}: cannot be read`);
      return readStatus(access, namespace ?? access.namespace ?? "harbor");
    });
  };
  return Object.assign(read, { close: () => dc.unsubscribe("http.client.request.start", onRequestStart) });
}
