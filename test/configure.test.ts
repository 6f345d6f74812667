// The post-install configuration Job: its script (chart/files/configure-harbor.sh) runs with the real sh
// (dash) and curl, with the environment of the rendered Job and Secrets, against a test Harbor that checks
// every request against Harbor's API description and models its quirks (test/helpers/fake-harbor.ts).
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import yaml from "js-yaml";
import { HELMS, render, renderAsync, find, decode, tmpFile, type K8sObject, type Rendered } from "./helpers/chart.js";
import { startFakeHarbor, type FakeHarbor, type FakeHarborOptions } from "./helpers/fake-harbor.js";
import { startFakeKube } from "./helpers/fake-kube.js";
import { runJob, jobEnv, type JobRun } from "./helpers/job.js";
import { baselineViolations } from "./helpers/k8s.js";

const helm = HELMS[0];
const DESIRED = "Desired-Pass-1";
const servers: FakeHarbor[] = [];
afterAll(() => Promise.all(servers.map((s) => s.close())));

async function harbor(o: FakeHarborOptions) {
  const h = await startFakeHarbor(o);
  servers.push(h);
  return h;
}

/** Nothing secret in what the Job prints. */
function quiet(run: JobRun, ...secrets: string[]) {
  const out = run.stdout + run.stderr;
  for (const s of secrets) expect(out).not.toContain(s);
  expect(out).not.toMatch(/authorization|Basic [A-Za-z0-9+/=]{8,}/i);
}

let base: Rendered;
beforeAll(() => {
  base = render({ helm, set: [`harbor-config.auth.password=${DESIRED}`] });
  if (base.code !== 0) throw new Error(base.stderr);
});

