// The report's chart objects: a Job per revision and pod template that helm install does not wait for, a CronJob
// on the schedule whose apiVersion follows the cluster, one pod template for both (harbor-edge report from the
// project's image), least-privilege RBAC, the status ConfigMap without data, and the proxied registries the
// program is given.
import { describe, it, expect } from "vitest";
import fc from "fast-check";
import fs from "node:fs";
import path from "node:path";
import yaml from "js-yaml";
import { HELMS, render, find, tmpFile, type K8sObject } from "../helpers/chart.js";
import { configureJob } from "../helpers/job.js";
import { prepareChart, helmTemplate } from "../../generator/src/chart/chart.js";
import { proxyRegistries } from "../../generator/src/spec/registries.js";
import { readValidSpec } from "../../generator/src/spec/read.js";
import { EXAMPLES } from "../helpers/chart.js";
import { ROOT } from "../../generator/src/paths.js";

const reportObjects = (objs: K8sObject[]) => objs.filter((o) => o.metadata.labels?.["app.kubernetes.io/component"] === "report");
/** The report's Job after install or upgrade (found by kind and label, as its name carries a hash). */
const reportJob = (objs: K8sObject[]) => reportObjects(objs).find((o) => o.kind === "Job")!;
const CHART_VERSION = (yaml.load(fs.readFileSync(path.join(ROOT, "chart", "Chart.yaml"), "utf8")) as { version: string }).version;

