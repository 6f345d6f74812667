// chart/ci/*-values.yaml: what chart-testing installs on kind, the values `harbor-edge values` writes for an
// example. Only examples a bare kind cluster can run: edge-ha-vip needs a load balancer, homelab-s3 an S3
// service, PostgreSQL and Redis. The harbor-edge image is the one the kind job builds from the Dockerfile and
// loads into the nodes (CI_PROGRAM_IMAGE): the release's tag does not exist before the release.
import path from "node:path";
import { EXAMPLES_DIR } from "../../src/paths.js";
import { readValidSpec } from "../../src/spec/read.js";
import { valuesYaml } from "../../src/values/build.js";
import { banner } from "../../src/common/banner.js";

/** The image the kind job builds (docker build -t harbor-edge:ci .) and loads into kind; never pulled. */
export const CI_PROGRAM_IMAGE = { repository: "harbor-edge", tag: "ci", digest: "", pullPolicy: "Never" } as const;

export function ctValues(example: string): string {
  const spec = { ...readValidSpec(path.join(EXAMPLES_DIR, example)), image: { ...CI_PROGRAM_IMAGE } };
  return `${banner("#").replace("schemas/harbor-config.schema.json", `examples/${example}`)}\n${valuesYaml(spec, example)}`;
}
