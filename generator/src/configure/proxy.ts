// Proxy-cache projects: per HARBOR_PROXY_CACHE line a registry endpoint named like the project (its type, url
// and credentials as asked), a public project that is a proxy cache of it, and that project's retention.
// Harbor checks an endpoint against the upstream when it is created or updated, synchronously, with a 30 s
// dial timeout (src/controller/registry/controller.go validate -> IsHealthy), so those requests get 45 s.
// Harbor 2.15.1 answers 400 "the registry is unhealthy" both when the upstream cannot be reached and when it
// refuses the credentials (the adapters' HealthCheck swallows the reason): with credentials, an anonymous
// POST /registries/ping tells them apart (PingSimple counts 401/403 as healthy). Credentials Harbor never
// shows back are compared through a SHA-256 digest kept in the state Secret (credentials.PROJECT).
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { harborMessage, seg, type ApiAnswer } from "../harbor/api.js";
import { Fatal, call, warn, type Run } from "./context.js";
import { kubeStatus, writeState } from "./kube.js";
import type { ProxyCacheInput } from "./input.js";
import { ensureProject } from "./projects.js";

/** Harbor pings the upstream for up to 30 s (dial timeout) before it answers a registry create or update. */
export const REGISTRY_CHECK_TIMEOUT_MS = 45_000;

export interface Credentials {
  key: string;
  secret: string;
  /** SHA-256 of key, newline, secret: what the state Secret remembers */
  digest: string;
}

export const credentialDigest = (key: string, secret: string) => crypto.createHash("sha256").update(`${key}\n${secret}`).digest("hex");

/** The credentials mounted for a Secret, or undefined when its files are missing or the key is empty. */
export function readCredentials(dir: string, secretName: string): Credentials | undefined {
  try {
    const key = fs.readFileSync(path.join(dir, secretName, "access_key"), "utf8");
    const secret = fs.readFileSync(path.join(dir, secretName, "access_secret"), "utf8");
    return key ? { key, secret, digest: credentialDigest(key, secret) } : undefined;
  } catch {
    return undefined;
  }
}

function rememberedDigest(stateDir: string, project: string): string {
  try {
    return fs.readFileSync(path.join(stateDir, `credentials.${project}`), "utf8").trim();
  } catch {
    return "";
  }
}

interface Endpoint {
  id: number;
  name: string;
  type: string;
  url: string;
  accessKey: string;
}

const trimUrl = (u: string) => u.replace(/\/+$/, "");

/** What to do with an existing endpoint. Pure. */
export function endpointPlan(
  have: Endpoint | undefined,
  want: ProxyCacheInput,
  creds: Credentials | undefined,
  remembered: string,
): "create" | "replace" | "update" | "keep" {
  if (!have) return "create";
  if (have.type !== want.type) return "replace";
  if (trimUrl(have.url) !== trimUrl(want.url)) return "update";
  if (creds && (have.accessKey !== creds.key || remembered !== creds.digest)) return "update";
  return "keep";
}

/** Harbor's message says the upstream refused the credentials (some adapters say so). */
export const saysCredentials = (message: string) => /unauthori[sz]ed|credential|\b401\b|authentication|denied|login/i.test(message);

async function findRegistry(run: Run, name: string): Promise<Endpoint | undefined> {
  const a = await call(run, "GET", `/registries?q=${encodeURIComponent(`name=${name}`)}&page_size=100`);
  if (a.status !== 200) throw new Fatal(`GET /registries answered HTTP ${a.status}`);
  const hit = (Array.isArray(a.json) ? a.json : []).find((r: any) => r?.name === name);
  return hit
    ? {
        id: Number(hit.id),
        name: hit.name,
        type: String(hit.type ?? ""),
        url: String(hit.url ?? ""),
        accessKey: String(hit.credential?.access_key ?? ""),
      }
    : undefined;
}

/** A registry create or update: 5xx retried three times (not until the deadline: Harbor answers 500 when an adapter cannot log in). */
async function registryWrite(run: Run, method: string, apiPath: string, body: unknown): Promise<ApiAnswer> {
  let a: ApiAnswer | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    if (attempt) await run.sleep(1_000 * attempt);
    a = await call(run, method, apiPath, { body, timeoutMs: REGISTRY_CHECK_TIMEOUT_MS, retry5xx: false });
    if (a.status < 500 && a.status !== 429) return a;
  }
  return a!;
}