describe.each(HELMS)("report objects with helm $version", (helm) => {
  it("report.enabled (the default): Job, CronJob, the status ConfigMap, ServiceAccount and RBAC; no script", () => {
    const r = render({ helm });
    expect(r.code, r.stderr).toBe(0);
    expect(
      reportObjects(r.objects)
        .map((o) => `${o.kind}/${o.metadata.name.replace(/^(harbor-edge-report-1)-[0-9a-f]{6}$/, "$1-HASH")}`)
        .sort(),
    ).toEqual(
      [
        "ClusterRole/harbor-edge-report-harbor-harbor",
        "ClusterRoleBinding/harbor-edge-report-harbor-harbor",
        "ConfigMap/harbor-edge-status",
        "Secret/harbor-edge-report-robot",
        "CronJob/harbor-edge-report",
        "Job/harbor-edge-report-1-HASH",
        "Role/harbor-edge-report",
        "RoleBinding/harbor-edge-report",
        "ServiceAccount/harbor-edge-report",
      ].sort(),
    );
  });

  it("report.enabled=false: none of them", () => {
    const r = render({ helm, set: ["harbor-config.report.enabled=false"] });
    expect(r.code, r.stderr).toBe(0);
    expect(reportObjects(r.objects)).toEqual([]);
  });

  it("the Job is no hook (install does not wait for it), is named per revision and pod template, and removes itself", () => {
    const r = render({ helm, release: "edge", namespace: "registry" });
    const job = reportJob(r.objects);
    expect(job.metadata.name).toMatch(/^harbor-edge-report-1-[0-9a-f]{6}$/);
    // a Job's pod template cannot change: a render without a new revision (GitOps, helm template) that changes
    // the pod gets another Job, never an immutable-field error; the same render, the same name
    const other = reportJob(
      render({ helm, release: "edge", namespace: "registry", set: ["harbor-config.report.confirmSeconds=900"] }).objects,
    );
    expect(other.metadata.name).toMatch(/^harbor-edge-report-1-[0-9a-f]{6}$/);
    expect(other.metadata.name).not.toBe(job.metadata.name);
    expect(reportJob(render({ helm, release: "edge", namespace: "registry" }).objects).metadata.name).toBe(job.metadata.name);
    expect(job.metadata.annotations?.["helm.sh/hook"]).toBeUndefined();
    expect(job.metadata.namespace).toBe("registry");
    expect(job.spec.ttlSecondsAfterFinished).toBeGreaterThan(0);
    expect(job.spec.activeDeadlineSeconds).toBeGreaterThan(600);
    const cron = find(r.objects, "CronJob", "harbor-edge-report")!;
    // one pod for both
    expect(cron.spec.jobTemplate.spec.template).toEqual(job.spec.template);
    expect(cron.spec.concurrencyPolicy).toBe("Forbid");
    // the ClusterRole is named for the release, so two releases do not collide
    expect(find(r.objects, "ClusterRoleBinding", "harbor-edge-report-registry-edge")!.subjects).toEqual([
      { kind: "ServiceAccount", name: "harbor-edge-report", namespace: "registry" },
    ]);
  });

  it("the CronJob: batch/v1 from Kubernetes 1.21, batch/v1beta1 on 1.20; the schedule from the values", () => {
    const r = render({ helm, set: ["harbor-config.report.schedule=*/15 * * * *"], extraArgs: ["--kube-version", "1.25.0"] });
    expect(r.code, r.stderr).toBe(0);
    expect(find(r.objects, "CronJob", "harbor-edge-report")).toMatchObject({ apiVersion: "batch/v1", spec: { schedule: "*/15 * * * *" } });
    // the chart asks for Kubernetes >= 1.25: the template alone, in a copy without that constraint
    const chart = prepareChart({ ownOnly: true });
    try {
      const file = path.join(chart.dir, "Chart.yaml");
      fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace(/^kubeVersion:.*$/m, ""));
      const apiVersion = (kube: string) => {
        const t = helmTemplate(helm, chart.dir, { extraArgs: ["--kube-version", kube, "--show-only", "templates/report-cronjob.yaml"] });
        expect(t.code, t.stderr).toBe(0);
        return (yaml.load(t.stdout) as K8sObject).apiVersion;
      };
      expect(apiVersion("1.20.15")).toBe("batch/v1beta1");
      expect(apiVersion("1.21.0")).toBe("batch/v1");
    } finally {
      chart.cleanup();
    }
  });

  it("a bad schedule is refused by the values schema, naming the field", () => {
    const r = render({ helm, set: ["harbor-config.report.schedule=every hour"] });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/report\.schedule|report\/schedule|schedule/);
  });

  it("the pod: harbor-edge report from the project's image (the configuration's too), the password by reference only, no write outside /tmp", () => {
    const r = render({ helm });
    const job = reportJob(r.objects);
    const configure = configureJob(r.objects)!;
    const pod = job.spec.template.spec;
    expect(pod.containers[0].image).toBe(`ghcr.io/harbor-edge-native-config/harbor-edge:${CHART_VERSION}`);
    expect(pod.containers[0].image).toBe(configure.spec.template.spec.containers[0].image);
    // the image's entrypoint is the program: no shell, no script
    expect(pod.containers[0].command).toBeUndefined();
    expect(pod.containers[0].args).toEqual(["report"]);
    expect(configure.spec.template.spec.containers[0].args).toEqual(["configure"]);
    expect(pod.containers[0].imagePullPolicy).toBe("IfNotPresent");
    // /tmp, and the CA Harbor's certificate is checked against (ca.crt of harbor-tls, read-only)
    expect(pod.volumes.map((v: any) => v.name)).toEqual(["tmp", "harbor-ca"]);
    expect(pod.containers[0].volumeMounts.find((m: any) => m.name === "harbor-ca").readOnly).toBe(true);
    expect(r.objects.filter((o) => o.kind === "ConfigMap" && /script|configure/.test(o.metadata.name))).toEqual([]);
    expect(pod.serviceAccountName).toBe("harbor-edge-report");
    expect(pod.automountServiceAccountToken).toBe(true);
    expect(find(r.objects, "ServiceAccount", "harbor-edge-report")!.automountServiceAccountToken).toBe(false);
    // least privilege: the robot account's Secret, read through the API; never the admin password
    expect(pod.containers[0].env.map((e: any) => e.name)).not.toContain("HARBOR_ADMIN_PASSWORD");
    expect(pod.containers[0].env.find((e: any) => e.name === "REPORT_ROBOT_SECRET").value).toBe("harbor-edge-report-robot");
    // without the configuration runs there is no robot: the admin password, by reference only
    const noConfigure = reportJob(render({ helm, set: ["harbor-config.configJob.enabled=false"] }).objects).spec.template.spec.containers[0]
      .env;
    const pw = noConfigure.find((e: any) => e.name === "HARBOR_ADMIN_PASSWORD");
    expect(pw.value).toBeUndefined();
    expect(pw.valueFrom.secretKeyRef).toEqual({ name: "harbor-edge-admin", key: "HARBOR_ADMIN_PASSWORD" });
    expect(noConfigure.map((e: any) => e.name)).not.toContain("REPORT_ROBOT_SECRET");
    expect(pod.containers[0].securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      runAsNonRoot: true,
    });
    // the status ConfigMap carries no data of the chart's: an upgrade never overwrites the report
    expect(find(r.objects, "ConfigMap", "harbor-edge-status")!.data).toBeUndefined();
  });

  it("harbor-config.image: repository, tag (default the chart's version), digest and pull policy reach every pod of the program", () => {
    const values = tmpFile(
      "values.yaml",
      yaml.dump({
        "harbor-config": {
          image: { repository: "registry.lan:5000/tools/harbor-edge", tag: "7", pullPolicy: "Always", digest: `sha256:${"a".repeat(64)}` },
        },
      }),
    );
    const r = render({ helm, valuesFiles: [values] });
    expect(r.code, r.stderr).toBe(0);
    const programPods = r.objects
      .filter((o) => o.kind === "Job" || o.kind === "CronJob")
      .map((o) => (o.kind === "Job" ? o.spec.template.spec : o.spec.jobTemplate.spec.template.spec));
    expect(programPods).toHaveLength(4);
    for (const pod of programPods) {
      expect(pod.containers[0].image).toBe(`registry.lan:5000/tools/harbor-edge:7@sha256:${"a".repeat(64)}`);
      expect(pod.containers[0].imagePullPolicy).toBe("Always");
    }
    // refused by the values schema, naming the field
    for (const bad of [
      "harbor-config.image.digest=sha512:abc",
      "harbor-config.image.pullPolicy=Sometimes",
      "harbor-config.image.repository=Registry/UPPER",
    ]) {
      const x = render({ helm, set: [bad] });
      expect(x.code, bad).not.toBe(0);
      expect(x.stderr, bad).toMatch(new RegExp(bad.split("=")[0].split(".").pop()!));
    }
  });

  it("RBAC: read pods, namespaces and nodes; write only harbor-edge-status and Events; read only its robot's Secret", () => {
    const r = render({ helm });
    expect(find(r.objects, "ClusterRole", "harbor-edge-report-harbor-harbor")!.rules).toEqual([
      { apiGroups: [""], resources: ["pods", "namespaces", "nodes"], verbs: ["get", "list"] },
    ]);
    expect(find(r.objects, "Role", "harbor-edge-report")!.rules).toEqual([
      { apiGroups: [""], resources: ["configmaps"], resourceNames: ["harbor-edge-status"], verbs: ["get", "patch"] },
      { apiGroups: [""], resources: ["events"], verbs: ["create"] },
      { apiGroups: [""], resources: ["secrets"], resourceNames: ["harbor-edge-report-robot"], verbs: ["get"] },
    ]);
  });
});

