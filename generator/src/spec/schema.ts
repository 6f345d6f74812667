// The harbor-config JSON Schema (schemas/ is the single source of truth) and a compiled ajv validator.
import fs from "node:fs";
import { Ajv, type ValidateFunction, type ErrorObject } from "ajv";
import addFormatsModule from "ajv-formats";
import { SPEC_SCHEMA, SECRETS_SCHEMA } from "../paths.js";

// ajv-formats is CommonJS; its default export arrives wrapped under ESM.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (a: Ajv) => Ajv;

export type JsonSchema = Record<string, any>;

let specSchema: JsonSchema | undefined;
export function loadSpecSchema(): JsonSchema {
  specSchema ??= JSON.parse(fs.readFileSync(SPEC_SCHEMA, "utf8")) as JsonSchema;
  return specSchema;
}

let secretsSchema: JsonSchema | undefined;
export function loadSecretsSchema(): JsonSchema {
  secretsSchema ??= JSON.parse(fs.readFileSync(SECRETS_SCHEMA, "utf8")) as JsonSchema;
  return secretsSchema;
}

/** Our own annotation keywords; validators that do not know them ignore them. */
export const ANNOTATIONS = ["x-expected"];

export function newAjv(): Ajv {
  const ajv = new Ajv({ allErrors: true, verbose: true, useDefaults: true, strict: true, allowUnionTypes: true });
  addFormats(ajv);
  for (const keyword of ANNOTATIONS) ajv.addKeyword({ keyword, schemaType: "string" });
  return ajv;
}

let compiled: ValidateFunction | undefined;
export function specValidator(): ValidateFunction {
  compiled ??= newAjv().compile(loadSpecSchema());
  return compiled;
}

export type { ErrorObject };