describe.concurrent("the configuration Job against a Harbor API", () => {
  it("fresh install: library made public, spectro-images created private, nothing else touched", async () => {
    const h = await harbor({ adminPassword: DESIRED });
    const run = await runJob(base.objects, h.url);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(h.violations).toEqual([]);
    expect(h.state.projects.get("library")!.public).toBe(true);
    expect(h.state.projects.get("spectro-images")!.public).toBe(false);
    expect(h.state.adminPassword).toBe(DESIRED);
    expect(h.writes().map((w) => `${w.method} ${w.path}`)).toEqual(["PUT /api/v2.0/projects/library", "POST /api/v2.0/projects"]);
    // exact-name look-ups only: never the fuzzy ?name= search
    expect(h.requests.some((r) => /\/projects\?name=/.test(r.path))).toBe(false);
    quiet(run, DESIRED);
  });

  it("a rerun on a configured Harbor sends no write request", async () => {
    const h = await harbor({ adminPassword: DESIRED });
    expect((await runJob(base.objects, h.url)).code).toBe(0);
    const before = h.requests.length;
    const again = await runJob(base.objects, h.url);
    expect(again.code).toBe(0);
    expect(h.requests.slice(before).filter((r) => r.method !== "GET")).toEqual([]);
    expect(again.stdout).toMatch(/0 writes/);
  });

  it("a Harbor that leaves public out of a private project's metadata: still no write on the rerun", async () => {
    const h = await harbor({ adminPassword: DESIRED, omitPrivateFlag: true });
    expect((await runJob(base.objects, h.url)).code).toBe(0);
    const before = h.writes().length;
    expect((await runJob(base.objects, h.url)).code).toBe(0);
    expect(h.writes().length).toBe(before);
  });

  it("Harbor slow to start: refused connections, then unhealthy, then configured", async () => {
    const h = await harbor({ adminPassword: DESIRED, startDelayMs: 1500, unhealthyFor: 1 });
    const run = await runJob(base.objects, h.url);
    expect(run.code).toBe(0);
    expect(h.requests.filter((r) => r.path.endsWith("/health")).length).toBeGreaterThanOrEqual(2);
    expect(h.state.projects.get("library")!.public).toBe(true);
  });

  it("Harbor never healthy: exits non-zero with one line naming the unhealthy component", async () => {
    const h = await harbor({ adminPassword: DESIRED, unhealthyFor: Infinity });
    const run = await runJob(base.objects, h.url, { env: { HARBOR_WAIT_SECONDS: "3" } });
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.stderr).toMatch(/did not become healthy within 3s; last: unhealthy: database/);
    expect(h.writes()).toEqual([]);
  });

  it("wrong password and nothing to rotate from: one clear line, exit 1, no write", async () => {
    const h = await harbor({ adminPassword: "Other-Pass-9" });
    const run = await runJob(base.objects, h.url);
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.stderr).toContain("rejects the admin password");
    expect(h.writes()).toEqual([]);
    quiet(run, DESIRED, "Other-Pass-9");
  });

  it("proxy cache while offline: says so and carries on", async () => {
    const r = render({ helm, set: [`harbor-config.auth.password=${DESIRED}`, "harbor-config.proxyCache.enabled=true"] });
    const h = await harbor({ adminPassword: DESIRED });
    const run = await runJob(r.objects, h.url);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/proxy cache docker\.io: Harbor cannot reach https:\/\/hub\.docker\.com now \(offline\?\)/);
    expect(h.state.projects.get("spectro-images")).toBeDefined();
    expect(h.state.projects.has("docker.io")).toBe(false);
    expect(h.violations).toEqual([]);
  });

  it("proxy cache online: an endpoint and a public project per registry, and a rerun writes nothing", async () => {
    const r = render({ helm, set: [`harbor-config.auth.password=${DESIRED}`, "harbor-config.proxyCache.enabled=true"] });
    const h = await harbor({ adminPassword: DESIRED, online: true });
    expect((await runJob(r.objects, h.url)).code).toBe(0);
    expect(h.state.registries.map((x) => x.name)).toEqual(["docker.io", "gcr.io", "quay.io", "ghcr.io", "registry.k8s.io"]);
    for (const reg of h.state.registries) expect(h.state.projects.get(reg.name)).toMatchObject({ public: true, registryId: reg.id });
    const before = h.writes().length;
    expect((await runJob(r.objects, h.url)).code).toBe(0);
    expect(h.writes().length).toBe(before);
    expect(h.violations).toEqual([]);
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
    const run = await runJob(base.objects, h.url);
    expect(run.code).toBe(0);
    expect(h.state.projects.get("library")!.public).toBe(true);
    expect(h.state.projects.get("spectro-images")!.public).toBe(false);
    expect(h.requests.filter((r) => r.status === 500)).toHaveLength(3);
    expect(h.violations).toEqual([]);
  });

  it("an existing admin Secret (auth.existingSecret) is what the Job logs in with", async () => {
    const r = render({ helm, valuesFiles: [tmpFile("v.yaml", "harbor-config:\n  auth:\n    existingSecret: vault-admin\nharbor:\n  existingSecretAdminPassword: vault-admin\n")] });
    const external: K8sObject[] = [{ apiVersion: "v1", kind: "Secret", metadata: { name: "vault-admin" }, data: { HARBOR_ADMIN_PASSWORD: Buffer.from("Vault-Pass-7").toString("base64") } }];
    expect(jobEnv(r.objects, external).HARBOR_ADMIN_PASSWORD_PREVIOUS).toBeUndefined();
    const h = await harbor({ adminPassword: "Vault-Pass-7" });
    const run = await runJob(r.objects, h.url, { external });
    expect(run.code).toBe(0);
    quiet(run, "Vault-Pass-7");
  });
});

describe("passwords with quotes, backslashes, dollars, spaces and non-ASCII", () => {
  const WEIRD = `Pa"ss\\wo$rd {1} é'x`;
  const OLD = `Old\\"$(id)\`Pw 9`;
  let r: Rendered;
  beforeAll(() => {
    r = render({ helm, valuesFiles: [tmpFile("weird.yaml", yaml.dump({ "harbor-config": { auth: { password: WEIRD } } }))] });
    if (r.code !== 0) throw new Error(r.stderr);
  });

  it("reach Harbor intact: login", async () => {
    expect(jobEnv(r.objects).HARBOR_ADMIN_PASSWORD).toBe(WEIRD);
    const h = await harbor({ adminPassword: WEIRD });
    const run = await runJob(r.objects, h.url);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    quiet(run, WEIRD);
  });

  it("reach Harbor intact: rotation", async () => {
    const h = await harbor({ adminPassword: OLD });
    const run = await runJob(r.objects, h.url, { env: { HARBOR_ADMIN_PASSWORD_PREVIOUS: OLD } });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(h.state.adminPassword).toBe(WEIRD);
    expect(h.violations).toEqual([]);
    quiet(run, WEIRD, OLD);
  });
});

