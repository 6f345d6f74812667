// The configuration Job's chart objects, rendered by helm 3.18 and 4.1: the Job per revision and the CronJob (no
// Helm hook), their pod template (the project's image running harbor-edge configure, restricted, passwords only by
// reference to Secrets), RBAC, the proxied registries and the certificate's expiry the runs are given, and what
// NOTES tells an operator to check. What the program does with them: test/configure/configure-job.test.ts.
import { describe, it, expect, beforeAll } from "vitest";
import yaml from "js-yaml";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execFileSync } from "node:child_process";
import { ROOT } from "../../generator/src/paths.js";
import { HELMS, UPSTREAM, render, renderNotes, find, decode, tmpFile, specOf, type Rendered } from "../helpers/chart.js";
import { permittedProxyTypes } from "../fakes/harbor-api.js";
import { jobEnv, configureJob, configureCronJob, isConfigure } from "../helpers/job.js";
import { baselineViolations } from "../helpers/k8s.js";
import { proxyRegistries, PERMITTED_PROXY_TYPES, BUILTIN_PROXY } from "../../generator/src/spec/registries.js";
import { generateSecrets } from "../../generator/src/secrets/generate.js";

const helm = HELMS[0];
const DESIRED = "Desired-Pass-1";
/** the source.component of the Events the runs write, which NOTES tells operators to select */
const EVENT_SOURCE = "harbor-edge-configure";

/** Harbor's permitted proxy-cache types, as the rendered upstream core ConfigMap sets them. */
let PERMITTED: string[] | undefined;

const renderOk = (o: Parameters<typeof render>[0]) => {
  const r = render(o);
  if (r.code !== 0) throw new Error(r.stderr);
  return r;
};

let base: Rendered;
beforeAll(() => {
  base = renderOk({ helm, set: [`harbor-config.auth.password=${DESIRED}`] });
  if (UPSTREAM) PERMITTED = permittedProxyTypes(renderOk({ helm, full: true, set: [`harbor-config.auth.password=${DESIRED}`] }).objects);
});

describe.concurrent("proxy-cache projects (on by default)", () => {
  it("the chart's list is generator/src/spec/registries.ts proxyRegistries(), built-ins and extras", () => {
    const specs = [
      { "harbor-config": {} },
      {
        "harbor-config": {
          proxyCache: {
            registries: ["quay.io", "ghcr.io"],
            extraRegistries: [
              {
                host: "registry.example.com:5000",
                url: "https://registry.example.com:5000",
                type: "harbor",
                credentialsSecret: "example-creds",
              },
              { host: "mirror.local", url: "http://mirror.local/v2-root" },
            ],
          },
        },
      },
      { "harbor-config": { proxyCache: { enabled: false } } },
    ];
    for (const raw of specs) {
      const file = tmpFile("spec.yaml", yaml.dump(raw));
      const spec = specOf(file);
      const r = renderOk({ helm, valuesFiles: [file] });
      const lines = jobEnv(r.objects, [], {}).HARBOR_PROXY_CACHE;
      const want = proxyRegistries(spec).map((x) =>
        [x.project, x.type, x.url, ...(x.credentialsSecret ? [x.credentialsSecret] : [])].join(" "),
      );
      expect(lines ? lines.split("\n") : []).toEqual(want);
    }
    expect(proxyRegistries(specOf(tmpFile("s.yaml", "harbor-config: {}\n"))).map((x) => x.project)).toEqual([
      "docker.io",
      "gcr.io",
      "quay.io",
      "ghcr.io",
      "registry.k8s.io",
    ]);
  });

  it.skipIf(!UPSTREAM)("every type the chart can ask for is one the upstream core ConfigMap permits", () => {
    expect([...PERMITTED_PROXY_TYPES].sort()).toEqual([...PERMITTED!].sort());
    for (const b of Object.values(BUILTIN_PROXY)) expect(PERMITTED).toContain(b.type);
    const schema = JSON.parse(fs.readFileSync(path.join(ROOT, "schemas", "harbor-config.schema.json"), "utf8"));
    const extraTypes: string[] = schema.properties.proxyCache.properties.extraRegistries.items.properties.type.enum;
    for (const t of extraTypes) expect(PERMITTED).toContain(t);
  });
});

describe.concurrent("the served certificate's expiry", () => {
  it("the runs get the expiry the chart recorded on harbor-tls", () => {
    const tls = find(base.objects, "Secret", "harbor-tls")!;
    const recorded = tls.metadata.annotations?.["harbor-edge.io/not-after"] ?? "";
    expect(jobEnv(base.objects).TLS_NOT_AFTER ?? "").toBe(recorded);
    expect(jobEnv(base.objects, [], { cron: true }).TLS_NOT_AFTER ?? "").toBe(recorded);
  });
});

