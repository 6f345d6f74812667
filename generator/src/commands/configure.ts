// harbor-edge configure: brings a running Harbor to what harbor-config asks for (admin password, projects,
// proxy caches and their retention, the report's robot account, registry-info). Run by the chart's
// configuration Job and CronJob with the environment contract of generator/src/configure/input.ts, or from an
// operator's laptop with --harbor, --kubeconfig, --context and -n. The admin password comes only from the
// environment (HARBOR_ADMIN_PASSWORD), never from the command line. Exit 0 configured, 1 cannot converge,
// 2 bad input.
import type { Command } from "commander";
import { Exit } from "./common.js";

interface Options {
  harbor?: string;
  kubeconfig?: string;
  context?: string;
  namespace?: string;
}

export function register(program: Command) {
  program
    .command("configure")
    .description(
      "bring a running Harbor to what harbor-config asks for (admin password, projects, proxy caches, the report's robot account, registry-info); the chart's configuration Job runs it. The admin password comes from the environment (HARBOR_ADMIN_PASSWORD). Exit 0 configured, 1 cannot converge, 2 bad input",
    )
    .option("--harbor <url>", "Harbor's address (overrides HARBOR_URL), e.g. https://harbor.example.com")
    .option(
      "--kubeconfig <file>",
      "kubeconfig of the cluster for the state Secret and Events (default: $KUBECONFIG, the pod's ServiceAccount, ~/.kube/config)",
    )
    .option("--context <name>", "kubeconfig context (default: its current-context)")
    .option("-n, --namespace <ns>", "namespace of the release (overrides KUBE_NAMESPACE)")
    .action(async (o: Options) => {
      const [{ readInput, InputError }, { configure }, kube] = await Promise.all([
        import("../configure/input.js"),
        import("../configure/run.js"),
        import("../kube/client.js"),
      ]);
      let input;
      let access;
      try {
        input = readInput(process.env, { harbor: o.harbor, namespace: o.namespace });
        access =
          o.kubeconfig || o.context
            ? kube.resolveAccess({ kubeconfig: o.kubeconfig, context: o.context })
            : (kube.inClusterAccess() ?? kube.resolveAccess({}));
      } catch (e) {
        if (e instanceof InputError || e instanceof kube.KubeError) throw new Exit(2, `harbor-edge configure: ERROR: ${e.message}`);
        throw e;
      }
      if (access && !input.namespace && access.namespace) input.namespace = access.namespace;
      const code = await configure(input, access && input.namespace ? access : undefined);
      if (code !== 0) throw new Exit(code);
    });
}
