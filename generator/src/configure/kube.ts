// The cluster side of a configuration run: the state Secret (keys applied, pending, credentials.PROJECT),
// merge-patches of the Secrets configure keeps in step (the report's robot account, Palette's registry-info),
// and Events on the run's Job. Best effort where the script was: a failure is a status the caller judges.
import { KubeError, kubeRequest, postEvent } from "../kube/client.js";
import type { Run } from "./context.js";
import { NAMES } from "../common/names.js";

const secretPath = (namespace: string, name: string) =>
  `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets/${encodeURIComponent(name)}`;

/** The HTTP status of a failed Kubernetes request (0: no answer), for a log line. */
export const kubeStatus = (e: unknown) => (e instanceof KubeError ? e.status : 0);

/** Merge-patches string keys into a Secret. Returns undefined when done, else the error. */
export async function patchSecret(
  run: Run,
  namespace: string,
  name: string,
  stringData: Record<string, string>,
): Promise<KubeError | undefined> {
  if (!run.kube) return new KubeError("no cluster access");
  try {
    await kubeRequest(run.kube, "PATCH", secretPath(namespace, name), {
      body: { stringData },
      contentType: "application/merge-patch+json",
      timeoutMs: 10_000,
    });
    return undefined;
  } catch (e) {
    if (e instanceof KubeError) return e;
    throw e;
  }
}

/** A Secret's data, decoded; undefined when it does not exist. Throws KubeError otherwise. */
export async function readSecret(run: Run, namespace: string, name: string): Promise<Record<string, string> | undefined> {
  if (!run.kube) return undefined;
  try {
    const s = await kubeRequest<{ data?: Record<string, string> }>(run.kube, "GET", secretPath(namespace, name), { timeoutMs: 10_000 });
    return Object.fromEntries(Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, "base64").toString("utf8")]));
  } catch (e) {
    if (e instanceof KubeError && e.status === 404) return undefined;
    throw e;
  }
}

/** Whether the state Secret can be written: a cluster and STATE_SECRET. */
export const hasState = (run: Run) => Boolean(run.kube && run.input.stateSecret);

/** Keys of the state Secret. */
export async function writeState(run: Run, keys: Record<string, string>): Promise<KubeError | undefined> {
  if (!hasState(run)) return new KubeError("no state Secret");
  return patchSecret(run, run.input.namespace, run.input.stateSecret, keys);
}

/** An Event on this run's Job (none without a cluster or a JOB_NAME): kubectl describe job shows it. */
export async function event(run: Run, type: "Normal" | "Warning", reason: string, message: string): Promise<void> {
  if (!run.kube || !run.input.jobName) return;
  try {
    await postEvent(run.kube, {
      namespace: run.input.namespace,
      involvedObject: {
        apiVersion: "batch/v1",
        kind: "Job",
        name: run.input.jobName,
        namespace: run.input.namespace,
        ...(run.input.jobUid ? { uid: run.input.jobUid } : {}),
      },
      type,
      reason,
      message,
      component: NAMES.configure,
    });
  } catch (e) {
    run.say(`could not record the Event ${reason} (HTTP ${String(kubeStatus(e)).padStart(3, "0")})`);
  }
}
