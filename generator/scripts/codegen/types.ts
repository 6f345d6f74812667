// TypeScript types from the schema (json-schema-to-typescript).
import { compile } from "json-schema-to-typescript";
import { loadSpecSchema } from "../../src/spec/schema.js";
import { banner } from "../../src/common/banner.js";

export async function typesSource(): Promise<string> {
  const schema = structuredClone(loadSpecSchema());
  const ts = await compile(schema, "HarborConfig", {
    bannerComment: banner("//"),
    additionalProperties: false,
    format: true,
    style: { singleQuote: false, printWidth: 120 },
  });
  return ts;
}
