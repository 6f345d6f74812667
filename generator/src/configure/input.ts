// The environment contract of `harbor-edge configure`, read and checked into one typed object. Pure: no I/O
// (files named here are read later, by the steps that need them). A value that cannot be used throws an
// InputError naming the variable; nothing has been sent to Harbor or Kubernetes by then (exit 2).

import { urlOptionProblem } from "../io/url-option.js";
export class InputError extends Error {}

export interface ProxyCacheInput {
  /** the Harbor project (and registry endpoint) name */
  project: string;
  /** Harbor registry type, e.g. docker-hub */
  type: string;
  url: string;
  /** the Secret (mounted under credentialsDir) holding access_key and access_secret; "" for none */
  credentialsSecret: string;
}

export interface ProjectInput {
  name: string;
  public: boolean;
}

export interface ConfigureInput {
  harborUrl: string;
  /** HARBOR_CA_FILE: the PEM CA Harbor's certificate is checked against (the chart mounts ca.crt of harbor-tls) */
  caFile: string;
  /** HARBOR_TLS_SERVER_NAME: the name Harbor's certificate must carry when it is not HARBOR_URL's host */
  tlsServerName: string;
  password: string;
  previous: string;
  applied: string;
  pending: string;
  projects: ProjectInput[];
  proxyCaches: ProxyCacheInput[];
  credentialsDir: string;
  stateDir: string;
  /** undefined: leave Harbor's default retention; 0: keep everything; N: keep what was pulled within N days */
  retentionDays?: number;
  localOnNotFound: boolean;
  waitSeconds: number;
  requestTimeoutSeconds: number;
  loginPauseSeconds: number;
  trigger: "install" | "periodic";
  tlsNotAfter: string;
  /** host:port of Harbor's https inside the cluster, to read the certificate nginx serves; "" not to */
  tlsServedAddress: string;
  /** harbor-tls's tls.crt as mounted into the Job; "" when not mounted */
  tlsCertFile: string;
  /** upstream's nginx Deployment, restarted when it serves another certificate than harbor-tls; "" not to */
  nginxDeployment: string;
  tlsWarnDays: number;
  namespace: string;
  stateSecret: string;
  jobName: string;
  jobUid: string;
  /** Secret (in namespace) that receives the report's robot account; "" for no robot */
  reportRobotSecret: string;
  /** Palette's registry-info Secret and its namespace; both or neither */
  registryInfoSecret: string;
  registryInfoNamespace: string;
}

/** Options of the command line that override the environment. */
export interface ConfigureOptions {
  harbor?: string;
  namespace?: string;
}

const v = (env: NodeJS.ProcessEnv, name: string) => env[name] ?? "";

function seconds(env: NodeJS.ProcessEnv, name: string, dflt: number, allowFraction = false, unit = "seconds"): number {
  const raw = v(env, name);
  if (raw === "") return dflt;
  const ok = allowFraction ? /^\d+(\.\d+)?$/.test(raw) : /^\d+$/.test(raw);
  if (!ok) throw new InputError(`${name} must be a number of ${unit}, got ${JSON.stringify(raw)}`);
  return Number(raw);
}

/** HARBOR_PROJECTS: space-separated NAME:public or NAME:private. */
export function parseProjects(raw: string): ProjectInput[] {
  return raw
    .split(/\s+/)
    .filter(Boolean)
    .map((spec) => {
      const m = /^(.+):(public|private)$/.exec(spec);
      if (!m) throw new InputError(`HARBOR_PROJECTS: expected NAME:public or NAME:private, got '${spec}'`);
      return { name: m[1], public: m[2] === "public" };
    });
}

/** HARBOR_PROXY_CACHE: one line per proxy cache, PROJECT TYPE URL [CREDENTIALS_SECRET]. */
export function parseProxyCache(raw: string): ProxyCacheInput[] {
  const out: ProxyCacheInput[] = [];
  for (const line of raw.split("\n")) {
    const f = line.split(/[ \t]+/).filter(Boolean);
    if (f.length === 0) continue;
    if (f.length < 3 || f.length > 4)
      throw new InputError(`HARBOR_PROXY_CACHE: expected PROJECT TYPE URL [CREDENTIALS_SECRET], got '${line.trim()}'`);
    const [project, type, url, credentialsSecret = ""] = f;
    if (credentialsSecret.includes("/") || credentialsSecret === "." || credentialsSecret === "..")
      throw new InputError(`HARBOR_PROXY_CACHE: CREDENTIALS_SECRET must be a Secret name, got '${credentialsSecret}'`);
    out.push({ project, type, url, credentialsSecret });
  }
  return out;
}

