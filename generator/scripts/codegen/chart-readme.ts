// chart/README.md: what Artifact Hub (and `helm show readme`) shows. Generated from the schema, as values.yaml
// is: a short intro, the install commands and the parameters table.
import { GENERATED_NOTICE } from "../../src/common/banner.js";
import { parametersTable } from "../../src/spec/parameters-table.js";
import { packageVersion } from "../../src/common/version.js";
import { HARBOR_VERSION, UPSTREAM_CHART_VERSION } from "../../src/common/upstream.js";

export function chartReadme(): string {
  const version = packageVersion();
  const rows = parametersTable()
    .split("\n")
    .filter((l) => l.startsWith("|"));
  return `<!-- ${GENERATED_NOTICE} (source: schemas/harbor-config.schema.json, generator/scripts/codegen/chart-readme.ts) -->

# harbor-edge-native-config

Harbor ${HARBOR_VERSION} on small Edge Kubernetes clusters, so a cluster keeps starting containers and adding
nodes while its internet link is down: Harbor keeps a copy of every image the cluster pulls through its
proxy-cache projects (docker.io, gcr.io, ghcr.io, quay.io, registry.k8s.io and any you add), and the nodes ask
Harbor before the upstream registry. An umbrella chart over the upstream goharbor \`harbor\` chart
${UPSTREAM_CHART_VERSION}; one typed spec, the \`harbor-config\` block, drives it, and the \`harbor-edge\` CLI (npm package
\`harbor-edge-native-config\`) derives the values the upstream chart must learn from it.

## Install

Every Edge host has 4 CPUs and 8 GB of RAM (a single-node cluster 6 CPUs and 12 GB), the cluster has 300 GB of
persistent storage through a default StorageClass, and \`AlwaysPullImages\` is not among the kube-apiserver's
admission plugins.

\`\`\`sh
npm install -g harbor-edge-native-config
harbor-edge values my-spec.yaml -o values.yaml     # harbor-config + the derived harbor: block
helm install harbor oci://ghcr.io/OWNER/charts/harbor-edge-native-config --version ${version} \\
  --namespace harbor --create-namespace -f values.yaml
harbor-edge status                                 # after the first report: are the running images held by Harbor?
\`\`\`

\`my-spec.yaml\` holds a \`harbor-config:\` block with the parameters below (an empty block takes every default).
The archive carries the upstream chart inside: \`helm pull\` it once for an air-gapped site. Settings only this
chart's templates read can be changed with \`--set harbor-config.KEY=VALUE\`; settings the upstream chart must
also learn go through \`harbor-edge values\` (the chart refuses to render when the two disagree, naming both keys).
Nodes are pointed at Harbor by the opt-in node-mirror DaemonSet (\`nodeMirror.enabled\`) or by the files
\`harbor-edge node-config\` writes; \`helm\` prints the exact commands after install. The project's \`docs/\` holds
the outage guide, the CLI reference, operations and air-gap guides.

## Parameters

${rows.join("\n")}
`;
}
