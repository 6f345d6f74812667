// The spec every stage takes: harbor-config (spec/harbor-config.ts, generated from the schema) after validation,
// with every section the schema defaults filled in (spec/validate.ts).
import type { HarborConfig } from "./harbor-config.js";

export type Spec = HarborConfig &
  Required<
    Pick<
      HarborConfig,
      | "auth"
      | "cluster"
      | "service"
      | "storage"
      | "database"
      | "redis"
      | "trivy"
      | "replicas"
      | "network"
      | "nodeMirror"
      | "registryInfo"
      | "report"
      | "projects"
      | "proxyCache"
      | "configJob"
    >
  >;
