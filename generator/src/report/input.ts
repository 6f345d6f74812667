// The report's environment contract (the chart's report Job sets it; an operator's shell may too) and the
// command's options, read into one typed object. Pure: the environment and options in, a ReportInput or a
// BadInput naming the variable or option out. Nothing here reads a file or the network.
//
// Environment (the contract of the report script it replaced, plus HARBOR_USERNAME/HARBOR_PASSWORD, REPORT_ROBOT_SECRET and HARBOR_ADDRESSES):
//   HARBOR_URL               Harbor, e.g. https://harbor.harbor.svc (required; --harbor overrides it)
//   HARBOR_CA_FILE           PEM CA Harbor's certificate is checked against (--ca overrides it; the chart mounts
//                            ca.crt of harbor-tls); requires an https HARBOR_URL
//   HARBOR_TLS_SERVER_NAME   the name Harbor's certificate must carry, when not HARBOR_URL's host
//   HARBOR_USERNAME          with HARBOR_PASSWORD: the account to use
//   HARBOR_PASSWORD
//   REPORT_ROBOT_SECRET      otherwise, a Secret in the namespace (keys username, password) holding the robot
//                            account `harbor-edge configure` creates: read through the API when the run starts,
//                            waiting for configure to fill it (the chart's way: least privilege)
//   HARBOR_ADMIN_PASSWORD    otherwise: admin with this password
//   HARBOR_PROXY_REGISTRIES  one line per proxied registry: "HOST PROJECT URL TYPE [CREDENTIALS_SECRET]"
//   HARBOR_SPECTRO_PROJECT   spectro-images when nodes try it first (Palette's layout); empty: not looked at
//   HARBOR_ADDRESSES         space-separated host[:port] names nodes use for Harbor itself (e.g. 10.0.0.5:30003)
//   POD_NAMESPACE            namespace of the ConfigMap and the Event (required to write them; -n overrides it)
//   STATUS_CONFIGMAP         default harbor-edge-status
//   KUBE_API, KUBE_TOKEN_FILE, KUBE_CA_FILE: the in-cluster access (kube/client.ts inClusterAccess)
//   REPORT_SKIP_LABEL        default stylus.io/imageswap=disable
//   REPORT_CONFIRM_SECONDS   default DEFAULT_CONFIRM_SECONDS
//   REPORT_POLL_SECONDS      default 10
//   REPORT_PULL_BLOBS        0 (default) or 1; 1 is accepted and ignored (see run.ts: Harbor fetches blobs itself)
//   REPORT_REQUEST_TIMEOUT   seconds for one request (default 60: only manifests and API answers are fetched)
//   REPORT_WAIT_SECONDS      how long to wait for Harbor to be healthy first (default 900)
//   NODE_CHECK_NAMESPACE     set when report.nodeCheck is on: where the node-check DaemonSet writes one ConfigMap
//                            per node (report/nodes.ts); unset: nodes are not measured
//   NODE_CHECK_INTERVAL_SECONDS  the node check's interval (default 300): a result older than 3 x this is stale

import { urlOptionProblem } from "../io/url-option.js";
import { NAMES } from "../common/names.js";
/**
 * How long one run waits for Harbor to hold what it was asked to fetch. Harbor 2.15.1 caches an index once
 * every child is local, else after maxManifestListWait (20) x sleepIntervalSec (20 s) = 400 s
 * (src/controller/proxy/manifestcache.go ManifestListCache.push), and an image manifest after its blobs are
 * local, else after maxManifestWait (10) x 20 s = 200 s and the download of the missing blobs
 * (ManifestCache.CacheContent). A node-platform subset of an index is always the 400 s case; 600 s leaves
 * 200 s more for the children's blobs. Keep equal to schemas/harbor-config.schema.json report.confirmSeconds.
 */
export const DEFAULT_CONFIRM_SECONDS = 600;

export interface ReportInput {
  /** Harbor's address without a trailing / or /api/v2.0 */
  harborUrl: string;
  /** HARBOR_CA_FILE (or --ca): the CA to check Harbor's certificate against; "" for the system's */
  caFile: string;
  /** HARBOR_TLS_SERVER_NAME: the name Harbor's certificate must carry; "" for HARBOR_URL's host */
  tlsServerName: string;
  username: string;
  password: string;
  /** where the credentials came from, for messages (never the password) */
  credentialFrom: "HARBOR_USERNAME/HARBOR_PASSWORD" | "HARBOR_ADMIN_PASSWORD" | "REPORT_ROBOT_SECRET";
  /** the Secret to read the robot account from before the run (credentialFrom REPORT_ROBOT_SECRET) */
  robotSecret?: string;
  /** registry host -> its proxy-cache project */
  registries: Map<string, string>;
  spectroProject?: string;
  /** host[:port] names of Harbor itself, lower case (HARBOR_ADDRESSES and HARBOR_URL's) */
  harborAddresses: Set<string>;
  namespace?: string;
  statusConfigMap: string;
  skipLabel: string;
  confirmSeconds: number;
  pollSeconds: number;
  /** REPORT_PULL_BLOBS=1 was asked for (it is ignored; said so once) */
  pullBlobsIgnored: boolean;
  requestTimeoutSeconds: number;
  waitSeconds: number;
  /** report.nodeCheck: where the per-node results are, and how often they are made; unset: nodes not measured */
  nodeCheck?: { namespace: string; intervalSeconds: number };
}

