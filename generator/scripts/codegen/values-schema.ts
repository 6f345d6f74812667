// chart/values.schema.json: harbor-config exactly as schemas/ says (a typo under harbor-config fails
// helm install), the secrets block, and the upstream harbor: block left to upstream.
import { loadSpecSchema, loadSecretsSchema } from "../../src/spec/schema.js";
import { withoutAnnotations } from "../../src/spec/schema-walk.js";
import { GENERATED_NOTICE } from "../../src/common/banner.js";

export function chartValuesSchema(): Record<string, unknown> {
  const spec = withoutAnnotations(structuredClone(loadSpecSchema()));
  const secrets = withoutAnnotations(structuredClone(loadSecretsSchema()));
  const { $schema, $id, definitions, ...specBody } = spec;
  const { $schema: _s, $id: _i, ...secretsBody } = secrets;
  void $schema;
  void $id;
  void _s;
  void _i;
  return {
    $schema: "http://json-schema.org/draft-07/schema#",
    $comment: `${GENERATED_NOTICE} (source: schemas/)`,
    title: "harbor-edge-native-config values",
    type: "object",
    additionalProperties: false,
    properties: {
      "harbor-config": specBody,
      secrets: secretsBody,
      harbor: {
        description:
          "Values of the upstream goharbor harbor chart. Written by `harbor-edge values` from harbor-config; the chart refuses to render when they disagree.",
        type: "object",
      },
      global: { description: "Helm global values.", type: "object" },
    },
    definitions,
  };
}

export function chartValuesSchemaText(): string {
  return `${JSON.stringify(chartValuesSchema(), null, 2)}\n`;
}
