// The guard's pairs for random specs: the chart's harbor-edge.guardPairs (files/guard-pairs.json, its values
// computed from harbor-config at render time) == guardedPairs() (the same table, its values from
// deriveHarborValues): the same pairs in the same order, with the same values. This keeps the computations
// written in both languages (external URL, TLS checksum, S3 overrides and the rest of harbor-edge.guardValue.*)
// equal, beyond the examples.
import { describe, it, expect } from "vitest";
import fs from "node:fs";
import path from "node:path";
import fc from "fast-check";
import yaml from "js-yaml";
import { HELMS, tmpFile } from "../helpers/chart.js";
import { prepareChart, helmTemplate } from "../../generator/src/chart/chart.js";
import { validateSpec } from "../../generator/src/spec/validate.js";
import { buildValues } from "../../generator/src/values/build.js";
import { guardedPairs, GUARD_PAIRS } from "../../generator/src/values/derive.js";
import type { Spec } from "../../generator/src/spec/types.js";

const SEED = process.env.HARBOR_EDGE_FC_SEED === "random" ? undefined : Number(process.env.HARBOR_EDGE_FC_SEED ?? 20261207);

const word = fc.constantFrom("a", "creds", "harbor", "x-1");
const rawSpec = fc.record({
  cluster: fc.record({
    hostname: fc.constantFrom("spectro.registry.local", "registry.site.lan", "10.20.0.5"),
    vip: fc.constantFrom("", "10.0.0.9", "fd00::9"),
  }),
  auth: fc.record({
    existingSecret: fc.constantFrom("", "admin-secret"),
    existingSecretKey: fc.constantFrom("HARBOR_ADMIN_PASSWORD", "password"),
    certs: fc.record({ extraSANs: fc.uniqueArray(fc.constantFrom("harbor.lan", "10.1.1.1"), { maxLength: 2 }) }),
  }),
  service: fc.record({
    serviceType: fc.constantFrom("NodePort", "LoadBalancer", "ClusterIP"),
    harbor: fc.record({ https: fc.record({ port: fc.constantFrom(443, 8443), nodePort: fc.constantFrom(30003, 31443) }) }),
    metrics: fc.record({ enabled: fc.boolean() }),
  }),
  network: fc.record({ ipv6: fc.boolean() }),
  trivy: fc.record({ enabled: fc.boolean(), skipUpdate: fc.boolean(), offlineScan: fc.boolean() }),
  replicas: fc.record({
    core: fc.integer({ min: 1, max: 3 }),
    portal: fc.integer({ min: 1, max: 3 }),
    nginx: fc.integer({ min: 1, max: 3 }),
  }),
  storage: fc.oneof(
    fc.constant({}),
    fc.record({
      backend: fc.record({
        type: fc.constant("s3"),
        s3: fc.record(
          {
            bucket: word,
            region: fc.constantFrom("us-east-1", "eu-west-3"),
            existingSecret: word,
            endpoint: fc.constantFrom("https://s3.example:9000", "http://minio.local:9000"),
            rootDirectory: fc.constantFrom("/harbor", "/x/y"),
            forcePathStyle: fc.boolean(),
            disableRedirect: fc.boolean(),
          },
          { requiredKeys: ["bucket", "existingSecret"] },
        ),
      }),
    }),
  ),
  database: fc.oneof(
    fc.constant({ type: "internal" }),
    fc.record({
      type: fc.constant("external"),
      external: fc.record({
        host: fc.constantFrom("db.lan", "10.2.2.2"),
        port: fc.constantFrom(5432, 15432),
        username: word,
        database: fc.constantFrom("registry", "harbor"),
        existingSecret: word,
        sslmode: fc.constantFrom("require", "disable"),
      }),
    }),
  ),
  redis: fc.oneof(
    fc.constant({ type: "internal" }),
    fc.record({
      type: fc.constant("external"),
      external: fc.record({
        addr: fc.constantFrom("redis.lan:6379", "10.3.3.3:6380"),
        username: fc.constantFrom("", "default"),
        existingSecret: word,
        tls: fc.boolean(),
      }),
    }),
  ),
});

/** One helm run: harbor-edge.guardPairs for every spec's harbor-config, parsed. */
function chartPairs(helm: (typeof HELMS)[number], specs: Spec[]): Array<Array<[string, string, unknown]>> {
  const chart = prepareChart({ ownOnly: true });
  try {
    // the specs go in under a key of their own, which the chart's values schema does not allow
    fs.rmSync(path.join(chart.dir, "values.schema.json"));
    fs.writeFileSync(
      path.join(chart.dir, "templates", "zz-guard-under-test.yaml"),
      `results:
{{- range $s := .Values.specsUnderTest }}
  - {{ include "harbor-edge.guardPairs" (dict "Values" (dict "harbor-config" $s) "Files" $.Files) | quote }}
{{- end }}
`,
    );
    const specsUnderTest = specs.map((s) => buildValues(s)["harbor-config"]);
    const values = tmpFile("specs.yaml", yaml.dump({ specsUnderTest }, { lineWidth: -1 }));
    const r = helmTemplate(helm, chart.dir, { valuesFiles: [values], extraArgs: ["--show-only", "templates/zz-guard-under-test.yaml"] });
    if (r.code !== 0) throw new Error(r.stderr);
    return (yaml.load(r.stdout) as { results: string[] }).results.map((j) =>
      (JSON.parse(j) as string[][]).map(([s, h, v]) => [s, h, JSON.parse(v)] as [string, string, unknown]),
    );
  } finally {
    chart.cleanup();
  }
}

describe.each(HELMS)("helm $version: harbor-edge.guardPairs == guardedPairs() for random specs", (helm) => {
  const specs = fc
    .sample(rawSpec, { numRuns: 120, seed: SEED })
    .map((raw) => validateSpec(raw))
    .filter((r) => r.ok)
    .map((r) => r.spec as Spec);
  const results = chartPairs(helm, specs);

  it("enough random specs were valid, and they reach every pair of the table", () => {
    expect(specs.length).toBeGreaterThan(60);
    const reached = new Set(specs.flatMap((s) => guardedPairs(s).map((p) => `${p.spec} ${p.harbor}`)));
    expect(GUARD_PAIRS.filter((p) => !reached.has(`${p.spec} ${p.harbor}`))).toEqual([]);
    for (const kind of ["s3", "external"])
      expect(specs.filter((s) => s.storage.backend?.type === kind || s.database.type === kind).length).toBeGreaterThan(10);
  });

  it("the same pairs, in the same order, with the same values", () => {
    specs.forEach((spec, i) => {
      const want = guardedPairs(spec).map((p) => [p.spec, p.harbor, p.value]);
      expect(results[i], JSON.stringify(spec)).toEqual(want);
    });
  });
});
