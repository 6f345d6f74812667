// The outage scenario on kind: with the node-mirror DaemonSet the node pulls through Harbor's proxy cache, and
// once the node's egress is blocked a pod whose image was removed from the node still restarts. Then
// helm uninstall puts the node's own host files back. npm run test:e2e (needs Docker, kind and network).
import { describe, it, expect, beforeAll, afterAll, beforeEach } from "vitest";
import { $ } from "zx";
import {
  ensureCluster,
  deleteCluster,
  nodeIp,
  specFor,
  valuesFile,
  install,
  uninstall,
  api,
  caCert,
  waitHealthy,
  collectLogs,
  helm,
  NS,
  RELEASE,
  UID,
} from "./cluster.js";
import { HEALTHY_MINUTES } from "./budget.js";
import * as nodes from "./nodes.js";
import { HOST_DIR, until } from "./nodes.js";

const DS = "harbor-edge-node-mirror";
const APP_NS = "harbor-edge-e2e-outage";
const IMAGE = "docker.io/library/busybox:1.36.1";
// another tool's files on the node before install: backed up, then put back by helm uninstall
const FOREIGN: Record<string, string> = {
  "docker.io/hosts.toml": 'server = "https://registry-1.docker.io"\n# the node\'s own file, before harbor-edge\n',
  "quay.io/hosts.toml": 'server = "https://quay.io"\n',
};

let node: string;
let before: string;

const onNode = (script: string) => nodes.onNode(node, script);
const hostDirSnapshot = () => nodes.hostDirSnapshot(node);
const imageOnNode = () => nodes.imageOnNode(node, IMAGE);
const blockEgress = () => nodes.blockEgress(node);
const unblockEgress = () => nodes.unblockEgress(node);

async function dsReady(): Promise<void> {
  const r = await $`kubectl rollout status daemonset/${DS} --namespace ${NS} --timeout 300s`.nothrow();
  if (r.exitCode !== 0) {
    // the readiness probe prints why containerd does not read the host directory
    const why = (await $`kubectl describe pods --namespace ${NS} --selector app.kubernetes.io/component=node-mirror`.nothrow()).stdout;
    throw new Error(`the node-mirror DaemonSet is not ready:\n${why}`);
  }
}

const deployment = () => `apiVersion: apps/v1
kind: Deployment
metadata: {name: outage, namespace: ${APP_NS}}
spec:
  replicas: 1
  selector: {matchLabels: {app: outage}}
  template:
    metadata: {labels: {app: outage}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
        - {name: app, image: "${IMAGE}", imagePullPolicy: IfNotPresent, command: ["sleep", "86400"]}
`;

beforeAll(async () => {
  await ensureCluster();
  node = (await $`kubectl get nodes -o jsonpath=${"{.items[0].metadata.name}"}`).stdout.trim();
  const vip = await nodeIp();
  for (const [rel, text] of Object.entries(FOREIGN))
    await onNode(`mkdir -p ${HOST_DIR}/${rel.split("/")[0]} && printf '%s' '${text.replace(/'/g, "'\\''")}' > ${HOST_DIR}/${rel}`);
  before = await hostDirSnapshot();
  // the node check on: the report counts an image only where the node can pull it from Harbor
  const spec = await specFor({
    cluster: { uid: UID, vip },
    proxyCache: { enabled: true },
    nodeMirror: { enabled: true, addresses: [`${vip}:30003`] },
    report: { nodeCheck: { enabled: true, intervalSeconds: 30 } },
  });
  const installed = (await $`${helm.bin} status ${RELEASE} --namespace ${NS}`.nothrow()).exitCode === 0;
  await install(valuesFile(spec, "e2e-node-mirror"), installed ? "upgrade" : "install");
  await waitHealthy(HEALTHY_MINUTES * 60_000);
  await $`kubectl create namespace ${APP_NS} --dry-run=client -o yaml | kubectl apply -f -`;
});

beforeEach((ctx) => {
  ctx.onTestFailed(() => collectLogs(ctx.task.name));
});

afterAll(async () => {
  if (node) await unblockEgress();
  await $`kubectl delete namespace ${APP_NS} --ignore-not-found --wait=false`.nothrow();
  await deleteCluster();
});

