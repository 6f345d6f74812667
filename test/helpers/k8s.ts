// Validation of rendered objects against the Kubernetes API schemas (kubernetes-models), and the Pod
// Security "baseline" rules.
import type { K8sObject } from "./chart.js";

const GROUP_MODULES: Record<string, string> = {
  v1: "kubernetes-models/v1",
  "apps/v1": "kubernetes-models/apps/v1",
  "batch/v1": "kubernetes-models/batch/v1",
  "policy/v1": "kubernetes-models/policy/v1",
  "rbac.authorization.k8s.io/v1": "kubernetes-models/rbac.authorization.k8s.io/v1",
  "networking.k8s.io/v1": "kubernetes-models/networking.k8s.io/v1",
};

/** Returns "Kind/name: message" for each object the API schema rejects. */
export async function schemaErrors(objects: K8sObject[]): Promise<string[]> {
  const out: string[] = [];
  for (const o of objects) {
    const mod = GROUP_MODULES[o.apiVersion];
    if (!mod) {
      out.push(`${o.kind}/${o.metadata?.name}: no schema for apiVersion ${o.apiVersion}`);
      continue;
    }
    const models = (await import(mod)) as Record<string, new (x: unknown) => { validate(): void }>;
    const Model = models[o.kind];
    if (!Model) {
      out.push(`${o.kind}/${o.metadata?.name}: unknown kind in ${o.apiVersion}`);
      continue;
    }
    try {
      new Model(o).validate();
    } catch (e) {
      out.push(`${o.kind}/${o.metadata?.name}: ${(e as Error).message.split("\n")[0]}`);
    }
  }
  return out;
}

const BASELINE_CAPS = new Set([
  "AUDIT_WRITE",
  "CHOWN",
  "DAC_OVERRIDE",
  "FOWNER",
  "FSETID",
  "KILL",
  "MKNOD",
  "NET_BIND_SERVICE",
  "SETFCAP",
  "SETGID",
  "SETPCAP",
  "SETUID",
  "SYS_CHROOT",
]);

/** Pod Security Standard "baseline" violations of one pod spec. */
export function baselineViolations(podSpec: any): string[] {
  const v: string[] = [];
  if (podSpec.hostNetwork) v.push("hostNetwork");
  if (podSpec.hostPID) v.push("hostPID");
  if (podSpec.hostIPC) v.push("hostIPC");
  for (const vol of podSpec.volumes ?? []) if (vol.hostPath) v.push(`hostPath volume ${vol.name}`);
  for (const s of podSpec.securityContext?.sysctls ?? []) v.push(`sysctl ${s.name}`);
  if (podSpec.securityContext?.seccompProfile?.type === "Unconfined") v.push("pod seccomp Unconfined");
  const containers = [...(podSpec.initContainers ?? []), ...(podSpec.containers ?? []), ...(podSpec.ephemeralContainers ?? [])];
  for (const c of containers) {
    const sc = c.securityContext ?? {};
    if (sc.privileged) v.push(`${c.name}: privileged`);
    for (const cap of sc.capabilities?.add ?? []) if (!BASELINE_CAPS.has(cap)) v.push(`${c.name}: capability ${cap}`);
    if (sc.seccompProfile?.type === "Unconfined") v.push(`${c.name}: seccomp Unconfined`);
    if (sc.procMount && sc.procMount !== "Default") v.push(`${c.name}: procMount`);
    if (sc.seLinuxOptions?.type && !["container_t", "container_init_t", "container_kvm_t"].includes(sc.seLinuxOptions.type))
      v.push(`${c.name}: seLinux type`);
    for (const p of c.ports ?? []) if (p.hostPort) v.push(`${c.name}: hostPort ${p.hostPort}`);
  }
  return v;
}

const RESTRICTED_VOLUMES = new Set([
  "configMap",
  "csi",
  "downwardAPI",
  "emptyDir",
  "ephemeral",
  "persistentVolumeClaim",
  "projected",
  "secret",
]);

/** Pod Security Standard "restricted" violations of one pod spec (baseline's, then restricted's own). */
export function restrictedViolations(podSpec: any): string[] {
  const v = baselineViolations(podSpec);
  const pod = podSpec.securityContext ?? {};
  for (const vol of podSpec.volumes ?? [])
    for (const k of Object.keys(vol).filter((x) => x !== "name")) if (!RESTRICTED_VOLUMES.has(k)) v.push(`volume ${vol.name}: ${k}`);
  const containers = [...(podSpec.initContainers ?? []), ...(podSpec.containers ?? []), ...(podSpec.ephemeralContainers ?? [])];
  for (const c of containers) {
    const sc = c.securityContext ?? {};
    if (sc.allowPrivilegeEscalation !== false) v.push(`${c.name}: allowPrivilegeEscalation not false`);
    if (!(sc.capabilities?.drop ?? []).includes("ALL")) v.push(`${c.name}: capabilities not dropping ALL`);
    for (const cap of sc.capabilities?.add ?? []) if (cap !== "NET_BIND_SERVICE") v.push(`${c.name}: capability ${cap}`);
    if ((sc.runAsNonRoot ?? pod.runAsNonRoot) !== true) v.push(`${c.name}: runAsNonRoot not true`);
    if ((sc.runAsUser ?? pod.runAsUser) === 0) v.push(`${c.name}: runAsUser 0`);
    const seccomp = (sc.seccompProfile ?? pod.seccompProfile)?.type;
    if (seccomp !== "RuntimeDefault" && seccomp !== "Localhost") v.push(`${c.name}: seccompProfile not RuntimeDefault`);
  }
  return v;
}
