// The post-install configuration Job: `harbor-edge configure` (the built CLI) runs with the environment of the
// rendered Job and Secrets (test/helpers/job.ts), against a test Harbor that checks every request against
// Harbor's API description and models its quirks (test/fakes/harbor-api.ts), and a test Kubernetes API that
// enforces the Role. The Job's and CronJob's chart objects: test/chart/configure-objects.test.ts.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import yaml from "js-yaml";
import { HELMS, UPSTREAM, render, renderAsync, find, decode, tmpFile, type K8sObject, type Rendered } from "../helpers/chart.js";
import { startFakeHarbor, permittedProxyTypes, type FakeHarborOptions } from "../fakes/harbor-api.js";
import { startFakeKube, startKubeState, startKubeApi, namespaceObject, type KubeState, type Rule } from "../fakes/kube-api.js";
import { runJob, jobEnv, configureJob, type JobRun } from "../helpers/job.js";

const helm = HELMS[0];
const DESIRED = "Desired-Pass-1";
/** the source.component of the Events the runs write, which NOTES tells operators to select */
const EVENT_SOURCE = "harbor-edge-configure";
const servers: Array<{ close(): Promise<void> }> = [];
afterAll(() => Promise.all(servers.map((s) => s.close())));

/** Harbor's permitted proxy-cache types, as the rendered upstream core ConfigMap sets them. */
let PERMITTED: string[] | undefined;

async function harbor(o: FakeHarborOptions) {
  const h = await startFakeHarbor({ permittedProxyTypes: PERMITTED, ...o });
  servers.push(h);
  return h;
}

/** A test Kubernetes API holding the render's Secrets and enforcing its Role. */
async function kubeFor(r: Rendered, namespace = "harbor"): Promise<KubeState> {
  const k = await startKubeState({
    namespace,
    role: find(r.objects, "Role", "harbor-edge-configure")!,
    secrets: r.objects.filter((o) => o.kind === "Secret"),
  });
  servers.push(k);
  return k;
}

/** Nothing secret in what the Job prints, nor in the Events it wrote. */
function quiet(run: JobRun, ...secrets: string[]) {
  const out = run.stdout + run.stderr;
  for (const s of secrets) expect(out).not.toContain(s);
  expect(out).not.toMatch(/authorization|Basic [A-Za-z0-9+/=]{8,}|Bearer/i);
}

const renderOk = (o: Parameters<typeof render>[0]) => {
  const r = render(o);
  if (r.code !== 0) throw new Error(r.stderr);
  return r;
};

let base: Rendered;
let noProxy: Rendered;
beforeAll(() => {
  base = renderOk({ helm, set: [`harbor-config.auth.password=${DESIRED}`] });
  noProxy = renderOk({ helm, set: [`harbor-config.auth.password=${DESIRED}`, "harbor-config.proxyCache.enabled=false"] });
  if (UPSTREAM) PERMITTED = permittedProxyTypes(renderOk({ helm, full: true, set: [`harbor-config.auth.password=${DESIRED}`] }).objects);
});

/** The chart rendered with one extra registry whose credentials come from the Secret example-creds. */
const renderWithCredentialedRegistry = () =>
  renderOk({
    helm,
    valuesFiles: [
      tmpFile(
        "x.yaml",
        yaml.dump({
          "harbor-config": {
            auth: { password: DESIRED },
            proxyCache: {
              registries: [],
              extraRegistries: [
                {
                  host: "registry.example.com:5000",
                  url: "https://registry.example.com:5000",
                  type: "harbor",
                  credentialsSecret: "example-creds",
                },
              ],
            },
          },
        }),
      ),
    ],
  });