export interface ReportOptions {
  harbor?: string;
  namespace?: string;
  /** --ca FILE: overrides HARBOR_CA_FILE */
  ca?: string;
}

/** Input that cannot be used: exit 2, the message names the variable or option. */
export class BadInput extends Error {}

const nonEmpty = (v: string | undefined) => (v !== undefined && v !== "" ? v : undefined);

function seconds(env: NodeJS.ProcessEnv, name: string, dflt: number, min = 0): number {
  const v = nonEmpty(env[name]);
  if (v === undefined) return dflt;
  if (!/^[0-9]{1,7}$/.test(v)) throw new BadInput(`${name}: expected whole seconds, given ${JSON.stringify(v.slice(0, 40))}`);
  const n = Number(v);
  if (n < min) throw new BadInput(`${name}: expected at least ${min}, given ${n}`);
  return n;
}

/** HARBOR_PROXY_REGISTRIES: "HOST PROJECT URL TYPE [SECRET]" lines -> host -> project (the first line of a host wins). */
export function parseProxyRegistries(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of text.split("\n")) {
    const [host, project] = line.trim().split(/\s+/);
    if (host && project && !m.has(host)) m.set(host, project);
  }
  return m;
}

/** "host[:port]" in lower case; a default port (80 for http, 443 for https, or given alone as :443) is dropped. */
export function normaliseAddress(a: string, scheme?: "http:" | "https:"): string {
  const s = a.trim().toLowerCase();
  if (s.endsWith(":443") && scheme !== "http:") return s.slice(0, -4);
  if (s.endsWith(":80") && scheme === "http:") return s.slice(0, -3);
  return s;
}

