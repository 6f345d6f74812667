// The node-mirror DaemonSet (nodeMirror.enabled), rendered by helm 3.18 and helm 4.1: off by default, the host
// path per distribution (mounted through its parent), least privilege, the script ConfigMap, no image beyond
// those the chart pulls, a pod template that a chart bump alone does not roll, readiness that does not wait on
// containerd's configuration, and the one API right its pod has (get of its own DaemonSet).
import { describe, it, expect } from "vitest";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawnSync } from "node:child_process";
import yaml from "js-yaml";
import { HELMS, announceUpstream, render, lint, tmpFile, find, specOf, valuesFileFor, EXAMPLES, type K8sObject } from "../helpers/chart.js";
import { schemaErrors, baselineViolations } from "../helpers/k8s.js";
import { leakedSecrets } from "../helpers/assert.js";
import { imagesFromManifests } from "../../generator/src/chart/images.js";
import { CHART_DIR } from "../../generator/src/paths.js";
import { prepareChart, helmTemplate } from "../../generator/src/chart/chart.js";
import { packValues } from "../../generator/src/pack/files.js";

const FULL = announceUpstream();
// the ConfigMap harbor-edge-node-mirror comes from the node-mirror template (node-mirror-configmap.yaml)
const HOST_FILES_TEMPLATE = fs.existsSync(path.join(CHART_DIR, "templates", "node-mirror-configmap.yaml"));
if (!HOST_FILES_TEMPLATE)
  process.stderr.write(
    "\n*** NOT RUN: the script on the rendered host files: chart/templates/node-mirror-configmap.yaml is not on this branch yet ***\n\n",
  );
const DS = "harbor-edge-node-mirror";
const SCRIPT_CM = "harbor-edge-node-mirror-script";

/** Raw chart values: harbor-config alone (for what the chart must refuse). */
const valuesFile = (hc: Record<string, unknown>) => tmpFile("values.yaml", yaml.dump({ "harbor-config": hc }));
/** The values `harbor-edge values` writes for a valid spec. */
const valuesFor = (hc: Record<string, unknown>) => valuesFileFor(specOf(tmpFile("spec.yaml", yaml.dump({ "harbor-config": hc }))));
// nodes reach Harbor at the VIP's node port
const ON = { cluster: { vip: "192.0.2.10" }, nodeMirror: { enabled: true }, proxyCache: { enabled: true } };
const on = () => valuesFor(ON);
const onWith = (nodeMirror: Record<string, unknown>) => valuesFor({ ...ON, nodeMirror: { enabled: true, ...nodeMirror } });

