// node-config's work: validate, check what node-config needs, get the CA, build the files, write them.
import path from "node:path";
import { readSpec } from "../spec/read.js";
import { formatProblem } from "../spec/problems.js";
import { nodeMirrorProblems } from "../spec/rules-node-mirror.js";
import { writeFileAtomic, PUBLIC } from "../io/atomic.js";
import type { Spec } from "../spec/types.js";
import { nodeMirrors, nodeHostDir } from "../spec/mirrors.js";
import { caFromSecretsFile, caFromSpec, caFromCluster } from "./ca.js";
import { containerdFiles, rancherFiles, rancherPaths, talosFiles, type Files } from "./formats.js";
import { renderNodeMirror } from "./render.js";
import { err } from "../io/console.js";

/** The options of harbor-edge node-config (commands/node-config.ts). */
export interface NodeConfigOptions {
  format: "containerd" | "k3s" | "rke2" | "talos";
  output?: string;
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  secrets?: string;
}

export async function nodeConfigFiles(spec: Spec, root: string, o: NodeConfigOptions): Promise<Files> {
  // the CA: from the cluster when asked (--kubeconfig, --context), else the secrets file, else the spec's own
  // certificate, else the cluster of kubectl's kubeconfig ($KUBECONFIG, ~/.kube/config)
  const ca =
    o.kubeconfig || o.context
      ? await caFromCluster(o.kubeconfig, o.namespace, o.context)
      : o.secrets
        ? await caFromSecretsFile(o.secrets, o.namespace)
        : (caFromSpec(spec, root) ?? (await caFromCluster(undefined, o.namespace)));
  const mirrors = nodeMirrors(spec);
  if (o.format === "containerd") {
    const rendered = renderNodeMirror(spec);
    if (!rendered) throw new Error("the chart rendered no harbor-edge-node-mirror ConfigMap for this spec");
    return containerdFiles(rendered.data, mirrors, ca);
  }
  if (o.format === "k3s" || o.format === "rke2") return rancherFiles(o.format, mirrors, ca);
  return talosFiles(mirrors, ca);
}

export async function runNodeConfig(file: string, o: NodeConfigOptions): Promise<void> {
  const { loaded, result } = readSpec(file);
  for (const w of result.warnings) err(formatProblem(w));
  // what node-config needs beyond a valid spec (its warnings were printed with the spec's)
  const problems = [
    ...result.errors,
    ...(result.ok ? nodeMirrorProblems(result.spec, loaded.root, { forNodeConfig: true }).filter((p) => p.severity === "error") : []),
  ];
  if (problems.length > 0) {
    for (const p of problems) err(formatProblem(p));
    throw new Error(`${file}: ${problems.length} problem${problems.length > 1 ? "s" : ""}; nothing was written`);
  }
  const spec = result.spec as Spec;
  const files = await nodeConfigFiles(spec, loaded.root, o);
  if (o.output === undefined || o.output === "-") {
    process.stdout.write(
      Object.entries(files)
        .map(([name, text]) => `# ==> ${name} <==\n${text}${text.endsWith("\n") ? "" : "\n"}`)
        .join(""),
    );
    return;
  }
  for (const [name, text] of Object.entries(files)) writeFileAtomic(path.join(o.output, name), text, PUBLIC);
  const where =
    o.format === "containerd"
      ? `copy ${o.output}/* into ${nodeHostDir(spec)} on every node (containerd's config_path)`
      : o.format === "talos"
        ? "apply one of the Talos files to every node"
        : `install registries.yaml as ${rancherPaths(o.format).registries} and harbor-ca.crt as ${rancherPaths(o.format).ca} on every node`;
  err(`wrote ${Object.keys(files).length} files under ${o.output}: ${where}`);
}