describe.concurrent("the configuration Job against a Harbor API", () => {
  it("fresh install: library made public, spectro-images created private, nothing else touched", async () => {
    const h = await harbor({ adminPassword: DESIRED });
    const run = await runJob(noProxy.objects, h.url);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(h.violations).toEqual([]);
    expect(h.state.projects.get("library")!.public).toBe(true);
    expect(h.state.projects.get("spectro-images")!.public).toBe(false);
    expect(h.state.adminPassword).toBe(DESIRED);
    expect(h.writes().map((w) => `${w.method} ${w.path}`)).toEqual(["PUT /api/v2.0/projects/library", "POST /api/v2.0/projects"]);
    // exact-name look-ups only: never the fuzzy ?name= search
    expect(h.requests.some((r) => /\/projects\?name=/.test(r.path))).toBe(false);
    // no REPORT_ROBOT_SECRET: no robot account
    expect(h.state.robots).toEqual([]);
    quiet(run, DESIRED);
  });

  it("a rerun on a configured Harbor sends no write request", async () => {
    const h = await harbor({ adminPassword: DESIRED });
    expect((await runJob(noProxy.objects, h.url)).code).toBe(0);
    const before = h.requests.length;
    const again = await runJob(noProxy.objects, h.url);
    expect(again.code).toBe(0);
    expect(h.requests.slice(before).filter((r) => r.method !== "GET")).toEqual([]);
    expect(again.stdout).toMatch(/0 writes/);
  });

  it("a Harbor that leaves public out of a private project's metadata: still no write on the rerun", async () => {
    const h = await harbor({ adminPassword: DESIRED, omitPrivateFlag: true });
    expect((await runJob(noProxy.objects, h.url)).code).toBe(0);
    const before = h.writes().length;
    expect((await runJob(noProxy.objects, h.url)).code).toBe(0);
    expect(h.writes().length).toBe(before);
  });

  it("Harbor slow to start: refused connections, then unhealthy, then configured", async () => {
    const h = await harbor({ adminPassword: DESIRED, startDelayMs: 1500, unhealthyFor: 1 });
    const run = await runJob(noProxy.objects, h.url);
    expect(run.code).toBe(0);
    expect(h.requests.filter((r) => r.path.endsWith("/health")).length).toBeGreaterThanOrEqual(2);
    expect(h.state.projects.get("library")!.public).toBe(true);
  });

  it("Harbor never healthy: exits non-zero with one line naming the unhealthy component, and an Event on its Job", async () => {
    const h = await harbor({ adminPassword: DESIRED, unhealthyFor: Infinity });
    const kube = await kubeFor(base);
    const run = await runJob(base.objects, h.url, { kube, env: { HARBOR_WAIT_SECONDS: "3" } });
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.stderr).toMatch(/did not become healthy within 3s; last: unhealthy: database/);
    expect(h.writes()).toEqual([]);
    expect(kube.events).toHaveLength(1);
    expect(kube.events[0]).toMatchObject({
      type: "Warning",
      reason: "ConfigureFailed",
      involvedObject: { kind: "Job", name: configureJob(base.objects)!.metadata.name, namespace: "harbor" },
    });
    expect(kube.events[0].message).toMatch(/did not become healthy within 3s/);
    expect((kube.events[0] as any).source.component).toBe(EVENT_SOURCE);
    expect(kube.violations).toEqual([]);
  });

  it("bad input: exit 2 with one line naming the variable, before any request", async () => {
    for (const [name, value] of [
      ["HARBOR_PROXY_RETENTION_DAYS", "7d"],
      ["HARBOR_PROXY_LOCAL_ON_NOT_FOUND", "yes"],
      ["HARBOR_PROXY_CACHE", "docker.io docker-hub"],
      ["HARBOR_PROJECTS", "library:open"],
    ] as const) {
      const h = await harbor({ adminPassword: DESIRED });
      const run = await runJob(base.objects, h.url, { env: { [name]: value } });
      expect(run.code, name).toBe(2);
      expect(run.stderr.trim().split("\n")).toHaveLength(1);
      expect(run.stderr).toContain(name);
      expect(h.requests).toEqual([]);
    }
  });

  it("wrong password and nothing to rotate from: one clear line, exit 1, no write", async () => {
    const h = await harbor({ adminPassword: "Other-Pass-9" });
    const run = await runJob(noProxy.objects, h.url);
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.stderr).toContain("rejects the admin password");
    expect(h.writes()).toEqual([]);
    quiet(run, DESIRED, "Other-Pass-9");
  });

  it("500s in the middle of the run, some after the change was applied: still converges", async () => {
    const h = await harbor({
      adminPassword: DESIRED,
      fail: [
        { method: "GET", path: /^\/users\/current$/ },
        { method: "PUT", path: /^\/projects\/library$/, after: true },
        { method: "POST", path: /^\/projects$/, after: true },
      ],
    });
    const run = await runJob(noProxy.objects, h.url);
    expect(run.code).toBe(0);
    expect(h.state.projects.get("library")!.public).toBe(true);
    expect(h.state.projects.get("spectro-images")!.public).toBe(false);
    expect(h.requests.filter((r) => r.status === 500)).toHaveLength(3);
    expect(h.violations).toEqual([]);
  });

  it("an existing admin Secret (auth.existingSecret) is what the Job logs in with", async () => {
    const r = render({
      helm,
      valuesFiles: [
        tmpFile(
          "v.yaml",
          "harbor-config:\n  auth:\n    existingSecret: vault-admin\n  proxyCache:\n    enabled: false\nharbor:\n  existingSecretAdminPassword: vault-admin\n",
        ),
      ],
    });
    const external: K8sObject[] = [
      {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: "vault-admin" },
        data: { HARBOR_ADMIN_PASSWORD: Buffer.from("Vault-Pass-7").toString("base64") },
      },
    ];
    expect(jobEnv(r.objects, external).HARBOR_ADMIN_PASSWORD_PREVIOUS).toBeUndefined();
    const h = await harbor({ adminPassword: "Vault-Pass-7" });
    const run = await runJob(r.objects, h.url, { external });
    expect(run.code).toBe(0);
    quiet(run, "Vault-Pass-7");
  });
});

