// A test Harbor API server on loopback. Every request is checked against Harbor's API description
// (contracts/harbor-api-2.15.1/swagger.yaml, read by harbor-swagger.ts): the path and method exist, query and header
// parameters are declared and typed, bodies match their schema with no undeclared fields. A request that does
// not is recorded as a violation. It models what the configuration Job must cope with:
//   - connections refused while Harbor starts, /health answering 200 with an unhealthy body;
//   - a wrong Basic credential treated as anonymous everywhere but /users/current (401 there), and the
//     login lock of src/core/auth/authenticator.go: a failed login answers after 1.5 s and locks the user
//     for 1.5 s from when it arrived, during which even the right password is anonymous;
//   - project metadata values as the strings "true"/"false"; POST /projects 201 or 409;
//     X-Is-Resource-Name for names in paths; GET /projects?name= a fuzzy match;
//   - password changes: 403 for a wrong old password, 400 for an identical one or one against the policy;
//   - creating or updating a registry endpoint health-checks the remote synchronously (registryCheckMs, as
//     Harbor's ping with its 30 s dial timeout): offline, 400 "the registry is unhealthy"; credentials the
//     upstream refuses (upstreamCredentials), the same 400 (native HealthCheck logs the reason and says
//     unhealthy); POST /registries/ping the same check, anonymous when no credentials are given (PingSimple
//     takes a 401/403 as healthy);
//   - robot accounts (handler/robot.go, controller/robot): POST /robots validates name, duration, level and
//     permissions (400), 409 for a name taken, 201 with the secret, shown this once; names listed with the
//     prefix robot$; PUT keeps name and level; PATCH refreshes the secret; a robot's Basic credentials make it
//     a robot (GET /users/current 412), wrong ones are anonymous; its access is checked on project reads;
//   - proxy-cache projects (handler/project.go CreateProject): the endpoint's type must be one of
//     PERMITTED_REGISTRY_TYPES_FOR_PROXY_CACHE, as the rendered upstream core ConfigMap sets it (400
//     "unsupported registry type X" otherwise, nothing created); each new one gets Harbor's default retention
//     policy, retain what was pulled within 7 days (policy.WithNDaysSinceLastPull), whose id goes into the
//     project's metadata retention_id; an endpoint a project uses cannot be deleted (412);
//   - retention policies (handler/retention.go): PUT only with the id the project's metadata names, rules
//     of registered templates with their required parameters, at most 15; retentionKeeps() evaluates one;
//   - 500s injected where a test asks, before or after the change is applied;
//   - JSON answers pretty-printed with keys in shuffled order.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { findOperation, harborApi, parameterViolations } from "./harbor-swagger.js";

export interface Project {
  id: number;
  name: string;
  public: boolean;
  registryId?: number;
  /** other project metadata, as Harbor stores it (strings): retention_id, proxy_cache_local_on_not_found... */
  meta?: Record<string, string>;
}

export interface Registry {
  id: number;
  name: string;
  type: string;
  url: string;
  credential?: { type: string; access_key: string; access_secret: string };
}

export interface RetentionRule {
  id?: number;
  priority?: number;
  disabled?: boolean;
  action?: string;
  template?: string;
  params?: Record<string, unknown>;
  tag_selectors?: Array<Record<string, string>>;
  scope_selectors?: Record<string, Array<Record<string, string>>>;
}
export interface RetentionPolicy {
  id: number;
  algorithm: string;
  rules: RetentionRule[];
  trigger: { kind: string; settings: Record<string, unknown> };
  scope: { level: string; ref: number };
}

/** Rule templates Harbor registers (src/pkg/retention/policy/rule/index/index.go) and their required parameter. */
const RETENTION_TEMPLATES: Record<string, string | undefined> = {
  latestPushedK: "latestPushedK",
  latestPulledN: "latestPulledN",
  latestActiveK: "latestActiveK",
  nDaysSinceLastPull: "nDaysSinceLastPull",
  nDaysSinceLastPush: "nDaysSinceLastPush",
  always: undefined,
};

