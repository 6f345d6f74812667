// Running a configuration run as Kubernetes would: the built CLI (on this node) with the rendered container's
// arguments (`configure`: the image's entrypoint is the program) and the environment of the rendered Job (or the
// CronJob's job template),
// secretKeyRefs resolved against the rendered Secrets (or the live ones of a test Kubernetes API), fieldRefs
// as the kubelet fills them, the Secrets the pod mounts as files. Only HARBOR_URL (and the Kubernetes API)
// are pointed at the test servers.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { find, decode, type K8sObject } from "./chart.js";
import { BIN } from "./cli.js";
import { runProcess } from "./process.js";
import type { KubeState } from "../fakes/kube-api.js";

export interface JobRun {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/** One of the configuration step's objects (by its component label). */
export const isConfigure = (o: K8sObject) => o.metadata.labels?.["app.kubernetes.io/component"] === "configure";
/** The Job that runs after install/upgrade (found by its label, as operators do: its name has the revision). */
export const configureJob = (objects: K8sObject[]) => objects.find((o) => o.kind === "Job" && isConfigure(o));
export const configureCronJob = (objects: K8sObject[]) => objects.find((o) => o.kind === "CronJob" && isConfigure(o));

function podOf(objects: K8sObject[], cron: boolean) {
  const owner = cron ? configureCronJob(objects) : configureJob(objects);
  if (!owner) throw new Error(`no configuration ${cron ? "CronJob" : "Job"} in the render`);
  const jobName = cron ? `${owner.metadata.name}-29400000` : owner.metadata.name;
  return {
    pod: cron ? owner.spec.jobTemplate.spec.template : owner.spec.template,
    jobName,
    namespace: owner.metadata.namespace ?? "harbor",
  };
}

/** The run's environment, secretKeyRefs resolved against the rendered Secrets (and Secrets that exist outside the chart). */
export function jobEnv(
  objects: K8sObject[],
  external: K8sObject[] = [],
  o: { cron?: boolean; kube?: KubeState } = {},
): Record<string, string> {
  const { pod, jobName, namespace } = podOf(objects, Boolean(o.cron));
  const live = o.kube ? [...o.kube.secrets.values()] : [];
  const env: Record<string, string> = {};
  for (const e of pod.spec.containers[0].env) {
    if (e.value !== undefined) env[e.name] = String(e.value);
    else if (e.valueFrom?.secretKeyRef) {
      const ref = e.valueFrom.secretKeyRef;
      const secret = find([...live, ...objects, ...external], "Secret", ref.name);
      const data = secret?.data?.[ref.key];
      if (data === undefined) {
        if (ref.optional) continue;
        throw new Error(`env ${e.name}: Secret ${ref.name} key ${ref.key} does not exist`);
      }
      env[e.name] = decode(data);
    } else if (e.valueFrom?.fieldRef) {
      const f = e.valueFrom.fieldRef.fieldPath;
      const value =
        f === "metadata.namespace"
          ? namespace
          : f === "metadata.labels['job-name']"
            ? jobName
            : f === "metadata.labels['controller-uid']"
              ? "0b5e0f7e-1111-4222-8333-944455556666"
              : undefined;
      if (value === undefined) throw new Error(`env ${e.name}: fieldRef ${f} not modelled`);
      env[e.name] = value;
    } else throw new Error(`env ${e.name}: unsupported source`);
  }
  return env;
}

/**
 * The rendered environment pointed at a test Harbor: over https, HARBOR_CA_FILE is the file the pod mounts (under
 * the stand-in root), HARBOR_TLS_SERVER_NAME as rendered; a plain http test server gets neither (the program
 * refuses a CA with an http URL: chart tests check that the rendered URL is https with the CA mounted).
 */
export function towards(env: Record<string, string>, harborUrl: string, root: string): Record<string, string> {
  const { HARBOR_CA_FILE: caFile, HARBOR_TLS_SERVER_NAME: serverName, ...rest } = env;
  if (!harborUrl.startsWith("https:")) return rest;
  return {
    ...rest,
    ...(caFile ? { HARBOR_CA_FILE: path.join(root, caFile) } : {}),
    ...(serverName ? { HARBOR_TLS_SERVER_NAME: serverName } : {}),
  };
}

/**
 * Runs a configuration run as the rendered Job's container: the built CLI with the container's arguments (the
 * image's entrypoint is the program), then o.args. o.command replaces the whole command line (the benchmark runs
 * the sh script the program replaced, with the same environment).
 */
export async function runJob(
  objects: K8sObject[],
  harborUrl: string,
  o: {
    external?: K8sObject[];
    env?: Record<string, string>;
    cron?: boolean;
    kube?: KubeState;
    files?: Record<string, string>;
    args?: string[];
    command?: string[];
  } = {},
): Promise<JobRun> {
  const { pod } = podOf(objects, Boolean(o.cron));
  const container = pod.spec.containers[0];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "configure-job-"));
  // files of mounted Secrets, under a stand-in for the root: those the test gives, and the Secrets the pod
  // mounts that exist (live in the test Kubernetes API, else rendered), as the kubelet projects them
  const root = path.join(dir, "root");
  const live = o.kube ? [...o.kube.secrets.values()] : [];
  for (const v of pod.spec.volumes.filter((x: any) => x.secret)) {
    const secret = find([...live, ...objects], "Secret", v.secret.secretName);
    const mountPath = container.volumeMounts.find((m: any) => m.name === v.name).mountPath as string;
    const items: Array<{ key: string; path: string }> = v.secret.items ?? Object.keys(secret?.data ?? {}).map((k) => ({ key: k, path: k }));
    for (const it of items) {
      if (secret?.data?.[it.key] === undefined) continue;
      fs.mkdirSync(path.join(root, mountPath), { recursive: true });
      fs.writeFileSync(path.join(root, mountPath, it.path), Buffer.from(secret.data[it.key], "base64"));
    }
  }
  for (const [f, content] of Object.entries(o.files ?? {})) {
    fs.mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
    fs.writeFileSync(path.join(root, f), content);
  }
  const kube = o.kube ? { KUBE_API: o.kube.url, KUBE_TOKEN_FILE: o.kube.tokenFile } : {};
  // HOME: no kubeconfig of the machine's user is found
  const env = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: dir,
    ...towards(jobEnv(objects, o.external, o), harborUrl, root),
    HARBOR_URL: harborUrl,
    TMPDIR: dir,
    HARBOR_CREDENTIALS_DIR: path.join(root, "credentials"),
    HARBOR_STATE_DIR: path.join(root, "state"),
    ...kube,
    ...o.env,
  };
  const started = Date.now();
  const args: string[] = container.args ?? [];
  if (!o.command && args[0] !== "configure") throw new Error(`the rendered Job runs ${JSON.stringify(args)}, not harbor-edge configure`);
  const [cmd, ...rest] = o.command ?? [process.execPath, BIN, ...args, ...(o.args ?? [])];
  const { code, stdout, stderr } = await runProcess(cmd, rest, { env, cwd: dir });
  fs.rmSync(dir, { recursive: true, force: true });
  return { code, stdout, stderr, ms: Date.now() - started };
}
