// harbor-edge status: prints what the in-cluster report last found, from outside the cluster. Exit 0 when
// every running image is held by Harbor; 1 when some are not, or there is no report to read.
import type { Command } from "commander";

export function register(program: Command): void {
  program
    .command("status")
    .description("print what the in-cluster report last found: \"N of M running images are held by Harbor; missing: ...\" (the ConfigMap harbor-edge-status and its latest Event). Exit 0 when all are held, 1 otherwise")
    .option("--kubeconfig <file>", "kubeconfig of the cluster (token, client certificate or basic auth; no credential plugins); default: $KUBECONFIG, else ~/.kube/config, as kubectl")
    .option("-n, --namespace <ns>", "namespace the chart is installed in (default: the context's namespace, else harbor)")
    .option("--context <name>", "kubeconfig context (default: its current-context)")
    .option("--json", "print the report as JSON")
    .action(async (o: { kubeconfig?: string; namespace?: string; context?: string; json?: boolean }) => {
      const { resolveAccess } = await import("../kube/client.js");
      const { readStatus, formatStatus } = await import("./status.js");
      const access = resolveAccess({ kubeconfig: o.kubeconfig, context: o.context });
      if (!access) throw new Error("no kubeconfig: pass --kubeconfig FILE, set KUBECONFIG, or write ~/.kube/config (as for kubectl)");
      const s = await readStatus(access, o.namespace ?? access.namespace ?? "harbor");
      process.stdout.write(o.json ? `${JSON.stringify(s, null, 2)}\n` : formatStatus(s));
      if (!s.allHeld) throw new Error(s.summary.startsWith("no report") ? "the last report failed" : `${s.total - s.held} of ${s.total} running images are not held by Harbor`);
    });
}
