// The chart's contract with a report run from outside the cluster: the report CronJob's literal environment.
import { kubeGet, type KubeAccess } from "../kube/client.js";
import { NAMES } from "../common/names.js";

/** The chart's report CronJob, whose environment is the in-cluster contract (chart/templates/_helpers-report.tpl). */
export const REPORT_CRONJOB = NAMES.report;
/** What a run from outside the cluster takes from it when its own environment does not say. */
export const CONTRACT_FROM_CHART = [
  "HARBOR_PROXY_REGISTRIES",
  "HARBOR_SPECTRO_PROJECT",
  "HARBOR_ADDRESSES",
  "NODE_CHECK_NAMESPACE",
  "NODE_CHECK_INTERVAL_SECONDS",
] as const;

/** The literal values (not secrets: valueFrom is skipped) of CONTRACT_FROM_CHART in a CronJob's report container. Pure. */
export function contractOf(cronJob: any): Record<string, string> {
  const containers = cronJob?.spec?.jobTemplate?.spec?.template?.spec?.containers;
  const c = Array.isArray(containers) ? (containers.find((x: any) => x?.name === "report") ?? containers[0]) : undefined;
  const out: Record<string, string> = {};
  for (const e of Array.isArray(c?.env) ? c.env : []) {
    if ((CONTRACT_FROM_CHART as readonly string[]).includes(e?.name) && typeof e?.value === "string") out[e.name] = e.value;
  }
  return out;
}

/** From outside the cluster: the chart's contract from its CronJob in namespace; undefined with why when it cannot be read. */
export async function readChartContract(
  access: KubeAccess,
  namespace: string,
  timeoutMs: number,
): Promise<{ env: Record<string, string> } | { why: string }> {
  try {
    return {
      env: contractOf(
        await kubeGet(access, `/apis/batch/v1/namespaces/${encodeURIComponent(namespace)}/cronjobs/${REPORT_CRONJOB}`, timeoutMs),
      ),
    };
  } catch (e) {
    return { why: (e as Error).message };
  }
}