describe("outage protection on kind (node-mirror DaemonSet)", () => {
  it("the DaemonSet writes the ConfigMap's files and the CA into the node's host directory, keeping the node's own", async () => {
    await dsReady();
    const cm = JSON.parse((await $`kubectl get configmap harbor-edge-node-mirror --namespace ${NS} -o json`).stdout);
    const keys = Object.keys(cm.data);
    expect(keys).toContain("docker.io.hosts.toml");
    const ca = await caCert();
    for (const key of keys) {
      const host = key.replace(/\.hosts\.toml$/, "").replace(/_/g, ":");
      expect((await onNode(`cat ${HOST_DIR}/${host}/hosts.toml`)).stdout, key).toBe(cm.data[key]);
      expect((await onNode(`cat ${HOST_DIR}/${host}/harbor-ca.crt`)).stdout, key).toBe(ca);
    }
    expect((await onNode(`cat ${HOST_DIR}/docker.io/hosts.toml.harbor-edge.bak`)).stdout).toBe(FOREIGN["docker.io/hosts.toml"]);
  });

  it("the kubelet pulls a pod's image through Harbor's proxy-cache project docker.io", async () => {
    await onNode(`crictl rmi ${IMAGE}`).nothrow();
    expect(await imageOnNode()).toBe(false);
    await $({ input: deployment() })`kubectl apply -f -`;
    await $`kubectl rollout status deployment/outage --namespace ${APP_NS} --timeout 300s`;
    // Harbor stores what it proxied asynchronously: wait until its API lists the tag in project docker.io (a
    // multi-platform index pulled for one platform: 400 s after the pull, ManifestListCache's 20 x 20 s)
    await until(
      "busybox in Harbor's docker.io project",
      async () => {
        const r = await api("GET", "/projects/docker.io/repositories/library%252Fbusybox/artifacts?with_tag=true");
        return r.status === 200 && (JSON.parse(r.body) as any[]).some((a) => (a.tags ?? []).some((t: any) => t.name === "1.36.1"));
      },
      10 * 60_000,
    );
  });

  it("with the node's egress blocked and the image removed from the node, the restarted pod runs from Harbor", async () => {
    await blockEgress();
    try {
      // the cut is real: neither the node nor a pod reaches the upstream registry
      expect(await nodes.upstreamUnreachable(node)).toBe(true);
      expect(
        (
          await $`kubectl exec --namespace ${NS} deploy/harbor-core -- curl -sS -m 10 -o /dev/null https://registry-1.docker.io/v2/`.nothrow()
        ).exitCode,
      ).not.toBe(0);
      await $`kubectl scale deployment/outage --namespace ${APP_NS} --replicas 0`;
      await until(
        "the pod gone",
        async () => (await $`kubectl get pods --namespace ${APP_NS} --selector app=outage -o name`).stdout.trim() === "",
        120_000,
      );
      // once the kubelet has removed the pod's containers, nothing holds the image's unpacked layers: removing
      // the image then removes them too, so the re-pull must fetch every layer, not just the manifest
      await nodes.removeImages(node, [IMAGE], { namespace: APP_NS });
      expect(await imageOnNode()).toBe(false);
      await $`kubectl scale deployment/outage --namespace ${APP_NS} --replicas 1`;
      // Harbor asks the upstream for a tag until its registry health check (every 5 minutes) marks the upstream
      // unhealthy; the kubelet retries the failed pulls (back-off up to 5 minutes): allow both
      await $`kubectl rollout status deployment/outage --namespace ${APP_NS} --timeout 900s`;
      expect(await imageOnNode()).toBe(true);
    } finally {
      await unblockEgress();
    }
  });

  it("the node check measures the node as its containerd pulls: the report's nodes line counts busybox held and reachable there", async () => {
    // a report run after the node's check has seen the outage deployment's pod
    await until("the node's check result with busybox", async () => {
      const cms = JSON.parse((await $`kubectl get configmaps --namespace ${NS}-node-check -o json`).stdout).items as any[];
      return cms.some((c) => c.data?.node === node && (JSON.parse(c.data.result).images as any[]).some((i) => i.image === IMAGE && i.ok));
    });
    await $`kubectl create job --from=cronjob/harbor-edge-report e2e-report-nodes --namespace ${NS}`;
    // a run may wait report.confirmSeconds (600 s by default) for what it asked Harbor to fetch, then writes
    await $`kubectl wait --for=condition=complete job/e2e-report-nodes --namespace ${NS} --timeout 900s`;
    const r = await $`node generator/bin/harbor-edge.js status --namespace ${NS} --json`.nothrow();
    const status = JSON.parse(r.stdout);
    const mine = (status.nodes as any[]).find((n) => n.name === node);
    expect(mine, r.stdout).toBeDefined();
    expect(
      mine.missing.filter((m: string) => m.startsWith(IMAGE)),
      r.stdout,
    ).toEqual([]);
    expect(mine.total).toBeGreaterThan(0);
  });

  it("a DaemonSet roll during the outage keeps the node's mirrors: the restarted pod still runs from Harbor", async () => {
    await blockEgress();
    try {
      const files = await hostDirSnapshot();
      await $`kubectl rollout restart daemonset/${DS} --namespace ${NS}`;
      await $`kubectl rollout status daemonset/${DS} --namespace ${NS} --timeout 300s`;
      // the old pod did not restore on SIGTERM (its DaemonSet is still there): the files never left
      expect(await onNode(`cat ${HOST_DIR}/docker.io/hosts.toml`).then((r) => r.stdout)).toContain("30003");
      expect(await hostDirSnapshot()).toBe(files);
      await $`kubectl scale deployment/outage --namespace ${APP_NS} --replicas 0`;
      await nodes.removeImages(node, [IMAGE], { namespace: APP_NS });
      await $`kubectl scale deployment/outage --namespace ${APP_NS} --replicas 1`;
      await $`kubectl rollout status deployment/outage --namespace ${APP_NS} --timeout 900s`;
      expect(await imageOnNode()).toBe(true);
    } finally {
      await unblockEgress();
    }
  });

  it("helm uninstall puts the node's own host files back", async () => {
    await uninstall();
    await until("the node's host directory as it was before install", async () => (await hostDirSnapshot()) === before, 120_000);
  });
});
