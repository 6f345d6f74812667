// The spec: examples validate, defaults, and bad specs are reported field by field.
import { describe, it, expect } from "vitest";
import path from "node:path";
import { validateSpec } from "../../generator/src/spec/validate.js";
import { parseSpecText } from "../../generator/src/spec/load.js";
import { chartValuesSchema } from "../../generator/scripts/codegen/values-schema.js";
import { newAjv } from "../../generator/src/spec/schema.js";
import { buildValues } from "../../generator/src/values/build.js";
import { EXAMPLES, specOf } from "../helpers/chart.js";
import { loadSpecFile } from "../../generator/src/spec/load.js";

const valuesValidator = newAjv().compile(chartValuesSchema());

describe("examples", () => {
  for (const file of EXAMPLES) {
    it(`${path.basename(file)} is valid and its values pass chart/values.schema.json`, () => {
      const r = validateSpec(loadSpecFile(file).raw);
      expect(r.errors).toEqual([]);
      const values = buildValues(r.spec as any);
      const ok = valuesValidator(JSON.parse(JSON.stringify(values)));
      expect(valuesValidator.errors ?? []).toEqual([]);
      expect(ok).toBe(true);
    });
  }

  it("edge-single-node.yaml is exactly the schema's defaults", () => {
    expect(specOf(EXAMPLES.find((f) => f.endsWith("edge-single-node.yaml"))!)).toEqual(validateSpec({}).spec);
  });
});

describe("defaults fit an Edge host", () => {
  const d = validateSpec({}).spec as any;
  it("NodePort https 30003, http 30002, hostname spectro.registry.local", () => {
    expect(d.service.serviceType).toBe("NodePort");
    expect(d.service.harbor.https).toEqual({ port: 443, nodePort: 30003 });
    expect(d.service.harbor.http).toEqual({ port: 80, nodePort: 30002 });
    expect(d.cluster.hostname).toBe("spectro.registry.local");
  });
  it("volumes add up to less than the 300 GB the seeds require", () => {
    const s = d.storage;
    expect(s.registry + s.jobService + s.database + s.redis + s.trivy).toBeLessThanOrEqual(300);
  });
  it("library public, spectro-images private", () => {
    expect(d.projects).toEqual([
      { name: "library", public: true },
      { name: "spectro-images", public: false },
    ]);
  });
});

// Each bad spec must be reported naming the field.
const INVALID: Array<[string, unknown, string]> = [
  ["unknown key", { servce: {} }, "harbor-config.servce"],
  ["unknown nested key", { auth: { user: "root" } }, "harbor-config.auth.user"],
  ["wrong service type", { service: { serviceType: "NodePorts" } }, "harbor-config.service.serviceType"],
  ["nodePort out of range", { service: { harbor: { https: { nodePort: 443 } } } }, "harbor-config.service.harbor.https.nodePort"],
  ["nodePort as string", { service: { harbor: { http: { nodePort: "30002" } } } }, "harbor-config.service.harbor.http.nodePort"],
  [
    "duplicate nodePorts",
    { service: { harbor: { https: { nodePort: 30002 }, http: { nodePort: 30002 } } } },
    "harbor-config.service.harbor.https.nodePort",
  ],
  ["same service ports", { service: { harbor: { https: { port: 80 }, http: { port: 80 } } } }, "harbor-config.service.harbor.https.port"],
  ["storage size with a space", { storage: { registry: "200 GB" } }, "harbor-config.storage.registry"],
  ["storage size zero", { storage: { trivy: 0 } }, "harbor-config.storage.trivy"],
  ["storage size fraction", { storage: { redis: 1.5 } }, "harbor-config.storage.redis"],
  ["vip not an IP", { cluster: { vip: "10.0.0" } }, "harbor-config.cluster.vip"],
  ["hostname with underscore", { cluster: { hostname: "my_registry" } }, "harbor-config.cluster.hostname"],
  ["uid upper case", { cluster: { uid: "ABC" } }, "harbor-config.cluster.uid"],
  ["weak password", { auth: { password: "harbor12345" } }, "harbor-config.auth.password"],
  ["short password", { auth: { password: "Ab1" } }, "harbor-config.auth.password"],
  ["password and existingSecret", { auth: { password: "Harbor-Edge-1", existingSecret: "x" } }, "harbor-config.auth.existingSecret"],
  [
    "crt without key",
    { auth: { certs: { crt: "-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----" } } },
    "harbor-config.auth.certs.key",
  ],
  ["garbage certificate", { auth: { certs: { crt: "hello", key: "world" } } }, "harbor-config.auth.certs.crt"],
  ["s3 without bucket", { storage: { backend: { type: "s3" } } }, "harbor-config.storage.backend.s3.bucket"],
  [
    "s3 endpoint not a URL",
    { storage: { backend: { type: "s3", s3: { bucket: "harbor", endpoint: "seaweedfs:8333" } } } },
    "harbor-config.storage.backend.s3.endpoint",
  ],
  ["unknown backend", { storage: { backend: { type: "nfs" } } }, "harbor-config.storage.backend.type"],
  [
    "external db without host",
    { database: { type: "external", external: { existingSecret: "pg" } } },
    "harbor-config.database.external.host",
  ],
  [
    "external db without secret",
    { database: { type: "external", external: { host: "pg" } } },
    "harbor-config.database.external.existingSecret",
  ],
  ["external redis without addr", { redis: { type: "external" } }, "harbor-config.redis.external.addr"],
  ["redis addr without port", { redis: { type: "external", external: { addr: "redis" } } }, "harbor-config.redis.external.addr"],
  ["trivy enabled as string", { trivy: { enabled: "yes" } }, "harbor-config.trivy.enabled"],
  ["replicas zero", { replicas: { core: 0 } }, "harbor-config.replicas.core"],
  ["project name upper case", { projects: [{ name: "Library" }] }, "harbor-config.projects[0].name"],
  ["project without name", { projects: [{ public: true }] }, "harbor-config.projects[0].name"],
  ["duplicate project", { projects: [{ name: "library" }, { name: "library", public: true }] }, "harbor-config.projects[1].name"],
  ["projects not a list", { projects: { name: "library" } }, "harbor-config.projects"],
  ["metrics enabled as number", { service: { metrics: { enabled: 1 } } }, "harbor-config.service.metrics.enabled"],
  ["extra SAN with space", { auth: { certs: { extraSANs: ["bad name"] } } }, "harbor-config.auth.certs.extraSANs[0]"],
  ["validity days too long", { auth: { certs: { validityDays: 100000 } } }, "harbor-config.auth.certs.validityDays"],
  ["ipv6 as string", { network: { ipv6: "false" } }, "harbor-config.network.ipv6"],
];