export function readInput(env: NodeJS.ProcessEnv, o: ReportOptions = {}): ReportInput {
  const rawUrl = nonEmpty(o.harbor) ?? nonEmpty(env.HARBOR_URL);
  if (!rawUrl) throw new BadInput("HARBOR_URL is not set (or pass --harbor URL)");
  const urlProblem = urlOptionProblem(o.harbor ? "--harbor" : "HARBOR_URL", rawUrl);
  if (urlProblem) throw new BadInput(urlProblem);
  const url = new URL(rawUrl);
  if (url.username || url.password)
    throw new BadInput(`${o.harbor ? "--harbor" : "HARBOR_URL"}: no credentials in the URL; set HARBOR_USERNAME and HARBOR_PASSWORD`);
  const harborUrl = rawUrl.replace(/\/+$/, "").replace(/\/api\/v2\.0$/, "");
  const caFile = nonEmpty(o.ca) ?? nonEmpty(env.HARBOR_CA_FILE) ?? "";
  const tlsServerName = nonEmpty(env.HARBOR_TLS_SERVER_NAME) ?? "";
  // a CA or a certificate name says TLS is meant: plain http would send the credentials in clear
  if ((caFile || tlsServerName) && url.protocol !== "https:")
    throw new BadInput(
      `${o.ca ? "--ca" : caFile ? "HARBOR_CA_FILE" : "HARBOR_TLS_SERVER_NAME"} is set but ${o.harbor ? "--harbor" : "HARBOR_URL"} is not https://: the credentials would cross the network in clear`,
    );
  if (tlsServerName && !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/i.test(tlsServerName))
    throw new BadInput(`HARBOR_TLS_SERVER_NAME: expected a DNS name, given ${JSON.stringify(tlsServerName.slice(0, 100))}`);

  let username: string, password: string, credentialFrom: ReportInput["credentialFrom"];
  const user = nonEmpty(env.HARBOR_USERNAME);
  if (user !== undefined || nonEmpty(env.HARBOR_PASSWORD) !== undefined) {
    if (user === undefined) throw new BadInput("HARBOR_PASSWORD is set but HARBOR_USERNAME is not");
    if (nonEmpty(env.HARBOR_PASSWORD) === undefined) throw new BadInput("HARBOR_USERNAME is set but HARBOR_PASSWORD is not");
    if (user.includes(":")) throw new BadInput('HARBOR_USERNAME: a user name cannot contain ":" (Basic authentication)');
    [username, password, credentialFrom] = [user, env.HARBOR_PASSWORD!, "HARBOR_USERNAME/HARBOR_PASSWORD"];
  } else if (nonEmpty(env.REPORT_ROBOT_SECRET) !== undefined) {
    if (!/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(env.REPORT_ROBOT_SECRET!))
      throw new BadInput(`REPORT_ROBOT_SECRET: expected a Secret name, given ${JSON.stringify(env.REPORT_ROBOT_SECRET!.slice(0, 100))}`);
    [username, password, credentialFrom] = ["", "", "REPORT_ROBOT_SECRET"]; // read from the Secret when the run starts
  } else {
    const admin = nonEmpty(env.HARBOR_ADMIN_PASSWORD);
    if (admin === undefined)
      throw new BadInput("HARBOR_ADMIN_PASSWORD is not set (or set HARBOR_USERNAME and HARBOR_PASSWORD, or REPORT_ROBOT_SECRET)");
    [username, password, credentialFrom] = ["admin", admin, "HARBOR_ADMIN_PASSWORD"];
  }

  const pull = nonEmpty(env.REPORT_PULL_BLOBS) ?? "0";
  if (pull !== "0" && pull !== "1") throw new BadInput(`REPORT_PULL_BLOBS: expected 0 or 1, given ${JSON.stringify(pull.slice(0, 40))}`);

  const harborAddresses = new Set<string>();
  for (const a of (env.HARBOR_ADDRESSES ?? "").split(/\s+/).filter(Boolean)) {
    if (!/^[a-z0-9.\-[\]:]+$/i.test(a))
      throw new BadInput(`HARBOR_ADDRESSES: expected host[:port] names separated by spaces, given ${JSON.stringify(a.slice(0, 100))}`);
    harborAddresses.add(normaliseAddress(a));
  }
  harborAddresses.add(normaliseAddress(url.host, url.protocol as "http:" | "https:"));

  const namespace = nonEmpty(o.namespace) ?? nonEmpty(env.POD_NAMESPACE);
  const statusConfigMap = nonEmpty(env.STATUS_CONFIGMAP) ?? NAMES.statusConfigMap;
  if (!/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(statusConfigMap))
    throw new BadInput(`STATUS_CONFIGMAP: expected a ConfigMap name, given ${JSON.stringify(statusConfigMap.slice(0, 100))}`);
  if (namespace !== undefined && !/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(namespace))
    throw new BadInput(
      `${o.namespace ? "--namespace" : "POD_NAMESPACE"}: expected a namespace name, given ${JSON.stringify(namespace.slice(0, 100))}`,
    );

  const nodeCheckNs = nonEmpty(env.NODE_CHECK_NAMESPACE);
  if (nodeCheckNs !== undefined && !/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(nodeCheckNs))
    throw new BadInput(`NODE_CHECK_NAMESPACE: expected a namespace name, given ${JSON.stringify(nodeCheckNs.slice(0, 100))}`);
  const nodeCheckInterval = seconds(env, "NODE_CHECK_INTERVAL_SECONDS", 300, 1);

  return {
    harborUrl,
    caFile,
    tlsServerName,
    username,
    password,
    credentialFrom,
    ...(credentialFrom === "REPORT_ROBOT_SECRET" ? { robotSecret: env.REPORT_ROBOT_SECRET } : {}),
    registries: parseProxyRegistries(env.HARBOR_PROXY_REGISTRIES ?? ""),
    ...(nonEmpty(env.HARBOR_SPECTRO_PROJECT) ? { spectroProject: env.HARBOR_SPECTRO_PROJECT } : {}),
    harborAddresses,
    ...(namespace ? { namespace } : {}),
    statusConfigMap,
    skipLabel: nonEmpty(env.REPORT_SKIP_LABEL) ?? "stylus.io/imageswap=disable",
    confirmSeconds: seconds(env, "REPORT_CONFIRM_SECONDS", DEFAULT_CONFIRM_SECONDS),
    pollSeconds: seconds(env, "REPORT_POLL_SECONDS", 10, 1),
    pullBlobsIgnored: pull === "1",
    requestTimeoutSeconds: seconds(env, "REPORT_REQUEST_TIMEOUT", 60, 1),
    waitSeconds: seconds(env, "REPORT_WAIT_SECONDS", 900),
    ...(nodeCheckNs ? { nodeCheck: { namespace: nodeCheckNs, intervalSeconds: nodeCheckInterval } } : {}),
  };
}