/** PERMITTED_REGISTRY_TYPES_FOR_PROXY_CACHE of a render's upstream core ConfigMap (a full render). */
export function permittedProxyTypes(objects: Array<{ kind: string; metadata: { name: string }; data?: Record<string, string> }>): string[] {
  const cm = objects.find(
    (o) => o.kind === "ConfigMap" && o.metadata.name === "harbor-core" && o.data?.PERMITTED_REGISTRY_TYPES_FOR_PROXY_CACHE !== undefined,
  );
  if (!cm) throw new Error("no upstream core ConfigMap with PERMITTED_REGISTRY_TYPES_FOR_PROXY_CACHE in the render (is it a full render?)");
  return cm
    .data!.PERMITTED_REGISTRY_TYPES_FOR_PROXY_CACHE.split(",")
    .map((t) => t.trim())
    .filter(Boolean);
}

export interface FakeHarborOptions {
  /** the admin password Harbor has */
  adminPassword: string;
  /** projects Harbor has at the start (a new Harbor has a private library) */
  projects?: Array<Omit<Project, "id">>;
  /** refuse connections for this long after start */
  startDelayMs?: number;
  /** answer /health unhealthy for this many calls (Infinity: forever) */
  unhealthyFor?: number;
  /** the remote registries are reachable (registry endpoints can be created) */
  online?: boolean;
  /** leave metadata.public out of answers for private projects (allowed by the API description) */
  omitPrivateFlag?: boolean;
  /** Harbor's PERMITTED_REGISTRY_TYPES_FOR_PROXY_CACHE; read it from a full render with permittedProxyTypes() */
  permittedProxyTypes?: string[];
  /** registry endpoints Harbor has at the start (e.g. left by an older release) */
  registries?: Array<Omit<Registry, "id">>;
  /** the login lock (Harbor: 1500 ms); 0 turns it off */
  lockMs?: number;
  /** how long Harbor's check of an upstream takes when an endpoint is created, updated or pinged (ms) */
  registryCheckMs?: number;
  /** upstream URL -> the credentials it accepts (others are refused; anonymous pings still answer) */
  upstreamCredentials?: Record<string, { access_key: string; access_secret: string }>;
  /** answer 500 to the nth request matching; "after" applies the change first and loses the answer */
  fail?: Array<{ method: string; path: RegExp; nth?: number; after?: boolean }>;
}

export interface Logged {
  method: string;
  path: string;
  status: number;
  user: "admin" | "anonymous" | "robot";
}

export interface Robot {
  id: number;
  /** as Harbor stores it, without the prefix */
  name: string;
  description: string;
  level: string;
  disable: boolean;
  duration: number;
  secret: string;
  permissions: Array<{ kind: string; namespace: string; access: Array<{ resource: string; action: string; effect?: string }> }>;
}

/** Harbor's robot name prefix (config robot_name_prefix). */
export const ROBOT_PREFIX = "robot$";
/** Project-scope access a robot may be given (src/common/rbac/const.go, a subset). */
const PROJECT_ACCESS = new Set([
  "project:read",
  "repository:list",
  "repository:pull",
  "repository:push",
  "repository:read",
  "artifact:read",
  "artifact:list",
  "artifact:create",
  "artifact:delete",
  "tag:list",
  "tag:create",
  "tag:delete",
  "scan:create",
  "scan:read",
]);

export interface FakeHarbor {
  url: string;
  requests: Logged[];
  violations: string[];
  state: {
    adminPassword: string;
    projects: Map<string, Project>;
    registries: Registry[];
    retentions: Map<number, RetentionPolicy>;
    robots: Robot[];
  };
  writes(): Logged[];
  /** logins refused for a wrong password (each costs Harbor 1.5 s and locks the user) */
  failedLogins(): number;
  /** a failed login by another client now (a concurrent run): locks admin for lockMs */
  lockAdmin(): void;
  /** whether the retention policy of the project keeps an artifact last pulled that many days ago */
  retentionKeeps(project: string, daysSinceLastPull: number): boolean;
  close(): Promise<void>;
}

const POLICY = (pw: string) => pw.length >= 8 && pw.length <= 128 && /[A-Z]/.test(pw) && /[a-z]/.test(pw) && /[0-9]/.test(pw);