describe("invalid specs name the field", () => {
  for (const [name, raw, field] of INVALID) {
    it(name, () => {
      const r = validateSpec(raw);
      expect(r.ok).toBe(false);
      const paths = r.errors.map((e) => e.path);
      expect(paths).toContain(field);
      for (const e of r.errors) {
        expect(e.expected.length).toBeGreaterThan(3);
        expect(e.given.length).toBeGreaterThan(0);
      }
    });
  }

  it("reports every problem at once", () => {
    const r = validateSpec({
      service: { serviceType: "x", harbor: { https: { nodePort: 1 } } },
      storage: { registry: -1 },
      trivy: { enabled: 3 },
    });
    expect(r.errors.map((e) => e.path).sort()).toEqual([
      "harbor-config.service.harbor.https.nodePort",
      "harbor-config.service.serviceType",
      "harbor-config.storage.registry",
      "harbor-config.trivy.enabled",
    ]);
  });

  it("never echoes a password", () => {
    const r = validateSpec({ auth: { password: "weakpassword" } });
    expect(JSON.stringify(r.errors)).not.toContain("weakpassword");
  });

  it("accepts Palette macros where Palette resolves them", () => {
    const r = validateSpec({
      auth: { password: "{{.spectro.macro.harbor_password}}" },
      cluster: { uid: "{{.spectro.system.cluster.uid}}", vip: "{{ .spectro.system.cluster.kubevip }}" },
    });
    expect(r.errors).toEqual([]);
    expect((r.spec as any).cluster.uid).toBe("{{.spectro.system.cluster.uid}}");
  });

  it("accepts Kubernetes quantities and integer GB", () => {
    expect(validateSpec({ storage: { registry: "500Gi", trivy: "20" } }).ok).toBe(true);
  });
});

describe("spec files", () => {
  it("reads the chart section of a Palette pack values.yaml", () => {
    const l = parseSpecText(
      "pack:\n  namespace: harbor\ncharts:\n  harbor-edge-native-config:\n    harbor-config:\n      service:\n        serviceType: Bogus\n",
      "values.yaml",
    );
    expect(l.root).toBe("charts.harbor-edge-native-config.harbor-config");
    expect(validateSpec(l.raw, l.root).errors[0].path).toBe("charts.harbor-edge-native-config.harbor-config.service.serviceType");
  });
  it("accepts JSON", () => {
    expect(parseSpecText('{"harbor-config": {"trivy": {"enabled": false}}}', "spec.json").raw).toEqual({ trivy: { enabled: false } });
  });
  it("rejects an unknown top-level key", () => {
    expect(() => parseSpecText("harbor-config: {}\nharbour: {}\n", "s.yaml")).toThrow(/unknown top-level key "harbour"/);
  });
  it("rejects a file without harbor-config", () => {
    expect(() => parseSpecText("auth: {}\n", "s.yaml")).toThrow(/no harbor-config key/);
  });
  it("rejects invalid YAML with its position", () => {
    expect(() => parseSpecText("harbor-config:\n  auth: [\n", "s.yaml")).toThrow(/line \d+/);
  });
  it("rejects duplicate keys", () => {
    expect(() => parseSpecText("harbor-config:\n  trivy: {}\n  trivy: {}\n", "s.yaml")).toThrow(/not valid YAML/);
  });
});