describe("helm install does not wait for Harbor", () => {
  it.skipIf(!UPSTREAM)("nothing in the full render is a Helm hook (helm's --timeout covers hooks, which Palette cannot set)", () => {
    const r = renderOk({ helm, full: true, set: [`harbor-config.auth.password=${DESIRED}`] });
    expect(r.objects.filter((o) => o.metadata.annotations?.["helm.sh/hook"]).map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([]);
    expect(configureJob(r.objects)).toBeDefined();
  });
});

describe.each(HELMS)("the configuration Job and CronJob as rendered by helm $version", (helm) => {
  const r = render({ helm, set: ["harbor-config.cluster.uid=abc123"] });
  const job = configureJob(r.objects)!;
  const cron = configureCronJob(r.objects)!;
  const pods: Array<[string, any]> = [
    ["Job", job.spec.template.spec],
    ["CronJob", cron.spec.jobTemplate.spec.template.spec],
  ];

  it("no Helm hook: helm install/upgrade does not wait for it; a Job per revision with a TTL, bounded in retries and time", () => {
    expect(r.code).toBe(0);
    expect(job.metadata.annotations?.["helm.sh/hook"]).toBeUndefined();
    expect(job.metadata.name).toMatch(/^harbor-edge-configure-1-[0-9a-f]{6}$/);
    expect(job.metadata.labels!["harbor-edge.io/run"]).toBe("install");
    expect(cron.spec.jobTemplate.metadata.labels["harbor-edge.io/run"]).toBe("periodic");
    expect(job.spec.ttlSecondsAfterFinished).toBe(604800);
    expect(job.spec.backoffLimit).toBeGreaterThan(0);
    expect(job.spec.activeDeadlineSeconds).toBe(1800);
    const env = (spec: any, n: string) => spec.containers[0].env.find((e: any) => e.name === n)?.value;
    expect(Number(env(job.spec.template.spec, "HARBOR_WAIT_SECONDS"))).toBeLessThan(1800);
    expect(env(job.spec.template.spec, "CONFIGURE_TRIGGER")).toBe("install");
    expect(env(cron.spec.jobTemplate.spec.template.spec, "CONFIGURE_TRIGGER")).toBe("periodic");
    expect(Number(env(cron.spec.jobTemplate.spec.template.spec, "HARBOR_WAIT_SECONDS"))).toBeLessThan(
      cron.spec.jobTemplate.spec.activeDeadlineSeconds,
    );
  });

  it("another revision is another Job; another pod template too (renders without a revision: GitOps)", () => {
    // with the secrets file, as GitOps renders: the certificate's expiry, which the runs read, stays the same
    const secrets = tmpFile(
      "secrets.yaml",
      yaml.dump({ secrets: generateSecrets(specOf(path.join(ROOT, "examples", "edge-single-node.yaml")), { namespace: "harbor" }) }),
    );
    const name = (set: string[]) =>
      configureJob(render({ helm, valuesFiles: [secrets], set: ["harbor-config.cluster.uid=abc123", ...set] }).objects)!.metadata.name;
    const first = name([]);
    expect(first).toMatch(/^harbor-edge-configure-1-[0-9a-f]{6}$/);
    expect(name(["harbor-config.projects[0].name=other"])).not.toBe(first);
    expect(name([])).toBe(first);
  });

  it("the CronJob: batch/v1 on current Kubernetes, batch/v1beta1 on 1.20; one run at a time", () => {
    expect(cron.apiVersion).toBe("batch/v1");
    expect(cron.spec.schedule).toBe("*/15 * * * *");
    expect(cron.spec.concurrencyPolicy).toBe("Forbid");
    // the helper on its own (Chart.yaml's kubeVersion keeps the whole chart off clusters older than 1.25)
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "config-job-cron-"));
    fs.mkdirSync(path.join(dir, "templates"));
    fs.writeFileSync(path.join(dir, "Chart.yaml"), "apiVersion: v2\nname: cron-api\nversion: 0.1.0\n");
    fs.copyFileSync(path.join(ROOT, "chart", "templates", "_helpers-configure.tpl"), path.join(dir, "templates", "_helpers-configure.tpl"));
    fs.writeFileSync(path.join(dir, "templates", "v.yaml"), 'v: {{ include "harbor-edge.cronJobApiVersion" . }}\n');
    const api = (...args: string[]) =>
      (yaml.load(execFileSync(helm.bin, ["template", dir, "--show-only", "templates/v.yaml", ...args]).toString()) as { v: string }).v;
    expect(api("--kube-version", "1.20.15")).toBe("batch/v1beta1");
    expect(api("--kube-version", "1.21.0")).toBe("batch/v1");
    expect(api("--kube-version", "1.20.15", "--api-versions", "batch/v1/CronJob")).toBe("batch/v1");
    expect(api()).toBe("batch/v1");
    fs.rmSync(dir, { recursive: true, force: true });
    const none = render({ helm, set: ["harbor-config.configJob.schedule="] });
    expect(configureCronJob(none.objects)).toBeUndefined();
    expect(configureJob(none.objects)).toBeDefined();
  });

  it("runs harbor-edge configure from the project's image (the image's entrypoint is the program; no shell, no script)", () => {
    const version = (yaml.load(fs.readFileSync(path.join(ROOT, "chart", "Chart.yaml"), "utf8")) as { version: string }).version;
    for (const [, pod] of pods) {
      expect(pod.containers[0].image).toBe(`ghcr.io/harbor-edge-native-config/harbor-edge:${version}`);
      expect(pod.containers[0].command).toBeUndefined();
      expect(pod.containers[0].args).toEqual(["configure"]);
      expect(pod.volumes.map((v: any) => v.name)).not.toContain("script");
    }
    expect(r.objects.filter((o) => o.kind === "ConfigMap" && o.metadata.name === "harbor-edge-configure")).toEqual([]);
  });

  it("the report's robot account: the chart makes its Secret empty (kept on uninstall); the runs fill it", () => {
    for (const [, pod] of pods)
      expect(pod.containers[0].env.find((e: any) => e.name === "REPORT_ROBOT_SECRET").value).toBe("harbor-edge-report-robot");
    const robot = find(r.objects, "Secret", "harbor-edge-report-robot")!;
    expect(robot.data).toBeUndefined();
    expect(robot.metadata.annotations?.["helm.sh/resource-policy"]).toBe("keep");
    const noReport = render({ helm, set: ["harbor-config.report.enabled=false"] });
    expect(find(noReport.objects, "Secret", "harbor-edge-report-robot")).toBeUndefined();
    expect(
      configureJob(noReport.objects)!.spec.template.spec.containers[0].env.find((e: any) => e.name === "REPORT_ROBOT_SECRET"),
    ).toBeUndefined();
  });

  it("registry-info follows the applied password: its name and Palette's namespace in the env, get and patch on it alone there", () => {
    for (const [, pod] of pods) {
      const env = Object.fromEntries(pod.containers[0].env.filter((e: any) => e.value !== undefined).map((e: any) => [e.name, e.value]));
      expect(env).toMatchObject({ REGISTRY_INFO_SECRET: "registry-info", REGISTRY_INFO_NAMESPACE: "cluster-abc123" });
    }
    const role = find(r.objects, "Role", "harbor-edge-configure-harbor")!;
    expect(role.metadata.namespace).toBe("cluster-abc123");
    expect(role.rules).toEqual([{ apiGroups: [""], resources: ["secrets"], resourceNames: ["registry-info"], verbs: ["get", "patch"] }]);
    expect(find(r.objects, "RoleBinding", "harbor-edge-configure-harbor")!.subjects).toEqual([
      { kind: "ServiceAccount", name: "harbor-edge-configure", namespace: "harbor" },
    ]);
    // no registry-info (no cluster uid): neither the env nor the Role
    const none = render({ helm });
    expect(
      configureJob(none.objects)!.spec.template.spec.containers[0].env.find((e: any) => e.name === "REGISTRY_INFO_SECRET"),
    ).toBeUndefined();
    expect(none.objects.filter((o) => o.kind === "Role" && o.metadata.namespace !== "harbor")).toEqual([]);
  });

  it("is restricted: non-root, no privilege escalation, no capabilities, RuntimeDefault seccomp, read-only root, limits", () => {
    for (const [, pod] of pods) {
      const c = pod.containers[0];
      expect(pod.securityContext.runAsNonRoot).toBe(true);
      expect(pod.securityContext.seccompProfile.type).toBe("RuntimeDefault");
      expect(c.securityContext).toMatchObject({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ["ALL"] },
      });
      expect(c.resources.limits).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) });
      expect(pod.serviceAccountName).toBe("harbor-edge-configure");
      expect(baselineViolations(pod)).toEqual([]);
    }
  });

  it("RBAC: only its own Secrets (the state and the report's robot, by name, get and patch, no create), creating Events, and patching upstream's nginx Deployment (restarted onto a renewed certificate)", () => {
    const role = find(r.objects, "Role", "harbor-edge-configure")!;
    expect(role.rules).toEqual([
      {
        apiGroups: [""],
        resources: ["secrets"],
        resourceNames: ["harbor-edge-configure-state", "harbor-edge-report-robot"],
        verbs: ["get", "patch"],
      },
      { apiGroups: [""], resources: ["events"], verbs: ["create"] },
      { apiGroups: ["apps"], resources: ["deployments"], resourceNames: ["harbor-nginx"], verbs: ["patch"] },
    ]);
    const binding = find(r.objects, "RoleBinding", "harbor-edge-configure")!;
    expect(binding.roleRef).toMatchObject({ kind: "Role", name: "harbor-edge-configure" });
    expect(binding.subjects).toEqual([{ kind: "ServiceAccount", name: "harbor-edge-configure", namespace: "harbor" }]);
    expect(find(r.objects, "ServiceAccount", "harbor-edge-configure")).toBeDefined();
    // the chart creates the state Secret with no keys: Helm never owns what the runs write
    const state = find(r.objects, "Secret", "harbor-edge-configure-state")!;
    expect(state.data).toBeUndefined();
    expect(state.stringData).toBeUndefined();
  });

  it("takes passwords only by reference to Secrets", () => {
    for (const [, pod] of pods) {
      const c = pod.containers[0];
      for (const name of ["HARBOR_ADMIN_PASSWORD", "HARBOR_ADMIN_PASSWORD_PREVIOUS"]) {
        const e = c.env.find((x: any) => x.name === name);
        expect(e.value).toBeUndefined();
        expect(e.valueFrom.secretKeyRef.name).toBe("harbor-edge-admin");
      }
      for (const name of ["HARBOR_ADMIN_PASSWORD_APPLIED", "HARBOR_ADMIN_PASSWORD_PENDING"])
        expect(c.env.find((x: any) => x.name === name).valueFrom.secretKeyRef).toMatchObject({
          name: "harbor-edge-configure-state",
          optional: true,
        });
    }
    const password = decode(find(r.objects, "Secret", "harbor-edge-admin")!.data.HARBOR_ADMIN_PASSWORD);
    expect(yaml.dump(job) + yaml.dump(cron)).not.toContain(password);
    expect(yaml.dump(find(r.objects, "ConfigMap", "harbor-edge-configure"))).not.toContain(password);
  });

  it("configJob.enabled=false renders none of its objects", () => {
    const off = render({ helm, set: ["harbor-config.configJob.enabled=false"] });
    expect(off.objects.filter(isConfigure)).toEqual([]);
    expect(find(off.objects, "ConfigMap", "harbor-edge-configure")).toBeUndefined();
  });
});

