// harbor-edge report: is the cluster ready for an outage? Lists the images the cluster runs, asks Harbor whether
// it holds each one, has it fetch the missing ones through their proxy-cache projects, confirms, and says
// "N of M running images are held by Harbor; missing: ...". In a pod (the chart's report Job and CronJob,
// through the ServiceAccount) it writes that to the ConfigMap harbor-edge-status and as an Event; from an
// operator's machine (--kubeconfig) it prints it, and writes only with --write-status.
// Exit 0: report made (whatever it says); 1: no report could be made; 2: bad input. The environment contract
// is report/input.ts's. This module imports only commander at load time; the action loads the rest.
import type { Command } from "commander";
import { Exit } from "./common.js";

import type { MainOptions as ReportCliOptions } from "../report/main.js";

export function register(program: Command): void {
  program
    .command("report")
    .description(
      'check that Harbor holds every image the cluster runs (asking it to fetch the missing ones through its proxy-cache projects, then confirming): "N of M running images are held by Harbor; missing: ...". In a pod: written to the ConfigMap harbor-edge-status and an Event; with --kubeconfig: printed. Credentials from HARBOR_USERNAME and HARBOR_PASSWORD, else the robot account in the Secret REPORT_ROBOT_SECRET, else admin with HARBOR_ADMIN_PASSWORD. Exit 0 report made, 1 no report, 2 bad input',
    )
    .option("--kubeconfig <file>", "kubeconfig of the cluster (default: $KUBECONFIG, the pod's ServiceAccount, ~/.kube/config)")
    .option("--context <name>", "kubeconfig context (default: its current-context)")
    .option("-n, --namespace <ns>", "namespace of the ConfigMap and Event to write (default: POD_NAMESPACE, the context's)")
    .option("--harbor <url>", "Harbor's address, e.g. https://10.10.1.5:30003 (default: HARBOR_URL)")
    .option("--ca <file>", "PEM CA that signed Harbor's certificate")
    .option("--json", "print the report as JSON (progress goes to stderr)")
    .option("--write-status", "write the ConfigMap and the Event from outside the cluster too")
    .action(async (o: ReportCliOptions) => {
      const code = await (await import("../report/main.js")).reportMain(o, process.env);
      if (code !== 0) throw new Exit(code);
    });
}
