// Specs nobody wrote by hand: random valid specs (fast-check) through validate, values and the chart on both
// helms. For each: the generator's values satisfy the chart's guard, every object is a valid Kubernetes
// object, the Service, PVCs and Job follow the spec.
import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { HELMS, render, valuesFileFor, find, type K8sObject } from "../helpers/chart.js";
import { schemaErrors } from "../helpers/k8s.js";
import { validateSpec } from "../../generator/src/spec/validate.js";
import type { Spec } from "../../generator/src/spec/types.js";
import { configureJob, configureCronJob } from "../helpers/job.js";

const name = fc.stringMatching(/^[a-z0-9]{1,8}(-[a-z0-9]{1,6})?$/);
const ipv4 = fc.tuple(fc.integer({ min: 1, max: 223 }), fc.nat(255), fc.nat(255), fc.integer({ min: 1, max: 254 })).map((p) => p.join("."));
const size = fc.oneof(
  fc.integer({ min: 1, max: 2000 }),
  fc.integer({ min: 1, max: 900 }).map((n) => `${n}Gi`),
  fc.integer({ min: 100, max: 900 }).map((n) => `${n}Mi`),
);
const nodePorts = fc.uniqueArray(fc.integer({ min: 30000, max: 32767 }), { minLength: 2, maxLength: 2 });

const spec = fc
  .record(
    {
      cluster: fc.record({
        uid: fc.option(name, { nil: "" }),
        vip: fc.option(ipv4, { nil: "" }),
        hostname: fc.constantFrom("spectro.registry.local", "harbor.site-1.example", "registry"),
      }),
      auth: fc.record({
        password: fc.constantFrom("", "Edge-Harbor-1", "aB3dEfGh"),
        certs: fc.record({
          extraSANs: fc.uniqueArray(fc.oneof(ipv4, fc.constantFrom("harbor.lan", "*.edge.local")), { maxLength: 3 }),
          validityDays: fc.integer({ min: 60, max: 825 }),
          caValidityDays: fc.integer({ min: 1, max: 36500 }),
        }),
      }),
      service: fc.record({
        serviceType: fc.constantFrom("NodePort", "LoadBalancer", "ClusterIP"),
        ports: nodePorts,
        metrics: fc.record({ enabled: fc.boolean() }),
        annotations: fc.dictionary(fc.constantFrom("metallb.universe.tf/address-pool", "example.com/team"), fc.constantFrom("edge", "lan")),
      }),
      storage: fc.record({
        registry: size,
        jobService: size,
        database: size,
        redis: size,
        trivy: size,
        storageClass: fc.constantFrom("", "local-path", "longhorn"),
        keepOnUninstall: fc.boolean(),
        s3: fc.boolean(),
      }),
      database: fc.boolean(),
      redis: fc.boolean(),
      trivy: fc.record({ enabled: fc.boolean(), skipUpdate: fc.boolean(), offlineScan: fc.boolean() }),
      replicas: fc.record({
        core: fc.integer({ min: 1, max: 3 }),
        portal: fc.integer({ min: 1, max: 3 }),
        nginx: fc.integer({ min: 1, max: 3 }),
        registry: fc.integer({ min: 1, max: 2 }),
        jobservice: fc.integer({ min: 1, max: 2 }),
      }),
      network: fc.record({ ipv6: fc.boolean() }),
      registryInfo: fc.record({ enabled: fc.boolean() }),
      projects: fc.uniqueArray(fc.record({ name, public: fc.boolean() }), { maxLength: 3, selector: (p) => p.name }),
      proxyCache: fc.record({ enabled: fc.boolean() }),
      configJob: fc.record({
        enabled: fc.boolean(),
        timeoutSeconds: fc.integer({ min: 120, max: 7200 }),
        schedule: fc.constantFrom("", "*/15 * * * *", "@hourly", "5 */2 * * 1-5"),
      }),
    },
    { requiredKeys: [] },
  )
  .map((r: any) => {
    const out: any = { ...r };
    if (r.service)
      out.service = {
        serviceType: r.service.serviceType,
        metrics: r.service.metrics,
        annotations: r.service.annotations,
        harbor: { https: { nodePort: r.service.ports[0] }, http: { nodePort: r.service.ports[1] } },
      };
    if (r.storage) {
      const { s3, ...rest } = r.storage;
      out.storage = {
        ...rest,
        backend: s3
          ? {
              type: "s3",
              s3: {
                bucket: "harbor-blobs",
                endpoint: "https://s3.lan:9000",
                existingSecret: "s3-creds",
                disableRedirect: true,
                rootDirectory: "/harbor",
              },
            }
          : { type: "pvc" },
      };
    }
    if (r.database)
      out.database = { type: "external", external: { host: "pg.lan", existingSecret: "pg-app", username: "harbor", port: 6432 } };
    else delete out.database;
    if (r.redis) out.redis = { type: "external", external: { addr: "redis.lan:6379", tls: true, existingSecret: "redis-pw" } };
    else delete out.redis;
    return out;
  });

function check(objects: K8sObject[], s: Spec) {
  const svc = find(objects, "Service", "harbor")!;
  expect(svc.spec.type).toBe(s.service.serviceType);
  const pvcs = objects
    .filter((o) => o.kind === "PersistentVolumeClaim")
    .map((o) => o.metadata.name)
    .sort();
  const want = [
    "jobservice",
    ...(s.storage.backend?.type === "pvc" ? ["registry"] : []),
    ...(s.database.type === "internal" ? ["database"] : []),
    ...(s.redis.type === "internal" ? ["redis"] : []),
    ...(s.trivy.enabled ? ["trivy"] : []),
  ]
    .map((n) => `harbor-edge-${n}`)
    .sort();
  expect(pvcs).toEqual(want);
  expect(Boolean(configureJob(objects))).toBe(s.configJob.enabled);
  const cron = configureCronJob(objects);
  expect(Boolean(cron)).toBe(Boolean(s.configJob.enabled && s.configJob.schedule));
  if (cron) expect(cron.spec.schedule).toBe(s.configJob.schedule);
  expect(Boolean(find(objects, "Secret", "registry-info"))).toBe(Boolean(s.registryInfo.enabled && s.cluster.uid));
}

describe.each(HELMS)("random valid specs on helm $version", (helm) => {
  it("validate, derive values, render: guard satisfied, objects valid, resources follow the spec", async () => {
    await fc.assert(
      fc.asyncProperty(spec, async (raw) => {
        const r = validateSpec(raw);
        fc.pre(r.ok);
        const s = r.spec as Spec;
        const out = render({ helm, valuesFiles: [valuesFileFor(s)] });
        expect(out.stderr).toBe("");
        expect(out.code).toBe(0);
        expect(await schemaErrors(out.objects)).toEqual([]);
        check(out.objects, s);
      }),
      { numRuns: 12, seed: process.env.HARBOR_EDGE_FC_SEED === "random" ? undefined : Number(process.env.HARBOR_EDGE_FC_SEED ?? 20261122) },
    );
  });
});