/** JSON with keys in shuffled order, pretty-printed: what a client must parse robustly. */
function shuffledJson(value: unknown, seed: { n: number }): string {
  const shuffle = (v: any): any => {
    if (Array.isArray(v)) return v.map(shuffle);
    if (!v || typeof v !== "object") return v;
    const keys = Object.keys(v);
    for (let i = keys.length - 1; i > 0; i--) {
      seed.n = (seed.n * 1103515245 + 12345) % 2147483648;
      const j = seed.n % (i + 1);
      [keys[i], keys[j]] = [keys[j], keys[i]];
    }
    return Object.fromEntries(keys.map((k) => [k, shuffle(v[k])]));
  };
  return JSON.stringify(shuffle(value), null, 2);
}

export async function startFakeHarbor(opts: FakeHarborOptions): Promise<FakeHarbor> {
  harborApi(); // read before the first request
  const state = {
    adminPassword: opts.adminPassword,
    projects: new Map<string, Project>(),
    registries: [] as Registry[],
    retentions: new Map<number, RetentionPolicy>(),
    robots: [] as Robot[],
  };
  let nextRobot = 1;
  let nextProject = 1;
  let nextRegistry = 1;
  let nextRetention = 1;
  for (const r of opts.registries ?? []) state.registries.push({ id: nextRegistry++, ...r });
  const lockMs = opts.lockMs ?? 1500;
  let lastFailure = -Infinity;
  let failed = 0;
  for (const p of opts.projects ?? [{ name: "library", public: false }]) state.projects.set(p.name, { id: nextProject++, ...p });
  const requests: Logged[] = [];
  const violations: string[] = [];
  const counts = new Map<number, number>();
  let healthCalls = 0;
  const seed = { n: 7 };

  /** auth.Login: the user, and how long Harbor sleeps before answering (a failed login) */
  const login = (req: http.IncomingMessage): { admin: boolean; delayMs: number; robot?: Robot } => {
    const m = /^Basic (.+)$/.exec(req.headers.authorization ?? "");
    if (!m) return { admin: false, delayMs: 0 };
    const [user, pw] = Buffer.from(m[1], "base64").toString().split(/:(.*)/s);
    if (user.startsWith(ROBOT_PREFIX)) {
      // middleware/security/robot.go: the robot whose secret matches, enabled; otherwise anonymous
      const r = state.robots.find((x) => x.name === user.slice(ROBOT_PREFIX.length));
      return { admin: false, delayMs: 0, ...(r && r.secret === pw && !r.disable ? { robot: r } : {}) };
    }
    if (user !== "admin") return { admin: false, delayMs: 0 };
    if (lockMs > 0 && Date.now() - lastFailure <= lockMs) return { admin: false, delayMs: 0 }; // locked: anonymous
    if (pw === state.adminPassword) return { admin: true, delayMs: 0 };
    failed++;
    lastFailure = Date.now();
    return { admin: false, delayMs: lockMs };
  };

  const handler = (req: http.IncomingMessage, res: http.ServerResponse, raw: string, admin: boolean, robot?: Robot) => {
    const url = new URL(req.url ?? "/", "http://harbor");
    const method = req.method ?? "GET";
    const log: Logged = { method, path: url.pathname + url.search, status: 0, user: admin ? "admin" : robot ? "robot" : "anonymous" };
    requests.push(log);
    const send = (status: number, body?: unknown, headers: Record<string, string> = {}) => {
      log.status = status;
      res.writeHead(status, { "content-type": "application/json", ...headers });
      res.end(body === undefined ? "" : shuffledJson(body, seed));
    };
    const error = (status: number, message: string) => send(status, { errors: [{ code: String(status), message }] });

    // --- the contract ---
    if (!url.pathname.startsWith("/api/v2.0/")) {
      violations.push(`${method} ${url.pathname}: outside the API base /api/v2.0`);
      return error(404, "not found");
    }
    const apiPath = url.pathname.slice("/api/v2.0".length);
    const op = findOperation(method, apiPath);
    if (!op) {
      violations.push(`${method} ${apiPath}: no such operation in the API`);
      return error(404, "not found");
    }
    violations.push(...parameterViolations(op, method, apiPath, url, req.headers));
    const values = op.regex.exec(apiPath)!.slice(1);
    let body: any;
    if (raw) {
      if (!/application\/json/.test(String(req.headers["content-type"])))
        violations.push(`${method} ${apiPath}: body without Content-Type application/json`);
      try {
        body = JSON.parse(raw);
      } catch {
        violations.push(`${method} ${apiPath}: body is not JSON`);
        return error(400, "bad json");
      }
      if (!op.body) violations.push(`${method} ${apiPath}: takes no body`);
      else if (!op.body(body)) violations.push(`${method} ${apiPath}: body does not match the schema: ${JSON.stringify(op.body.errors)}`);
    } else if (op.bodyRequired) violations.push(`${method} ${apiPath}: body required`);

    // --- injected failures ---
    let failAfter = false;
    for (const [i, f] of (opts.fail ?? []).entries()) {
      if (f.method !== method || !f.path.test(apiPath)) continue;
      const n = (counts.get(i) ?? 0) + 1;
      counts.set(i, n);
      if (n === (f.nth ?? 1)) {
        if (!f.after) return error(500, "injected failure");
        failAfter = true;
      }
    }
    const reply = (status: number, b?: unknown, headers?: Record<string, string>) =>
      failAfter ? error(500, "injected failure after the change") : send(status, b, headers);
    /** an answer after Harbor's synchronous check of an upstream */
    const later = (answer: () => void) => {
      if (opts.registryCheckMs) setTimeout(answer, opts.registryCheckMs);
      else answer();
    };

    // --- behaviour ---
    const byNameOrId = (ref: string): Project | undefined => {
      const asName = String(req.headers["x-is-resource-name"]) === "true" || !/^\d+$/.test(ref);
      return asName ? state.projects.get(ref) : [...state.projects.values()].find((p) => p.id === Number(ref));
    };
    const view = (p: Project) => ({
      project_id: p.id,
      name: p.name,
      owner_id: 1,
      owner_name: "admin",
      repo_count: 0,
      registry_id: p.registryId ?? 0,
      metadata: { ...(p.public || !opts.omitPrivateFlag ? { public: String(p.public) } : { auto_scan: "false" }), ...p.meta },
      creation_time: "2026-11-22T00:00:00Z",
    });
    const PROJECT_META = [
      "enable_content_trust",
      "enable_content_trust_cosign",
      "prevent_vul",
      "severity",
      "auto_scan",
      "auto_sbom_generation",
      "reuse_sys_cve_allowlist",
      "proxy_speed_kb",
      "max_upstream_conn",
      "proxy_cache_local_on_not_found",
    ];
    const otherMeta = (md: Record<string, unknown> | undefined, proxy: boolean) => {
      const out: Record<string, string> = {};
      for (const k of PROJECT_META) if (md?.[k] !== undefined && md[k] !== null) out[k] = String(md[k]);
      if (!proxy) {
        delete out.proxy_speed_kb;
        delete out.max_upstream_conn;
      } // ignored for other projects
      return out;
    };

    if (op.template === "/health") {
      healthCalls++;
      const sick = healthCalls <= (opts.unhealthyFor ?? 0);
      return send(200, {
        status: sick ? "unhealthy" : "healthy",
        components: [
          { name: "core", status: "healthy" },
          {
            name: "database",
            status: sick ? "unhealthy" : "healthy",
            ...(sick ? { error: "failed to connect to tcp:harbor-database:5432" } : {}),
          },
          { name: "redis", status: "healthy" },
        ],
      });
    }
    if (op.template === "/users/current") {
      if (robot) return error(412, "get current user not available for security context: robot");
      if (!admin) return error(401, "unauthorized");
      return send(200, {
        user_id: 1,
        username: "admin",
        email: "",
        realname: "system admin",
        comment: "admin user",
        sysadmin_flag: true,
        admin_role_in_auth: false,
        creation_time: "2026-11-22T00:00:00Z",
      });
    }
    if (op.template === "/users/{user_id}/password") {
      if (!admin) return error(401, "unauthorized");
      if (values[0] !== "1") return error(404, "user not found");
      if (body?.old_password !== undefined && body.old_password !== state.adminPassword)
        return error(403, "the old password is not correct");
      if (body?.new_password === state.adminPassword) return error(400, "the new password is the same as the old one");
      if (!POLICY(String(body?.new_password ?? ""))) return error(400, "the password does not meet the policy");
      state.adminPassword = body.new_password;
      return reply(200);
    }
    if (op.template === "/projects" && method === "GET") {
      const name = url.searchParams.get("name");
      const list = [...state.projects.values()].filter((p) => (name ? p.name.includes(name) : true)).filter((p) => admin || p.public);
      return send(200, list.map(view), { "x-total-count": String(list.length) });
    }
    if (op.template === "/projects" && method === "HEAD")
      return send(state.projects.has(url.searchParams.get("project_name") ?? "") ? 200 : 404);
    if (op.template === "/projects" && method === "POST") {
      if (!admin) return error(401, "unauthorized");
      const name = body?.project_name;
      if (!name) return error(400, "project_name is required");
      if (body.metadata?.public !== undefined && !["true", "false"].includes(body.metadata.public))
        return error(400, `metadata.public must be "true" or "false"`);
      const proxy = body.registry_id !== undefined && body.registry_id !== null;
      if (proxy && !admin) return error(403, "Only system admin can create proxy cache project");
      // validateProjectReq
      if (body.metadata?.retention_id)
        return error(
          400,
          "the retention_id in the request's payload when creating a project should be omitted, alternatively passing an empty string",
        );
      if (proxy) {
        if (body.registry_id <= 0) return error(400, `${body.registry_id} is invalid value of registry_id, it should be geater than 0`);
        const registry = state.registries.find((r) => r.id === body.registry_id);
        if (!registry) return error(500, `failed to get the registry ${body.registry_id}: registry ${body.registry_id} not found`);
        if (!opts.permittedProxyTypes) {
          violations.push("POST /projects: a proxy-cache project, but the test gave the test Harbor no permittedProxyTypes");
          return error(500, "not modelled");
        }
        if (!opts.permittedProxyTypes.includes(registry.type)) return error(400, `unsupported registry type ${registry.type}`);
      }
      if (state.projects.has(name)) return error(409, "project already exists");
      const p: Project = {
        id: nextProject++,
        name,
        public: body.metadata?.public === "true",
        ...(proxy ? { registryId: body.registry_id } : {}),
        meta: otherMeta(body.metadata, proxy),
      };
      state.projects.set(name, p);
      if (proxy) {
        // the default retention policy Harbor gives every new proxy-cache project
        const id = nextRetention++;
        state.retentions.set(id, {
          id,
          algorithm: "or",
          rules: [
            {
              id: 1,
              priority: 1,
              disabled: false,
              action: "retain",
              template: "nDaysSinceLastPull",
              params: { nDaysSinceLastPull: 7 },
              tag_selectors: [{ kind: "doublestar", decoration: "matches", pattern: "**" }],
              scope_selectors: { repository: [{ kind: "doublestar", decoration: "repoMatches", pattern: "**" }] },
            },
          ],
          trigger: { kind: "Schedule", settings: { cron: "0 0 0 * * *" } },
          scope: { level: "project", ref: p.id },
        });
        p.meta!.retention_id = String(id);
      }
      return reply(201, undefined, { location: `/api/v2.0/projects/${p.id}` });
    }
    if (op.template === "/projects/{project_name_or_id}") {
      const p = byNameOrId(decodeURIComponent(values[0]));
      if (method === "GET") {
        const robotReads = (x: Project) =>
          Boolean(
            robot?.permissions.some(
              (perm) =>
                perm.kind === "project" &&
                perm.namespace === x.name &&
                perm.access.some((a) => a.resource === "project" && a.action === "read"),
            ),
          );
        if (!p || (!admin && !p.public && !robotReads(p))) return error(admin ? 404 : robot || admin ? 403 : 401, "project not found");
        return send(200, view(p));
      }
      if (method === "PUT") {
        if (!admin) return error(401, "unauthorized");
        if (!p) return error(404, "project not found");
        if (body?.metadata?.public !== undefined) {
          if (!["true", "false"].includes(body.metadata.public)) return error(400, `metadata.public must be "true" or "false"`);
        }
        if (body?.metadata?.retention_id !== undefined && body.metadata.retention_id !== p.meta?.retention_id)
          return error(
            400,
            "the retention_id in the request's payload when updating a project should be omitted, alternatively passing the one that has already been associated to this project",
          );
        if (body?.metadata?.public !== undefined) p.public = body.metadata.public === "true";
        p.meta = { ...p.meta, ...otherMeta(body?.metadata, p.registryId !== undefined) };
        return reply(200);
      }
    }
    if (op.template === "/registries" && method === "GET") {
      if (!admin) return error(401, "unauthorized");
      const q = url.searchParams.get("q") ?? "";
      const exact = /^name=([^~].*)$/.exec(q);
      const fuzzy = /^name=~(.*)$/.exec(q);
      const list = state.registries.filter((r) => (exact ? r.name === exact[1] : fuzzy ? r.name.includes(fuzzy[1]) : true));
      return send(
        200,
        list.map((r) => ({
          id: r.id,
          name: r.name,
          type: r.type,
          url: r.url,
          insecure: false,
          status: "healthy",
          credential: {
            type: r.credential?.type ?? "",
            access_key: r.credential?.access_key ?? "",
            access_secret: r.credential ? "*****" : "",
          },
        })),
      );
    }
    /** controller/registry validate -> IsHealthy: whether Harbor finds the upstream healthy with these credentials */
    const upstreamHealthy = (upstreamUrl: string, cred: { access_key?: string; access_secret?: string } | undefined) => {
      if (!opts.online) return false;
      const want = opts.upstreamCredentials?.[upstreamUrl.replace(/\/+$/, "")];
      if (!want || !cred || (!cred.access_key && !cred.access_secret)) return true; // PingSimple: a 401 is healthy
      return cred.access_key === want.access_key && cred.access_secret === want.access_secret;
    };
    if (op.template === "/registries/ping" && method === "POST") {
      if (!admin) return error(401, "unauthorized");
      const stored = body?.id ? state.registries.find((r) => r.id === body.id) : undefined;
      const type = body?.type ?? stored?.type;
      const target = body?.url ?? stored?.url;
      if (!type || !target) return error(400, "type or url cannot be empty");
      const cred =
        body?.access_key !== undefined || body?.access_secret !== undefined
          ? { access_key: body.access_key, access_secret: body.access_secret }
          : stored?.credential;
      return later(() => (upstreamHealthy(target, cred) ? send(200) : error(400, "the registry is unhealthy")));
    }
    if (op.template === "/registries" && method === "POST") {
      if (!admin) return error(401, "unauthorized");
      if (state.registries.some((r) => r.name === body?.name)) return error(409, "registry already exists");
      if (!upstreamHealthy(body.url, body.credential)) return later(() => error(400, "the registry is unhealthy"));
      const r: Registry = {
        id: nextRegistry++,
        name: body.name,
        type: body.type,
        url: body.url,
        ...(body.credential ? { credential: body.credential } : {}),
      };
      state.registries.push(r);
      return later(() => reply(201, undefined, { location: `/api/v2.0/registries/${r.id}` }));
    }
    if (op.template === "/registries/{id}") {
      if (!admin) return error(401, "unauthorized");
      const r = state.registries.find((x) => x.id === Number(values[0]));
      if (!r) return error(404, "registry not found");
      if (method === "DELETE") {
        if ([...state.projects.values()].some((p) => p.registryId === r.id))
          return error(412, `the registry ${r.id} is referenced by proxy cache project, cannot delete it`);
        state.registries.splice(state.registries.indexOf(r), 1);
        return reply(200);
      }
      if (method === "PUT") {
        const cred =
          body.access_key !== undefined || body.access_secret !== undefined
            ? { access_key: body.access_key ?? r.credential?.access_key, access_secret: body.access_secret ?? r.credential?.access_secret }
            : r.credential;
        if (!upstreamHealthy(body.url ?? r.url, cred)) return later(() => error(400, "the registry is unhealthy"));
        if (body.url !== undefined) r.url = body.url;
        if (body.name !== undefined) r.name = body.name;
        if (body.access_key !== undefined || body.access_secret !== undefined)
          r.credential = {
            type: body.credential_type ?? r.credential?.type ?? "basic",
            access_key: body.access_key ?? r.credential?.access_key ?? "",
            access_secret: body.access_secret ?? r.credential?.access_secret ?? "",
          };
        return later(() => reply(200));
      }
    }
    if (op.template === "/retentions/{id}" || (op.template === "/retentions" && method === "POST")) {
      if (!admin) return error(401, "unauthorized");
      const invalid = (pol: any): string | undefined => {
        if (!pol?.trigger) return "Trigger Can not be empty";
        if (!pol?.scope) return "Scope Can not be empty";
        if (pol.algorithm !== "or") return "Algorithm Match(or)";
        if (pol.scope.level !== "project") return `scope ${pol.scope.level} is not support`;
        if (pol.trigger.kind === "Schedule" && !pol.trigger.settings?.cron) return "Trigger.Settings.cron Can not be empty";
        if ((pol.rules ?? []).length > 15) return "only 15 rules are allowed at most";
        for (const rule of pol.rules ?? []) {
          if (!(rule.template in RETENTION_TEMPLATES)) return `rule evaluator ${rule.template} is not registered`;
          const need = RETENTION_TEMPLATES[rule.template];
          if (need && rule.params?.[need] === undefined) return `missing required parameter ${need} for rule ${rule.template}`;
        }
        return undefined;
      };
      const store = (id: number) =>
        state.retentions.set(id, {
          id,
          algorithm: body.algorithm,
          rules: body.rules ?? [],
          trigger: body.trigger,
          scope: { level: body.scope.level, ref: body.scope.ref },
        });
      if (method === "POST") {
        const bad = invalid(body);
        if (bad) return error(400, bad);
        const p = [...state.projects.values()].find((x) => x.id === body.scope.ref);
        if (!p) return error(400, `invalid Project id ${body.scope.ref}`);
        const id = nextRetention++;
        store(id);
        p.meta = { ...p.meta, retention_id: String(id) };
        return reply(201, undefined, { location: `/api/v2.0/retentions/${id}` });
      }
      const id = Number(values[0]);
      const existing = state.retentions.get(id);
      if (method === "GET") {
        if (!existing) return error(404, "retention not found");
        return send(200, existing);
      }
      if (method === "PUT") {
        const bad = invalid(body);
        if (bad) return error(400, bad);
        // requirePolicyAccess: the project named by scope.ref must be bound to this very policy
        const p = [...state.projects.values()].find((x) => x.id === body.scope.ref);
        if (!p || p.meta?.retention_id !== String(id)) return error(404, `the retention policy id ${id} does not match`);
        store(id);
        return reply(200);
      }
    }
    if (op.template === "/robots" || op.template === "/robots/{robot_id}") {
      if (!admin) return error(401, "unauthorized"); // system robots: system access (a robot of ours has none)
      const swagger = (r: Robot) => ({
        id: r.id,
        name: `${ROBOT_PREFIX}${r.name}`,
        description: r.description,
        level: r.level,
        duration: r.duration,
        editable: true,
        disable: r.disable,
        expires_at: -1,
        permissions: r.permissions,
        creator_type: "local",
        creator_ref: 1,
        creation_time: "2026-11-22T00:00:00Z",
        update_time: "2026-11-22T00:00:00Z",
      });
      // handler/robot.go validate
      const invalid = (b: any): string | undefined => {
        if (!(b.duration === -1 || (Number.isInteger(b.duration) && b.duration > 0)))
          return `bad request error duration input: ${b.duration}, duration must be either -1(Never) or a positive integer`;
        if (b.level !== "system" && b.level !== "project") return `bad request error level input: ${b.level}`;
        if (!Array.isArray(b.permissions) || b.permissions.length === 0) return "bad request empty permission";
        for (const perm of b.permissions) if (!perm.access?.length) return "bad request empty access";
        if (b.level === "project" && b.permissions.length > 1) return "bad request permission";
        for (const perm of b.permissions) {
          if (perm.kind !== "project" && perm.kind !== "system") return `bad request permission level: ${perm.kind}`;
          for (const a of perm.access)
            if (perm.kind === "project" && !PROJECT_ACCESS.has(`${a.resource}:${a.action}`))
              return `bad request permission: ${a.resource}:${a.action}`;
        }
        return undefined;
      };
      const projectsExist = (b: any) =>
        b.permissions.find((perm: any) => perm.kind === "project" && perm.namespace !== "*" && !state.projects.has(perm.namespace));
      if (op.template === "/robots" && method === "GET") {
        const q = url.searchParams.get("q") ?? "";
        const exact = /^name=([^~].*)$/.exec(q);
        const list = state.robots.filter((r) => r.level === "system" && (!exact || r.name === exact[1]));
        return send(200, list.map(swagger), { "x-total-count": String(list.length) });
      }
      if (op.template === "/robots" && method === "POST") {
        if (!/^[a-z0-9]+(?:[._-][a-z0-9]+)*$/.test(String(body?.name ?? "")))
          return error(400, "robot name is not in lower case or contains illegal characters");
        const bad = invalid(body);
        if (bad) return error(400, bad);
        const missing = projectsExist(body);
        if (missing) return error(404, `project ${missing.namespace} not found`);
        if (state.robots.some((r) => r.name === body.name)) return error(409, `robot account 0:${body.name} already exists`);
        const r: Robot = {
          id: nextRobot++,
          name: body.name,
          description: body.description ?? "",
          level: body.level,
          disable: Boolean(body.disable),
          duration: body.duration,
          secret: `Gen${Math.random().toString(36).slice(2)}X9`,
          permissions: structuredClone(body.permissions),
        };
        state.robots.push(r);
        return reply(
          201,
          { id: r.id, name: `${ROBOT_PREFIX}${r.name}`, secret: r.secret, creation_time: "2026-11-22T00:00:00Z", expires_at: -1 },
          { location: `/api/v2.0/robots/${r.id}` },
        );
      }
      const r = state.robots.find((x) => x.id === Number(values[0]));
      if (!r) return error(404, `robot ${values[0]} not found`);
      if (method === "GET") return send(200, swagger(r));
      if (method === "PUT") {
        const bad = invalid({ ...body, duration: body.duration ?? r.duration });
        if (bad) return error(400, bad);
        if (body.level !== r.level || body.name !== `${ROBOT_PREFIX}${r.name}`)
          return error(400, "cannot update the level or name of robot");
        const missing = projectsExist(body);
        if (missing) return error(404, `project ${missing.namespace} not found`);
        Object.assign(r, {
          description: body.description ?? "",
          disable: Boolean(body.disable),
          duration: body.duration ?? r.duration,
          permissions: structuredClone(body.permissions),
        });
        return reply(200);
      }
      if (method === "PATCH") {
        if (body?.secret) {
          if (!POLICY(body.secret))
            return error(
              400,
              "the secret must be 8-128, inclusively, characters long with at least 1 uppercase letter, 1 lowercase letter and 1 number",
            );
          r.secret = body.secret;
          return reply(200, { secret: "" });
        }
        r.secret = `Ref${Math.random().toString(36).slice(2)}X9`;
        return reply(200, { secret: r.secret });
      }
      if (method === "DELETE") {
        state.robots.splice(state.robots.indexOf(r), 1);
        return reply(200);
      }
    }
    violations.push(`${method} ${apiPath}: not modelled by the test server`);
    return error(501, "not modelled");
  };

  const server = http.createServer((req, res) => {
    let raw = "";
    req.on("data", (d) => (raw += d));
    req.on("end", () => {
      const { admin, delayMs, robot } = login(req);
      if (delayMs) setTimeout(() => handler(req, res, raw, admin, robot), delayMs);
      else handler(req, res, raw, admin, robot);
    });
  });
  // take a port, then refuse connections on it for startDelayMs, like a Harbor that is still starting
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  if (opts.startDelayMs) {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    setTimeout(() => server.listen(port, "127.0.0.1"), opts.startDelayMs);
  }
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    violations,
    state,
    writes: () => requests.filter((r) => !["GET", "HEAD"].includes(r.method)),
    failedLogins: () => failed,
    lockAdmin: () => {
      lastFailure = Date.now();
    },
    retentionKeeps: (project, days) => {
      const p = state.projects.get(project);
      const pol = p?.meta?.retention_id ? state.retentions.get(Number(p.meta.retention_id)) : undefined;
      if (!pol) return true; // no policy: nothing is deleted
      // "or": an artifact is retained when any enabled retain rule selects it; otherwise retention deletes it
      return pol.rules
        .filter((r) => !r.disabled && r.action === "retain")
        .some((r) => r.template === "always" || (r.template === "nDaysSinceLastPull" && days <= Number(r.params?.nDaysSinceLastPull)));
    },
    close: () => new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve())),
  };
}