describe("password rotation (harbor-config.auth.password changed on an installed release)", () => {
  for (const lostAnswer of [false, true]) {
    it(`rotates from the previous password${lostAnswer ? ", even when the answer to the change is lost" : ""}; registry-info carries the new one`, async () => {
      const kube = await startFakeKube();
      try {
        // the release as installed with the old password
        const admin = { apiVersion: "v1", kind: "Secret", metadata: { name: "harbor-edge-admin", namespace: "harbor" }, data: { HARBOR_ADMIN_PASSWORD: Buffer.from("Old-Pass-123").toString("base64") } };
        kube.put(admin);
        const serverArgs = ["--dry-run=server", ...(helm.major >= 4 ? ["--disable-openapi-validation"] : [])];
        const r = await renderAsync({ helm, set: ["harbor-config.cluster.uid=abc123", "harbor-config.auth.password=New-Pass-456"], extraArgs: serverArgs, env: { KUBECONFIG: kube.kubeconfig } });
        expect(r.stderr).toBe("");
        const env = jobEnv(r.objects);
        expect(env.HARBOR_ADMIN_PASSWORD).toBe("New-Pass-456");
        expect(env.HARBOR_ADMIN_PASSWORD_PREVIOUS).toBe("Old-Pass-123");
        expect(decode(find(r.objects, "Secret", "registry-info")!.data.SPECTRO_USER_PASSWORD)).toBe("New-Pass-456");
        const h = await harbor({ adminPassword: "Old-Pass-123", fail: lostAnswer ? [{ method: "PUT", path: /password$/, after: true }] : [] });
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
    const r = render({ helm, set: [`harbor-config.auth.password=${DESIRED}`] });
    const h = await harbor({ adminPassword: "Third-Pass-0" });
    const run = await runJob(r.objects, h.url, { env: { HARBOR_ADMIN_PASSWORD_PREVIOUS: "Old-Pass-123" } });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("rejects both the desired and the previous admin password");
    expect(h.writes()).toEqual([]);
  });
});

describe.each(HELMS)("the Job as rendered by helm $version", (helm) => {
  const r = render({ helm, set: ["harbor-config.cluster.uid=abc123"] });
  const job = find(r.objects, "Job", "harbor-edge-configure")!;
  const pod = job.spec.template.spec;
  const c = pod.containers[0];

  it("is a post-install/post-upgrade hook that can run again, bounded in retries and time", () => {
    expect(job.metadata.annotations!["helm.sh/hook"]).toBe("post-install,post-upgrade");
    expect(job.metadata.annotations!["helm.sh/hook-delete-policy"]).toContain("before-hook-creation");
    expect(job.spec.backoffLimit).toBeGreaterThan(0);
    expect(job.spec.activeDeadlineSeconds).toBe(900);
    expect(Number(c.env.find((e: any) => e.name === "HARBOR_WAIT_SECONDS").value)).toBeLessThan(900);
  });

  it("runs in the harbor-core image Harbor already uses: no extra image for air-gapped sites", () => {
    expect(c.image).toBe("docker.io/goharbor/harbor-core:v2.15.1");
  });

  it("is restricted: non-root, no privilege escalation, no capabilities, RuntimeDefault seccomp, read-only root, limits", () => {
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(pod.securityContext.seccompProfile.type).toBe("RuntimeDefault");
    expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } });
    expect(c.resources.limits).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) });
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(baselineViolations(pod)).toEqual([]);
  });

  it("takes passwords only by reference to Secrets", () => {
    for (const name of ["HARBOR_ADMIN_PASSWORD", "HARBOR_ADMIN_PASSWORD_PREVIOUS"]) {
      const e = c.env.find((x: any) => x.name === name);
      expect(e.value).toBeUndefined();
      expect(e.valueFrom.secretKeyRef.name).toBe("harbor-edge-admin");
    }
    const password = decode(find(r.objects, "Secret", "harbor-edge-admin")!.data.HARBOR_ADMIN_PASSWORD);
    expect(yaml.dump(job)).not.toContain(password);
    expect(yaml.dump(find(r.objects, "ConfigMap", "harbor-edge-configure"))).not.toContain(password);
  });

  it("configJob.enabled=false renders neither the Job nor its script", () => {
    const off = render({ helm, set: ["harbor-config.configJob.enabled=false"] });
    expect(find(off.objects, "Job", "harbor-edge-configure")).toBeUndefined();
    expect(find(off.objects, "ConfigMap", "harbor-edge-configure")).toBeUndefined();
  });
});
