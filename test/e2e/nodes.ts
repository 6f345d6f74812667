// The kind nodes themselves (containers named after the cluster), driven through `docker exec`: egress blocked
// and unblocked, the containerd host directory, the images in a node's containerd, kubelet and containerd
// stopped and started. Shared by node-mirror.e2e.ts (one node) and drill.e2e.ts (three).
import { $ } from "zx";
import { waitFor } from "../helpers/wait.js";

$.verbose = false;

/** containerd's host directory: nodeMirror.distribution containerd; test/e2e/kind-config*.yaml set config_path to it. */
export const HOST_DIR = "/etc/containerd/certs.d";
/** The iptables chain the egress block lives in (one per node, in the node's own network namespace). */
const CHAIN = "HARBOR_EDGE_E2E_OUTAGE";
const DNAT_CHAIN = "HARBOR_EDGE_E2E_FRONT";

/** A shell script in the node (its mount and network namespaces, as root). */
export const onNode = (node: string, script: string) => $`docker exec ${node} sh -c ${script}`;
/** Shell quoting for a value put into onNode's script. */
export const sq = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;

/** Polls fn (a failing call counts as not yet) every 3 s, at most timeoutMs. */
export const until = <T>(
  what: string,
  fn: () => Promise<T | undefined | false>,
  timeoutMs = 5 * 60_000,
  diagnose?: () => string,
): Promise<T> => waitFor(what, () => fn().catch(() => undefined), { ms: timeoutMs, everyMs: 3000, diagnose });

/** The cluster's nodes (their names are the kind containers' names), control plane first, then in name order. */
export async function nodeNames(): Promise<string[]> {
  const list = JSON.parse((await $`kubectl get nodes -o json`).stdout).items as any[];
  const cp = (n: any) => ("node-role.kubernetes.io/control-plane" in (n.metadata.labels ?? {}) ? 0 : 1);
  return list.sort((a, b) => cp(a) - cp(b) || String(a.metadata.name).localeCompare(b.metadata.name)).map((n) => n.metadata.name as string);
}

/** The node's address on kind's network (eth0): what other nodes and the host reach it at. */
export async function nodeAddress(node: string): Promise<string> {
  return (await onNode(node, "ip -4 -o addr show dev eth0 | awk '{print $4}' | cut -d/ -f1 | head -1")).stdout.trim();
}

/** kind's network as the node sees it (eth0's IPv4 and IPv6 prefixes): the host's gateway and every node are in it. */
async function kindNetwork(node: string): Promise<{ cidr4: string; cidr6: string; gateway: string }> {
  const cidr4 = (await onNode(node, "ip -4 -o addr show dev eth0 | awk '{print $4}' | head -1")).stdout.trim();
  const cidr6 = (await onNode(node, "ip -6 -o addr show dev eth0 scope global | awk '{print $4}' | head -1").nothrow()).stdout.trim();
  const gateway = (await onNode(node, "ip -4 route show default | awk '{print $3}' | head -1")).stdout.trim();
  return { cidr4, cidr6, gateway };
}

/** The host's address on kind's network (the nodes' default gateway): where a process of the test listens for the nodes. */
export async function hostGateway(node: string): Promise<string> {
  return (await kindNetwork(node)).gateway;
}

/**
 * The cluster's pod network (kube-controller-manager's --cluster-cidr, kind's podSubnet), else every node's
 * podCIDR: kindnet routes pod-to-pod traffic between nodes out of eth0 unencapsulated, so a multi-node egress
 * block must let it through or Harbor's own pods stop reaching each other.
 */
export async function podNetworks(): Promise<string[]> {
  const cm = await $`kubectl get pods --namespace kube-system --selector component=kube-controller-manager -o json`.nothrow();
  const flags =
    cm.exitCode === 0
      ? (JSON.parse(cm.stdout).items as any[]).flatMap((p) =>
          p.spec.containers.flatMap((c: any) => [...(c.command ?? []), ...(c.args ?? [])]),
        )
      : [];
  const cidr = flags.map((f: string) => /^--cluster-cidr=(.+)$/.exec(f)?.[1]).find(Boolean);
  if (cidr) return cidr.split(",");
  const list = JSON.parse((await $`kubectl get nodes -o json`).stdout).items as any[];
  return [...new Set(list.flatMap((n) => n.spec.podCIDRs ?? (n.spec.podCIDR ? [n.spec.podCIDR] : [])) as string[])];
}

/**
 * Blocks everything the kind node (and the pods it forwards for) sends out of eth0, except to kind's own
 * network (the other nodes, and the host at the gateway address) and to `allow` (the pod network of a
 * multi-node cluster: podNetworks()). Idempotent: a node already blocked stays so.
 */
export async function blockEgress(node: string, allow: string[] = []): Promise<void> {
  const { cidr4, cidr6 } = await kindNetwork(node);
  const rules = (cmd: string, cidrs: string[]) =>
    [
      `${cmd} -N ${CHAIN}`,
      ...cidrs.filter(Boolean).map((c) => `${cmd} -A ${CHAIN} -d ${c} -j RETURN`),
      `${cmd} -A ${CHAIN} -j REJECT`,
      `${cmd} -I OUTPUT 1 -o eth0 -j ${CHAIN}`,
      `${cmd} -I FORWARD 1 -o eth0 -j ${CHAIN}`,
    ].join(" && ");
  if ((await onNode(node, `iptables -n -L ${CHAIN} >/dev/null 2>&1`).nothrow()).exitCode === 0) return;
  await onNode(node, rules("iptables", [cidr4, ...allow.filter((c) => !c.includes(":"))]));
  await onNode(node, rules("ip6tables", [cidr6, ...allow.filter((c) => c.includes(":"))])).nothrow(); // a node without IPv6 has nothing to block there
}

