// `harbor-edge node-config SPEC --format containerd|k3s|rke2|talos [-o DIR|-] [--kubeconfig FILE | --secrets FILE]`:
// the files that make a node pull through Harbor, and the CA it must trust. Registered by cli.ts; the
// work (helm, the Kubernetes API) is imported when the command runs.
import type { Command } from "commander";
import { Option } from "commander";
import type { NodeConfigOptions } from "../nodeconfig/run.js";

export function register(program: Command): void {
  program
    .command("node-config")
    .description(
      "write what makes nodes pull through Harbor's proxy-cache projects, with the registry itself as the fallback: containerd <DIR>/<registry>/hosts.toml + harbor-ca.crt (from the chart's template, the bytes the node-mirror DaemonSet writes), k3s/RKE2 registries.yaml, Talos machine-config patches. The CA comes from the secrets file (--secrets), auth.certs, or the cluster (Secret harbor-tls, through --kubeconfig, else $KUBECONFIG or ~/.kube/config)",
    )
    .argument("<spec>", "spec file")
    .addOption(
      new Option("--format <format>", "node configuration to write").choices(["containerd", "k3s", "rke2", "talos"]).makeOptionMandatory(),
    )
    .option("-o, --output <dir>", "directory to write into (created); - or nothing: the files are printed")
    .addOption(
      new Option(
        "--kubeconfig <file>",
        "read the CA (Secret harbor-tls, key ca.crt) from this cluster (default, when neither --secrets nor auth.certs gives it: $KUBECONFIG, else ~/.kube/config)",
      ).conflicts("secrets"),
    )
    .option("--context <name>", "kubeconfig context (default: its current-context)")
    .option("-n, --namespace <ns>", "release namespace holding harbor-tls (default: the context's namespace, else harbor)")
    .option("--secrets <file>", "read the CA from the secrets file harbor-edge secrets wrote (secrets.tls.caCrt)")
    .action(async (file: string, o: NodeConfigOptions) => {
      const { runNodeConfig } = await import("../nodeconfig/run.js");
      await runNodeConfig(file, o);
    });
}