/** Why Harbor refused an endpoint: the upstream refused the credentials, or it cannot be reached. */
async function whyRefused(run: Run, pc: ProxyCacheInput, creds: Credentials | undefined, a: ApiAnswer): Promise<"credentials" | "offline"> {
  if (saysCredentials(harborMessage(a))) return "credentials";
  if (!creds) return "offline";
  const ping = await call(run, "POST", "/registries/ping", {
    body: { type: pc.type, url: pc.url },
    timeoutMs: REGISTRY_CHECK_TIMEOUT_MS,
    retry5xx: false,
  });
  return ping.status === 200 ? "credentials" : "offline";
}

/** The retention policy asked for, as Harbor's RetentionPolicy. Pure. */
export function retentionPolicy(days: number, projectId: number) {
  return {
    algorithm: "or",
    rules: [
      {
        priority: 1,
        action: "retain",
        template: days === 0 ? "always" : "nDaysSinceLastPull",
        params: days === 0 ? {} : { nDaysSinceLastPull: days },
        tag_selectors: [{ kind: "doublestar", decoration: "matches", pattern: "**" }],
        scope_selectors: { repository: [{ kind: "doublestar", decoration: "repoMatches", pattern: "**" }] },
      },
    ],
    trigger: { kind: "Schedule", settings: { cron: "0 0 0 * * *" } },
    scope: { level: "project", ref: projectId },
  };
}

/** Whether a policy Harbor has is the one asked for: one enabled rule of the template (and days). Pure. */
export function retentionMatches(policy: any, days: number): boolean {
  const rules = Array.isArray(policy?.rules) ? policy.rules : [];
  if (rules.length !== 1 || rules[0]?.disabled === true) return false;
  if (days === 0) return rules[0].template === "always";
  return rules[0].template === "nDaysSinceLastPull" && Number(rules[0].params?.nDaysSinceLastPull) === days;
}

async function ensureRetention(run: Run, name: string, projectId: number) {
  const days = run.input.retentionDays;
  if (days === undefined) return;
  const p = await call(run, "GET", `/projects/${seg(name)}`, { byName: true });
  if (p.status !== 200) throw new Fatal(`GET /projects/${name} answered HTTP ${p.status}`);
  const rid = String(p.json?.metadata?.retention_id ?? "");
  if (rid) {
    const r = await call(run, "GET", `/retentions/${seg(rid)}`);
    if (r.status !== 200) throw new Fatal(`GET /retentions/${rid} answered HTTP ${r.status}`);
    if (retentionMatches(r.json, days)) return;
  }
  const policy = retentionPolicy(days, projectId);
  const w = rid
    ? await call(run, "PUT", `/retentions/${seg(rid)}`, { body: policy })
    : await call(run, "POST", "/retentions", { body: policy });
  if (w.status !== 200 && w.status !== 201)
    throw new Fatal(`could not set the retention of project ${name}: HTTP ${w.status} ${harborMessage(w)}`);
  run.say(`project ${name}: retention set to ${days === 0 ? "keep every artifact" : `keep artifacts pulled within ${days} days`}`);
}

async function remember(run: Run, project: string, creds: Credentials | undefined) {
  if (!creds) return;
  const e = await writeState(run, { [`credentials.${project}`]: creds.digest });
  if (e)
    warn(
      run,
      `could not record the credentials applied to proxy cache ${project} (HTTP ${kubeStatus(e)}); the next run applies them again`,
    );
}

