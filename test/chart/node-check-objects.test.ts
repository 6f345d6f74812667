// The opt-in node check's chart objects (report.nodeCheck): a DaemonSet of the project's image on the nodes'
// network and resolver, as uid 10000 with no capability, a read-only root file system and read-only hostPath
// mounts of containerd's host and configuration directories and of the node's CA directories (kubeadm's list, at
// /host/<path>, NODE_CHECK_HOST_ROOT=/host), no readiness probe; RBAC limited to listing pods
// and writing ConfigMaps in a results namespace of its own (<release namespace>-node-check, holding nothing else);
// the report's list of those ConfigMaps and its environment; the DaemonSet in nodeMirror.namespace when set, else
// the release namespace; nothing when off.
import { describe, it, expect } from "vitest";
import yaml from "js-yaml";
import { HELMS, render, find, tmpFile, specOf, valuesFileFor, type K8sObject } from "../helpers/chart.js";
import { configMapName } from "../../generator/src/nodecheck/in-cluster.js";
import { schemaErrors } from "../helpers/k8s.js";
import { ValidatingAdmissionPolicy, ValidatingAdmissionPolicyBinding } from "kubernetes-models/admissionregistration.k8s.io/v1";

const ON = ["harbor-config.report.nodeCheck.enabled=true"];
/** The values `harbor-edge values` writes for a spec with the node check and the node-mirror DaemonSet on (it needs the proxy cache and an address nodes reach Harbor at). */
const mirrorValues = (nodeMirror: Record<string, unknown>) =>
  valuesFileFor(
    specOf(
      tmpFile(
        "spec.yaml",
        yaml.dump({
          "harbor-config": {
            cluster: { vip: "192.0.2.10" },
            proxyCache: { enabled: true },
            nodeMirror: { enabled: true, ...nodeMirror },
            report: { nodeCheck: { enabled: true } },
          },
        }),
      ),
    ),
  );
const VAP = "admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy";
const nodeCheckObjects = (objs: K8sObject[]) => objs.filter((o) => o.metadata.labels?.["app.kubernetes.io/component"] === "node-check");
const reportEnv = (objs: K8sObject[]) => {
  const cj = find(objs, "CronJob", "harbor-edge-report")!;
  const env: Array<{ name: string; value?: string }> = cj.spec.jobTemplate.spec.template.spec.containers[0].env;
  return Object.fromEntries(env.filter((e) => e.value !== undefined).map((e) => [e.name, e.value]));
};