describe("NOTES: where an operator checks the configuration", () => {
  it("the commands select the rendered Job and CronJob by their label, name the Events' source, and list the proxy-cache projects", () => {
    const r = renderOk({ helm, namespace: "registry", set: [`harbor-config.auth.password=${DESIRED}`] });
    const n = renderNotes({ helm, namespace: "registry", set: [`harbor-config.auth.password=${DESIRED}`] });
    expect(n.code).toBe(0);
    const selector = /kubectl get jobs --namespace (\S+) --selector (\S+)=(\S+)/.exec(n.notes)!;
    expect(selector[1]).toBe("registry");
    for (const o of [configureJob(r.objects)!, configureCronJob(r.objects)!]) expect(o.metadata.labels![selector[2]]).toBe(selector[3]);
    expect(n.notes).toContain(`kubectl logs --namespace registry --selector ${selector[2]}=${selector[3]}`);
    // the source the Events carry (checked on the Events a run writes, below)
    expect(/--field-selector source=(\S+)/.exec(n.notes)![1]).toBe(EVENT_SOURCE);
    const listed = [...n.notes.matchAll(/^ {4}(\S+) {2}<- (\S+) \(upstream\)$/gm)].map((m) => m[1]);
    expect(listed).toEqual(proxyRegistries(specOf(tmpFile("s.yaml", "harbor-config: {}\n"))).map((x) => x.project));
    const off = renderNotes({
      helm,
      set: [`harbor-config.auth.password=${DESIRED}`, "harbor-config.proxyCache.enabled=false", "harbor-config.configJob.schedule="],
    });
    expect(off.notes).not.toMatch(/\(upstream\)/);
    expect(off.notes).not.toContain("CronJob");
  });
});
