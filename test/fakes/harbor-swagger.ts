// Harbor 2.15.1's API description (contracts/harbor-api-2.15.1/swagger.yaml), read once for every fake Harbor
// (harbor-api.ts, harbor-proxy.ts): its operations (method, path template, parameters, body schema), its
// definitions made strict (objects allow only their declared properties; go-swagger's interface{} values, an
// untyped object, any JSON value), and the check of a request's path, query and header parameters against them.
import fs from "node:fs";
import path from "node:path";
import type { IncomingHttpHeaders } from "node:http";
import yaml from "js-yaml";
import { Ajv, type ValidateFunction } from "ajv";
import { ROOT } from "../../generator/src/paths.js";

/** Harbor 2.15.1's API description, kept in the repository (contracts/README.md says where it comes from). */
export const HARBOR_SWAGGER = path.resolve(ROOT, "contracts", "harbor-api-2.15.1", "swagger.yaml");

export interface Operation {
  method: string;
  template: string;
  regex: RegExp;
  params: Array<Record<string, any>>;
  body?: ValidateFunction;
  bodyRequired: boolean;
}

interface HarborApi {
  operations: Operation[];
  /** The validator of one definition (e.g. "Artifact"), strict as above. */
  definition(name: string): ValidateFunction;
}

let api: HarborApi | undefined;

/** Every definition made strict: objects allow only their declared properties. */
function strictDefinitions(defs: Record<string, any>): Record<string, any> {
  const walk = (node: any): any => {
    if (Array.isArray(node)) return node.map(walk);
    if (!node || typeof node !== "object") return node;
    const out: any = {};
    for (const [k, v] of Object.entries(node)) if (!k.startsWith("x-")) out[k] = walk(v);
    if (out.$ref) return { $ref: out.$ref }; // swagger ignores siblings of $ref
    if (out.properties && out.additionalProperties === undefined) out.additionalProperties = false;
    // go-swagger generates interface{} for an untyped object (RetentionRule.params values): any JSON value
    if (out.additionalProperties?.type === "object" && !out.additionalProperties.properties) out.additionalProperties = {};
    return out;
  };
  return walk(defs);
}

/** The API description, walked once. */
export function harborApi(): HarborApi {
  if (api) return api;
  const swagger = yaml.load(fs.readFileSync(HARBOR_SWAGGER, "utf8")) as any;
  const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true });
  ajv.addSchema({ $id: "swagger", definitions: strictDefinitions(swagger.definitions) });
  const resolveParam = (p: any) => (p.$ref ? swagger.parameters[p.$ref.split("/").pop()] : p);
  const operations: Operation[] = [];
  for (const [template, item] of Object.entries<any>(swagger.paths)) {
    const shared = (item.parameters ?? []).map(resolveParam);
    const regex = new RegExp(`^${template.replace(/[.]/g, "\\.").replace(/\{[^}]+\}/g, "([^/]+)")}$`);
    for (const method of ["get", "put", "post", "delete", "head", "patch"]) {
      const op = item[method];
      if (!op) continue;
      const params = [...shared, ...(op.parameters ?? []).map(resolveParam)];
      const bodyParam = params.find((p) => p.in === "body");
      const schema = bodyParam?.schema
        ? bodyParam.schema.$ref
          ? { $ref: `swagger#/definitions/${bodyParam.schema.$ref.split("/").pop()}` }
          : strictDefinitions({ x: bodyParam.schema }).x
        : undefined;
      operations.push({
        method: method.toUpperCase(),
        template,
        regex,
        params,
        body: schema ? ajv.compile(schema) : undefined,
        bodyRequired: Boolean(bodyParam?.required),
      });
    }
  }
  const definitions = new Map<string, ValidateFunction>();
  const definition = (name: string) => {
    if (!swagger.definitions[name]) throw new Error(`no definition ${name} in ${HARBOR_SWAGGER}`);
    if (!definitions.has(name)) definitions.set(name, ajv.compile({ $ref: `swagger#/definitions/${name}` }));
    return definitions.get(name)!;
  };
  api = { operations, definition };
  return api;
}

/** The operation for a method and a path under /api/v2.0, or undefined. */
export function findOperation(method: string, apiPath: string): Operation | undefined {
  return harborApi().operations.find((o) => o.method === method && o.regex.test(apiPath));
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

/**
 * What a request breaks of its operation's parameters, one line each ("METHOD path: why"): path parameters
 * typed; query parameters declared, present when required, typed; header parameters typed.
 */
export function parameterViolations(op: Operation, method: string, apiPath: string, url: URL, headers: IncomingHttpHeaders): string[] {
  const out: string[] = [];
  const values = op.regex.exec(apiPath)!.slice(1);
  const pathNames = [...op.template.matchAll(/\{([^}]+)\}/g)].map((x) => x[1]);
  for (const p of op.params) {
    if (p.in === "path") {
      const v = decodeURIComponent(values[pathNames.indexOf(p.name)] ?? "");
      if (!typeOk(v, p)) out.push(`${method} ${apiPath}: path parameter ${p.name}=${v} is not ${p.type}`);
    } else if (p.in === "query") {
      const v = url.searchParams.get(p.name);
      if (v === null && p.required) out.push(`${method} ${apiPath}: query parameter ${p.name} is required`);
      if (v !== null && !typeOk(v, p)) out.push(`${method} ${apiPath}: query parameter ${p.name}=${v} is not ${p.type}`);
    } else if (p.in === "header") {
      const v = headers[p.name.toLowerCase()] as string | undefined;
      if (v !== undefined && !typeOk(v, p)) out.push(`${method} ${apiPath}: header ${p.name}=${v} is not ${p.type}`);
    }
  }
  for (const q of url.searchParams.keys())
    if (!op.params.some((p) => p.in === "query" && p.name === q)) out.push(`${method} ${apiPath}: undeclared query parameter ${q}`);
  return out;
}
