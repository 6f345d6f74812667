// A test Harbor API server on loopback. Every request is checked against Harbor's API description
// (../shared/contracts/harbor-api-2.15.1/swagger.yaml): the path and method exist, query and header
// parameters are declared and typed, bodies match their schema with no undeclared fields. A request that does
// not is recorded as a violation. It models what the configuration Job must cope with:
//   - connections refused while Harbor starts, /health answering 200 with an unhealthy body;
//   - a wrong Basic credential treated as anonymous everywhere but /users/current (401 there);
//   - project metadata values as the strings "true"/"false"; POST /projects 201 or 409;
//     X-Is-Resource-Name for names in paths; GET /projects?name= a fuzzy match;
//   - password changes: 403 for a wrong old password, 400 for an identical one or one against the policy;
//   - creating a registry endpoint health-checks the remote: offline, 400;
//   - 500s injected where a test asks, before or after the change is applied;
//   - JSON answers pretty-printed with keys in shuffled order.
import http from "node:http";
import fs from "node:fs";
import path from "node:path";
import type { AddressInfo } from "node:net";
import yaml from "js-yaml";
import { Ajv, type ValidateFunction } from "ajv";
import { ROOT } from "../../generator/src/paths.js";

const SWAGGER_FILE = path.resolve(ROOT, "contracts", "harbor-api-2.15.1", "swagger.yaml");

interface Operation {
  method: string;
  template: string;
  regex: RegExp;
  params: Array<Record<string, any>>;
  body?: ValidateFunction;
  bodyRequired: boolean;
}

let operations: Operation[] | undefined;

/** Every definition made strict: objects allow only their declared properties. */
function strictDefinitions(defs: Record<string, any>): Record<string, any> {
  const walk = (node: any): any => {
    if (Array.isArray(node)) return node.map(walk);
    if (!node || typeof node !== "object") return node;
    const out: any = {};
    for (const [k, v] of Object.entries(node)) if (!k.startsWith("x-")) out[k] = walk(v);
    if (out.$ref) return { $ref: out.$ref }; // swagger ignores siblings of $ref
    if (out.properties && out.additionalProperties === undefined) out.additionalProperties = false;
    return out;
  };
  return walk(defs);
}

function loadOperations(): Operation[] {
  if (operations) return operations;
  const swagger = yaml.load(fs.readFileSync(SWAGGER_FILE, "utf8")) as any;
  const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true });
  ajv.addSchema({ $id: "swagger", definitions: strictDefinitions(swagger.definitions) });
  const resolveParam = (p: any) => (p.$ref ? swagger.parameters[p.$ref.split("/").pop()] : p);
  operations = [];
  for (const [template, item] of Object.entries<any>(swagger.paths)) {
    const shared = (item.parameters ?? []).map(resolveParam);
    const regex = new RegExp(`^${template.replace(/[.]/g, "\\.").replace(/\{[^}]+\}/g, "([^/]+)")}$`);
    for (const method of ["get", "put", "post", "delete", "head", "patch"]) {
      const op = item[method];
      if (!op) continue;
      const params = [...shared, ...(op.parameters ?? []).map(resolveParam)];
      const bodyParam = params.find((p) => p.in === "body");
      const schema = bodyParam?.schema ? (bodyParam.schema.$ref ? { $ref: `swagger#/definitions/${bodyParam.schema.$ref.split("/").pop()}` } : strictDefinitions({ x: bodyParam.schema }).x) : undefined;
      operations.push({ method: method.toUpperCase(), template, regex, params, body: schema ? ajv.compile(schema) : undefined, bodyRequired: Boolean(bodyParam?.required) });
    }
  }
  return operations;
}

function typeOk(value: string, p: Record<string, any>): boolean {
  switch (p.type) {
    case "integer":
      return /^-?\d+$/.test(value);
    case "boolean":
      return value === "true" || value === "false";
    default:
      return true;
  }
}

export interface Project {
  id: number;
  name: string;
  public: boolean;
  registryId?: number;
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
  /** answer 500 to the nth request matching; "after" applies the change first and loses the answer */
  fail?: Array<{ method: string; path: RegExp; nth?: number; after?: boolean }>;
}