describe.concurrent("proxy-cache projects (on by default)", () => {
  it.skipIf(!UPSTREAM)(
    "online: an endpoint and a public project per registry, all of types the upstream core ConfigMap permits; a rerun writes nothing",
    async () => {
      expect(PERMITTED).toContain("docker-registry");
      expect(PERMITTED).not.toContain("quay");
      const h = await harbor({ adminPassword: DESIRED, online: true });
      const run = await runJob(base.objects, h.url);
      expect(run.stderr).toBe("");
      expect(run.code).toBe(0);
      expect(h.state.registries.map((x) => x.name)).toEqual(["docker.io", "gcr.io", "quay.io", "ghcr.io", "registry.k8s.io"]);
      for (const reg of h.state.registries) {
        expect(PERMITTED).toContain(reg.type);
        expect(h.state.projects.get(reg.name)).toMatchObject({ public: true, registryId: reg.id });
      }
      const before = h.writes().length;
      const again = await runJob(base.objects, h.url);
      expect(again.code).toBe(0);
      expect(h.writes().length).toBe(before);
      expect(h.violations).toEqual([]);
    },
  );

  it.skipIf(!UPSTREAM)(
    "a type Harbor does not permit: 400 on the project, the endpoint made for it removed, the others created, exit 1 naming it",
    async () => {
      // a Harbor whose permitted list lacks github-ghcr refuses ghcr.io the way 2.15.1 refuses quay; the answer
      // to creating its endpoint is lost once (the retry meets 409), and the endpoint must still not be left
      const h = await harbor({
        adminPassword: DESIRED,
        online: true,
        permittedProxyTypes: PERMITTED!.filter((t) => t !== "github-ghcr"),
        fail: [{ method: "POST", path: /^\/registries$/, nth: 4, after: true }],
      });
      const kube = await kubeFor(base);
      const run = await runJob(base.objects, h.url, { kube });
      expect(run.code).toBe(1);
      expect(run.stderr.trim().split("\n")).toHaveLength(1);
      expect(run.stderr).toMatch(/proxy cache ghcr\.io: Harbor refused the project: HTTP 400 unsupported registry type github-ghcr/);
      expect(h.requests.filter((x) => x.status === 500).map((x) => `${x.method} ${x.path}`)).toEqual(["POST /api/v2.0/registries"]);
      expect(h.state.registries.map((x) => x.name)).toEqual(["docker.io", "gcr.io", "quay.io", "registry.k8s.io"]);
      expect([...h.state.projects.keys()].sort()).toEqual([
        "docker.io",
        "gcr.io",
        "library",
        "quay.io",
        "registry.k8s.io",
        "spectro-images",
      ]);
      expect(kube.events.map((e) => e.reason)).toEqual(["ConfigureFailed"]);
      // the next run makes no new orphan either
      expect((await runJob(base.objects, h.url, { kube })).code).toBe(1);
      expect(h.state.registries.map((x) => x.name)).not.toContain("ghcr.io");
      expect(h.violations).toEqual([]);
    },
  );

  it.skipIf(!UPSTREAM)("an endpoint an older release made with type quay is replaced by one Harbor permits", async () => {
    const h = await harbor({
      adminPassword: DESIRED,
      online: true,
      registries: [{ name: "quay.io", type: "quay", url: "https://quay.io" }],
    });
    const run = await runJob(base.objects, h.url);
    expect(run.code).toBe(0);
    const quay = h.state.registries.find((x) => x.name === "quay.io")!;
    expect(quay.type).toBe("docker-registry");
    expect(h.state.projects.get("quay.io")!.registryId).toBe(quay.id);
    expect(h.state.registries.filter((x) => x.name === "quay.io")).toHaveLength(1);
    expect(h.violations).toEqual([]);
  });

  it.skipIf(!UPSTREAM)("a plain project already named like a proxy cache: reported, not taken over, no endpoint left behind", async () => {
    const h = await harbor({
      adminPassword: DESIRED,
      online: true,
      projects: [
        { name: "library", public: true },
        { name: "gcr.io", public: false },
      ],
    });
    const run = await runJob(base.objects, h.url);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/proxy cache gcr\.io: a project of that name exists that is not a proxy cache/);
    expect(h.state.projects.get("gcr.io")).toMatchObject({ public: false });
    expect(h.state.projects.get("gcr.io")!.registryId).toBeUndefined();
    expect(h.state.registries.map((x) => x.name)).not.toContain("gcr.io");
    expect(h.state.projects.get("docker.io")!.registryId).toBeDefined();
    expect(h.violations).toEqual([]);
  });

  it("offline at install: says so, carries on, Warning Event; the periodic run creates them once the link is back", async () => {
    const h = await harbor({ adminPassword: DESIRED });
    const kube = await kubeFor(base);
    const run = await runJob(base.objects, h.url, { kube });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/proxy cache docker\.io: Harbor cannot reach https:\/\/hub\.docker\.com now \(offline\?\)/);
    expect(h.state.projects.get("spectro-images")).toBeDefined();
    expect(h.state.projects.has("docker.io")).toBe(false);
    expect(h.state.registries).toEqual([]);
    expect(kube.events.map((e) => [e.type, e.reason])).toEqual([["Warning", "ConfigureIncomplete"]]);
    expect(kube.events[0].message).toMatch(
      /not created yet.*docker\.io gcr\.io quay\.io ghcr\.io registry\.k8s\.io; the periodic run creates them/,
    );
    if (!PERMITTED) return;
    // the link is back: the CronJob's run creates them
    const later = await startFakeHarbor({
      adminPassword: DESIRED,
      online: true,
      permittedProxyTypes: PERMITTED,
      projects: [...h.state.projects.values()].map(({ id: _id, ...p }) => p),
    });
    servers.push(later);
    const periodic = await runJob(base.objects, later.url, { kube, cron: true });
    expect(periodic.code).toBe(0);
    expect([...later.state.projects.keys()]).toEqual(
      expect.arrayContaining(["docker.io", "gcr.io", "quay.io", "ghcr.io", "registry.k8s.io"]),
    );
    expect(kube.events).toHaveLength(1); // a periodic success is quiet
    expect(later.violations).toEqual([]);
  });

  it.skipIf(!UPSTREAM)(
    "an extra registry with credentials from its Secret; changed credentials are updated, unchanged ones not",
    async () => {
      const r = renderWithCredentialedRegistry();
      const pod = configureJob(r.objects)!.spec.template.spec;
      const vol = pod.volumes.find((v: any) => v.secret?.secretName === "example-creds");
      expect(vol.secret.optional).toBe(true);
      const mountPath = pod.containers[0].volumeMounts.find((m: any) => m.name === vol.name).mountPath;
      expect(mountPath).toBe("/credentials/example-creds");
      const files = (key: string, secret = "S3cret/Value") => ({
        [`${mountPath.slice(1)}/access_key`]: key,
        [`${mountPath.slice(1)}/access_secret`]: secret,
      });
      const h = await harbor({ adminPassword: DESIRED, online: true });
      const kube = await kubeFor(r);
      const run = await runJob(r.objects, h.url, { kube, files: files("robot$edge") });
      expect(run.code).toBe(0);
      expect(h.state.registries).toEqual([
        expect.objectContaining({
          name: "registry.example.com-5000",
          type: "harbor",
          url: "https://registry.example.com:5000",
          credential: { type: "basic", access_key: "robot$edge", access_secret: "S3cret/Value" },
        }),
      ]);
      expect(h.state.projects.get("registry.example.com-5000")).toMatchObject({ public: true });
      quiet(run, "S3cret/Value");
      const n = h.writes().length;
      expect((await runJob(r.objects, h.url, { kube, files: files("robot$edge") })).code).toBe(0);
      expect(h.writes().length).toBe(n);
      expect((await runJob(r.objects, h.url, { kube, files: files("robot$other") })).code).toBe(0);
      expect(h.state.registries[0].credential!.access_key).toBe("robot$other");
      // a new secret for the same key (Harbor shows only *****): noticed through the digest in the state Secret
      expect((await runJob(r.objects, h.url, { kube, files: files("robot$other", "N3w-Secret") })).code).toBe(0);
      expect(h.state.registries[0].credential!.access_secret).toBe("N3w-Secret");
      const m = h.writes().length;
      expect((await runJob(r.objects, h.url, { kube, files: files("robot$other", "N3w-Secret") })).code).toBe(0);
      expect(h.writes().length).toBe(m);
      for (const v of Object.values(kube.secrets.get("harbor-edge-configure-state")!.data ?? {}))
        expect(decode(v as string)).not.toContain("N3w-Secret");
      expect(kube.violations).toEqual([]);
      // the Secret missing: that registry is reported, nothing half-made
      const h2 = await harbor({ adminPassword: DESIRED, online: true });
      const missing = await runJob(r.objects, h2.url);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toMatch(/Secret example-creds with keys access_key and access_secret not found/);
      expect(h2.state.registries).toEqual([]);
      expect(h.violations.concat(h2.violations)).toEqual([]);
    },
  );
});