describe.each(HELMS)("node check objects with helm $version", (helm) => {
  it("off (the default): no node-check object, no report Role for it, no NODE_CHECK_ variable in the report", () => {
    const r = render({ helm });
    expect(r.code, r.stderr).toBe(0);
    expect(nodeCheckObjects(r.objects)).toEqual([]);
    expect(find(r.objects, "Role", "harbor-edge-report-node-check")).toBeUndefined();
    expect(Object.keys(reportEnv(r.objects)).filter((k) => k.startsWith("NODE_CHECK_"))).toEqual([]);
  });

  it("on: the DaemonSet runs the project's image as uid 10000, no capability, read-only root and host mounts, the node's network and resolver, no readiness probe", async () => {
    const r = render({ helm, set: [...ON, "harbor-config.image.tag=9.9.9"] });
    expect(r.code, r.stderr).toBe(0);
    expect(
      nodeCheckObjects(r.objects)
        .map((o) => `${o.kind}/${o.metadata.name}`)
        .sort(),
    ).toEqual(
      [
        "ClusterRole/harbor-edge-node-check-harbor-harbor",
        "ClusterRoleBinding/harbor-edge-node-check-harbor-harbor",
        "DaemonSet/harbor-edge-node-check",
        "Namespace/harbor-node-check",
        "Role/harbor-edge-node-check",
        "RoleBinding/harbor-edge-node-check",
        "ServiceAccount/harbor-edge-node-check",
      ].sort(),
    );
    const ds = find(r.objects, "DaemonSet", "harbor-edge-node-check")!;
    const pod = ds.spec.template.spec;
    expect(pod.hostNetwork).toBe(true);
    expect(pod.dnsPolicy).toBe("Default");
    expect(pod.serviceAccountName).toBe("harbor-edge-node-check");
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 10000,
      runAsGroup: 10000,
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(pod.hostPID).toBeUndefined();
    expect(pod.hostIPC).toBeUndefined();
    expect(pod.containers).toHaveLength(1);
    const c = pod.containers[0];
    expect(c.image).toMatch(/:9\.9\.9$/);
    expect(c.image).toBe(find(r.objects, "CronJob", "harbor-edge-report")!.spec.jobTemplate.spec.template.spec.containers[0].image);
    expect(c.args).toEqual(["node-check", "--in-cluster"]);
    expect(c.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      privileged: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ["ALL"] },
    });
    expect(c.readinessProbe).toBeUndefined();
    expect(
      await schemaErrors(
        r.objects.filter(
          (o) => o.metadata.labels?.["app.kubernetes.io/component"] === "node-check" || o.metadata.name === "harbor-edge-report-node-check",
        ),
      ),
    ).toEqual([]);
    expect(c.livenessProbe).toBeUndefined();
    expect(c.startupProbe).toBeUndefined();
    // every hostPath is mounted read-only; the only writable mount is the emptyDir /tmp
    const hostVolumes = pod.volumes.filter((v: any) => v.hostPath).map((v: any) => v.name);
    expect(hostVolumes.sort()).toEqual(["ca-0", "ca-1", "ca-2", "containerd-config", "host-dir-parent"]);
    for (const m of c.volumeMounts)
      expect(m.readOnly === true || pod.volumes.find((v: any) => v.name === m.name).emptyDir, m.name).toBeTruthy();
    expect(c.volumeMounts.filter((m: any) => !m.readOnly).map((m: any) => m.mountPath)).toEqual(["/tmp"]);
    const env = Object.fromEntries(c.env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
    expect(env.NODE_NAME).toEqual({ fieldRef: { fieldPath: "spec.nodeName" } });
    expect(env.KUBE_NAMESPACE).toBe("harbor-node-check");
    expect(env.NODE_CHECK_INTERVAL_SECONDS).toBe("300");
    // through the parent (as the node-mirror DaemonSet): a k3s restart replaces the directory itself
    expect(env.NODE_CHECK_HOST_DIR).toBe("/host/host-dir-parent/certs.d");
    expect(pod.volumes.find((v: any) => v.name === "host-dir-parent").hostPath.path).toBe("/etc/containerd");
    expect(env.NODE_CHECK_HOST_DIR_ON_NODE).toBe("/etc/containerd/certs.d");
    expect(env.NODE_CHECK_CONTAINERD_CONFIG).toBe("/host/containerd/config.toml");
    // the node's CA store as kubeadm mounts it into control-plane pods, each at /host/<its path>, read-only,
    // DirectoryOrCreate (no node has all of them); the check reads it under NODE_CHECK_HOST_ROOT
    expect(env.NODE_CHECK_HOST_ROOT).toBe("/host");
    const caVolumes = pod.volumes.filter((v: any) => v.name.startsWith("ca-"));
    expect(caVolumes).toEqual(
      ["/etc/ssl/certs", "/etc/pki/ca-trust", "/etc/pki/tls/certs"].map((p, i) => ({
        name: `ca-${i}`,
        hostPath: { path: p, type: "DirectoryOrCreate" },
      })),
    );
    expect(c.volumeMounts.filter((m: any) => m.name.startsWith("ca-"))).toEqual(
      caVolumes.map((v: any) => ({ name: v.name, mountPath: `/host${v.hostPath.path}`, readOnly: true })),
    );
    // no CA mount hides another mount of the pod, and none is under the containerd mounts
    for (const m of c.volumeMounts.filter((x: any) => x.name.startsWith("ca-"))) expect(m.mountPath).toMatch(/^\/host\/(etc|usr)\//);
  });

  it("the host paths are the node-mirror DaemonSet's (k3s)", () => {
    const r = render({ helm, valuesFiles: [mirrorValues({ distribution: "k3s" })] });
    expect(r.code, r.stderr).toBe(0);
    const paths = (o: K8sObject) =>
      Object.fromEntries(
        o.spec.template.spec.volumes.filter((v: any) => v.hostPath && !v.name.startsWith("ca-")).map((v: any) => [v.name, v.hostPath.path]),
      );
    const check = paths(find(r.objects, "DaemonSet", "harbor-edge-node-check")!);
    expect(check).toEqual({
      "host-dir-parent": "/var/lib/rancher/k3s/agent/etc/containerd",
      "containerd-config": "/var/lib/rancher/k3s/agent/etc/containerd",
    });
    expect(paths(find(r.objects, "DaemonSet", "harbor-edge-node-mirror")!)).toEqual(check);
  });

  it("RBAC: list pods cluster-wide; get, create, patch ConfigMaps only in the results namespace, which holds nothing else; the report lists ConfigMaps there", () => {
    const r = render({ helm, set: ON });
    expect(r.code, r.stderr).toBe(0);
    expect(find(r.objects, "ClusterRole", "harbor-edge-node-check-harbor-harbor")!.rules).toEqual([
      { apiGroups: [""], resources: ["pods"], verbs: ["list"] },
    ]);
    expect(find(r.objects, "Role", "harbor-edge-node-check")!.rules).toEqual([
      { apiGroups: [""], resources: ["configmaps"], verbs: ["get", "create", "patch"] },
    ]);
    const crb = find(r.objects, "ClusterRoleBinding", "harbor-edge-node-check-harbor-harbor")!;
    expect(crb.roleRef).toEqual({
      apiGroup: "rbac.authorization.k8s.io",
      kind: "ClusterRole",
      name: "harbor-edge-node-check-harbor-harbor",
    });
    expect(crb.subjects).toEqual([{ kind: "ServiceAccount", name: "harbor-edge-node-check", namespace: "harbor" }]);
    const rb = find(r.objects, "RoleBinding", "harbor-edge-node-check")!;
    expect(rb.subjects).toEqual([{ kind: "ServiceAccount", name: "harbor-edge-node-check", namespace: "harbor" }]);
    expect(find(r.objects, "Role", "harbor-edge-report-node-check")!.rules).toEqual([
      { apiGroups: [""], resources: ["configmaps"], verbs: ["list"] },
    ]);
    expect(find(r.objects, "RoleBinding", "harbor-edge-report-node-check")!.subjects).toEqual([
      { kind: "ServiceAccount", name: "harbor-edge-report", namespace: "harbor" },
    ]);
    // the token is mounted into the node check's pod only (its ServiceAccount does not automount elsewhere)
    expect(find(r.objects, "ServiceAccount", "harbor-edge-node-check")!.automountServiceAccountToken).toBe(false);
    expect(reportEnv(r.objects)).toMatchObject({ NODE_CHECK_NAMESPACE: "harbor-node-check", NODE_CHECK_INTERVAL_SECONDS: "300" });
    // the write rights live in the results namespace, which the chart makes and where nothing else is: not the
    // namespace of the node-mirror script and host files (root on every node) nor Harbor's
    const results = find(r.objects, "Namespace", "harbor-node-check")!;
    expect(results.metadata.labels).toMatchObject({ "pod-security.kubernetes.io/enforce": "restricted" });
    // kept on uninstall: a reinstall would otherwise be refused while the namespace is still being deleted
    expect(results.metadata.annotations).toEqual({ "helm.sh/resource-policy": "keep" });
    for (const [kind, name] of [
      ["Role", "harbor-edge-node-check"],
      ["RoleBinding", "harbor-edge-node-check"],
      ["Role", "harbor-edge-report-node-check"],
      ["RoleBinding", "harbor-edge-report-node-check"],
    ])
      expect(find(r.objects, kind, name)!.metadata.namespace, `${kind}/${name}`).toBe("harbor-node-check");
    expect(
      r.objects
        .filter((o) => o.metadata.namespace === "harbor-node-check")
        .map((o) => o.kind)
        .sort(),
    ).toEqual(["Role", "Role", "RoleBinding", "RoleBinding"]);
    const withMirror = render({ helm, valuesFiles: [mirrorValues({ namespace: "edge-nodes" })], namespace: "registry", release: "edge" });
    expect(withMirror.code, withMirror.stderr).toBe(0);
    const writable = new Set(
      withMirror.objects
        .filter(
          (o) =>
            o.kind === "Role" &&
            o.rules.some(
              (ru: any) => ru.resources.includes("configmaps") && ru.verbs.some((v: string) => ["create", "patch", "update"].includes(v)),
            ),
        )
        .filter((o) => o.metadata.name === "harbor-edge-node-check")
        .map((o) => o.metadata.namespace),
    );
    expect([...writable]).toEqual(["registry-node-check"]);
    expect(withMirror.objects.filter((o) => o.kind === "ConfigMap" && o.metadata.namespace === "registry-node-check")).toEqual([]);
  });

  it("admission policy: the node check's ServiceAccount may write its own per-node ConfigMaps only (its node's, where the token names it)", () => {
    const r = render({ helm, set: ON, namespace: "registry", release: "edge", extraArgs: ["--api-versions", VAP] });
    expect(r.code, r.stderr).toBe(0);
    const policy = find(r.objects, "ValidatingAdmissionPolicy", "harbor-edge-node-check-registry-edge")!;
    expect(policy.apiVersion).toBe("admissionregistration.k8s.io/v1");
    expect(policy.spec.failurePolicy).toBe("Fail");
    expect(policy.spec.matchConstraints.resourceRules).toEqual([
      { apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE", "UPDATE"], resources: ["configmaps"] },
    ]);
    expect(policy.spec.matchConditions).toEqual([
      {
        name: "node-check-service-account",
        expression: "request.userInfo.username == 'system:serviceaccount:registry:harbor-edge-node-check'",
      },
    ]);
    const [own, node] = policy.spec.validations.map((v: any) => v.expression);
    expect(own).toContain("object.metadata.name.startsWith('harbor-edge-node-check-')");
    expect(own).toContain("object.metadata.labels['app.kubernetes.io/component'] == 'node-check'");
    expect(node).toContain("object.data['node'] == request.userInfo.extra['authentication.kubernetes.io/node-name'][0]");
    const binding = find(r.objects, "ValidatingAdmissionPolicyBinding", "harbor-edge-node-check-registry-edge")!;
    expect(binding.spec).toEqual({
      policyName: "harbor-edge-node-check-registry-edge",
      validationActions: ["Deny"],
      matchResources: { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "registry-node-check" } } },
    });
    // valid against the API's schema
    expect(() => new ValidatingAdmissionPolicy(policy as any).validate()).not.toThrow();
    expect(() => new ValidatingAdmissionPolicyBinding(binding as any).validate()).not.toThrow();
    // the names the writer uses pass the first rule's prefix
    expect(configMapName("node-a").startsWith("harbor-edge-node-check-")).toBe(true);
    // off, or an API server without the kind (before Kubernetes 1.30; helm template without --api-versions): none
    expect(
      render({ helm, extraArgs: ["--api-versions", VAP] }).objects.filter((o) => o.kind.startsWith("ValidatingAdmissionPolicy")),
    ).toEqual([]);
    expect(render({ helm, set: ON }).objects.filter((o) => o.kind.startsWith("ValidatingAdmissionPolicy"))).toEqual([]);
  });

  it("placement: the DaemonSet in the release namespace without nodeMirror.namespace, in nodeMirror.namespace with it; results in <release namespace>-node-check either way", () => {
    const inRelease = render({
      helm,
      set: [...ON, "harbor-config.report.nodeCheck.intervalSeconds=120"],
      namespace: "registry",
      release: "edge",
    });
    expect(inRelease.code, inRelease.stderr).toBe(0);
    const placed = (objs: K8sObject[]) =>
      Object.fromEntries(
        nodeCheckObjects(objs)
          .filter((o) => !o.kind.startsWith("Cluster") && !o.kind.startsWith("ValidatingAdmission") && o.kind !== "Namespace")
          .map((o) => [`${o.kind}/${o.metadata.name}`, o.metadata.namespace]),
      );
    expect(placed(inRelease.objects)).toEqual({
      "DaemonSet/harbor-edge-node-check": "registry",
      "ServiceAccount/harbor-edge-node-check": "registry",
      "Role/harbor-edge-node-check": "registry-node-check",
      "RoleBinding/harbor-edge-node-check": "registry-node-check",
    });
    expect(reportEnv(inRelease.objects)).toMatchObject({ NODE_CHECK_NAMESPACE: "registry-node-check", NODE_CHECK_INTERVAL_SECONDS: "120" });

    const apart = render({ helm, valuesFiles: [mirrorValues({ namespace: "edge-nodes" })], namespace: "registry", release: "edge" });
    expect(apart.code, apart.stderr).toBe(0);
    expect(placed(apart.objects)).toEqual({
      "DaemonSet/harbor-edge-node-check": "edge-nodes",
      "ServiceAccount/harbor-edge-node-check": "edge-nodes",
      "Role/harbor-edge-node-check": "registry-node-check",
      "RoleBinding/harbor-edge-node-check": "registry-node-check",
    });
    expect(find(apart.objects, "DaemonSet", "harbor-edge-node-check")!.metadata.namespace).toBe(
      find(apart.objects, "DaemonSet", "harbor-edge-node-mirror")!.metadata.namespace,
    );
    expect(find(apart.objects, "Role", "harbor-edge-report-node-check")!.metadata.namespace).toBe("registry-node-check");
    const rb = find(apart.objects, "RoleBinding", "harbor-edge-report-node-check")!;
    expect(rb.metadata.namespace).toBe("registry-node-check");
    expect(rb.subjects).toEqual([{ kind: "ServiceAccount", name: "harbor-edge-report", namespace: "registry" }]);
    expect(find(apart.objects, "ClusterRoleBinding", "harbor-edge-node-check-registry-edge")!.subjects).toEqual([
      { kind: "ServiceAccount", name: "harbor-edge-node-check", namespace: "edge-nodes" },
    ]);
    expect(reportEnv(apart.objects).NODE_CHECK_NAMESPACE).toBe("registry-node-check");
    expect(find(apart.objects, "RoleBinding", "harbor-edge-node-check")!.subjects).toEqual([
      { kind: "ServiceAccount", name: "harbor-edge-node-check", namespace: "edge-nodes" },
    ]);
  });

  it("refused: the node check without the report (naming the fields); an interval out of range", () => {
    const r = render({ helm, set: [...ON, "harbor-config.report.enabled=false"] });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(
      /harbor-config\.report\.nodeCheck\.enabled: the node check needs the report.*harbor-config\.report\.enabled=true/,
    );
    const low = render({ helm, set: [...ON, "harbor-config.report.nodeCheck.intervalSeconds=5"] });
    expect(low.code).not.toBe(0);
    expect(low.stderr).toMatch(/intervalSeconds/);
  });
});
