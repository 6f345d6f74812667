// External Redis (redis.type external): upstream 1.19.1 takes the ACL user only from the existingSecret's
// REDIS_USERNAME and reads the password with lookup while rendering, so validate refuses
// redis.external.username, and an install whose Secret is missing fails at once instead of rendering a
// Harbor without a password.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { HELMS, UPSTREAM, render, renderAsync, find, valuesFileForRaw } from "../helpers/chart.js";
import { startFakeKube, type FakeKube } from "../fakes/kube-api.js";
import { validateSpec } from "../../generator/src/spec/validate.js";

const external = (extra: Record<string, unknown> = {}) => ({
  redis: { type: "external", external: { addr: "dragonfly.db.svc:6379", ...extra } },
});
const errorsOf = (raw: unknown) => validateSpec(raw).errors.map((e) => `${e.path}: ${e.expected}`);

describe("validate", () => {
  it("refuses username together with existingSecret, saying the user goes into REDIS_USERNAME of that Secret", () => {
    expect(errorsOf(external({ username: "harbor", existingSecret: "redis-pw" }))).toContainEqual(
      expect.stringContaining(
        "harbor-config.redis.external.username: empty, with the ACL user name in the key REDIS_USERNAME of the Secret redis-pw",
      ),
    );
  });
  it("refuses username without a Secret too (upstream sends a user only with a password)", () => {
    expect(errorsOf(external({ username: "harbor" }))).toContainEqual(expect.stringContaining("harbor-config.redis.external.username"));
  });
  it("accepts existingSecret alone, and no Secret at all", () => {
    expect(validateSpec(external({ existingSecret: "redis-pw" })).errors).toEqual([]);
    expect(validateSpec(external()).errors).toEqual([]);
  });
});

describe.each(HELMS)("helm $version against a cluster", (helm) => {
  let kube: FakeKube;
  const serverArgs = ["--dry-run=server", ...(helm.major >= 4 ? ["--disable-openapi-validation"] : [])];
  const install = (raw: Record<string, unknown>) =>
    renderAsync({
      helm,
      full: Boolean(UPSTREAM),
      valuesFiles: [valuesFileForRaw(raw)],
      extraArgs: serverArgs,
      env: { KUBECONFIG: kube.kubeconfig },
    });
  beforeAll(async () => {
    kube = await startFakeKube();
  });
  afterAll(() => kube.close());

  it("a missing existingSecret fails the install with one line naming it and the keys", async () => {
    const r = await install(external({ existingSecret: "redis-missing" }));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('harbor-config.redis.external.existingSecret: the Secret "redis-missing" with the key REDIS_PASSWORD');
    expect(kube.requests).toContain("GET /api/v1/namespaces/harbor/secrets/redis-missing");
  });

  it("an existing Secret renders; upstream takes the user from its REDIS_USERNAME", async () => {
    const b64 = (s: string) => Buffer.from(s).toString("base64");
    kube.put({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "redis-pw", namespace: "harbor" },
      data: { REDIS_PASSWORD: b64("Dfly-Pass-1"), REDIS_USERNAME: b64("harbor") },
    });
    const r = await install(external({ existingSecret: "redis-pw" }));
    expect(r.stderr).toBe("");
    if (UPSTREAM) {
      const yaml = (await import("js-yaml")).default;
      const reg = yaml.load(find(r.objects, "ConfigMap", "harbor-registry")!.data["config.yml"]) as any;
      expect(reg.redis.username).toBe("harbor");
    }
  });

  it("helm template, with no cluster to ask, still renders (it cannot check)", () => {
    const r = render({ helm, valuesFiles: [valuesFileForRaw(external({ existingSecret: "redis-missing" }))] });
    expect(r.stderr).toBe("");
  });
});