describe.concurrent("retention of the proxy-cache projects", () => {
  it.skipIf(!UPSTREAM)(
    "Harbor's default (retain pulled within 7 days) would delete an image pulled once at bootstrap; ours keeps it, and a rerun writes nothing",
    async () => {
      const h = await harbor({ adminPassword: DESIRED, online: true });
      // what Harbor does on its own: the test Harbor models it
      const p = await (async () => {
        const bare = await harbor({ adminPassword: DESIRED, online: true });
        expect((await runJob(base.objects, bare.url, { env: { HARBOR_PROXY_RETENTION_DAYS: "" } })).code).toBe(0);
        return bare;
      })();
      expect(p.retentionKeeps("docker.io", 30)).toBe(false);
      expect((await runJob(base.objects, h.url)).code).toBe(0);
      for (const name of ["docker.io", "gcr.io", "quay.io", "ghcr.io", "registry.k8s.io"]) {
        expect(h.retentionKeeps(name, 30)).toBe(true);
        expect(h.retentionKeeps(name, 3650)).toBe(true);
        const pol = h.state.retentions.get(Number(h.state.projects.get(name)!.meta!.retention_id))!;
        expect(pol.rules).toHaveLength(1);
        expect(pol.scope.ref).toBe(h.state.projects.get(name)!.id);
      }
      const n = h.writes().length;
      expect((await runJob(base.objects, h.url)).code).toBe(0);
      expect(h.writes().length).toBe(n);
      expect(h.violations.concat(p.violations)).toEqual([]);
    },
  );

  it.skipIf(!UPSTREAM)("retentionDays N keeps what was pulled within N days; changing N updates the same policy", async () => {
    const r90 = renderOk({ helm, set: [`harbor-config.auth.password=${DESIRED}`, "harbor-config.proxyCache.retentionDays=90"] });
    const h = await harbor({ adminPassword: DESIRED, online: true });
    expect((await runJob(r90.objects, h.url)).code).toBe(0);
    expect(h.retentionKeeps("docker.io", 60)).toBe(true);
    expect(h.retentionKeeps("docker.io", 120)).toBe(false);
    const ids = [...h.state.retentions.keys()];
    const r30 = renderOk({ helm, set: [`harbor-config.auth.password=${DESIRED}`, "harbor-config.proxyCache.retentionDays=30"] });
    expect((await runJob(r30.objects, h.url)).code).toBe(0);
    expect(h.retentionKeeps("docker.io", 60)).toBe(false);
    expect([...h.state.retentions.keys()]).toEqual(ids);
    expect(h.violations).toEqual([]);
  });

  it.skipIf(!UPSTREAM)(
    "local-on-not-found: set on every proxy project (Harbor 2.15.1 project metadata proxy_cache_local_on_not_found), and can be left off",
    async () => {
      const h = await harbor({ adminPassword: DESIRED, online: true });
      expect((await runJob(base.objects, h.url)).code).toBe(0);
      for (const name of ["docker.io", "registry.k8s.io"])
        expect(h.state.projects.get(name)!.meta!.proxy_cache_local_on_not_found).toBe("true");
      expect(h.state.projects.get("library")!.meta?.proxy_cache_local_on_not_found).toBeUndefined();
      const off = renderOk({ helm, set: [`harbor-config.auth.password=${DESIRED}`, "harbor-config.proxyCache.localOnNotFound=false"] });
      const h2 = await harbor({ adminPassword: DESIRED, online: true });
      expect((await runJob(off.objects, h2.url)).code).toBe(0);
      expect(h2.state.projects.get("docker.io")!.meta!.proxy_cache_local_on_not_found).toBeUndefined();
      // a project made without it gets it on the next run with it on
      expect((await runJob(base.objects, h2.url)).code).toBe(0);
      expect(h2.state.projects.get("docker.io")!.meta!.proxy_cache_local_on_not_found).toBe("true");
      // and turned off again
      expect((await runJob(off.objects, h2.url)).code).toBe(0);
      expect(h2.state.projects.get("docker.io")!.meta!.proxy_cache_local_on_not_found).toBe("false");
      expect(h.violations.concat(h2.violations)).toEqual([]);
    },
  );
});

