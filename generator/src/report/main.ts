// harbor-edge report's action: the environment and options read (input.ts), the cluster reached (the pod's
// ServiceAccount in a pod; a kubeconfig from a laptop), the clients made, one run (run.ts), its outcome printed.
// Returns the exit code: 0 report made, 1 no report, 2 bad input. Never prints a password, a token or an
// Authorization header: none of them is in any message this builds.
import fs from "node:fs";
import { HarborApi } from "../harbor/api.js";
import { KubeError, resolveAccess, type KubeAccess } from "../kube/client.js";
import { HarborV2 } from "./fetch.js";
import { readChartContract, REPORT_CRONJOB } from "./contract.js";
import { BadInput, readInput } from "./input.js";
import { formatReport, NoReport, runReport } from "./run.js";

export interface MainOptions {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  harbor?: string;
  ca?: string;
  json?: boolean;
  writeStatus?: boolean;
}

const PREFIX = "harbor-edge report";

export async function reportMain(o: MainOptions, env: NodeJS.ProcessEnv): Promise<number> {
  const toStdout = (s: string) => process.stdout.write(`${PREFIX}: ${s}\n`);
  const toStderr = (s: string) => process.stderr.write(`${PREFIX}: ${s}\n`);
  const error = (s: string) => toStderr(`ERROR: ${s}`);

  let access: KubeAccess | undefined;
  let input;
  let ca: string | undefined;
  try {
    input = readInput(env, o);
    // as client-go in a pod: KUBERNETES_SERVICE_HOST/PORT, else the script's default address
    const podEnv = env.KUBE_API || env.KUBERNETES_SERVICE_HOST ? env : { ...env, KUBE_API: "https://kubernetes.default.svc" };
    try {
      access = resolveAccess({ kubeconfig: o.kubeconfig, context: o.context }, podEnv);
    } catch (e) {
      if (e instanceof KubeError) throw new BadInput(e.message);
      throw e;
    }
    if (!access)
      throw new BadInput(
        `no cluster to read: cannot read the ServiceAccount token ${env.KUBE_TOKEN_FILE || "/var/run/secrets/kubernetes.io/serviceaccount/token"} (KUBE_TOKEN_FILE), and no kubeconfig (pass --kubeconfig FILE)`,
      );
    if (input.caFile) {
      try {
        ca = fs.readFileSync(input.caFile, "utf8");
      } catch (e) {
        throw new BadInput(
          `${o.ca ? "--ca" : "HARBOR_CA_FILE"} ${input.caFile}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
        );
      }
    }
  } catch (e) {
    if (e instanceof BadInput) {
      error(e.message);
      return 2;
    }
    throw e;
  }
  const inPod = access.context === "in-cluster";
  const write = inPod || Boolean(o.writeStatus);
  // in-pod progress is the Job's log (stdout); from a laptop stdout carries the report alone
  const log = inPod && !o.json ? toStdout : toStderr;
  if (!inPod && env.HARBOR_PROXY_REGISTRIES === undefined) {
    // from a laptop: which registries Harbor proxies (and the rest of the chart's contract) as the chart's CronJob says
    const ns = input.namespace ?? access.namespace ?? "harbor";
    const c = await readChartContract(access, ns, input.requestTimeoutSeconds * 1000);
    if ("why" in c)
      log(
        `warning: cannot read the chart's CronJob ${ns}/${REPORT_CRONJOB} (${c.why}): no registry counts as proxied; set HARBOR_PROXY_REGISTRIES or pass -n NS`,
      );
    else {
      try {
        input = readInput({ ...c.env, ...env }, o);
      } catch (e) {
        error(`the CronJob ${ns}/${REPORT_CRONJOB}: ${(e as Error).message}`);
        return 2;
      }
    }
  }
  if ((write || input.robotSecret) && !input.namespace) {
    if (access.namespace) input.namespace = access.namespace;
    else {
      error(inPod ? "POD_NAMESPACE is not set" : `${write ? "--write-status" : "REPORT_ROBOT_SECRET"}: name the namespace with -n NS`);
      return 2;
    }
  }

  const timeoutMs = input.requestTimeoutSeconds * 1000;
  const servername = input.tlsServerName || undefined;
  const api = new HarborApi({ url: input.harborUrl, username: input.username, password: input.password, ca, servername, timeoutMs });
  const v2 = new HarborV2({ url: input.harborUrl, username: input.username, password: input.password, ca, servername, timeoutMs });
  try {
    const r = await runReport(input, { access, api, v2, write, log });
    if (o.json) process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
    else if (inPod) log(r.summary);
    else process.stdout.write(formatReport(r, input.harborUrl));
    log(
      `${r.requests.harbor} requests to Harbor, ${r.requests.kube} to the Kubernetes API${write ? `; written to ${input.namespace}/${input.statusConfigMap}` : ""}`,
    );
    return 0;
  } catch (e) {
    if (e instanceof NoReport) {
      error(e.message);
      return 1;
    }
    error(`no report: ${(e as Error).message}`);
    return 1;
  }
}