export interface Logged {
  method: string;
  path: string;
  status: number;
  user: "admin" | "anonymous";
}

export interface FakeHarbor {
  url: string;
  requests: Logged[];
  violations: string[];
  state: { adminPassword: string; projects: Map<string, Project>; registries: Array<{ id: number; name: string; type: string; url: string }> };
  writes(): Logged[];
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
  const ops = loadOperations();
  const state = {
    adminPassword: opts.adminPassword,
    projects: new Map<string, Project>(),
    registries: [] as Array<{ id: number; name: string; type: string; url: string }>,
  };
  let nextProject = 1;
  for (const p of opts.projects ?? [{ name: "library", public: false }]) state.projects.set(p.name, { id: nextProject++, ...p });
  const requests: Logged[] = [];
  const violations: string[] = [];
  const counts = new Map<number, number>();
  let healthCalls = 0;
  const seed = { n: 7 };

  const handler = (req: http.IncomingMessage, res: http.ServerResponse, raw: string) => {
    const url = new URL(req.url ?? "/", "http://harbor");
    const method = req.method ?? "GET";
    const auth = req.headers.authorization ?? "";
    const m = /^Basic (.+)$/.exec(auth);
    const [user, pw] = m ? Buffer.from(m[1], "base64").toString().split(/:(.*)/s) : ["", ""];
    const admin = user === "admin" && pw === state.adminPassword;
    const log: Logged = { method, path: url.pathname + url.search, status: 0, user: admin ? "admin" : "anonymous" };
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
    const op = ops.find((o) => o.method === method && o.regex.test(apiPath));
    if (!op) {
      violations.push(`${method} ${apiPath}: no such operation in the API`);
      return error(404, "not found");
    }
    const values = op.regex.exec(apiPath)!.slice(1);
    const pathNames = [...op.template.matchAll(/\{([^}]+)\}/g)].map((x) => x[1]);
    for (const p of op.params) {
      if (p.in === "path") {
        const v = decodeURIComponent(values[pathNames.indexOf(p.name)] ?? "");
        if (!typeOk(v, p)) violations.push(`${method} ${apiPath}: path parameter ${p.name}=${v} is not ${p.type}`);
      } else if (p.in === "query") {
        const v = url.searchParams.get(p.name);
        if (v === null && p.required) violations.push(`${method} ${apiPath}: query parameter ${p.name} is required`);
        if (v !== null && !typeOk(v, p)) violations.push(`${method} ${apiPath}: query parameter ${p.name}=${v} is not ${p.type}`);
      } else if (p.in === "header") {
        const v = req.headers[p.name.toLowerCase()] as string | undefined;
        if (v !== undefined && !typeOk(v, p)) violations.push(`${method} ${apiPath}: header ${p.name}=${v} is not ${p.type}`);
      }
    }
    for (const q of url.searchParams.keys()) if (!op.params.some((p) => p.in === "query" && p.name === q)) violations.push(`${method} ${apiPath}: undeclared query parameter ${q}`);
    let body: any;
    if (raw) {
      if (!/application\/json/.test(String(req.headers["content-type"]))) violations.push(`${method} ${apiPath}: body without Content-Type application/json`);
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
    const reply = (status: number, b?: unknown, headers?: Record<string, string>) => (failAfter ? error(500, "injected failure after the change") : send(status, b, headers));

    // --- behaviour ---
    const byNameOrId = (ref: string): Project | undefined => {
      const asName = String(req.headers["x-is-resource-name"]) === "true" || !/^\d+$/.test(ref);
      return asName ? state.projects.get(ref) : [...state.projects.values()].find((p) => p.id === Number(ref));
    };
    const view = (p: Project) => ({ project_id: p.id, name: p.name, owner_id: 1, owner_name: "admin", repo_count: 0, registry_id: p.registryId ?? 0, metadata: p.public || !opts.omitPrivateFlag ? { public: String(p.public) } : { auto_scan: "false" }, creation_time: "2026-11-22T00:00:00Z" });

    if (op.template === "/health") {
      healthCalls++;
      const sick = healthCalls <= (opts.unhealthyFor ?? 0);
      return send(200, { status: sick ? "unhealthy" : "healthy", components: [{ name: "core", status: "healthy" }, { name: "database", status: sick ? "unhealthy" : "healthy", ...(sick ? { error: "failed to connect to tcp:harbor-database:5432" } : {}) }, { name: "redis", status: "healthy" }] });
    }
    if (op.template === "/users/current") {
      if (!admin) return error(401, "unauthorized");
      return send(200, { user_id: 1, username: "admin", email: "", realname: "system admin", comment: "admin user", sysadmin_flag: true, admin_role_in_auth: false, creation_time: "2026-11-22T00:00:00Z" });
    }
    if (op.template === "/users/{user_id}/password") {
      if (!admin) return error(401, "unauthorized");
      if (values[0] !== "1") return error(404, "user not found");
      if (body?.old_password !== undefined && body.old_password !== state.adminPassword) return error(403, "the old password is not correct");
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
    if (op.template === "/projects" && method === "HEAD") return send(state.projects.has(url.searchParams.get("project_name") ?? "") ? 200 : 404);
    if (op.template === "/projects" && method === "POST") {
      if (!admin) return error(401, "unauthorized");
      const name = body?.project_name;
      if (!name) return error(400, "project_name is required");
      if (body.metadata?.public !== undefined && !["true", "false"].includes(body.metadata.public)) return error(400, `metadata.public must be "true" or "false"`);
      if (body.registry_id !== undefined && body.registry_id !== null && !state.registries.some((r) => r.id === body.registry_id)) return error(400, "registry not found");
      if (state.projects.has(name)) return error(409, "project already exists");
      const p: Project = { id: nextProject++, name, public: body.metadata?.public === "true", ...(body.registry_id ? { registryId: body.registry_id } : {}) };
      state.projects.set(name, p);
      return reply(201, undefined, { location: `/api/v2.0/projects/${p.id}` });
    }
    if (op.template === "/projects/{project_name_or_id}") {
      const p = byNameOrId(decodeURIComponent(values[0]));
      if (method === "GET") {
        if (!p || (!admin && !p.public)) return error(admin ? 404 : 403, "project not found");
        return send(200, view(p));
      }
      if (method === "PUT") {
        if (!admin) return error(401, "unauthorized");
        if (!p) return error(404, "project not found");
        if (body?.metadata?.public !== undefined) {
          if (!["true", "false"].includes(body.metadata.public)) return error(400, `metadata.public must be "true" or "false"`);
          p.public = body.metadata.public === "true";
        }
        return reply(200);
      }
    }
    if (op.template === "/registries" && method === "GET") {
      if (!admin) return error(401, "unauthorized");
      const q = url.searchParams.get("q") ?? "";
      const exact = /^name=([^~].*)$/.exec(q);
      const fuzzy = /^name=~(.*)$/.exec(q);
      const list = state.registries.filter((r) => (exact ? r.name === exact[1] : fuzzy ? r.name.includes(fuzzy[1]) : true));
      return send(200, list.map((r) => ({ id: r.id, name: r.name, type: r.type, url: r.url, insecure: false, status: "healthy", credential: { type: "basic", access_key: "", access_secret: "*****" } })));
    }
    if (op.template === "/registries" && method === "POST") {
      if (!admin) return error(401, "unauthorized");
      if (state.registries.some((r) => r.name === body?.name)) return error(409, "registry already exists");
      if (!opts.online) return error(400, `failed to ping registry ${body?.url}: dial tcp: lookup failed: no such host`);
      const r = { id: state.registries.length + 1, name: body.name, type: body.type, url: body.url };
      state.registries.push(r);
      return reply(201, undefined, { location: `/api/v2.0/registries/${r.id}` });
    }
    violations.push(`${method} ${apiPath}: not modelled by the test server`);
    return error(501, "not modelled");
  };

  const server = http.createServer((req, res) => {
    let raw = "";
    req.on("data", (d) => (raw += d));
    req.on("end", () => handler(req, res, raw));
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
    close: () => new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve())),
  };
}