describe.concurrent("the served certificate's expiry", () => {
  for (const [days, warns] of [
    [10, true],
    [29, true],
    [31, false],
    [300, false],
  ] as const) {
    it(`expiring in ${days} days: ${warns ? "a warning in the log and a Warning Event" : "no warning"}`, async () => {
      const h = await harbor({ adminPassword: DESIRED });
      const kube = await kubeFor(noProxy);
      const notAfter = new Date(Date.now() + days * 86400_000 + 3600_000).toISOString().replace(/\.\d+Z$/, "Z");
      const run = await runJob(noProxy.objects, h.url, { kube, cron: true, env: { TLS_NOT_AFTER: notAfter } });
      expect(run.code).toBe(0);
      if (warns) {
        expect(run.stdout).toContain(`WARNING: the TLS certificate in harbor-tls expires on ${notAfter} (${days} days)`);
        expect(kube.events.map((e) => [e.type, e.reason])).toEqual([["Warning", "ConfigureIncomplete"]]);
        expect(kube.events[0].message).toContain("helm upgrade");
      } else {
        expect(run.stdout).not.toContain("WARNING");
        expect(kube.events).toEqual([]);
      }
    });
  }
});

describe("passwords with quotes, backslashes, dollars, spaces and non-ASCII", () => {
  const WEIRD = `Pa"ss\\wo$rd {1} é'x`;
  const OLD = `Old\\"$(id)\`Pw 9`;
  let r: Rendered;
  beforeAll(() => {
    r = renderOk({
      helm,
      valuesFiles: [tmpFile("weird.yaml", yaml.dump({ "harbor-config": { auth: { password: WEIRD }, proxyCache: { enabled: false } } }))],
    });
  });

  it("reach Harbor intact: login", async () => {
    expect(jobEnv(r.objects).HARBOR_ADMIN_PASSWORD).toBe(WEIRD);
    const h = await harbor({ adminPassword: WEIRD });
    const run = await runJob(r.objects, h.url);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    quiet(run, WEIRD);
  });

  it("reach Harbor intact: rotation, and the state Secret holds the new one", async () => {
    const h = await harbor({ adminPassword: OLD });
    const kube = await kubeFor(r);
    const run = await runJob(r.objects, h.url, { kube, env: { HARBOR_ADMIN_PASSWORD_PREVIOUS: OLD } });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(h.state.adminPassword).toBe(WEIRD);
    expect(decode(kube.secrets.get("harbor-edge-configure-state")!.data.applied)).toBe(WEIRD);
    expect(h.violations).toEqual([]);
    quiet(run, WEIRD, OLD);
    for (const e of kube.events) expect(JSON.stringify(e)).not.toContain("Pa");
  });
});

describe("password rotation (harbor-config.auth.password changed on an installed release)", () => {
  for (const lostAnswer of [false, true]) {
    it(`rotates from the previous password${lostAnswer ? ", even when the answer to the change is lost" : ""}; registry-info carries the new one`, async () => {
      const kube = await startFakeKube();
      try {
        // the release as installed with the old password
        const admin = {
          apiVersion: "v1",
          kind: "Secret",
          metadata: { name: "harbor-edge-admin", namespace: "harbor" },
          data: { HARBOR_ADMIN_PASSWORD: Buffer.from("Old-Pass-123").toString("base64") },
        };
        kube.put(admin);
        const serverArgs = ["--dry-run=server", ...(helm.major >= 4 ? ["--disable-openapi-validation"] : [])];
        const r = await renderAsync({
          helm,
          set: ["harbor-config.cluster.uid=abc123", "harbor-config.auth.password=New-Pass-456", "harbor-config.proxyCache.enabled=false"],
          extraArgs: serverArgs,
          env: { KUBECONFIG: kube.kubeconfig },
        });
        expect(r.stderr).toBe("");
        const env = jobEnv(r.objects);
        expect(env.HARBOR_ADMIN_PASSWORD).toBe("New-Pass-456");
        expect(env.HARBOR_ADMIN_PASSWORD_PREVIOUS).toBe("Old-Pass-123");
        expect(decode(find(r.objects, "Secret", "registry-info")!.data.SPECTRO_USER_PASSWORD)).toBe("New-Pass-456");
        const h = await harbor({
          adminPassword: "Old-Pass-123",
          fail: lostAnswer ? [{ method: "PUT", path: /password$/, after: true }] : [],
        });
        const run = await runJob(r.objects, h.url);
        expect(run.stderr).toBe("");
        expect(run.code).toBe(0);
        expect(h.state.adminPassword).toBe("New-Pass-456");
        expect(run.stdout).toContain("admin password rotated");
        expect(h.violations).toEqual([]);
        quiet(run, "New-Pass-456", "Old-Pass-123");
        // once rotated, the next upgrade keeps the previous one only as a fallback; the Job writes nothing
        const again = await runJob(r.objects, h.url);
        expect(again.stdout).toContain("admin password is current");
      } finally {
        await kube.close();
      }
    });
  }

  it("refuses a rotation that neither password can do, in one line", async () => {
    const h = await harbor({ adminPassword: "Third-Pass-0" });
    const run = await runJob(noProxy.objects, h.url, { env: { HARBOR_ADMIN_PASSWORD_PREVIOUS: "Old-Pass-123" } });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("rejects the desired admin password and every password applied before");
    expect(h.writes()).toEqual([]);
  });
});

