// The outage drill on kind: a placeholder. The drill runs on the local-cluster tier (test/cluster/drill.test.ts:
// two nodes, a third joining during the outage, a DaemonSet roll, a containerd + kubelet restart, and the
// defects the report must predict). On kind it needs a multi-node cluster (ci/kind-config.yaml has one node,
// like a single Edge host) and real Harbor in front of the proxy cache; these are the steps it would take.
import { describe, it } from "vitest";

describe("the outage drill on a multi-node kind cluster (see test/cluster/drill.test.ts)", () => {
  it.todo("install with the node-mirror DaemonSet on every node; the report lists every running image as held");
  it.todo("block every node's egress; delete every workload pod and remove its image from each node; every pod comes back from Harbor");
  it.todo("a node joins during the outage with `harbor-edge node-config` files in place before containerd starts, and runs a pinned workload");
  it.todo("`kubectl rollout restart ds/harbor-edge-node-mirror` during the outage keeps each node's host files; a pod deleted with its image comes back");
  it.todo("containerd and the kubelet restarted on a node during the outage: its pods come back");
  it.todo("defects before the cut (a SAN left out, a private project, an unresolvable token realm, an image never pulled through Harbor) fail exactly the (image, node) pairs the report's `nodes` named");
});
