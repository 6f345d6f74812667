// chart/ci/*-values.yaml: what chart-testing installs on kind, the values `harbor-edge values` writes for an
// example. Only examples a bare kind cluster can run: edge-ha-vip needs a load balancer, homelab-s3 an S3
// service, PostgreSQL and Redis.
import path from "node:path";
import { EXAMPLES_DIR } from "../paths.js";
import { readValidSpec } from "../spec/read.js";
import { valuesYaml } from "../values/build.js";
import { banner } from "./banner.js";

export function ctValues(example: string): string {
  const spec = readValidSpec(path.join(EXAMPLES_DIR, example));
  return `${banner("#").replace("schemas/harbor-config.schema.json", `examples/${example}`)}\n${valuesYaml(spec, example)}`;
}