describe.concurrent("seed 004: auth.existingSecret changed by External Secrets, no helm upgrade", () => {
  let r: Rendered;
  const vault = (pw: string): K8sObject => ({
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "vault-admin" },
    data: { password: Buffer.from(pw).toString("base64") },
  });
  beforeAll(() => {
    r = renderOk({
      helm,
      valuesFiles: [
        tmpFile(
          "v.yaml",
          "harbor-config:\n  auth:\n    existingSecret: vault-admin\n    existingSecretKey: password\n  proxyCache:\n    enabled: false\nharbor:\n  existingSecretAdminPassword: vault-admin\n  existingSecretAdminPasswordKey: password\n",
        ),
      ],
    });
  });

  it("the first run remembers the applied password; the periodic run rotates from it when the Secret changes; then all is quiet", async () => {
    const h = await harbor({ adminPassword: "Vault-Pass-1" });
    const kube = await kubeFor(r);
    expect((await runJob(r.objects, h.url, { kube, external: [vault("Vault-Pass-1")] })).code).toBe(0);
    expect(decode(kube.secrets.get("harbor-edge-configure-state")!.data.applied)).toBe("Vault-Pass-1");
    // External Secrets writes a new password; the CronJob's next pod reads it
    const run = await runJob(r.objects, h.url, { kube, cron: true, external: [vault("Vault-Pass-2")] });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("admin password rotated");
    expect(h.state.adminPassword).toBe("Vault-Pass-2");
    expect(decode(kube.secrets.get("harbor-edge-configure-state")!.data.applied)).toBe("Vault-Pass-2");
    expect(decode(kube.secrets.get("harbor-edge-configure-state")!.data.pending)).toBe("");
    const writes = kube.writes.length;
    const quietRun = await runJob(r.objects, h.url, { kube, cron: true, external: [vault("Vault-Pass-2")] });
    expect(quietRun.stdout).toMatch(/0 writes/);
    expect(kube.writes.length).toBe(writes);
    expect(kube.violations).toEqual([]);
    expect(h.violations).toEqual([]);
    quiet(run, "Vault-Pass-1", "Vault-Pass-2");
  });

  it("a rotation that stopped half-way (changed in Harbor, not recorded) and a Secret changed again: converges", async () => {
    const h = await harbor({ adminPassword: "Vault-Pass-1" });
    const kube = await kubeFor(r);
    expect((await runJob(r.objects, h.url, { kube, external: [vault("Vault-Pass-1")] })).code).toBe(0);
    // rotate to 2: Harbor applies it, the answer is lost, and recording it fails (the pod dies, say)
    h.state.adminPassword = "Vault-Pass-1";
    const patches = kube.writes.filter((w) => w.startsWith("PATCH")).length;
    kube.failPatch = patches + 2; // the 1st PATCH (pending) works, the 2nd (applied) fails
    const half = await startFakeHarbor({ adminPassword: "Vault-Pass-1", fail: [{ method: "PUT", path: /password$/, after: true }] });
    servers.push(half);
    const broken = await runJob(r.objects, half.url, { kube, cron: true, external: [vault("Vault-Pass-2")] });
    expect(half.state.adminPassword).toBe("Vault-Pass-2");
    expect(decode(kube.secrets.get("harbor-edge-configure-state")!.data.applied)).toBe("Vault-Pass-1");
    expect(decode(kube.secrets.get("harbor-edge-configure-state")!.data.pending)).toBe("Vault-Pass-2");
    expect(broken.stdout + broken.stderr).toMatch(/could not record the applied admin password/);
    // then the Secret changes again, to 3: Harbor has 2, the state says applied 1, pending 2
    const failedBefore = half.failedLogins();
    const run = await runJob(r.objects, half.url, { kube, cron: true, external: [vault("Vault-Pass-3")] });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(half.state.adminPassword).toBe("Vault-Pass-3");
    expect(decode(kube.secrets.get("harbor-edge-configure-state")!.data.applied)).toBe("Vault-Pass-3");
    // it did not hammer Harbor: the desired (3) and the applied (1) failed once each, then pending (2) worked
    expect(half.failedLogins() - failedBefore).toBe(2);
    expect(half.violations).toEqual([]);
  });

  it("never rotates what it could not record first", async () => {
    const h = await harbor({ adminPassword: "Vault-Pass-1" });
    const kube = await kubeFor(r);
    expect((await runJob(r.objects, h.url, { kube, external: [vault("Vault-Pass-1")] })).code).toBe(0);
    kube.failPatch = kube.writes.filter((w) => w.startsWith("PATCH")).length + 1;
    const run = await runJob(r.objects, h.url, { kube, cron: true, external: [vault("Vault-Pass-2")] });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/could not record the rotation in Secret harbor-edge-configure-state .*the admin password was not changed/);
    expect(h.state.adminPassword).toBe("Vault-Pass-1");
  });

  it("Harbor's login lock: a failed login elsewhere moments before does not make the run give up", async () => {
    const h = await harbor({ adminPassword: "Vault-Pass-1" });
    const kube = await kubeFor(r);
    h.lockAdmin(); // another client failed to log in as admin just now
    const run = await runJob(r.objects, h.url, { kube, external: [vault("Vault-Pass-1")] });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("admin password is current");
  });

  it("a wrong password everywhere: gives up after one failed login per known password, no write", async () => {
    const h = await harbor({ adminPassword: "Someone-Else-9" });
    const kube = await kubeFor(r);
    kube.secrets.get("harbor-edge-configure-state")!.data = { applied: Buffer.from("Vault-Pass-1").toString("base64") };
    const run = await runJob(r.objects, h.url, { kube, external: [vault("Vault-Pass-2")] });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("rejects the desired admin password and every password applied before");
    // the desired and the applied one once each: a wrong password is never sent twice (the desired one is
    // tried again only when its refusal came at once, i.e. from someone else's lock)
    expect(h.failedLogins()).toBe(2);
    expect(h.writes()).toEqual([]);
  });
});