export function readInput(env: NodeJS.ProcessEnv, o: ConfigureOptions = {}): ConfigureInput {
  const harborUrl = o.harbor || v(env, "HARBOR_URL");
  if (!harborUrl) throw new InputError("HARBOR_URL is not set (or pass --harbor URL)");
  const urlProblem = urlOptionProblem(o.harbor ? "--harbor" : "HARBOR_URL", harborUrl);
  if (urlProblem) throw new InputError(urlProblem);
  const caFile = v(env, "HARBOR_CA_FILE");
  const tlsServerName = v(env, "HARBOR_TLS_SERVER_NAME");
  // a CA or a certificate name says TLS is meant: plain http would send the admin password in clear
  if ((caFile || tlsServerName) && new URL(harborUrl).protocol !== "https:")
    throw new InputError(
      `${caFile ? "HARBOR_CA_FILE" : "HARBOR_TLS_SERVER_NAME"} is set but ${o.harbor ? "--harbor" : "HARBOR_URL"} is not https://: the password would cross the network in clear`,
    );
  if (tlsServerName && !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/i.test(tlsServerName))
    throw new InputError(`HARBOR_TLS_SERVER_NAME must be a DNS name, got ${JSON.stringify(tlsServerName.slice(0, 100))}`);
  const password = v(env, "HARBOR_ADMIN_PASSWORD");
  if (!password) throw new InputError("HARBOR_ADMIN_PASSWORD is not set");
  const retention = v(env, "HARBOR_PROXY_RETENTION_DAYS");
  if (!/^\d*$/.test(retention)) throw new InputError(`HARBOR_PROXY_RETENTION_DAYS must be a number of days, got ${retention}`);
  const lonf = v(env, "HARBOR_PROXY_LOCAL_ON_NOT_FOUND") || "false";
  if (lonf !== "true" && lonf !== "false") throw new InputError(`HARBOR_PROXY_LOCAL_ON_NOT_FOUND must be true or false, got ${lonf}`);
  const trigger = v(env, "CONFIGURE_TRIGGER") || "install";
  if (trigger !== "install" && trigger !== "periodic")
    throw new InputError(`CONFIGURE_TRIGGER must be install or periodic, got ${trigger}`);
  const tlsNotAfter = v(env, "TLS_NOT_AFTER");
  const registryInfoSecret = v(env, "REGISTRY_INFO_SECRET");
  const registryInfoNamespace = v(env, "REGISTRY_INFO_NAMESPACE");
  if (Boolean(registryInfoSecret) !== Boolean(registryInfoNamespace))
    throw new InputError(
      `${registryInfoSecret ? "REGISTRY_INFO_NAMESPACE" : "REGISTRY_INFO_SECRET"} must be set with ${registryInfoSecret ? "REGISTRY_INFO_SECRET" : "REGISTRY_INFO_NAMESPACE"}`,
    );
  return {
    harborUrl,
    caFile,
    tlsServerName,
    password,
    previous: v(env, "HARBOR_ADMIN_PASSWORD_PREVIOUS"),
    applied: v(env, "HARBOR_ADMIN_PASSWORD_APPLIED"),
    pending: v(env, "HARBOR_ADMIN_PASSWORD_PENDING"),
    projects: parseProjects(v(env, "HARBOR_PROJECTS")),
    proxyCaches: parseProxyCache(v(env, "HARBOR_PROXY_CACHE")),
    credentialsDir: v(env, "HARBOR_CREDENTIALS_DIR") || "/credentials",
    stateDir: v(env, "HARBOR_STATE_DIR") || "/state",
    ...(retention === "" ? {} : { retentionDays: Number(retention) }),
    localOnNotFound: lonf === "true",
    waitSeconds: seconds(env, "HARBOR_WAIT_SECONDS", 600),
    requestTimeoutSeconds: seconds(env, "HARBOR_REQUEST_TIMEOUT", 20, true),
    loginPauseSeconds: seconds(env, "HARBOR_LOGIN_PAUSE", 2, true),
    trigger,
    tlsNotAfter,
    tlsServedAddress: v(env, "TLS_SERVED_ADDRESS"),
    tlsCertFile: v(env, "TLS_CERT_FILE"),
    nginxDeployment: v(env, "NGINX_DEPLOYMENT"),
    tlsWarnDays: seconds(env, "TLS_WARN_DAYS", 30, false, "days"),
    namespace: o.namespace || v(env, "KUBE_NAMESPACE"),
    stateSecret: v(env, "STATE_SECRET"),
    jobName: v(env, "JOB_NAME"),
    jobUid: v(env, "JOB_UID"),
    reportRobotSecret: v(env, "REPORT_ROBOT_SECRET"),
    registryInfoSecret,
    registryInfoNamespace,
  };
}