/** Undoes blockEgress (and redirectHarbor): safe to call on a node that has neither. */
export async function unblockEgress(node: string): Promise<void> {
  for (const cmd of ["iptables", "ip6tables"]) {
    await onNode(
      node,
      `${cmd} -D OUTPUT -o eth0 -j ${CHAIN}; ${cmd} -D FORWARD -o eth0 -j ${CHAIN}; ${cmd} -F ${CHAIN}; ${cmd} -X ${CHAIN}`,
    ).nothrow();
  }
  await unredirectHarbor(node);
}

/** The upstream registry cannot be reached from the node (the cut is real); true when blocked. */
export async function upstreamUnreachable(node: string): Promise<boolean> {
  return (await onNode(node, "curl -sS -m 10 -o /dev/null https://registry-1.docker.io/v2/").nothrow()).exitCode !== 0;
}

/**
 * What the node itself sends to Harbor's address (containerd, and the hostNetwork node-check pods) goes to
 * `to` instead (iptables DNAT in the node's nat OUTPUT chain, first): a front the test runs on the host.
 */
export async function redirectHarbor(node: string, harbor: { ip: string; port: number }, to: { ip: string; port: number }): Promise<void> {
  await unredirectHarbor(node);
  await onNode(
    node,
    `iptables -t nat -N ${DNAT_CHAIN} && iptables -t nat -A ${DNAT_CHAIN} -p tcp -d ${harbor.ip} --dport ${harbor.port} -j DNAT --to-destination ${to.ip}:${to.port} && iptables -t nat -I OUTPUT 1 -j ${DNAT_CHAIN}`,
  );
  // connections open before the rule keep their old destination (conntrack): end containerd's idle ones
  await onNode(
    node,
    `command -v conntrack >/dev/null && conntrack -D -p tcp -d ${harbor.ip} --dport ${harbor.port} >/dev/null 2>&1; true`,
  ).nothrow();
}

export async function unredirectHarbor(node: string): Promise<void> {
  await onNode(
    node,
    `iptables -t nat -D OUTPUT -j ${DNAT_CHAIN}; iptables -t nat -F ${DNAT_CHAIN}; iptables -t nat -X ${DNAT_CHAIN}`,
  ).nothrow();
}

/** The node's host directory: its directories, and each file's name, mode, size, mtime and hash (a directory's mtime follows its entries). */
export async function hostDirSnapshot(node: string): Promise<string> {
  return (
    await onNode(
      node,
      `cd ${HOST_DIR} && find . -type d | sort && find . ! -type d -print0 | sort -z | xargs -0 -r stat -c '%n %F %a %s %Y' && find . -type f -print0 | sort -z | xargs -0 -r sha256sum`,
    )
  ).stdout;
}

/** Whether the node's containerd (CRI, namespace k8s.io) has the image by that name. */
export async function imageOnNode(node: string, image: string): Promise<boolean> {
  return (await onNode(node, `crictl inspecti ${sq(image)} >/dev/null 2>&1`).nothrow()).exitCode === 0;
}

/**
 * Removes the images from the node once the kubelet has removed every container of the namespace's pods there:
 * no container holds their unpacked layers then, so containerd's garbage collection removes the layers too,
 * unless another image on the node shares one (a layer is kept, and not fetched again, while any image
 * uses it). Removed with no such image, a pull must fetch every layer again, not just the manifest: the drill's
 * own image (drill.e2e.ts, `late`) is built to share no layer with its workload images.
 */
export async function removeImages(node: string, images: string[], holders: { namespace: string } | { podUids: string[] }): Promise<void> {
  const labels =
    "namespace" in holders
      ? [`io.kubernetes.pod.namespace=${holders.namespace}`]
      : holders.podUids.map((u) => `io.kubernetes.pod.uid=${u}`);
  await until(
    `the kubelet of ${node} to remove the containers of ${"namespace" in holders ? `${holders.namespace}'s pods` : `pods ${holders.podUids.join(", ")}`}`,
    async () => {
      for (const l of labels) if ((await onNode(node, `crictl ps -a -q --label ${sq(l)}`)).stdout.trim() !== "") return false;
      return true;
    },
    180_000,
  );
  for (const image of images) {
    await onNode(node, `crictl rmi ${sq(image)} >/dev/null 2>&1 || true`);
    if (await imageOnNode(node, image)) throw new Error(`${image} is still on ${node} after crictl rmi`);
  }
}

/** systemctl in the node (kind's nodes run systemd: containerd.service and kubelet.service). */
export const systemctl = (node: string, verb: "start" | "stop" | "restart", ...units: Array<"containerd" | "kubelet">) =>
  onNode(node, `systemctl ${verb} ${units.join(" ")}`);

/** Writes files (relative path -> text) under dir in the node, creating directories; nothing else touched. */
export async function writeFiles(node: string, dir: string, files: Record<string, string>): Promise<void> {
  for (const [rel, text] of Object.entries(files)) {
    if (rel.split("/").includes("..") || rel.startsWith("/")) throw new Error(`refusing to write ${rel} outside ${dir}`);
    const file = `${dir}/${rel}`;
    await $({ input: text })`docker exec -i ${node} sh -c ${`mkdir -p "$(dirname ${sq(file)})" && cat > ${sq(file)}`}`;
  }
}

/** The Node object's Ready condition is True. */
export async function nodeReady(node: string): Promise<boolean> {
  const r = await $`kubectl get node ${node} -o json`.nothrow();
  return r.exitCode === 0 && (JSON.parse(r.stdout).status?.conditions ?? []).some((c: any) => c.type === "Ready" && c.status === "True");
}