describe.concurrent("issue 16: what the sh version got wrong", () => {
  /** A test Kubernetes API with the render's Secrets, its Role plus what configure needs for the report's robot
   * Secret and registry-info (which the chart grants once it runs the program). */
  async function kubeWithExtras(r: Rendered, extra: { robotSecret?: string; registryInfo?: { namespace: string; password: string } } = {}) {
    const role = find(r.objects, "Role", "harbor-edge-configure")!;
    const rules = [...(role.rules as Rule[])];
    const objects: any[] = [
      namespaceObject({ name: "harbor" }),
      ...r.objects
        .filter((o) => o.kind === "Secret" && (o.metadata.namespace ?? "harbor") === "harbor")
        .map((o) => ({ ...o, metadata: { ...o.metadata, namespace: "harbor" } })),
    ];
    const namespaced = [{ namespace: "harbor", rules }];
    if (extra.robotSecret) {
      rules.push({ apiGroups: [""], resources: ["secrets"], resourceNames: [extra.robotSecret], verbs: ["get", "patch"] });
      objects.push({ apiVersion: "v1", kind: "Secret", metadata: { name: extra.robotSecret, namespace: "harbor" } });
    }
    if (extra.registryInfo) {
      objects.push(namespaceObject({ name: extra.registryInfo.namespace }));
      objects.push({
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: "registry-info", namespace: extra.registryInfo.namespace },
        data: {
          SPECTRO_USER: Buffer.from("admin").toString("base64"),
          SPECTRO_USER_PASSWORD: Buffer.from(extra.registryInfo.password).toString("base64"),
        },
      });
      namespaced.push({
        namespace: extra.registryInfo.namespace,
        rules: [{ apiGroups: [""], resources: ["secrets"], resourceNames: ["registry-info"], verbs: ["get", "patch"] }],
      });
    }
    const k = await startKubeApi({ namespace: "harbor", objects, rbac: { cluster: [], namespaced } });
    servers.push(k);
    return k;
  }

  it("any password: newlines, quotes, $, backslashes, spaces, non-ASCII, 128 characters; rotation and the state Secret", async () => {
    const OLD = `Old\nPw 1"$(id)\\\n`;
    const NEW = `Nw1 é"'$HOME\\\n\t{}`.padEnd(128, "zY9");
    expect(NEW.length).toBe(128);
    const h = await harbor({ adminPassword: OLD });
    const kube = await kubeFor(noProxy);
    const run = await runJob(noProxy.objects, h.url, { kube, env: { HARBOR_ADMIN_PASSWORD: NEW, HARBOR_ADMIN_PASSWORD_PREVIOUS: OLD } });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(h.state.adminPassword).toBe(NEW);
    expect(decode(kube.secrets.get("harbor-edge-configure-state")!.data.applied)).toBe(NEW);
    expect(h.violations).toEqual([]);
    quiet(run, NEW, OLD, "Nw1 é");
    const again = await runJob(noProxy.objects, h.url, {
      kube,
      env: { HARBOR_ADMIN_PASSWORD: NEW, HARBOR_ADMIN_PASSWORD_PREVIOUS: OLD, HARBOR_ADMIN_PASSWORD_APPLIED: NEW },
    });
    expect(again.stdout).toMatch(/admin password is current[\s\S]*0 writes/);
  });

  it("a wrong password is never sent in a loop: a request timeout shorter than Harbor's failed-login sleep costs one failed login per candidate", async () => {
    const h = await harbor({ adminPassword: "Someone-Else-9" });
    const run = await runJob(noProxy.objects, h.url, {
      env: { HARBOR_REQUEST_TIMEOUT: "1", HARBOR_WAIT_SECONDS: "8", HARBOR_ADMIN_PASSWORD_PREVIOUS: "Old-Pass-123" },
    });
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(h.failedLogins()).toBe(2);
    // and after each refusal the next login waited for Harbor's lock to pass
    expect(h.requests.filter((r) => r.path.endsWith("/users/current")).every((r) => r.status === 401)).toBe(true);
  });

  it.skipIf(!UPSTREAM)("a changed url of a proxy registry endpoint is applied (PUT /registries/{id}); then nothing", async () => {
    const h = await harbor({
      adminPassword: DESIRED,
      online: true,
      registries: [{ name: "gcr.io", type: "docker-registry", url: "https://old-mirror.example.com" }],
    });
    const run = await runJob(base.objects, h.url);
    expect(run.code).toBe(0);
    const gcr = h.state.registries.find((x) => x.name === "gcr.io")!;
    expect(gcr.url).toBe("https://gcr.io");
    expect(h.writes().map((w) => `${w.method} ${w.path}`)).toContain(`PUT /api/v2.0/registries/${gcr.id}`);
    const n = h.writes().length;
    expect((await runJob(base.objects, h.url)).code).toBe(0);
    expect(h.writes().length).toBe(n);
    expect(h.violations).toEqual([]);
  });

  it("offline and slow: Harbor's upstream check outlasts HARBOR_REQUEST_TIMEOUT; registry requests wait for it and say offline", async () => {
    const h = await harbor({ adminPassword: DESIRED, registryCheckMs: 1_500 });
    const kube = await kubeFor(base);
    const run = await runJob(base.objects, h.url, { kube, env: { HARBOR_REQUEST_TIMEOUT: "1", HARBOR_WAIT_SECONDS: "20" } });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/proxy cache docker\.io: Harbor cannot reach https:\/\/hub\.docker\.com now \(offline\?\)/);
    expect(kube.events.map((e) => e.reason)).toEqual(["ConfigureIncomplete"]);
  });

  it.skipIf(!UPSTREAM)(
    "credentials the upstream refuses are reported as such, not as offline; offline with credentials is offline",
    async () => {
      const r = renderWithCredentialedRegistry();
      const files = (key: string, secret: string) => ({
        "credentials/example-creds/access_key": key,
        "credentials/example-creds/access_secret": secret,
      });
      const upstreamCredentials = { "https://registry.example.com:5000": { access_key: "robot$edge", access_secret: "Right-Secret-1" } };
      const h = await harbor({ adminPassword: DESIRED, online: true, upstreamCredentials });
      const kube = await kubeFor(r);
      const wrong = await runJob(r.objects, h.url, { kube, files: files("robot$edge", "Wrong-Secret-2") });
      expect(wrong.code).toBe(1);
      expect(wrong.stderr.trim().split("\n")).toHaveLength(1);
      expect(wrong.stderr).toMatch(
        /proxy cache registry\.example\.com-5000: https:\/\/registry\.example\.com:5000 refuses the credentials of Secret example-creds/,
      );
      expect(wrong.stdout + wrong.stderr).not.toMatch(/offline/);
      expect(kube.events.map((e) => e.reason)).toEqual(["ConfigureFailed"]);
      quiet(wrong, "Wrong-Secret-2");
      expect(h.state.registries).toEqual([]);
      // the right ones: created; then a wrong update is refused and reported the same way
      expect((await runJob(r.objects, h.url, { kube, files: files("robot$edge", "Right-Secret-1") })).code).toBe(0);
      expect(h.state.registries).toHaveLength(1);
      const update = await runJob(r.objects, h.url, { kube, files: files("robot$edge", "Wrong-Secret-3") });
      expect(update.code).toBe(1);
      expect(update.stderr).toMatch(/refuses the credentials of Secret example-creds/);
      expect(h.state.registries[0].credential!.access_secret).toBe("Right-Secret-1");
      // offline with credentials: offline, a later run
      const off = await harbor({ adminPassword: DESIRED, upstreamCredentials });
      const offline = await runJob(r.objects, off.url, { files: files("robot$edge", "Right-Secret-1") });
      expect(offline.code).toBe(0);
      expect(offline.stdout).toMatch(/Harbor cannot reach https:\/\/registry\.example\.com:5000 now \(offline\?\)/);
      expect(h.violations.concat(off.violations)).toEqual([]);
    },
  );

  it.skipIf(!UPSTREAM)(
    "the report's robot account: read and pull on the checked projects, in REPORT_ROBOT_SECRET; a rerun writes nothing; a lost secret is refreshed",
    async () => {
      const h = await harbor({ adminPassword: DESIRED, online: true });
      const kube = await kubeWithExtras(base, { robotSecret: "harbor-edge-report" });
      const env = { REPORT_ROBOT_SECRET: "harbor-edge-report" };
      const first = await runJob(base.objects, h.url, { kube, env });
      expect(first.stderr).toBe("");
      expect(first.code).toBe(0);
      expect(h.state.robots).toHaveLength(1);
      const robot = structuredClone(h.state.robots[0]);
      expect(robot.level).toBe("system");
      expect(robot.permissions.map((p) => p.namespace).sort()).toEqual([
        "docker.io",
        "gcr.io",
        "ghcr.io",
        "library",
        "quay.io",
        "registry.k8s.io",
        "spectro-images",
      ]);
      for (const p of robot.permissions) expect(p.access.every((a) => ["read", "list", "pull"].includes(a.action))).toBe(true);
      const secret = () => kube.get("secrets", "harbor", "harbor-edge-report");
      expect(decode(secret().data.username)).toBe("robot$harbor-edge-report");
      expect(decode(secret().data.password)).toBe(robot.secret);
      quiet(first, robot.secret);
      // the robot can read the private project with what the Secret holds
      const r = await fetch(`${h.url}/api/v2.0/projects/spectro-images`, {
        headers: {
          authorization: `Basic ${Buffer.from(`robot$harbor-edge-report:${robot.secret}`).toString("base64")}`,
          "x-is-resource-name": "true",
        },
      });
      expect(r.status).toBe(200);
      // rerun: no write to Harbor, no PATCH of any Secret
      const hw = h.writes().length;
      const kw = kube.writes.filter((w) => w.startsWith("PATCH")).length;
      const again = await runJob(base.objects, h.url, { kube, env });
      expect(again.code).toBe(0);
      expect(h.writes().length).toBe(hw);
      expect(kube.writes.filter((w) => w.startsWith("PATCH")).length).toBe(kw);
      // the Secret lost its password: a new secret, which works, and the Secret holds it
      kube.put({ ...secret(), data: { username: secret().data.username } });
      const lost = await runJob(base.objects, h.url, { kube, env });
      expect(lost.code).toBe(0);
      expect(h.state.robots).toHaveLength(1);
      expect(h.state.robots[0].secret).not.toBe(robot.secret);
      expect(decode(secret().data.password)).toBe(h.state.robots[0].secret);
      expect(h.violations.concat(kube.violations)).toEqual([]);
    },
  );

  it("registry-info follows an existingSecret rotation (SPECTRO_USER_PASSWORD), and is not written when it already holds it", async () => {
    const h = await harbor({ adminPassword: "Old-Pass-123" });
    const kube = await kubeWithExtras(noProxy, { registryInfo: { namespace: "cluster-abc123", password: "Old-Pass-123" } });
    const env = {
      REGISTRY_INFO_SECRET: "registry-info",
      REGISTRY_INFO_NAMESPACE: "cluster-abc123",
      HARBOR_ADMIN_PASSWORD_PREVIOUS: "Old-Pass-123",
    };
    const run = await runJob(noProxy.objects, h.url, { kube, env });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(h.state.adminPassword).toBe(DESIRED);
    const info = () => kube.get("secrets", "cluster-abc123", "registry-info");
    expect(decode(info().data.SPECTRO_USER_PASSWORD)).toBe(DESIRED);
    expect(decode(info().data.SPECTRO_USER)).toBe("admin");
    quiet(run, DESIRED, "Old-Pass-123");
    const kw = kube.writes.filter((w) => w.startsWith("PATCH")).length;
    expect((await runJob(noProxy.objects, h.url, { kube, env })).code).toBe(0);
    expect(kube.writes.filter((w) => w.startsWith("PATCH")).length).toBe(kw);
    expect(kube.violations).toEqual([]);
  });

  it("options for an operator's laptop: --harbor overrides HARBOR_URL, --kubeconfig and -n reach the cluster", async () => {
    const h = await harbor({ adminPassword: DESIRED });
    const kube = await kubeFor(noProxy);
    const run = await runJob(noProxy.objects, "http://127.0.0.1:9", {
      env: { HARBOR_ADMIN_PASSWORD_PREVIOUS: "" },
      args: ["--harbor", h.url, "--kubeconfig", kube.kubeconfig, "-n", "harbor"],
    });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(decode(kube.secrets.get("harbor-edge-configure-state")!.data.applied)).toBe(DESIRED);
    const bad = await runJob(noProxy.objects, h.url, { args: ["--kubeconfig", "/nonexistent/kubeconfig"] });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/kubeconfig/);
  });
});