async function ensureProxyCache(run: Run, pc: ProxyCacheInput, pending: string[]): Promise<void> {
  const name = pc.project;
  const fail = (why: string) => {
    run.failures.push(`proxy cache ${name}: ${why}`);
    run.say(`proxy cache ${name}: ${why}`);
  };
  let creds: Credentials | undefined;
  if (pc.credentialsSecret) {
    creds = readCredentials(run.input.credentialsDir, pc.credentialsSecret);
    if (!creds) return fail(`Secret ${pc.credentialsSecret} with keys access_key and access_secret not found`);
  }
  const refused = async (a: ApiAnswer, what: string, later: string) => {
    if ((await whyRefused(run, pc, creds, a)) === "credentials") {
      fail(
        `${pc.url} refuses the credentials of Secret ${pc.credentialsSecret} (Harbor: HTTP ${a.status} ${harborMessage(a)}); correct the Secret`,
      );
    } else {
      run.say(`proxy cache ${name}: Harbor cannot reach ${pc.url} now${what} (offline?): ${harborMessage(a)}; ${later}`);
      pending.push(name);
    }
  };
  let reg = await findRegistry(run, name);
  const plan = endpointPlan(reg, pc, creds, rememberedDigest(run.input.stateDir, name));
  if (plan === "replace" && reg) {
    // an endpoint of another type (an older release made quay.io of type quay, which Harbor refuses for proxy
    // caches): replaced while no project uses it; Harbor answers 412 when one does
    const d = await call(run, "DELETE", `/registries/${seg(reg.id)}`);
    if (d.status !== 200 && d.status !== 404)
      return fail(
        `its registry endpoint has type ${reg.type}, not ${pc.type}, and Harbor will not remove it (HTTP ${d.status} ${harborMessage(d)})`,
      );
    run.say(`proxy cache ${name}: removed its registry endpoint of type ${reg.type}`);
    reg = undefined;
  } else if (plan === "update" && reg) {
    const body: Record<string, unknown> = {};
    if (trimUrl(reg.url) !== trimUrl(pc.url)) body.url = pc.url;
    if (creds) Object.assign(body, { credential_type: "basic", access_key: creds.key, access_secret: creds.secret });
    const u = await registryWrite(run, "PUT", `/registries/${seg(reg.id)}`, body);
    if (u.status === 200) {
      run.say(
        `proxy cache ${name}: ${body.url ? `url set to ${pc.url}` : ""}${body.url && creds ? ", " : ""}${creds ? "credentials updated" : ""}`,
      );
      await remember(run, name, creds);
    } else if (u.status === 400 || u.status >= 500) {
      await refused(u, " to check the endpoint", "a later run updates it");
    } else throw new Fatal(`could not update the registry endpoint ${name}: HTTP ${u.status} ${harborMessage(u)}`);
  }
  if (!reg) {
    const body = {
      name,
      type: pc.type,
      url: pc.url,
      insecure: false,
      description: "proxy cache created by harbor-edge-native-config",
      ...(creds ? { credential: { type: "basic", access_key: creds.key, access_secret: creds.secret } } : {}),
    };
    const c = await registryWrite(run, "POST", "/registries", body);
    if (c.status === 201 || c.status === 409) {
      reg = await findRegistry(run, name);
      if (c.status === 201) await remember(run, name, creds);
    } else if (c.status === 400 || c.status >= 500) {
      return refused(c, "", "a later run creates it");
    } else throw new Fatal(`could not create the registry endpoint ${name}: HTTP ${c.status} ${harborMessage(c)}`);
    if (!reg) throw new Fatal(`the registry endpoint ${name} was created but cannot be found`);
  }
  const project = await ensureProject(run, name, true, reg.id);
  if (!project.ok) {
    // refused for good (a type Harbor does not permit for proxy caches), or a project of that name is no proxy
    // cache: the endpoint made for it goes, so nothing is left that no run will use (Harbor keeps it, 412, if
    // a project uses it)
    const d = await call(run, "DELETE", `/registries/${seg(reg.id)}`);
    if (d.status !== 200 && d.status !== 404)
      run.say(`proxy cache ${name}: could not remove the unused registry endpoint ${reg.id} (HTTP ${d.status})`);
    return fail(project.error);
  }
  await ensureRetention(run, name, project.id);
}

export async function ensureProxyCaches(run: Run): Promise<void> {
  const pending: string[] = [];
  for (const pc of run.input.proxyCaches) await ensureProxyCache(run, pc, pending);
  if (pending.length)
    warn(
      run,
      `proxy caches not created yet, Harbor cannot reach their registries now: ${pending.join(" ")}; the periodic run creates them once the link is back`,
    );
}
