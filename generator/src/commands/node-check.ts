// `harbor-edge node-check [IMAGE...] [--host-dir DIR] [--host-root DIR] [--containerd-config FILE] [--platform os/arch]
// [--node NAME] [--json]`: run on a node (one `node-config` or the node-mirror DaemonSet configured), it tells whether this
// node can pull each image from Harbor alone, as its containerd would (generator/src/nodecheck/check.ts).
// One line per image and a summary on stdout (or the NodeResult as JSON); exit 0 all ok, 1 some not, 2 usage.
import type { Command } from "commander";
import { EXIT, Exit, err, out } from "./common.js";

export interface NodeCheckCliOptions {
  hostDir: string;
  hostRoot: string;
  containerdConfig?: string;
  platform?: string;
  node?: string;
  json?: boolean;
  timeout: string;
  inCluster?: boolean;
}

export const DEFAULT_HOST_DIR = "/etc/containerd/certs.d";

export function register(program: Command): void {
  program
    .command("node-check")
    .description(
      'on a node: can it pull each IMAGE from Harbor alone, as its containerd would? Reads the node\'s containerd host files (<host-dir>/<registry>/hosts.toml, as node-config or the node-mirror DaemonSet wrote them), trusts the node\'s CA store (read under --host-root as containerd\'s Go reads it) and their CA files, tries their Harbor addresses in file order, anonymously, resolving the token realm with this machine\'s resolver; the registry itself (server) never counts. Prints "ok IMAGE via URL" or "FAIL IMAGE: KIND: detail" (KIND: containerd-config, no-mirror, tls-san, tls-ca, unauthorized, realm-unresolvable, unreachable, not-found, error) and "N of M images can be pulled from Harbor on NODE". Exit 0 all can, 1 some cannot, 2 bad usage',
    )
    .argument("[image...]", "image references as pods name them (nginx:1.25, quay.io/org/app@sha256:...)")
    .option("--host-dir <dir>", "containerd's host directory (config_path)", DEFAULT_HOST_DIR)
    .option(
      "--host-root <dir>",
      "the node's / as this process sees it: its CA store (/etc/ssl/certs, /etc/pki, ...) is read under it, symlinks resolved inside it",
      "/",
    )
    .option(
      "--containerd-config <file>",
      "containerd's config.toml: first check that its config_path is --host-dir (else every image fails with containerd-config)",
    )
    .option(
      "--platform <os/arch>",
      "the platform to pull for, os/architecture[/variant] (default: this machine's, as containerd's default)",
    )
    .option("--node <name>", "the node's name in the output (default: this machine's host name)")
    .option("--timeout <seconds>", "per request", "10")
    .option("--json", "print the result (node, platform, checkedAt, hostDir, nodeFailure, images[]) as JSON")
    .option(
      "--in-cluster",
      "the chart's node-check DaemonSet (report.nodeCheck): check the images of this node's pods every NODE_CHECK_INTERVAL_SECONDS and write the result into the node's ConfigMap in KUBE_NAMESPACE, which the report reads; settings from the environment (generator/src/nodecheck/in-cluster.ts), no image arguments",
    )
    .action(async (images: string[], o: NodeCheckCliOptions) => {
      if (o.inCluster) {
        if (images.length > 0) throw usage("--in-cluster takes no image: it checks the images of its node's pods");
        const [{ runInCluster }, { checkNode }] = await Promise.all([
          import("../nodecheck/in-cluster.js"),
          import("../nodecheck/check.js"),
        ]);
        const ac = new AbortController();
        process.once("SIGTERM", () => ac.abort());
        process.once("SIGINT", () => ac.abort());
        const code = await runInCluster(process.env, { check: checkNode, signal: ac.signal });
        if (code !== 0) throw new Exit(code);
        return;
      }
      await runNodeCheck(images, o);
    });
}

export async function runNodeCheck(images: string[], o: NodeCheckCliOptions): Promise<void> {
  const timeout = Number(o.timeout);
  if (!/^\d+(\.\d+)?$/.test(o.timeout) || timeout <= 0 || timeout > 600)
    throw usage(`--timeout: expected seconds between 0 and 600, given ${JSON.stringify(o.timeout)}`);
  if (images.length === 0 && !o.containerdConfig) throw usage("name at least one image (or --containerd-config to check config_path only)");
  const [{ checkNode, hostName }, { parsePlatform }, { parseReference }, { nodeResultLines }] = await Promise.all([
    import("../nodecheck/check.js"),
    import("../nodecheck/platform.js"),
    import("../registry/reference.js"),
    import("../nodecheck/format.js"),
  ]);
  if (o.platform) {
    try {
      parsePlatform(o.platform);
    } catch (e) {
      throw usage(`--${(e as Error).message}`);
    }
  }
  for (const i of images) {
    try {
      parseReference(i);
    } catch (e) {
      throw usage((e as Error).message);
    }
  }
  const hostRoot = o.hostRoot ?? "/";
  let isDir = false;
  try {
    isDir = (await import("node:fs")).statSync(hostRoot).isDirectory();
  } catch {
    // said below
  }
  if (!isDir) throw usage(`--host-root: ${JSON.stringify(hostRoot)} is not a directory`);
  const node = o.node ?? hostName();
  const r = await checkNode({
    node,
    hostDir: o.hostDir,
    hostRoot,
    containerdConfig: o.containerdConfig,
    images,
    platform: o.platform,
    timeoutMs: timeout * 1000,
  });
  const okCount = r.images.filter((i) => i.ok).length;
  if (o.json) out(JSON.stringify(r, null, 2));
  else {
    if (!r.nodeFailure && o.containerdConfig) err(`containerd reads ${r.hostDir} (${o.containerdConfig})`);
    out(nodeResultLines(r).join("\n"));
  }
  if (r.nodeFailure || okCount < r.images.length) throw new Exit(EXIT.invalid);
}

function usage(message: string): Exit {
  return new Exit(EXIT.usage, `error: ${message}\nsee 'harbor-edge node-check --help'`);
}