const container = (ds: K8sObject) => ds.spec.template.spec.containers[0];
const env = (ds: K8sObject) => Object.fromEntries(container(ds).env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
const volume = (ds: K8sObject, name: string) => ds.spec.template.spec.volumes.find((v: any) => v.name === name);
const mount = (ds: K8sObject, name: string) => container(ds).volumeMounts.find((m: any) => m.name === name);

it("is off in the Palette pack built from the default example (Palette's node agent redirects pulls itself)", () => {
  const values = packValues(specOf(EXAMPLES.find((f) => f.endsWith("edge-single-node.yaml"))!), []) as any;
  expect(values.charts["harbor-edge-native-config"]["harbor-config"].nodeMirror.enabled).toBe(false);
});

describe.each(HELMS)("helm $version", (helm) => {
  it("renders no DaemonSet and no script by default, nor with proxyCache alone", () => {
    for (const valuesFiles of [[], [valuesFor({ cluster: { vip: "192.0.2.10" }, proxyCache: { enabled: true } })]]) {
      const r = render({ helm, valuesFiles });
      expect(r.code, r.stderr).toBe(0);
      expect(r.objects.filter((o) => o.kind === "DaemonSet")).toEqual([]);
      expect(find(r.objects, "ConfigMap", SCRIPT_CM)).toBeUndefined();
    }
  });

  it("nodeMirror.enabled renders the DaemonSet and its script, valid against the Kubernetes schemas, and lints", async () => {
    const f = on();
    const r = render({ helm, valuesFiles: [f], release: "edge" });
    expect(r.code, r.stderr).toBe(0);
    const ds = find(r.objects, "DaemonSet", DS)!;
    const cm = find(r.objects, "ConfigMap", SCRIPT_CM)!;
    expect(await schemaErrors([ds, cm])).toEqual([]);
    expect(cm.data["node-mirror.sh"]).toBe(fs.readFileSync(path.join(CHART_DIR, "files", "node-mirror.sh"), "utf8"));
    expect(container(ds).command).toEqual(["/bin/sh", "/scripts/node-mirror.sh", "run"]);
    expect(container(ds).readinessProbe.exec.command).toEqual(["/bin/sh", "/scripts/node-mirror.sh", "ready"]);
    expect(volume(ds, "script").configMap.name).toBe(SCRIPT_CM);
    // the host files from the ConfigMap the node-mirror template renders, the CA alone from harbor-tls
    expect(volume(ds, "host-files").configMap.name).toBe("harbor-edge-node-mirror");
    expect(volume(ds, "ca").secret).toEqual({ secretName: "harbor-tls", items: [{ key: "ca.crt", path: "ca.crt" }] });
    expect(env(ds)).toMatchObject({
      NODE_MIRROR_SOURCE: mount(ds, "host-files").mountPath,
      NODE_MIRROR_CA: `${mount(ds, "ca").mountPath}/ca.crt`,
      NODE_MIRROR_HOST_DIR: `${mount(ds, "host-dir-parent").mountPath}/certs.d`,
      NODE_MIRROR_STATE_DIR: mount(ds, "state").mountPath,
      NODE_MIRROR_INTERVAL: "60",
      NODE_NAME: { fieldRef: { fieldPath: "spec.nodeName" } },
    });
    expect(ds.spec.selector.matchLabels).toEqual({
      "app.kubernetes.io/name": "harbor-edge-native-config",
      "app.kubernetes.io/instance": "edge",
      "app.kubernetes.io/component": "node-mirror",
    });
    expect(ds.spec.template.metadata.labels).toMatchObject(ds.spec.selector.matchLabels);
    // no surge: one pod per node at a time
    expect(ds.spec.updateStrategy).toEqual({ type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1 } });
    const l = lint(helm, [f], false);
    expect(l.stderr + l.stdout).not.toMatch(/\[ERROR\]/);
    expect(l.code).toBe(0);
  });

  it("refuses nodeMirror without proxyCache, naming both keys", () => {
    const r = render({ helm, valuesFiles: [valuesFile({ nodeMirror: { enabled: true }, proxyCache: { enabled: false } })] });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("harbor-config.nodeMirror.enabled: expected harbor-config.proxyCache.enabled true");
  });

  it.each([
    ["containerd", "/etc/containerd"],
    ["k3s", "/var/lib/rancher/k3s/agent/etc/containerd"],
    ["rke2", "/var/lib/rancher/rke2/agent/etc/containerd"],
  ])("distribution %s: the host directory and containerd's configuration by default", (distribution, dir) => {
    const r = render({ helm, valuesFiles: [onWith({ distribution })] });
    expect(r.code, r.stderr).toBe(0);
    const ds = find(r.objects, "DaemonSet", DS)!;
    // the parent of certs.d, so the script sees the directory k3s and RKE2 remove and write again when they start
    expect(volume(ds, "host-dir")).toBeUndefined();
    expect(volume(ds, "host-dir-parent").hostPath).toEqual({ path: dir, type: "DirectoryOrCreate" });
    expect(mount(ds, "host-dir-parent").readOnly ?? false).toBe(false);
    expect(env(ds).NODE_MIRROR_HOST_DIR).toBe(`${mount(ds, "host-dir-parent").mountPath}/certs.d`);
    expect(volume(ds, "containerd-config").hostPath).toEqual({ path: dir, type: "DirectoryOrCreate" });
    expect(env(ds).NODE_MIRROR_HOST_DIR_ON_NODE).toBe(`${dir}/certs.d`);
    expect(env(ds).NODE_MIRROR_CONTAINERD_CONFIG_ON_NODE).toBe(`${dir}/config.toml`);
    expect(env(ds).NODE_MIRROR_CONTAINERD_CONFIG).toBe(`${mount(ds, "containerd-config").mountPath}/config.toml`);
  });

  it("hostDir and containerdConfig, when given, win over the distribution (a trailing slash dropped)", () => {
    // only under containerd's own directories (a uid 0 pod mounts hostDir read-write): test/spec/hostile-specs.test.ts
    const r = render({
      helm,
      valuesFiles: [
        onWith({ distribution: "k3s", hostDir: "/etc/containerd/registry/certs.d/", containerdConfig: "/etc/containerd/ctd/config.toml" }),
      ],
    });
    expect(r.code, r.stderr).toBe(0);
    const ds = find(r.objects, "DaemonSet", DS)!;
    expect(volume(ds, "host-dir-parent").hostPath.path).toBe("/etc/containerd/registry");
    expect(env(ds).NODE_MIRROR_HOST_DIR).toBe(`${mount(ds, "host-dir-parent").mountPath}/certs.d`);
    expect(volume(ds, "containerd-config").hostPath.path).toBe("/etc/containerd/ctd");
    expect(env(ds)).toMatchObject({
      NODE_MIRROR_HOST_DIR_ON_NODE: "/etc/containerd/registry/certs.d",
      NODE_MIRROR_CONTAINERD_CONFIG_ON_NODE: "/etc/containerd/ctd/config.toml",
      NODE_MIRROR_CONTAINERD_CONFIG: "/host/containerd/config.toml",
    });
  });

  it("least privilege: user 0 with no capability, no escalation, read-only root, RuntimeDefault, a token for one get", () => {
    const r = render({ helm, valuesFiles: [on()] });
    const ds = find(r.objects, "DaemonSet", DS)!;
    const ps = ds.spec.template.spec;
    expect(ps.securityContext).toEqual({ runAsUser: 0, runAsGroup: 0, runAsNonRoot: false, seccompProfile: { type: "RuntimeDefault" } });
    expect(container(ds).securityContext).toEqual({
      allowPrivilegeEscalation: false,
      privileged: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: false,
      capabilities: { drop: ["ALL"] },
    });
    // the token is the chart's Secret's, not the pod's (valid for a pod deleted with --force: a 401 means the chart is gone)
    expect(ps.automountServiceAccountToken).toBe(false);
    expect(ps.serviceAccountName).toBe(DS);
    expect(volume(ds, "api-token").secret).toEqual({ secretName: `${DS}-token`, defaultMode: 0o400 });
    expect(mount(ds, "api-token")).toEqual({ name: "api-token", mountPath: "/var/run/secrets/harbor-edge/api", readOnly: true });
    expect(env(ds).NODE_MIRROR_SERVICEACCOUNT).toBe("/var/run/secrets/harbor-edge/api");
    const token = find(r.objects, "Secret", `${DS}-token`)!;
    expect(token.type).toBe("kubernetes.io/service-account-token");
    expect(token.metadata.annotations).toEqual({ "kubernetes.io/service-account.name": DS });
    // Kubernetes fills it in: the chart renders no token
    expect(token.data ?? {}).toEqual({});
    expect(token.stringData ?? {}).toEqual({});
    expect(ps.hostNetwork ?? false).toBe(false);
    expect(ps.hostPID ?? false).toBe(false);
    // the only departure from Pod Security baseline: the two host paths, one of them read-only
    expect(baselineViolations(ps).sort()).toEqual(["hostPath volume containerd-config", "hostPath volume host-dir-parent"]);
    expect(mount(ds, "containerd-config").readOnly).toBe(true);
    expect(mount(ds, "host-dir-parent").readOnly ?? false).toBe(false);
    for (const m of container(ds).volumeMounts)
      if (m.name !== "host-dir-parent" && m.name !== "state") expect(m.readOnly, m.name).toBe(true);
    expect(volume(ds, "state").emptyDir).toEqual({ medium: "Memory", sizeLimit: "1Mi" });
    expect(container(ds).resources).toEqual({ requests: { cpu: "5m", memory: "8Mi" }, limits: { cpu: "100m", memory: "32Mi" } });
    // RBAC of its own: one ServiceAccount, Role and RoleBinding more than with the DaemonSet off, nothing cluster-wide
    const rbac = (objs: K8sObject[]) =>
      objs
        .filter((o) => ["ServiceAccount", "Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding"].includes(o.kind))
        .map((o) => `${o.kind}/${o.metadata.name}`)
        .sort();
    expect(rbac(r.objects)).toEqual(
      [
        ...rbac(render({ helm, valuesFiles: [onWith({ enabled: false })] }).objects),
        `Role/${DS}`,
        `RoleBinding/${DS}`,
        `ServiceAccount/${DS}`,
      ].sort(),
    );
  });

  it.each([undefined, "harbor-node-mirror"])(
    "its ServiceAccount may only get its own DaemonSet, in its namespace (nodeMirror.namespace %s)",
    async (namespace) => {
      const r = render({ helm, valuesFiles: [onWith(namespace ? { namespace } : {})], namespace: "harbor" });
      expect(r.code, r.stderr).toBe(0);
      const ds = find(r.objects, "DaemonSet", DS)!;
      const ns = namespace ?? "harbor";
      const sa = find(r.objects, "ServiceAccount", DS)!;
      const role = find(r.objects, "Role", DS)!;
      const rb = find(r.objects, "RoleBinding", DS)!;
      expect(await schemaErrors([sa, role, rb])).toEqual([]);
      for (const o of [ds, sa, role, rb, find(r.objects, "Secret", `${DS}-token`)!]) expect(o.metadata.namespace, o.kind).toBe(ns);
      // the token is mounted in the node-mirror pod only, not in every pod of the ServiceAccount
      expect(sa.automountServiceAccountToken).toBe(false);
      expect(ds.spec.template.spec.serviceAccountName).toBe(sa.metadata.name);
      expect(role.rules).toEqual([{ apiGroups: ["apps"], resources: ["daemonsets"], resourceNames: [ds.metadata.name], verbs: ["get"] }]);
      expect(rb.roleRef).toEqual({ apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name });
      expect(rb.subjects).toEqual([{ kind: "ServiceAccount", name: sa.metadata.name, namespace: ns }]);
      // what the script asks for: its namespace from the downward API, its DaemonSet by the name the Role allows
      expect(env(ds).NODE_MIRROR_NAMESPACE).toEqual({ fieldRef: { fieldPath: "metadata.namespace" } });
      expect(env(ds).NODE_MIRROR_DAEMONSET).toBe(ds.metadata.name);
      // no ServiceAccount, Role or RoleBinding with the DaemonSet off: `enabled: false` on upgrade deletes them with it
      const off = render({ helm, valuesFiles: [onWith({ enabled: false })] });
      expect(off.objects.filter((o) => o.metadata.name === DS && o.kind !== "ConfigMap").map((o) => o.kind)).toEqual([]);
      expect(find(off.objects, "Secret", `${DS}-token`)).toBeUndefined();
    },
  );

  it("a chart version bump with the same script and values does not change the pod template (no roll)", () => {
    const f = on();
    const podTemplate = (version?: string) => {
      const chart = prepareChart({ ownOnly: true });
      try {
        if (version) {
          const chartYaml = path.join(chart.dir, "Chart.yaml");
          const c = yaml.load(fs.readFileSync(chartYaml, "utf8")) as any;
          c.version = version;
          fs.writeFileSync(chartYaml, yaml.dump(c));
        }
        const t = helmTemplate(helm, chart.dir, { valuesFiles: [f], release: "edge", namespace: "harbor" });
        expect(t.code, t.stderr).toBe(0);
        return find(yaml.loadAll(t.stdout) as K8sObject[], "DaemonSet", DS)!;
      } finally {
        chart.cleanup();
      }
    };
    const a = podTemplate();
    const b = podTemplate("99.1.2");
    // the bump took effect on the DaemonSet's own labels, not on its pods
    expect(a.metadata.labels!["helm.sh/chart"]).not.toBe(b.metadata.labels!["helm.sh/chart"]);
    expect(b.metadata.labels!["helm.sh/chart"]).toBe("harbor-edge-native-config-99.1.2");
    expect(b.spec.template).toEqual(a.spec.template);
    expect(a.spec.template.metadata.labels).toEqual({
      "app.kubernetes.io/name": "harbor-edge-native-config",
      "app.kubernetes.io/instance": "edge",
      "app.kubernetes.io/component": "node-mirror",
      "app.kubernetes.io/part-of": "harbor",
      "app.kubernetes.io/managed-by": "Helm",
    });
    expect(Object.keys(a.spec.template.metadata.annotations)).toEqual(["checksum/script"]);
    expect(a.spec.template.metadata.annotations["checksum/script"]).toMatch(/^[0-9a-f]{64}$/);
  });

  it("readiness does not depend on containerd's configuration: the rendered probe succeeds once a round is done, even with a problem", () => {
    const ds = find(render({ helm, valuesFiles: [on()] }).objects, "DaemonSet", DS)!;
    const probe = container(ds).readinessProbe;
    expect(Object.keys(probe).sort()).toEqual(["exec", "initialDelaySeconds", "periodSeconds", "timeoutSeconds"]);
    const [shell, script, ...args] = probe.exec.command;
    expect([shell, script]).toEqual(["/bin/sh", `${mount(ds, "script").mountPath}/node-mirror.sh`]);
    const state = fs.mkdtempSync(path.join(os.tmpdir(), "node-daemonset-probe-"));
    try {
      const run = () =>
        spawnSync("sh", [path.join(CHART_DIR, "files", "node-mirror.sh"), ...args], {
          env: { PATH: process.env.PATH, NODE_MIRROR_STATE_DIR: state },
          encoding: "utf8",
        });
      // before the first round: not ready
      expect(run().status).toBe(1);
      // the check found a problem: ready all the same, and the probe's output says what
      fs.writeFileSync(
        path.join(state, "check"),
        "problem node-mirror check on edge-1: containerd does not read /etc/containerd/certs.d: config_path is unset\n",
      );
      const res = run();
      expect(res.status, res.stdout + res.stderr).toBe(0);
      expect(res.stdout).toContain("config_path is unset");
    } finally {
      fs.rmSync(state, { recursive: true, force: true });
    }
  });

  it("every node: tolerates every taint, system-node-critical, Linux nodes plus the nodeSelector given", () => {
    let ds = find(render({ helm, valuesFiles: [on()] }).objects, "DaemonSet", DS)!;
    expect(ds.spec.template.spec.tolerations).toEqual([{ operator: "Exists" }]);
    expect(ds.spec.template.spec.priorityClassName).toBe("system-node-critical");
    expect(ds.spec.template.spec.nodeSelector).toEqual({ "kubernetes.io/os": "linux" });
    ds = find(
      render({ helm, valuesFiles: [onWith({ daemonSet: { nodeSelector: { "node-role.example/edge": "true" }, intervalSeconds: 300 } })] })
        .objects,
      "DaemonSet",
      DS,
    )!;
    expect(ds.spec.template.spec.nodeSelector).toEqual({ "kubernetes.io/os": "linux", "node-role.example/edge": "true" });
    expect(env(ds).NODE_MIRROR_INTERVAL).toBe("300");
  });

  it("rejects a bad daemonSet setting by name (chart values schema)", () => {
    const r = render({ helm, valuesFiles: [valuesFile({ ...ON, nodeMirror: { enabled: true, daemonSet: { intervalSeconds: 1 } } })] });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/nodeMirror\.daemonSet\.intervalSeconds|intervalSeconds/);
  });

  it("a tag given as a number (--set harbor.core.image.tag=1) is the DaemonSet's tag, as in upstream's; the Jobs run the harbor-edge image", () => {
    const r = render({ helm, valuesFiles: [on()], set: ["harbor.core.image.tag=1"] });
    expect(r.code, r.stderr).toBe(0);
    const ours = r.objects.filter((o) => o.metadata?.name?.startsWith("harbor-edge-") && ["DaemonSet", "Job", "CronJob"].includes(o.kind));
    expect(ours.map((o) => o.kind).sort()).toEqual(expect.arrayContaining(["CronJob", "DaemonSet", "Job"]));
    for (const o of ours) {
      const spec = o.kind === "CronJob" ? o.spec.jobTemplate.spec.template.spec : o.spec.template.spec;
      const want =
        o.kind === "DaemonSet" ? "docker.io/goharbor/harbor-core:1" : /^ghcr\.io\/harbor-edge-native-config\/harbor-edge:\d+\.\d+\.\d+$/;
      for (const c of [...(spec.initContainers ?? []), ...spec.containers]) expect(c.image, `${o.kind}/${o.metadata.name}`).toMatch(want);
    }
    // the harbor-edge image's tag is a string in the values schema: a number is refused, naming the field
    const n = render({ helm, valuesFiles: [on()], set: ["harbor-config.image.tag=1"] });
    expect(n.code).not.toBe(0);
    expect(n.stderr).toMatch(/harbor-config\.image\.tag|image\/tag|tag/);
  });

  it("runs the harbor-core image of the harbor: block, with its pull secrets", () => {
    const values = yaml.load(fs.readFileSync(on(), "utf8")) as any;
    values.harbor = {
      ...values.harbor,
      imagePullSecrets: [{ name: "pull" }],
      core: { ...values.harbor.core, image: { repository: "mirror.example/goharbor/harbor-core", tag: "v2.15.1" } },
    };
    const r = render({ helm, valuesFiles: [tmpFile("values.yaml", yaml.dump(values))] });
    expect(r.code, r.stderr).toBe(0);
    const ds = find(r.objects, "DaemonSet", DS)!;
    expect(container(ds).image).toBe("mirror.example/goharbor/harbor-core:v2.15.1");
    expect(ds.spec.template.spec.imagePullSecrets).toEqual([{ name: "pull" }]);
  });

  it.skipIf(!HOST_FILES_TEMPLATE)(
    "the script writes the rendered ConfigMap's host files byte for byte, naming the CA under the DaemonSet's host directory",
    () => {
      for (const distribution of ["containerd", "k3s"]) {
        const r = render({ helm, valuesFiles: [onWith({ distribution })] });
        expect(r.code, r.stderr).toBe(0);
        const ds = find(r.objects, "DaemonSet", DS)!;
        const cm = find(r.objects, "ConfigMap", volume(ds, "host-files").configMap.name)!;
        expect(Object.keys(cm.data).length).toBeGreaterThan(0);
        const hostDir = env(ds).NODE_MIRROR_HOST_DIR_ON_NODE;
        const root = fs.mkdtempSync(path.join(os.tmpdir(), "node-daemonset-render-"));
        try {
          const src = path.join(root, "src"),
            host = path.join(root, "host"),
            ca = path.join(root, "ca.crt");
          fs.mkdirSync(src);
          fs.mkdirSync(host);
          fs.writeFileSync(ca, "-----BEGIN CERTIFICATE-----\n");
          for (const [k, v] of Object.entries(cm.data)) fs.writeFileSync(path.join(src, k), String(v));
          const run = spawnSync("sh", [path.join(CHART_DIR, "files", "node-mirror.sh"), "install"], {
            env: {
              PATH: process.env.PATH,
              NODE_MIRROR_SOURCE: src,
              NODE_MIRROR_CA: ca,
              NODE_MIRROR_HOST_DIR: host,
              NODE_MIRROR_HOST_DIR_ON_NODE: hostDir,
            },
            encoding: "utf8",
          });
          expect(run.status, run.stdout + run.stderr).toBe(0);
          for (const [k, v] of Object.entries(cm.data)) {
            const h = k.replace(/\.hosts\.toml$/, "").replace(/_/g, ":");
            expect(fs.readFileSync(path.join(host, h, "hosts.toml"), "utf8"), k).toBe(v);
            expect(String(v), k).toContain(`${hostDir}/${h}/harbor-ca.crt`);
            expect(fs.existsSync(path.join(host, h, "harbor-ca.crt")), k).toBe(true);
          }
        } finally {
          fs.rmSync(root, { recursive: true, force: true });
        }
      }
    },
  );

  describe.skipIf(!FULL)("full chart", () => {
    const raw = (
      yaml.load(
        fs.readFileSync(
          EXAMPLES.find((f) => f.endsWith("edge-single-node.yaml"))!,
          "utf8",
        ),
      ) as any
    )["harbor-config"];
    const full = (nodeMirror: boolean) => {
      const r = render({
        helm,
        full: true,
        valuesFiles: [
          valuesFor({
            ...raw,
            cluster: { ...raw.cluster, ...ON.cluster },
            proxyCache: { ...raw.proxyCache, enabled: true },
            nodeMirror: { ...raw.nodeMirror, enabled: nodeMirror },
          }),
        ],
      });
      if (r.code !== 0) throw new Error(r.stderr);
      return r;
    };

    it("pulls no image the chart does not already pull (the image list stays exact)", () => {
      const on = full(true);
      const ds = find(on.objects, "DaemonSet", DS)!;
      const core = find(on.objects, "Deployment", "harbor-core")!;
      expect(container(ds).image).toBe(core.spec.template.spec.containers[0].image);
      expect(imagesFromManifests(on.text)).toEqual(imagesFromManifests(full(false).text));
    });

    it("puts no secret value into a ConfigMap or an annotation", () => {
      expect(leakedSecrets(full(true).objects)).toEqual([]);
    });
  });
});