describe("the registries the report is given agree with proxyRegistries()", () => {
  const helm = HELMS[0];
  const base = readValidSpec(EXAMPLES[0]);
  it("for random proxyCache settings", () => {
    const hosts = ["docker.io", "gcr.io", "ghcr.io", "quay.io", "registry.k8s.io"];
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.subarray(hosts),
        fc.array(
          fc.record({
            host: fc.constantFrom("registry.example.com:5000", "harbor.lan", "10.0.0.5:8443"),
            type: fc.constantFrom("docker-registry", "harbor"),
          }),
          { maxLength: 2 },
        ),
        (enabled, registries, extra) => {
          const uniq = extra
            .filter((e, i) => extra.findIndex((x) => x.host === e.host) === i)
            .map((e) => ({ ...e, url: `https://${e.host}` }));
          const values = tmpFile(
            "values.yaml",
            yaml.dump({ "harbor-config": { proxyCache: { enabled, registries, extraRegistries: uniq } } }),
          );
          const r = render({ helm, valuesFiles: [values] });
          expect(r.code, r.stderr).toBe(0);
          const env = reportJob(r.objects).spec.template.spec.containers[0].env.find((e: any) => e.name === "HARBOR_PROXY_REGISTRIES")
            .value as string;
          const lines = env
            .split("\n")
            .filter(Boolean)
            .map((l) => l.split(" ").slice(0, 4).join(" "));
          const spec = { ...base, proxyCache: { ...base.proxyCache, enabled, registries, extraRegistries: uniq } } as any;
          expect(lines).toEqual(proxyRegistries(spec).map((p) => `${p.host} ${p.project} ${p.url} ${p.type}`));
        },
      ),
      { numRuns: 6 },
    );
  });
});
